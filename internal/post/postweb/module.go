// Package postweb is the digital post module: it builds the post engine
// from the kernel's dependencies and puts the pages (/post/...), GOV.UK
// Notify's v2 API (/v2/notifications...) and the JSON API (/api/v1/post/...)
// on the server.
//
// The module's parts each keep to their own files and struct: templates
// (templates.go), sending through the API (sending.go), delivery and
// providers (delivery.go), letters and contact preferences (letters.go)
// and inbound post (inbound.go); this file only wires them.
package postweb

import (
	"context"
	"embed"
	"errors"
	"net/http"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Module is the digital post module. Its zero value is ready to be listed.
type Module struct {
	module.Base

	d  *module.Deps
	ps *post.Store

	templates templatesPart
	sending   sendingPart
	delivery  deliveryPart
	letters   lettersPart
	inbound   inboundPart
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "post" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{post.Migrations} }

// Store is the built engine, for the composition root and tests.
func (m *Module) Store() *post.Store { return m.ps }

// Init builds the engine and registers the access policy for post, then
// each part's jobs and subscriptions.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	m.d = d
	if err := d.Access.Register(post.ResourceType, post.Policy); err != nil {
		return err
	}
	opts := post.Options{Now: d.Clock.Now, Jobs: d.Jobs, Events: d.Events, BaseURL: d.Config.BaseURL}
	if d.Blob != nil {
		opts.Files = d.Blob
	}
	m.ps = post.New(d.DB, d.Audit, d.Access, opts)
	return errors.Join(m.templates.init(ctx, m), m.sending.init(ctx, m), m.delivery.init(ctx, m), m.letters.init(ctx, m),
		m.inbound.init(ctx, m))
}

// Web mounts the pages and the APIs.
func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/post/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Post", Href: "/post", Roles: platform.StaffRoles, Order: 35})
	return errors.Join(m.templates.web(srv, m), m.sending.web(srv, m), m.delivery.web(srv, m), m.letters.web(srv, m),
		m.inbound.web(srv, m))
}

// Start runs each part's start-up (the inbound SMTP listener, say).
func (m *Module) Start(ctx context.Context) error {
	return errors.Join(m.templates.start(ctx, m), m.sending.start(ctx, m), m.delivery.start(ctx, m), m.letters.start(ctx, m),
		m.inbound.start(ctx, m))
}

// Demo adds the council's sending services, templates for the built-in
// services, a few messages and scanned letters waiting in triage, once.
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	return errors.Join(m.templates.demo(ctx, m, env, org), m.sending.demo(ctx, m, env, org), m.delivery.demo(ctx, m, env, org),
		m.letters.demo(ctx, m, env, org), m.inbound.demo(ctx, m, env, org))
}

// Stop lets the parts close what they opened (listeners, pollers).
func (m *Module) Stop() { m.inbound.stop(); m.delivery.stop() }

var _ module.Stopper = (*Module)(nil)

// staff refuses anyone who is not staff: the post pages are the council's.
func staff(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if !sub.IsStaff() {
		return nil, platform.Errorf(platform.CodeForbidden, "The post pages are for the council's staff")
	}
	return sub, nil
}
