package postweb

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

// The sending services' pages: /post/services (the list, and a form to
// make one), /post/services/{id} (its settings, its API keys and the
// forms to make them; a new key's whole value is shown once),
// /post/services/{id}/keys/{key}/revoke (asks before revoking a key),
// /post/services/{id}/settings and /post/services/{id}/bulk (send a
// template to every row of a CSV file). No JavaScript is needed.

func (p *sendingPart) pageRoutes(srv *web.Server) {
	rt := srv.Router()
	rt.Handle("GET /post/services", web.RequireSignedInFunc(p.servicesPage))
	rt.Handle("POST /post/services", web.RequireSignedInFunc(p.createService))
	rt.Handle("GET /post/services/{id}", web.RequireSignedInFunc(p.servicePage))
	rt.Handle("GET /post/services/{id}/settings", web.RequireSignedInFunc(p.settingsPage))
	rt.Handle("POST /post/services/{id}/settings", web.RequireSignedInFunc(p.saveSettings))
	rt.Handle("POST /post/services/{id}/keys", web.RequireSignedInFunc(p.createKey))
	rt.Handle("GET /post/services/{id}/keys/{key}/new", web.RequireSignedInFunc(p.newKeyPage))
	rt.Handle("GET /post/services/{id}/keys/{key}/revoke", web.RequireSignedInFunc(p.revokeKey))
	rt.Handle("POST /post/services/{id}/keys/{key}/revoke", web.RequireSignedInFunc(p.revokeKey))
	rt.Handle("GET /post/services/{id}/bulk", web.RequireSignedInFunc(p.bulkPage))
	rt.Handle("POST /post/services/{id}/bulk", web.RequireSignedInFunc(p.sendBulk), web.MaxBody(20<<20))
	rt.Handle("GET /post/messages", web.RequireSignedInFunc(p.messagesPage))
	rt.Handle("GET /post/messages/{id}", web.RequireSignedInFunc(p.messagePage))
	rt.Handle("GET /post/messages/{id}/letter.pdf", web.RequireSignedInFunc(p.letterPDF))
}

var sendLondon = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

// sendUKTime is a time as people in the council read it.
func sendUKTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(sendLondon).Format("2 January 2006 at 3:04pm")
}

// sendPageStatus is the status of a page showing a refused form again.
func sendPageStatus(err error) int {
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

// sendShownAgain reports whether a refusal is shown beside the form.
func sendShownAgain(err error) bool {
	c := platform.CodeOf(err)
	return c == platform.CodeInvalid || c == platform.CodeConflict || c == platform.CodeTooLarge
}

type servicesPage struct {
	*web.Form
	Services []web.SummaryRow
	Table    web.Table
	Units    []web.Option
}

// keepableUnits are the units whose services sub may make: all of them
// for an admin, else the units sub keeps.
func (p *sendingPart) keepableUnits(ctx context.Context, sub *platform.Subject) ([]web.Option, map[string]string, error) {
	units, err := p.m.d.Directory.Units(ctx, sub)
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	var opts []web.Option
	for _, u := range units {
		names[u.ID] = u.Name
		if post.CanKeep(sub, u.ID) {
			opts = append(opts, web.Option{Value: u.ID, Text: u.Name})
		}
	}
	return opts, names, nil
}

func (p *sendingPart) renderServices(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	svs, err := p.m.ps.Services(r.Context(), sub)
	if err != nil {
		return err
	}
	units, names, err := p.keepableUnits(r.Context(), sub)
	if err != nil {
		return err
	}
	pg := servicesPage{Form: f, Table: web.Table{Caption: "Sending services", Head: []web.Cell{{Text: "Service"}, {Text: "Business unit"}, {Text: "Status"}}}}
	if len(units) > 0 {
		pg.Units = append([]web.Option{{Value: "", Text: "Choose a business unit"}}, units...)
	}
	for _, sv := range svs {
		st := "Live"
		if sv.Archived {
			st = "Archived"
		}
		pg.Table.Rows = append(pg.Table.Rows, []web.Cell{{Text: sv.Name, Href: "/post/services/" + sv.ID}, {Text: names[sv.UnitID]}, {Text: st}})
	}
	return web.Render(w, r, status, "post/services_list", pg)
}

func (p *sendingPart) servicesPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderServices(w, r, http.StatusOK, web.NewForm(nil))
}

