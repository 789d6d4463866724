package graph_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/records/graph"
	"dbtp/internal/records/graph/graphtest"
)

// TestShareIDEncoding follows Microsoft's recipe step by step (standard
// base64, strip "=", "/" to "_", "+" to "-", prefix "u!") for links whose
// standard base64 has each of the characters that must be replaced.
func TestShareIDEncoding(t *testing.T) {
	links := []string{
		graphtest.SharingLink,
		"https://kentcc.sharepoint.com/sites/AdultSocialCare/Shared%20Documents/Care%20plans/Review%3F%3E.docx",
		"https://kentcc-my.sharepoint.com/personal/jane_smith_kent_gov_uk/Documents/~~~???>>>.pdf",
	}
	sawPlus, sawSlash, sawPad := false, false, false
	for _, link := range links {
		std := base64.StdEncoding.EncodeToString([]byte(link))
		sawPlus = sawPlus || strings.Contains(std, "+")
		sawSlash = sawSlash || strings.Contains(std, "/")
		sawPad = sawPad || strings.HasSuffix(std, "=")
		want := "u!" + strings.NewReplacer("/", "_", "+", "-").Replace(strings.TrimRight(std, "="))
		got, err := graph.ShareID(link)
		if err != nil || got != want {
			t.Errorf("ShareID(%q) = %q, %v; want %q", link, got, err, want)
		}
	}
	if !sawPlus || !sawSlash || !sawPad {
		t.Fatalf("the links do not exercise every replacement (+ %v, / %v, = %v)", sawPlus, sawSlash, sawPad)
	}
}

func TestItemByURL(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	ctx := context.Background()
	added := srv.AddFile(graphtest.SharePointDriveID, "Safeguarding strategy meeting - R Patel.docx", []byte("strategy"))
	cases := []struct{ name, link, wantID string }{
		{"sharing link", graphtest.SharingLink, graphtest.CarePlanID},
		{"sharing link pasted with spaces and a fragment", "  " + graphtest.SharingLink + "#page=2\n", graphtest.CarePlanID},
		{"browser address of a OneDrive file", "https://kentcc-my.sharepoint.com/personal/jane_smith_kent_gov_uk/Documents/Home%20visits/March%202024/Home%20visit%20notes%202024-03-12.pdf", graphtest.VisitNotesID},
		{"added file's address", added.WebURL, added.ID},
		{"added file's sharing link", srv.SharingLinkFor(added.ID), added.ID},
	}
	for _, c2 := range cases {
		it, err := c.ItemByURL(ctx, c2.link)
		if err != nil || it.ID != c2.wantID {
			t.Errorf("%s: %+v, %v; want item %s", c2.name, it, err, c2.wantID)
		}
	}
	_, err := c.ItemByURL(ctx, "https://kentcc.sharepoint.com/:w:/s/AdultSocialCare/ENoSuchLinkQ3M4N5K6L7M8N9?e=zzzzzz")
	if platform.CodeOf(err) != platform.CodeNotFound {
		t.Errorf("unknown link: %v, want not found", err)
	}
	_, err = c.ItemByURL(ctx, graphtest.RestrictedLink)
	if !errors.Is(err, graph.ErrAccessDenied) || !strings.Contains(platform.AsError(err).Message, "Files.ReadWrite.All") {
		t.Errorf("link to a file dbtp may not read: %v, want ErrAccessDenied naming the permission links need", err)
	}
}

func TestItemByURLRefusesOtherLinks(t *testing.T) {
	srv := graphtest.New(t)
	c := newClient(t, srv)
	bad := []string{
		"",
		"   ",
		"http://kentcc.sharepoint.com/:w:/s/AdultSocialCare/EXHPcna1?e=Kc2R7q",
		"https://kentcc.sharepoint.com.evil.example/:w:/s/AdultSocialCare/EXHP",
		"https://evil.example/kentcc.sharepoint.com/sites/AdultSocialCare/x.docx",
		"https://sharepoint.com/sites/x.docx",
		"https://a.b.sharepoint.com/sites/x.docx",
		"https://jane@kentcc.sharepoint.com/sites/x.docx",
		"https://kentcc.sharepoint.com:8443/sites/x.docx",
		"https://kentcc.sharepoint.com/",
		"https://kentcc.sharepoint.com",
		"https://kentcc.sharepoint.com/sites/Adult Social Care/x.docx",
		"https://kentcc.sharepoint.com/sites/x.docx\x00",
		"javascript:alert(1)",
		"file:///C:/Users/jsmith/OneDrive - Kent County Council/x.docx",
		"https://1drv.ms/w/s!AkXq3Yt0Vv0mN6aW",
		"https://kentcc.sharepoint.com/sites/" + strings.Repeat("a", 2100),
	}
	for _, link := range bad {
		_, err := c.ItemByURL(context.Background(), link)
		if platform.CodeOf(err) != platform.CodeInvalid || !errors.Is(err, graph.ErrNotLink) {
			t.Errorf("ItemByURL(%q): %v, want invalid ErrNotLink", link, err)
		}
	}
	if n := srv.TokenRequests(); n != 0 {
		t.Errorf("%d token requests: a refused link reached the network", n)
	}
}

// FuzzShareID: whatever is pasted, shareID does not panic, and what it
// accepts is an https link on a *.sharepoint.com host whose encoding is
// one path segment that decodes back to the link (minus any fragment and
// surrounding spaces).
func FuzzShareID(f *testing.F) {
	for _, s := range []string{graphtest.SharingLink, "https://kentcc-my.sharepoint.com/personal/a/Documents/x.pdf",
		"https://kentcc.sharepoint.com/", "http://x", "https://kentcc.sharepoint.com:443/a#b", " https://KENTCC.SharePoint.com/a ",
		"https://kentcc.sharepoint.com/%zz", "https://[::1]/a", "https://kentcc.sharepoint.com\\@evil/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, link string) {
		share, err := graph.ShareID(link)
		if err != nil {
			if !errors.Is(err, graph.ErrNotLink) {
				t.Fatalf("ShareID(%q): %v is not ErrNotLink", link, err)
			}
			return
		}
		enc, ok := strings.CutPrefix(share, "u!")
		if !ok || strings.ContainsAny(enc, "=+/") {
			t.Fatalf("ShareID(%q) = %q: not u! and unpadded base64url", link, share)
		}
		raw, err := base64.RawURLEncoding.DecodeString(enc)
		if err != nil {
			t.Fatalf("ShareID(%q) = %q does not decode: %v", link, share, err)
		}
		want, _, _ := strings.Cut(strings.TrimSpace(link), "#")
		if string(raw) != want {
			t.Fatalf("ShareID(%q) decodes to %q, want %q", link, raw, want)
		}
		u, err := url.Parse(string(raw))
		if err != nil || u.Scheme != "https" || !strings.HasSuffix(strings.ToLower(u.Hostname()), ".sharepoint.com") || u.User != nil {
			t.Fatalf("ShareID accepted %q (host %q)", link, u.Hostname())
		}
		if url.PathEscape(share) != strings.Replace(share, "!", "%21", 1) {
			t.Fatalf("the share ID %q is more than one path segment", share)
		}
	})
}
