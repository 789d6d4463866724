package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records/graph"
	"dbtp/internal/records/graph/graphtest"
)

func newClient(t *testing.T, srv *graphtest.Server) *graph.Client {
	t.Helper()
	c, err := graph.New(srv.Config())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func TestItemMapsRecordedDriveItems(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	cases := []struct {
		name      string
		drive, id string
		want      graph.Item
	}{
		{"SharePoint file, percent-encoded path", graphtest.SharePointDriveID, graphtest.CarePlanID, graph.Item{
			ID: graphtest.CarePlanID, DriveID: graphtest.SharePointDriveID, Name: "Care plan review - J Smith.docx",
			MimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			WebURL:   "https://kentcc.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/Care%20plans/2024/Care%20plan%20review%20-%20J%20Smith.docx",
			ETag:     `"{9D2E5C71-3B4A-4F0E-8C6D-1A2B3C4D5E6F},4"`, Size: 1162,
			Created: mustTime(t, "2024-02-05T10:14:32Z"), Modified: mustTime(t, "2024-03-12T15:47:09Z"),
			CreatedBy: "Priya Patel", ModifiedBy: "Tom Hughes", Path: "/Care plans/2024",
			SiteID: graphtest.SharePointSiteID, QuickXorHash: "Qq0CwYy6Y2GanSk/izf/5X6vj20=",
		}},
		{"OneDrive file, plain path, modified by an application", graphtest.OneDriveID, graphtest.VisitNotesID, graph.Item{
			ID: graphtest.VisitNotesID, DriveID: graphtest.OneDriveID, Name: "Home visit notes 2024-03-12.pdf",
			MimeType: "application/pdf",
			WebURL:   "https://kentcc-my.sharepoint.com/personal/jane_smith_kent_gov_uk/Documents/Home%20visits/March%202024/Home%20visit%20notes%202024-03-12.pdf",
			ETag:     `"{2F6A8B1C-4D3E-4A5F-9B0C-7E8D9F0A1B2C},1"`, Size: 515,
			Created: mustTime(t, "2024-03-12T11:02:51.407Z"), Modified: mustTime(t, "2024-03-12T11:02:51.407Z"),
			CreatedBy: "Jane Smith", ModifiedBy: "Microsoft Teams", Path: "/Home visits/March 2024",
			SiteID: graphtest.OneDriveSiteID, QuickXorHash: "IbcozM/b1shuYYvExO8PbBb8mtc=",
		}},
		{"folder at the top of the library", graphtest.SharePointDriveID, graphtest.FolderID, graph.Item{
			ID: graphtest.FolderID, DriveID: graphtest.SharePointDriveID, Name: "Safeguarding referrals",
			WebURL: "https://kentcc.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/Safeguarding%20referrals",
			ETag:   `"{5A6B7C8D-9E0F-4A1B-8C2D-3E4F5A6B7C8D},1"`, Size: 2841120,
			Created: mustTime(t, "2021-09-01T08:30:00Z"), Modified: mustTime(t, "2024-03-11T16:20:44Z"),
			CreatedBy: "Priya Patel", ModifiedBy: "Tom Hughes", Path: "/", SiteID: graphtest.SharePointSiteID, Folder: true,
		}},
		{"file not hashed yet", graphtest.SharePointDriveID, graphtest.MinutesID, graph.Item{
			ID: graphtest.MinutesID, DriveID: graphtest.SharePointDriveID, Name: "Minutes - Adult Social Care DMT 2024-02.docx",
			MimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
			WebURL:   "https://kentcc.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/Minutes/Minutes%20-%20Adult%20Social%20Care%20DMT%202024-02.docx",
			ETag:     `"{6E7F8091-A2B3-4C4D-95E6-F708192A3B4C},1"`, Size: 1079,
			Created: mustTime(t, "2024-03-13T09:00:02Z"), Modified: mustTime(t, "2024-03-13T09:00:02Z"),
			CreatedBy: "Sam Okafor", ModifiedBy: "Sam Okafor", Path: "/Minutes", SiteID: graphtest.SharePointSiteID,
		}},
	}
	for _, c2 := range cases {
		got, err := c.Item(ctx, c2.drive, c2.id)
		if err != nil {
			t.Errorf("%s: %v", c2.name, err)
			continue
		}
		if !got.Created.Equal(c2.want.Created) || !got.Modified.Equal(c2.want.Modified) {
			t.Errorf("%s: times %v, %v; want %v, %v", c2.name, got.Created, got.Modified, c2.want.Created, c2.want.Modified)
		}
		got.Created, got.Modified, c2.want.Created, c2.want.Modified = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if got != c2.want {
			t.Errorf("%s:\n got %+v\nwant %+v", c2.name, got, c2.want)
		}
	}
	if n := srv.TokenRequests(); n != 1 {
		t.Errorf("%d token requests for four items, want the one token reused", n)
	}
}

func TestAddedFileReadsBackAsReturned(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	added := srv.AddFile(graphtest.OneDriveID, "Mental capacity assessment - R Patel.docx", []byte("assessment"))
	got, err := c.Item(context.Background(), added.DriveID, added.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !got.Created.Equal(added.Created) || !got.Modified.Equal(added.Modified) {
		t.Errorf("times %v %v, want %v %v", got.Created, got.Modified, added.Created, added.Modified)
	}
	got.Created, got.Modified, added.Created, added.Modified = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	if got != added {
		t.Errorf("\n got %+v\nwant %+v", got, added)
	}
}

func TestItemErrors(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	cases := []struct {
		name, drive, id string
		code            platform.Code
		sentinel        error
		says            string
	}{
		{"unknown item", graphtest.SharePointDriveID, "01KCCASCNOSUCHITEMQ3M4N5K6L7M8N9", platform.CodeNotFound, nil, "no file"},
		{"item asked for under another drive", graphtest.OneDriveID, graphtest.CarePlanID, platform.CodeNotFound, nil, "no file"},
		{"app registration lacks permission", graphtest.SharePointDriveID, graphtest.RestrictedID, platform.CodeForbidden, graph.ErrAccessDenied, "Files.Read.All"},
	}
	for _, c2 := range cases {
		_, err := c.Item(ctx, c2.drive, c2.id)
		if platform.CodeOf(err) != c2.code {
			t.Errorf("%s: %v (code %s), want code %s", c2.name, err, platform.CodeOf(err), c2.code)
			continue
		}
		if c2.sentinel != nil && !errors.Is(err, c2.sentinel) {
			t.Errorf("%s: %v is not %v", c2.name, err, c2.sentinel)
		}
		if msg := platform.AsError(err).Message; !strings.Contains(msg, c2.says) {
			t.Errorf("%s: message %q does not say %q", c2.name, msg, c2.says)
		}
	}
}

// TestItemRefusesIDsThatChangeTheAddress: an ID is one path segment of
// Graph's alphabet; nothing that could climb out of it or switch to path
// addressing ("root:/...:") reaches Graph.
func TestItemRefusesIDsThatChangeTheAddress(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	bad := []string{"", ".", "..", "../../me/drive/root", "a/b", `a\b`, "root:/HR:", "01KCC%2F..", "a b", "a?b", "a#b", "a\x00b",
		strings.Repeat("A", 257)}
	for _, id := range bad {
		for _, pair := range [][2]string{{graphtest.SharePointDriveID, id}, {id, graphtest.CarePlanID}} {
			_, err := c.Item(context.Background(), pair[0], pair[1])
			if platform.CodeOf(err) != platform.CodeInvalid {
				t.Errorf("Item(%q, %q): %v, want invalid", pair[0], pair[1], err)
			}
		}
	}
	if n := srv.TokenRequests(); n != 0 {
		t.Errorf("%d token requests: a bad ID reached the network", n)
	}
}

func TestWrongSecretIsASetupErrorWithoutTheSecret(t *testing.T) {
	srv := graphtest.New(t)
	cfg := srv.Config()
	cfg.ClientSecret = "not-the-secret-Kc2R7q~0123456789"
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.CarePlanID)
	if platform.CodeOf(err) != platform.CodeForbidden || !errors.Is(err, graph.ErrSetup) {
		t.Fatalf("wrong secret: %v, want forbidden ErrSetup", err)
	}
	if s := err.Error(); strings.Contains(s, cfg.ClientSecret) || strings.Contains(s, graphtest.ClientSecret) {
		t.Errorf("the error reveals a secret: %s", s)
	}
	if !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Errorf("the log detail lacks Entra's error number: %s", err)
	}
	cfg = srv.Config()
	cfg.TenantID = "0f0f0f0f-1e1e-4d2d-8c3c-4b4b4b4b4b4b"
	cfg.TokenURL = strings.Replace(srv.Config().TokenURL, graphtest.Tenant, cfg.TenantID, 1)
	c, _ = graph.New(cfg)
	if _, err = c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.CarePlanID); !errors.Is(err, graph.ErrSetup) {
		t.Errorf("unknown tenant: %v, want ErrSetup", err)
	}
}

func TestRevokedTokenIsRenewedOnce(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	if _, err := c.Item(ctx, graphtest.SharePointDriveID, graphtest.CarePlanID); err != nil {
		t.Fatal(err)
	}
	srv.RevokeTokens()
	if _, err := c.Item(ctx, graphtest.SharePointDriveID, graphtest.CarePlanID); err != nil {
		t.Fatalf("after the token was revoked: %v", err)
	}
	if n := srv.TokenRequests(); n != 2 {
		t.Errorf("%d token requests, want 2 (one renewal)", n)
	}
}
