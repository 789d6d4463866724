package recordsweb

import (
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestTamperedContentIsNeverServed: a stored file altered on disk is
// refused with a message, not served, whether the change is in its first
// segment (a clear page) or further in (the download is cut before the
// altered part, short of its promised length); the text job says it could
// not read it; other documents are unaffected.
func TestTamperedContentIsNeverServed(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ann := e.browser("Ann")
		file := func(name string, content []byte) string {
			r := e.postFile(ann, "/records/new", url.Values{"title": {name}, "class_id": {e.classID("ADM.01.02")}, "unit_id": {e.units["Adults"]}}, name, content)
			if r.Status != 303 {
				t.Fatalf("%s: %d", name, r.Status)
			}
			return docLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		}
		small := file("small.txt", []byte("Care plan: twice daily visits"))
		big := bytes.Repeat([]byte("0123456789abcdef"), 20000) // five segments
		large := file("large.txt", big)

		// Each body is stored whole in one file: flip a byte near the end
		// of each, in the small one's only segment and the large one's last.
		for _, path := range bodyFiles(t, e.blobDir) {
			b, err := os.ReadFile(path)
			noErr(t, err)
			b[len(b)-20] ^= 1
			noErr(t, os.WriteFile(path, b, 0o600))
		}
		intact := file("intact.txt", []byte("Untouched"))
		want(t, ann.Get("/records/"+small+"/versions/1/content"), 409, "failed its integrity check")

		req, _ := http.NewRequest("GET", e.srv.URL+"/records/"+large+"/versions/1/content", nil)
		res, err := ann.Client.Do(req)
		if err == nil {
			got, rerr := io.ReadAll(res.Body)
			res.Body.Close()
			if rerr == nil && len(got) == len(big) {
				t.Fatal("the altered large file was served whole")
			}
			if !bytes.HasPrefix(big, got) {
				t.Fatal("altered bytes were served")
			}
		}
		want(t, ann.Get("/records/"+intact+"/versions/1/content"), 200, "Untouched")
		e.runJobs()
		want(t, ann.Get("/records/"+small), 200, "Could not be read")
	})
}

// bodyFiles lists the file store's encrypted bodies.
func bodyFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.Contains(p, string(filepath.Separator)+"bodies"+string(filepath.Separator)) {
			out = append(out, p)
		}
		return nil
	})
	if len(out) == 0 {
		t.Fatal("no stored bodies found")
	}
	return out
}
