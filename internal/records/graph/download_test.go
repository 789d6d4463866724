package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2/clientcredentials"

	"dbtp/internal/platform"
	"dbtp/internal/records/graph"
	"dbtp/internal/records/graph/graphtest"
)

func readAll(t *testing.T, c *graph.Client, it graph.Item) ([]byte, error) {
	t.Helper()
	rc, err := c.Download(context.Background(), it)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

var report = []byte("Safeguarding adults review - section 42 enquiry report, Thanet, March 2024.\n")

func TestDownloadVerifiesQuickXorHash(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	added := srv.AddFile(graphtest.SharePointDriveID, "Section 42 enquiry report.pdf", report)
	got, err := readAll(t, c, added)
	if err != nil || !bytes.Equal(got, report) {
		t.Fatalf("download: %q, %v", got, err)
	}
	// A recorded file, whose QuickXorHash was computed when the fixture
	// was written, and one from the OneDrive.
	for _, id := range [][2]string{{graphtest.SharePointDriveID, graphtest.CarePlanID}, {graphtest.OneDriveID, graphtest.VisitNotesID}} {
		it, err := c.Item(ctx, id[0], id[1])
		if err != nil {
			t.Fatal(err)
		}
		got, err := readAll(t, c, it)
		if err != nil || int64(len(got)) != it.Size {
			t.Errorf("%s: %d bytes, %v; want %d", it.Name, len(got), err, it.Size)
		}
	}
}

func TestDownloadDetectsTamperedContent(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	added := srv.AddFile(graphtest.SharePointDriveID, "Section 42 enquiry report.pdf", report)
	tampered := bytes.Replace(report, []byte("Thanet"), []byte("Dover!"), 1)
	srv.SetContent(added.ID, tampered)
	_, err := readAll(t, c, added)
	if platform.CodeOf(err) != platform.CodeConflict || !errors.Is(err, graph.ErrHashMismatch) {
		t.Fatalf("tampered content: %v, want conflict ErrHashMismatch", err)
	}
	if !strings.Contains(platform.AsError(err).Message, "QuickXorHash") {
		t.Errorf("the message does not say which check failed: %q", platform.AsError(err).Message)
	}
}

func TestDownloadVerifiesSHA256WhenThatIsWhatGraphGave(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	added := srv.AddFile(graphtest.OneDriveID, "Budget monitoring Q3.csv", report)
	sum := sha256.Sum256(report)
	it := added
	it.QuickXorHash, it.SHA256 = "", strings.ToUpper(hex.EncodeToString(sum[:]))
	if got, err := readAll(t, c, it); err != nil || !bytes.Equal(got, report) {
		t.Fatalf("with a matching SHA-256: %v", err)
	}
	it.SHA256 = hex.EncodeToString(make([]byte, 32))
	if _, err := readAll(t, c, it); !errors.Is(err, graph.ErrHashMismatch) {
		t.Errorf("with a wrong SHA-256: %v, want ErrHashMismatch", err)
	}
	it.SHA256 = "not hex"
	if _, err := c.Download(context.Background(), it); err == nil {
		t.Error("a malformed hash was skipped instead of refused")
	}
}

func TestDownloadWithoutHash(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	it, err := c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.MinutesID)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := readAll(t, c, it); err != nil || int64(len(got)) != it.Size {
		t.Errorf("%d bytes, %v", len(got), err)
	}
}

func TestDownloadSizeLimit(t *testing.T) {
	srv := graphtest.New(t)
	cfg := srv.Config()
	cfg.MaxBytes = int64(len(report))
	c, err := graph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	exact := srv.AddFile(graphtest.SharePointDriveID, "Exactly the limit.txt", report)
	if got, err := readAll(t, c, exact); err != nil || len(got) != len(report) {
		t.Fatalf("a file of exactly MaxBytes: %d bytes, %v", len(got), err)
	}

	big := srv.AddFile(graphtest.SharePointDriveID, "Too big.txt", append(report, '!'))
	before := srv.Hits(big.ID)
	if _, err := c.Download(context.Background(), big); platform.CodeOf(err) != platform.CodeTooLarge {
		t.Fatalf("Graph's size over the limit: %v, want too large", err)
	}
	if srv.Hits(big.ID) != before {
		t.Error("a file known to be too large was still requested")
	}

	// Graph's size said it fits, but the download is larger: refused by
	// Content-Length before reading.
	small := srv.AddFile(graphtest.SharePointDriveID, "Grew.txt", []byte("small"))
	srv.SetContent(small.ID, append(report, report...))
	if _, err := c.Download(context.Background(), small); platform.CodeOf(err) != platform.CodeTooLarge {
		t.Errorf("content larger than the limit: %v, want too large", err)
	}
}

// TestDownloadRefusesFolders: a folder has no content to capture.
func TestDownloadRefusesFolders(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	folder, err := c.Item(context.Background(), graphtest.SharePointDriveID, graphtest.FolderID)
	if err != nil {
		t.Fatal(err)
	}
	before := srv.Hits(graphtest.FolderID)
	_, err = c.Download(context.Background(), folder)
	if platform.CodeOf(err) != platform.CodeInvalid || !errors.Is(err, graph.ErrNotFile) {
		t.Errorf("folder: %v, want invalid ErrNotFile", err)
	}
	if srv.Hits(graphtest.FolderID) != before {
		t.Error("a folder's content was asked for")
	}
}

func TestDownloadErrors(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	restricted := graph.Item{ID: graphtest.RestrictedID, DriveID: graphtest.SharePointDriveID, Name: "Investigation.docx"}
	if _, err := c.Download(context.Background(), restricted); !errors.Is(err, graph.ErrAccessDenied) {
		t.Errorf("restricted: %v, want ErrAccessDenied", err)
	}
	gone := graph.Item{ID: "01KCCASCDELETEDITEMQ3M4N5K6L7M8N", DriveID: graphtest.SharePointDriveID, Name: "Deleted.docx"}
	if _, err := c.Download(context.Background(), gone); platform.CodeOf(err) != platform.CodeNotFound {
		t.Errorf("deleted: %v, want not found", err)
	}
	if _, err := c.Download(context.Background(), graph.Item{ID: "../x", DriveID: graphtest.SharePointDriveID}); platform.CodeOf(err) != platform.CodeInvalid {
		t.Errorf("bad ID: %v, want invalid", err)
	}
}

// recordingTB stands in for the test given to graphtest.New, so the test
// can see the stand-in's complaints instead of failing on them.
type recordingTB struct {
	testing.TB
	complaints chan string
}

func (r *recordingTB) Errorf(format string, args ...any) { r.complaints <- format }

// TestStandInCatchesATokenSentToTheDownloadHost shows the leak check has
// teeth: a client that lets the oauth2 transport add the token to every
// request, redirects included, is caught by the download host.
func TestStandInCatchesATokenSentToTheDownloadHost(t *testing.T) {
	rec := &recordingTB{TB: t, complaints: make(chan string, 4)}
	srv := graphtest.New(rec)
	cfg := srv.Config()
	creds := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL,
		Scopes: []string{"https://graph.microsoft.com/.default"}}
	naive := creds.Client(context.Background())
	resp, err := naive.Get(cfg.BaseURL + "/drives/" + graphtest.SharePointDriveID + "/items/" + graphtest.CarePlanID + "/content")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("download with a bearer token: HTTP %d, want 400", resp.StatusCode)
	}
	select {
	case <-rec.complaints:
	default:
		t.Error("the stand-in did not complain about the Authorization header on the download URL")
	}
}
