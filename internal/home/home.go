// Package home serves the start page and the accessibility statement: the
// two pages that belong to no one module.
package home

import (
	"context"
	"embed"
	"net/http"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

//go:embed templates
var templates embed.FS

// OrgNamer gives the display name of an organisation; cmd/dbtp wires identity.
type OrgNamer func(r *http.Request, orgID string) string

type page struct {
	OrgName string
}

// Register adds GET / and GET /accessibility.
func Register(srv *web.Server, orgName OrgNamer) error {
	if err := srv.Renderer().Add(templates, "templates/home/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddFooterLink("Accessibility statement", "/accessibility")
	srv.Router().HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) error {
		var p page
		if s := web.SubjectOf(r); s.Authenticated() && orgName != nil {
			p.OrgName = orgName(r, s.OrgID)
		}
		return web.Render(w, r, http.StatusOK, "home/index", p)
	})
	srv.Router().HandleFunc("GET /accessibility", func(w http.ResponseWriter, r *http.Request) error {
		return web.Render(w, r, http.StatusOK, "home/accessibility", nil)
	})
	return nil
}

// Module is the start page and accessibility statement as a platform
// module; organisation names come from the directory.
type Module struct {
	module.Base
	dir platform.Directory
}

func (*Module) Name() string { return "home" }

func (m *Module) Init(_ context.Context, d *module.Deps) error {
	m.dir = d.Directory
	return nil
}

func (m *Module) Web(srv *web.Server) error {
	return Register(srv, func(r *http.Request, orgID string) string {
		o, err := m.dir.Org(r.Context(), web.SubjectOf(r), orgID)
		if err != nil {
			return ""
		}
		return o.Name
	})
}