func (p *sendingPart) createService(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.CreateService(r.Context(), sub, post.ServiceInput{Name: r.PostFormValue("name"), UnitID: r.PostFormValue("unit")})
	if sendShownAgain(err) {
		return p.renderServices(w, r, sendPageStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, sv.Name+" created: make an API key for the systems that will send through it")
	http.Redirect(w, r, "/post/services/"+sv.ID, http.StatusSeeOther)
	return nil
}

type servicePage struct {
	*web.Form
	Service  post.Service
	Rows     []web.SummaryRow
	Keys     []sendKeyRow
	Keep     bool
	Send     bool
	KeyTypes []web.Option
}

type sendKeyRow struct {
	post.APIKey
	Type, Created, LastUsed, Revoked string
}

var sendKeyTypes = []web.Option{
	{Value: post.KeyNormal, Text: "Live", Hint: "Sends to anyone"},
	{Value: post.KeyTeam, Text: "Team", Hint: "For trying a system out: sends email only to the staff of the service's business unit"},
	{Value: post.KeyTest, Text: "Test", Hint: "Pretends to send: nothing is delivered, and the messages are listed only to test keys"},
}

func sendKeyTypeText(t string) string {
	for _, o := range sendKeyTypes {
		if o.Value == t {
			return o.Text
		}
	}
	return t
}

func (p *sendingPart) renderService(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	keys, err := p.m.ps.APIKeys(r.Context(), sub, sv.ID)
	if err != nil {
		return err
	}
	_, names, err := p.keepableUnits(r.Context(), sub)
	if err != nil {
		return err
	}
	keep := post.CanKeep(sub, sv.UnitID)
	pg := servicePage{Form: f, Service: sv, Keep: keep, KeyTypes: sendKeyTypes,
		Send: !sv.Archived && (keep || sub.InUnit(sv.UnitID) && sub.HasRole(platform.RoleCaseworker))}
	change := ""
	if keep {
		change = "/post/services/" + sv.ID + "/settings"
	}
	rate := "No limit"
	if sv.RatePerMinute > 0 {
		rate = fmt.Sprintf("%d a minute for each type of key and each channel", sv.RatePerMinute)
	}
	callback := "None"
	if sv.CallbackURL != "" {
		callback = sv.CallbackURL
	}
	pg.Rows = []web.SummaryRow{
		{Key: "Service ID", Value: sv.ID},
		{Key: "Business unit", Value: names[sv.UnitID]},
		{Key: "Reply-to email address", Value: orNone(sv.EmailReplyTo, "None"), Href: change, ActionText: "Change"},
		{Key: "Text message sender", Value: orNone(sv.SMSSender, p.m.d.Config.CouncilName), Href: change, ActionText: "Change"},
		{Key: "Return address on letters", Value: orNone(sv.LetterContact, "None"), Href: change, ActionText: "Change"},
		{Key: "Rate limit", Value: rate, Href: change, ActionText: "Change"},
		{Key: "Delivery receipts callback", Value: callback, Href: change, ActionText: "Change"},
	}
	if sv.Archived {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Status", Value: "Archived: it sends nothing and its keys do not work"})
	}
	for _, k := range keys {
		kr := sendKeyRow{APIKey: k, Type: sendKeyTypeText(k.Type), Created: sendUKTime(k.CreatedAt), LastUsed: orNone(sendUKTime(k.LastUsedAt), "Never"), Revoked: sendUKTime(k.RevokedAt)}
		pg.Keys = append(pg.Keys, kr)
	}
	return web.Render(w, r, status, "post/services_service", pg)
}

func orNone(s, dflt string) string {
	if strings.TrimSpace(s) == "" {
		return dflt
	}
	return s
}

func (p *sendingPart) servicePage(w http.ResponseWriter, r *http.Request) error {
	return p.renderService(w, r, http.StatusOK, web.NewForm(url.Values{"key_type": {post.KeyNormal}}))
}

// createKey makes the key and sends the browser to the page that shows
// it (post, redirect, get): reloading that page, or going back to the
// form and forward again, makes no second key.
func (p *sendingPart) createKey(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	k, err := p.m.ps.CreateAPIKeyToShow(r.Context(), sub, r.PathValue("id"), r.PostFormValue("name"), r.PostFormValue("key_type"))
	if sendShownAgain(err) {
		return p.renderService(w, r, sendPageStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/post/services/"+url.PathEscape(k.ServiceID)+"/keys/"+url.PathEscape(k.ID)+"/new", http.StatusSeeOther)
	return nil
}

type newKeyPage struct {
	Service post.Service
	Key     post.APIKey
	Type    string
	// Whole is the whole key, shown on this page once; empty when it has
	// been shown already.
	Whole string
	// Rows is the key's box's height in lines: enough for the whole key
	// at 320 px, where about twenty of its characters fit a line.
	Rows int
}

// newKeyPage shows a key just made, once; the page is never cached.
func (p *sendingPart) newKeyPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	k, whole, err := p.m.ps.ShowNewAPIKey(r.Context(), sub, sv.ID, r.PathValue("key"))
	if errors.Is(err, post.ErrKeyShown) {
		return web.Render(w, r, http.StatusGone, "post/services_key_new", newKeyPage{Service: sv})
	}
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "post/services_key_new", newKeyPage{Service: sv, Key: k, Type: sendKeyTypeText(k.Type), Whole: whole,
		Rows: max(3, (len(whole)+19)/20)})
}

// revokeKey asks first, as revoking cannot be undone: a GET, or a post
// without confirm=yes (a form from an old page), shows the question; the
// post from it (confirm=yes, with its CSRF token) revokes.
func (p *sendingPart) revokeKey(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if !web.Confirmed(r) {
		return p.revokeConfirm(w, r, sub)
	}
	if err := p.m.ps.RevokeAPIKey(r.Context(), sub, r.PathValue("id"), r.PathValue("key")); err != nil {
		return err
	}
	web.SetFlash(w, r, "API key revoked: systems using it can no longer send")
	http.Redirect(w, r, "/post/services/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

func (p *sendingPart) revokeConfirm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !post.CanKeep(sub, sv.UnitID) {
		return platform.Errorf(platform.CodeForbidden, "Only managers and designers of the owning unit revoke its API keys")
	}
	keys, err := p.m.ps.APIKeys(r.Context(), sub, sv.ID)
	if err != nil {
		return err
	}
	base := "/post/services/" + url.PathEscape(sv.ID)
	for _, k := range keys {
		if k.ID != r.PathValue("key") {
			continue
		}
		if !k.RevokedAt.IsZero() {
			http.Redirect(w, r, base, http.StatusSeeOther) // revoked already: nothing to ask
			return nil
		}
		return web.RenderConfirm(w, r, web.Confirm{Caption: sv.Name, Title: "Revoke the API key " + k.Name + "?",
			Warning: "Systems using this " + strings.ToLower(sendKeyTypeText(k.Type)) + " key stop sending at once. This cannot be undone: to send again, they need a new key.",
			Action:  base + "/keys/" + url.PathEscape(k.ID) + "/revoke", Button: "Yes, revoke the key", Back: base})
	}
	return platform.NotFound("API key")
}

type settingsPage struct {
	*web.Form
	Service  post.Service
	Archived []web.Option
}

func (p *sendingPart) renderSettings(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !post.CanKeep(sub, sv.UnitID) {
		return platform.Errorf(platform.CodeForbidden, "Only managers and designers of the owning unit change a sending service")
	}
	if f == nil {
		v := url.Values{"name": {sv.Name}, "email_reply_to": {sv.EmailReplyTo}, "sms_sender": {sv.SMSSender}, "letter_contact": {sv.LetterContact},
			"rate_per_minute": {strconv.Itoa(sv.RatePerMinute)}, "callback_url": {sv.CallbackURL}}
		if sv.Archived {
			v.Set("archived", "yes")
		}
		f = web.NewForm(v)
	}
	return web.Render(w, r, status, "post/services_settings", settingsPage{Form: f, Service: sv,
		Archived: []web.Option{{Value: "yes", Text: "Archive the service", Hint: "It stops sending and its API keys stop working"}}})
}

func (p *sendingPart) settingsPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderSettings(w, r, http.StatusOK, nil)
}

func (p *sendingPart) saveSettings(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := post.ServiceSettings{Name: r.PostFormValue("name"), EmailReplyTo: r.PostFormValue("email_reply_to"), SMSSender: r.PostFormValue("sms_sender"),
		LetterContact: r.PostFormValue("letter_contact"), CallbackURL: r.PostFormValue("callback_url"), CallbackToken: r.PostFormValue("callback_token"),
		Archived: r.PostFormValue("archived") == "yes"}
	rate := strings.TrimSpace(strings.ReplaceAll(r.PostFormValue("rate_per_minute"), ",", ""))
	if in.RatePerMinute, err = strconv.Atoi(rate); err != nil {
		in.RatePerMinute = -1 // refused by the check with its message
	}
	sv, err := p.m.ps.UpdateService(r.Context(), sub, r.PathValue("id"), in)
	if sendShownAgain(err) {
		return p.renderSettings(w, r, sendPageStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, sv.Name+" saved")
	http.Redirect(w, r, "/post/services/"+sv.ID, http.StatusSeeOther)
	return nil
}

type bulkPage struct {
	*web.Form
	Service   post.Service
	Templates []web.Option
	Rows      []post.RowError
	Sent      int
}

func (p *sendingPart) renderBulk(w http.ResponseWriter, r *http.Request, status int, f *web.Form, rows []post.RowError) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	sv, err := p.m.ps.Service(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	ts, err := p.m.ps.TemplatesForService(r.Context(), sv.ID, "")
	if err != nil {
		return err
	}
	pg := bulkPage{Form: f, Service: sv, Rows: rows, Templates: []web.Option{{Value: "", Text: "Choose a template"}}}
	kinds := map[string]string{post.KindEmail: "email", post.KindSMS: "text message", post.KindLetter: "letter"}
	for _, t := range ts {
		pg.Templates = append(pg.Templates, web.Option{Value: t.ID, Text: t.Name + " (" + kinds[t.Kind] + ")"})
	}
	return web.Render(w, r, status, "post/services_bulk", pg)
}

func (p *sendingPart) bulkPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderBulk(w, r, http.StatusOK, web.NewForm(url.Values{"template": {r.URL.Query().Get("template")}}), nil)
}

func (p *sendingPart) sendBulk(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var ns []post.Notification
	file, _, ferr := r.FormFile("file")
	if ferr != nil {
		err = platform.Invalid("Choose a file", platform.FieldError{Field: "file", Message: "Choose a CSV file to upload"})
	} else {
		defer file.Close()
		ns, err = p.m.ps.SendBulk(r.Context(), sub, r.PathValue("id"), r.PostFormValue("template"), file)
	}
	var be *post.BulkError
	if errors.As(err, &be) {
		f := web.FormErrors(r, platform.Invalid(fmt.Sprintf("%d rows of the file need fixing; nothing was sent", len(be.Rows)),
			platform.FieldError{Field: "file", Message: fmt.Sprintf("%s of the file need fixing, listed below; nothing was sent. Fix them and upload the file again",
				sendPlural(len(be.Rows), "row"))}))
		return p.renderBulk(w, r, http.StatusUnprocessableEntity, f, be.Rows)
	}
	if sendShownAgain(err) {
		return p.renderBulk(w, r, sendPageStatus(err), web.FormErrors(r, err), nil)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, fmt.Sprintf("%d messages are on their way", len(ns)))
	http.Redirect(w, r, "/post/messages?service="+url.QueryEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
