package postweb

import (
	"context"
	"net/http"
	"strconv"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// templatesPart is the templates part of the module: the module's home
// (/post), the template pages (/post/templates...), the templates' JSON
// API (/api/v1/post/templates) and the demo's templates.
type templatesPart struct {
	ps  *post.Store
	dir platform.Directory
	// smsPence is what one text message fragment costs, for the preview
	// (DBTP_POST_SMS_PENCE).
	smsPence float64
}

func (p *templatesPart) init(ctx context.Context, m *Module) error {
	p.ps, p.dir, p.smsPence = m.ps, m.d.Directory, notify.SMSDefaultPence
	if v := m.d.Config.Getenv("DBTP_POST_SMS_PENCE"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0 || f > 1000 {
			return platform.Errorf(platform.CodeInvalid, "DBTP_POST_SMS_PENCE: want the pence one text message fragment costs, such as 1.97; got %q", v)
		}
		p.smsPence = f
	}
	return nil
}

func (p *templatesPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(f), o...)
	}
	body := web.MaxBody(256 << 10) // a template of 50,000 characters, in UTF-8, and its fields
	page("GET /post", p.home)
	page("GET /post/templates", p.listPage)
	page("GET /post/templates/new", p.form)
	page("POST /post/templates/new", p.save, body)
	page("POST /post/templates/count", p.smsTemplateCount, body)
	page("GET /post/templates/{id}", p.view)
	page("GET /post/templates/{id}/edit", p.form)
	page("POST /post/templates/{id}/edit", p.save, body)
	page("GET /post/templates/{id}/preview", p.preview)
	page("GET /post/templates/{id}/versions", p.versions)
	page("POST /post/templates/{id}/archive", p.archive(true))
	page("POST /post/templates/{id}/restore", p.archive(false))
	p.routeAPI(srv.API())
	return nil
}

func (p *templatesPart) start(ctx context.Context, m *Module) error { return nil }

// homeLink is one part of the module, as the home page lists it.
type homeLink struct{ Href, Title, Text string }

type homePage struct {
	Links     []homeLink
	Templates int // how many templates sub sees (up to one)
}

// home is the module's front page: every part's pages, with what each is for.
func (p *templatesPart) home(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ts, _, err := p.ps.Templates(r.Context(), sub, post.TemplateFilter{Limit: 1})
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "post/home", homePage{Templates: len(ts), Links: []homeLink{
		{"/post/templates", "Templates", "The wording of emails, text messages and letters, with placeholders for each person's details. Preview them with sample data; every version is kept."},
		{"/post/services", "Sending services", "Who sends: each service's reply-to address, text message sender, return address, API keys for council systems and delivery receipts."},
		{"/post/messages", "Sent messages", "Every email, text message and letter sent, with its delivery status, and sending one by hand or from a spreadsheet."},
		{"/post/inbound", "Inbound post", "Scanned letters and forms received: read, matched to their cases, or waiting in the triage queue for someone to route them."},
		{"/post/people", "Contact preferences", "How residents want to hear from the council (email, text message, letter or large print) and what they have agreed to receive: find a person to see or record theirs."},
	}})
}

// tplStatus is the HTTP status a failed form gets.
func tplStatus(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return http.StatusUnprocessableEntity
	case platform.CodeConflict:
		return http.StatusConflict
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusBadRequest
}

// tplFormError is whether err is one a form shows beside its fields.
func tplFormError(err error) bool {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeConflict, platform.CodeTooLarge:
		return true
	}
	return false
}

func (p *templatesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return p.seed(ctx, m, env, org)
}
