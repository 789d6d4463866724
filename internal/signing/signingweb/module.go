// Package signingweb is the electronic signatures module: it builds the
// signing engine from the kernel's dependencies and puts the pages
// (/envelopes, /signing/..., /verification, /signing-keys) and the JSON API
// (/api/v1/envelopes, /api/v1/verification, ...) on the server.
//
// The module's parts each keep to their own files and struct: envelopes
// (envelopes.go: the sender's side), the signing ceremony (ceremony.go:
// the recipients' side, completion and the seal) and keys and
// verification (keys.go); this file only wires them.
package signingweb

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"strings"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Module is the electronic signatures module. Its zero value is ready to
// be listed.
type Module struct {
	module.Base

	d  *module.Deps
	ss *signing.Store

	envelopes envelopesPart
	ceremony  ceremonyPart
	keys      keysPart

	texts signing.TextSender // codes by text message (UseTexts)
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "signing" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{signing.Migrations} }

// Store is the built engine, for the composition root and tests.
func (m *Module) Store() *signing.Store { return m.ss }

// UseTexts gives the module a way to send text messages, for one-time
// codes by text message (cmd/dbtp adapts digital post's SMS, before Init).
func (m *Module) UseTexts(t signing.TextSender) { m.texts = t }

// Init builds the engine and registers the access policy, then each
// part's jobs and subscriptions.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	m.d = d
	if err := d.Access.Register(signing.ResourceType, signing.Policy); err != nil {
		return err
	}
	opts := signing.Options{Now: d.Clock.Now, Jobs: d.Jobs, Events: d.Events, Mail: d.Mail, Texts: m.texts, BaseURL: d.Config.BaseURL,
		TSAURL: tsaURL(d.Config)}
	if d.Blob != nil {
		opts.Files = d.Blob
	}
	if testOptions != nil {
		testOptions(&opts)
	}
	m.ss = signing.New(d.DB, d.Audit, d.Access, opts)
	return errors.Join(m.envelopes.init(ctx, m), m.ceremony.init(ctx, m), m.keys.init(ctx, m))
}

// Web mounts the pages and the API.
func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/signing/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Signatures", Href: "/envelopes", Roles: platform.StaffRoles, Order: 36})
	return errors.Join(m.envelopes.web(srv, m), m.ceremony.web(srv, m), m.keys.web(srv, m))
}

// Start runs each part's start-up.
func (m *Module) Start(ctx context.Context) error {
	return errors.Join(m.envelopes.start(ctx, m), m.ceremony.start(ctx, m), m.keys.start(ctx, m))
}

// Demo adds the demo's signing key (from an internal certificate
// authority) and a supplier contract waiting for the supplier's signature,
// once. (The 21/00097 Record of Decision is the key-decisions service's
// envelope, which cmd/dbtp's demo signs as the Cabinet Member.)
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	if err := m.keys.demo(ctx, m, env, org); err != nil { // the key first: the envelopes are sealed with it
		return err
	}
	return errors.Join(m.envelopes.demo(ctx, m, env, org), m.ceremony.demo(ctx, m, env, org))
}

// staff refuses anyone who is not staff.
func staff(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if !sub.Authenticated() {
		return nil, platform.Errorf(platform.CodeUnauthorized, "Sign in, or send an API token: Authorization: Bearer <token>")
	}
	if !sub.IsStaff() {
		return nil, platform.Errorf(platform.CodeForbidden, "Envelopes are sent by the council's staff")
	}
	return sub, nil
}

// tsaURL is the time-stamping authority seals ask: DBTP_SIGNING_TSA_URL,
// or, when that is empty, the demo's own (keys.go, DemoTSAPath), which
// answers once the demo certificate authority exists; "off" means none
// (seals at B-B). (The keys part's one edit to this file.)
func tsaURL(c module.Config) string {
	switch u := c.Getenv("DBTP_SIGNING_TSA_URL"); {
	case u == "off":
		return ""
	case u != "":
		return u
	case c.BaseURL != "":
		return strings.TrimRight(c.BaseURL, "/") + DemoTSAPath
	}
	return ""
}
