// Package eventsweb is where an organisation's admins connect their own
// systems to dbtp's events: outbound webhooks signed per the Standard
// Webhooks specification, with a delivery log and replay.
package eventsweb

import (
	"context"
	"embed"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/events"
	"dbtp/internal/events/natspub"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

//go:embed templates
var templates embed.FS

// Module is the webhooks admin pages.
type Module struct {
	module.Base
	bus *events.Bus
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "events" }

// Init also publishes every event to NATS JetStream when DBTP_NATS_URL is
// set (DBTP_NATS_STREAM names the stream, default DBTP; DBTP_NATS_CREDS a
// credentials file). A server that cannot be reached stops the start.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	m.bus = d.Events
	url := d.Config.Getenv("DBTP_NATS_URL")
	if url == "" {
		return nil
	}
	pub, err := natspub.New(ctx, natspub.Config{URL: url, Stream: d.Config.Getenv("DBTP_NATS_STREAM"), Credentials: d.Config.Getenv("DBTP_NATS_CREDS")})
	if err != nil {
		return err
	}
	d.Log.Info("publishing events to NATS JetStream", "url", url)
	return d.Events.Subscribe("nats", []string{"*"}, pub.Publish)
}

func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/webhooks/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Webhooks", Href: "/admin/webhooks", Roles: []platform.Role{platform.RoleAdmin}, Order: 71, Group: web.AdminGroup})
	rt := srv.Router()
	rt.Handle("GET /admin/webhooks", web.RequireSignedInFunc(m.list))
	rt.Handle("POST /admin/webhooks", web.RequireSignedInFunc(m.create))
	rt.Handle("GET /admin/webhooks/{id}", web.RequireSignedInFunc(m.show))
	rt.Handle("POST /admin/webhooks/{id}/pause", web.RequireSignedInFunc(m.pause(true)))
	rt.Handle("POST /admin/webhooks/{id}/resume", web.RequireSignedInFunc(m.pause(false)))
	rt.Handle("GET /admin/webhooks/{id}/delete", web.RequireSignedInFunc(m.confirmRemove))
	rt.Handle("POST /admin/webhooks/{id}/delete", web.RequireSignedInFunc(m.remove))
	rt.Handle("POST /admin/webhooks/{id}/replay", web.RequireSignedInFunc(m.replay))
	return nil
}

type listPage struct {
	Form      *web.Form
	Endpoints []events.Endpoint
	Types     string // the events there are, for the hint
	Once      string // the add form's one-time key
}

func (m *Module) renderList(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	eps, err := m.bus.ListEndpoints(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(url.Values{"types": {"case.*"}})
	}
	return web.Render(w, r, status, "webhooks/list", listPage{Form: f, Endpoints: eps,
		Types: strings.Join(m.bus.Types(), ", "), Once: platform.NewID("once")})
}

func (m *Module) list(w http.ResponseWriter, r *http.Request) error {
	return m.renderList(w, r, http.StatusOK, nil)
}

type createdPage struct {
	Endpoint events.Endpoint
	Secret   string
}

func (m *Module) create(w http.ResponseWriter, r *http.Request) error {
	types := strings.FieldsFunc(r.PostFormValue("types"), func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
	ep, secret, err := m.bus.CreateEndpoint(r.Context(), web.SubjectOf(r), events.NewEndpoint{
		URL: strings.TrimSpace(r.PostFormValue("url")), Types: types, Description: r.PostFormValue("description"),
		Once: r.PostFormValue("once")})
	if platform.CodeOf(err) == platform.CodeInvalid {
		return m.renderList(w, r, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	if secret == "" {
		// The same form sent again (a reload): nothing new was added.
		return back(w, r, "/admin/webhooks/"+ep.ID, "This webhook was added already; its signing secret was shown then")
	}
	// The secret is shown once, on this response; it is never shown again.
	w.Header().Set("Cache-Control", "no-store")
	return web.Render(w, r, http.StatusCreated, "webhooks/created", createdPage{Endpoint: ep, Secret: secret})
}

type showPage struct {
	Endpoint   events.Endpoint
	Deliveries []events.Delivery
	Next       string
}

func (m *Module) show(w http.ResponseWriter, r *http.Request) error {
	ctx, sub, id := r.Context(), web.SubjectOf(r), r.PathValue("id")
	ep, err := m.bus.GetEndpoint(ctx, sub, id)
	if err != nil {
		return err
	}
	const pageSize = 50
	ds, err := m.bus.Deliveries(ctx, sub, id, r.URL.Query().Get("before"), pageSize)
	if err != nil {
		return err
	}
	p := showPage{Endpoint: ep, Deliveries: ds}
	if len(ds) == pageSize {
		p.Next = "/admin/webhooks/" + id + "?" + url.Values{"before": {ds[len(ds)-1].ID}}.Encode()
	}
	return web.Render(w, r, http.StatusOK, "webhooks/show", p)
}

func (m *Module) pause(paused bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id := r.PathValue("id")
		if err := m.bus.SetDisabled(r.Context(), web.SubjectOf(r), id, paused); err != nil {
			return err
		}
		msg := "Webhook resumed: new events will be sent"
		if paused {
			msg = "Webhook paused: events raised while it is paused will not be sent"
		}
		return back(w, r, "/admin/webhooks/"+id, msg)
	}
}

// confirmRemove asks before deleting: the integration stops at once.
func (m *Module) confirmRemove(w http.ResponseWriter, r *http.Request) error {
	ep, err := m.bus.GetEndpoint(r.Context(), web.SubjectOf(r), r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "webhooks/delete", showPage{Endpoint: ep})
}

func (m *Module) remove(w http.ResponseWriter, r *http.Request) error {
	ctx, sub := r.Context(), web.SubjectOf(r)
	ep, err := m.bus.GetEndpoint(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if err := m.bus.DeleteEndpoint(ctx, sub, ep.ID); err != nil {
		return err
	}
	return back(w, r, "/admin/webhooks", "Webhook to "+ep.URL+" deleted")
}

func (m *Module) replay(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	if err := m.bus.Replay(r.Context(), web.SubjectOf(r), id, r.PostFormValue("event")); err != nil {
		return err
	}
	return back(w, r, "/admin/webhooks/"+id, "The event will be sent again shortly")
}

func back(w http.ResponseWriter, r *http.Request, to, flash string) error {
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}
