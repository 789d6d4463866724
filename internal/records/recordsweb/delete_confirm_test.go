package recordsweb

import (
	"net/url"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Deleting a document asks first: the page's button shows the question
// (as does a GET), the document is still there until the answer yes, and
// the answer deletes it with its versions.
func TestDeleteAsksFirst(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ann := e.browser("Ann")
		r := e.postFile(ann, "/records/new", url.Values{"title": {"Draft letter"}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}},
			"draft.txt", []byte("A draft"))
		if r.Status != 303 {
			t.Fatalf("upload: %d\n%s", r.Status, r.Body)
		}
		id := docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		for _, q := range []string{"GET", "POST"} {
			var page = ann.Get("/records/" + id + "/delete")
			if q == "POST" {
				page = ann.PostForm("/records/"+id+"/delete", nil)
			}
			want(t, page, 200, "Delete the document?", "Draft letter", "cannot be undone", "Yes, delete the document", `name="confirm" value="yes"`, "No, go back")
		}
		if _, err := e.m.Store().Document(e.ctx, e.subject("Ann"), id); err != nil {
			t.Fatalf("the question deleted the document: %v", err)
		}
		r = ann.PostForm("/records/"+id+"/delete", url.Values{"confirm": {"yes"}})
		if r.Status != 303 || r.Header.Get("Location") != "/records" {
			t.Fatalf("delete: %d %s", r.Status, r.Header.Get("Location"))
		}
		if _, err := e.m.Store().Document(e.ctx, e.subject("Ann"), id); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("after yes: %v", err)
		}
	})
}
