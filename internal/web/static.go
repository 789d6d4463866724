package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"sort"
	"strings"
)

//go:embed static
var staticFS embed.FS

// assetVersion is a hash over every embedded asset. Asset URLs carry it
// (/static/<version>/css/app.css), so a release changes every URL and
// browsers may cache each one forever. One version for the whole tree keeps
// relative URLs inside the CSS and the JS module imports working.
var assetVersion = hashAssets()

func hashAssets() string {
	h := sha256.New()
	var names []string
	fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	sort.Strings(names)
	for _, n := range names {
		b, _ := staticFS.ReadFile(n)
		h.Write([]byte(n))
		h.Write([]byte{0})
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// AssetURL returns the versioned URL of an embedded asset such as
// "css/app.css".
func AssetURL(name string) string {
	return "/static/" + assetVersion + "/" + strings.TrimPrefix(name, "/")
}

// staticHandler serves /static/<version>/<file>. A request for another
// version (a page from before a rolling upgrade) still gets today's file,
// but without the long cache lifetime, so a stale mix is not pinned.
func staticHandler() http.Handler {
	sub, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		version, name, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/static/"), "/")
		name = path.Clean("/" + name)
		if !ok || name == "/" || strings.HasSuffix(r.URL.Path, "/") {
			NotFound(w, r)
			return
		}
		if st, err := fs.Stat(sub, name[1:]); err != nil || st.IsDir() {
			NotFound(w, r)
			return
		}
		if version == assetVersion {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = name
		r2.URL.RawPath = ""
		files.ServeHTTP(w, r2)
	})
}
