package webtest_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestBrowserAndAPI(t *testing.T) {
	srv, err := web.NewServer(web.Config{CouncilName: "Testshire Council"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	srv.Router().HandleFunc("POST /things", func(w http.ResponseWriter, r *http.Request) error {
		w.Write([]byte("made " + r.PostFormValue("name")))
		return nil
	})
	srv.API().HandleFunc("GET /api/v1/things", web.Op{Summary: "List things", Responses: map[int]web.Response{200: {Description: "Things"}}},
		func(w http.ResponseWriter, r *http.Request) error {
			if !web.SubjectOf(r).Authenticated() {
				return platform.Errorf(platform.CodeUnauthorized, "token needed")
			}
			return web.WriteJSON(w, 200, web.List[string]{Items: []string{}})
		})
	s := webtest.Start(t, srv)
	b := s.Browser()
	if res := b.PostForm("/things", url.Values{"name": {"kettle"}}); res.Status != 200 || res.Body != "made kettle" {
		t.Errorf("form post: %d %q", res.Status, res.Body)
	}
	if res := b.Do("POST", "/things", strings.NewReader("name=x"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}); res.Status != 403 {
		t.Errorf("post without token: %d", res.Status)
	}
	if res := s.API("", "GET", "/api/v1/things", ""); res.Status != 401 {
		t.Errorf("API without token: %d", res.Status)
	}
}
