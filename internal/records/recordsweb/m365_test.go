package recordsweb

import (
	"encoding/json"
	"io"
	"net/url"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/graph/graphtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestCaptureFromMicrosoft365: a caseworker pastes a SharePoint sharing
// link and the file becomes a declared record with Microsoft's content,
// fetched through the Graph stand-in; capturing it again leads to the
// same record; a folder, a file whose content does not match Microsoft's
// hash and a file the app may not read are refused with nothing stored.
func TestCaptureFromMicrosoft365(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		gs := graphtest.New(t)
		cfg := gs.Config()
		e := newEnv(t, db, func(m *Module) { m.Graph = &cfg })
		ann := e.browser("Ann")
		want(t, ann.Get("/records/capture/m365"), 200, "Paste the link to a file in OneDrive or SharePoint")
		fields := url.Values{"link": {graphtest.SharingLink}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}, "classification": {"OFFICIAL-SENSITIVE"}}
		r := ann.PostForm("/records/capture/m365", fields)
		if r.Status != 303 {
			t.Fatalf("capture: %d\n%s", r.Status, r.Body)
		}
		id := docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		want(t, ann.Get("/records/"+id), 200, "Captured from Microsoft 365 and declared a record", "Care plan review - J Smith", "Declared a record on", "(m365)")
		d, err := e.m.Store().Document(e.ctx, e.subject("Ann"), id)
		noErr(t, err)
		if d.Source != records.SourceM365 || d.SourceRef != graphtest.SharePointDriveID+"/"+graphtest.CarePlanID || !d.Declared() {
			t.Fatalf("captured %+v", d)
		}
		rc, v, err := e.m.Store().Open(e.ctx, e.subject("Ann"), id, 0)
		noErr(t, err)
		got, _ := io.ReadAll(rc)
		rc.Close()
		if len(got) == 0 || v.Name != "Care plan review - J Smith.docx" {
			t.Fatalf("content %d bytes named %q", len(got), v.Name)
		}

		r = ann.PostForm("/records/capture/m365", fields)
		if r.Status != 303 || docLink.FindStringSubmatch(r.Header.Get("Location"))[1] != id {
			t.Fatalf("second capture: %d to %q", r.Status, r.Header.Get("Location"))
		}

		for _, c := range []struct{ link, says string }{
			{gs.SharingLinkFor(graphtest.FolderID), "folder"},
			{"https://example.com/not-sharepoint", "link"},
			{graphtest.RestrictedLink, "Files.Read.All"},
		} {
			fields.Set("link", c.link)
			r := ann.PostForm("/records/capture/m365", fields)
			if r.Status < 400 || r.Status >= 500 {
				t.Fatalf("%s: status %d\n%s", c.link, r.Status, r.Body)
			}
			want(t, r, r.Status, c.says)
		}
		// Content that does not match Microsoft's hash is never filed.
		gs.SetContent(graphtest.VisitNotesID, []byte("%PDF-1.4 altered in transit"))
		fields.Set("link", gs.SharingLinkFor(graphtest.VisitNotesID))
		r = ann.PostForm("/records/capture/m365", fields)
		want(t, r, 409, "does not match the QuickXorHash")
		p, err := e.m.Store().List(e.ctx, e.sys, records.Filter{State: "all"})
		noErr(t, err)
		if len(p.Documents) != 1 {
			t.Fatalf("%d documents after refused captures", len(p.Documents))
		}

		// The API does the same.
		tok := e.token("Ann", platform.ScopeRead, platform.ScopeWrite)
		body, _ := json.Marshal(CaptureRequest{Link: graphtest.SharingLink, DocumentInput: DocumentInput{ClassID: e.classID("ADM.01.02"), UnitID: e.units["Adults"]}})
		r = e.srv.API(tok, "POST", "/api/v1/records/capture/m365", string(body))
		if r.Status != 409 || r.Header.Get("Location") != "/api/v1/records/"+id {
			t.Fatalf("API capture again: %d %q", r.Status, r.Header.Get("Location"))
		}
	})
}

// TestCaptureNotConfigured: without the settings the page says so and
// points to uploading instead.
func TestCaptureNotConfigured(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		want(t, e.browser("Ann").Get("/records/capture/m365"), 200, "not set up on this system", "upload it")
	})
}
