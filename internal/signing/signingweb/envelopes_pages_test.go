package signingweb

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A draft's pages are served as pictures for the fields page's maps, to
// those who may read the envelope, rendered once and then cached; the
// fields form tells its script the page count, where each named position
// puts each kind of field, and where the pictures are.
func TestEnvelopePagePictures(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		signingtest.Need(t, "pdftoppm")
		e := newEnv(t, db)
		pat := e.browser("Pat")
		res := uploadEnvelope(t, pat, url.Values{"title": {"Pictured"}}, signingtest.Contract(t, 3))
		want(t, res, 303)
		base := strings.TrimSuffix(res.Header.Get("Location"), "/recipients")

		pic := pat.Get(base + "/pages/3")
		want(t, pic, 200)
		if ct := pic.Header.Get("Content-Type"); ct != "image/png" {
			t.Fatalf("picture type %q", ct)
		}
		// Never kept by the browser: the next person on a shared
		// computer must not see the contract's pages from its cache.
		if cc := pic.Header.Get("Cache-Control"); cc != "no-store" {
			t.Fatalf("picture cached with %q", cc)
		}
		cfg, err := png.DecodeConfig(bytes.NewReader([]byte(pic.Body)))
		if err != nil || cfg.Width != pagePictureWidth || cfg.Height < cfg.Width {
			t.Fatalf("picture %dx%d: %v", cfg.Width, cfg.Height, err)
		}
		for _, n := range []string{"0", "4", "x"} {
			want(t, pat.Get(base+"/pages/"+n), 404)
		}
		want(t, e.browser("Cara").Get(base+"/pages/3"), 403) // another unit's envelope
		want(t, e.browser("Rita").Get(base+"/pages/3"), 403)

		// Cached: without pdftoppm, the page drawn before is still served,
		// and one not drawn yet is not.
		e.m.envelopes.pictures.Tool = "dbtp-no-such-pdftoppm"
		want(t, pat.Get(base+"/pages/3"), 200)
		if r := pat.Get(base + "/pages/2"); r.Status == 200 {
			t.Fatal("a page never drawn was served without pdftoppm")
		}

		want(t, pat.Get(base+"/fields"), 200, `data-pages="3"`, `data-pictures="`+base+`/pages/"`,
			// bottom right of the last page: page 3, 56 points in from the right for a 200-point signature
			`&#34;bottom right of the last page&#34;:{`, `&#34;signature&#34;:[[3,339,56]]`, `data-sizes="{`)
	})
}
