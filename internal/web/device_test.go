package web_test

import (
	"log/slog"
	"net/http"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// A device's bearer credential reaches a DeviceCredential route untouched
// and anonymous; on any other route the same header is an API token,
// refused when it is not one.
func TestDeviceCredentialRoute(t *testing.T) {
	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	var gotAuth string
	var gotKind platform.SubjectKind
	handler := func(w http.ResponseWriter, r *http.Request) error {
		gotAuth, gotKind = r.Header.Get("Authorization"), web.SubjectOf(r).Kind
		w.WriteHeader(http.StatusAccepted)
		return nil
	}
	srv.Router().HandleFunc("POST /api/v1/devices/{id}/readings", handler, web.DeviceCredential())
	srv.Router().HandleFunc("POST /api/v1/other", handler)
	s := webtest.Start(t, srv)
	if r := s.API("device-secret", "POST", "/api/v1/devices/d1/readings", `{}`); r.Status != http.StatusAccepted {
		t.Fatalf("device route: %d %s", r.Status, r.Body)
	}
	if gotAuth != "Bearer device-secret" || gotKind != platform.SubjectAnonymous {
		t.Fatalf("handler saw %q as %q", gotAuth, gotKind)
	}
	if r := s.API("device-secret", "POST", "/api/v1/other", `{}`); r.Status != http.StatusUnauthorized {
		t.Fatalf("other route with a device secret: %d", r.Status)
	}
}
