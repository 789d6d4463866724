package postweb

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

var kindNames = map[string]string{post.KindEmail: "Email", post.KindSMS: "Text message", post.KindLetter: "Letter"}

var kindOptions = []web.Option{
	{Value: post.KindEmail, Text: "Email", Hint: "A subject line and a body with headings, lists, inset text and links"},
	// Emoji are refused, as Notify refuses them: phones without them show "?".
	{Value: post.KindSMS, Text: "Text message", Hint: "Plain text; 160 characters fit in one message (70 with Welsh letters such as ŵ). Emoji cannot be used: many phones would show them as ?"},
	{Value: post.KindLetter, Text: "Letter", Hint: "An A4 letter with a main heading, printed and posted, or in large print"},
}

// day is a time as pages write it: 2 March 2026 at 8:05am (UK time).
func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if lon, err := time.LoadLocation("Europe/London"); err == nil {
		t = t.In(lon)
	}
	return t.Format("2 January 2006 at 3:04pm")
}

type tplRow struct {
	post.Template
	KindName, ServiceName, UnitName, Updated string
}

type tplListPage struct {
	*web.Form
	Rows       []tplRow
	Pages      web.Pagination
	Keep       bool // sub keeps at least one service's templates
	Archived   bool
	Filtered   bool
	Kinds      []web.Option
	Services   []web.Option
	Units      []web.Option
	ArchiveURL string
}

func (p *templatesPart) names(ctx context.Context, sub *platform.Subject) (services, units map[string]string, err error) {
	services, err = p.ps.ServiceNames(ctx, sub)
	if err != nil {
		return nil, nil, err
	}
	us, err := p.dir.Units(ctx, platform.System(sub.OrgID))
	if err != nil {
		return nil, nil, err
	}
	units = map[string]string{}
	for _, u := range us {
		units[u.ID] = u.Name
	}
	return services, units, nil
}

func (p *templatesPart) listPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx, q := r.Context(), r.URL.Query()
	cur, err := web.DecodeCursor(q.Get("cursor"))
	if err != nil {
		return err
	}
	f := post.TemplateFilter{ServiceID: q.Get("service"), UnitID: q.Get("unit"), Kind: q.Get("kind"), Query: q.Get("q"),
		Archived: q.Get("archived") == "yes", After: cur, Limit: 50}
	ts, next, err := p.ps.Templates(ctx, sub, f)
	if err != nil {
		return err
	}
	services, units, err := p.names(ctx, sub)
	if err != nil {
		return err
	}
	keep, err := p.ps.TemplateServices(ctx, sub)
	if err != nil {
		return err
	}
	out := tplListPage{Form: web.NewForm(q), Keep: len(keep) > 0, Archived: f.Archived,
		Filtered: f.ServiceID != "" || f.UnitID != "" || f.Kind != "" || f.Query != ""}
	for _, t := range ts {
		out.Rows = append(out.Rows, tplRow{Template: t, KindName: kindNames[t.Kind], ServiceName: services[t.ServiceID], UnitName: units[t.UnitID],
			Updated: day(t.UpdatedAt)})
	}
	if next != nil {
		out.Pages.Next = web.CursorURL(r, web.EncodeCursor(next...))
	}
	if cur != nil {
		out.Pages.Prev = web.CursorURL(r, "")
	}
	out.Kinds = append([]web.Option{{Value: "", Text: "Any kind"}}, kindOptions...)
	for i := range out.Kinds {
		out.Kinds[i].Hint = ""
	}
	out.Services = append(out.Services, web.Option{Value: "", Text: "Any service"})
	for _, id := range sortedByValue(services) {
		out.Services = append(out.Services, web.Option{Value: id, Text: services[id]})
	}
	out.Units = append(out.Units, web.Option{Value: "", Text: "Any business unit"})
	for _, id := range sortedByValue(units) {
		out.Units = append(out.Units, web.Option{Value: id, Text: units[id]})
	}
	aq := url.Values{}
	if !f.Archived {
		aq.Set("archived", "yes")
	}
	out.ArchiveURL = "/post/templates"
	if len(aq) > 0 {
		out.ArchiveURL += "?" + aq.Encode()
	}
	return web.Render(w, r, http.StatusOK, "post/templates_list", out)
}

// sortedByValue lists a map's keys in the order of their values.
func sortedByValue(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ { // insertion sort: a council has tens of these
		for j := i; j > 0 && (strings.ToLower(m[keys[j]]) < strings.ToLower(m[keys[j-1]]) ||
			(strings.EqualFold(m[keys[j]], m[keys[j-1]]) && keys[j] < keys[j-1])); j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// tplView is a template shown with its rendering (or a preview's).
type tplView struct {
	*web.Form
	Template     post.Template
	KindName     string
	ServiceName  string
	UnitName     string
	Updated      string
	Keep         bool
	Version      int // the version shown
	Current      bool
	Preview      post.Preview
	Body         template.HTML // the rendered body, escaped by notify
	Fields       []tplField
	SMSCost      string
	SMSReplaced  string // characters a text message cannot carry, sent as "?"
	PDFURL       string
	Placeholders string
}

// tplField is one placeholder's sample data field on the preview page.
type tplField struct {
	ID, Name, Param, Value string
}

func (p *templatesPart) viewData(r *http.Request, sub *platform.Subject, id string, version int, sample map[string]any) (tplView, error) {
	ctx := r.Context()
	pv, err := p.ps.PreviewTemplate(ctx, sub, id, version, sample)
	if err != nil {
		return tplView{}, err
	}
	cur, err := p.ps.Template(ctx, sub, id)
	if err != nil {
		return tplView{}, err
	}
	services, units, err := p.names(ctx, sub)
	if err != nil {
		return tplView{}, err
	}
	t := pv.Template
	out := tplView{Form: web.NewForm(url.Values{}), Template: t, KindName: kindNames[t.Kind], ServiceName: services[t.ServiceID], UnitName: units[t.UnitID],
		Updated: day(t.UpdatedAt), Keep: post.CanKeep(sub, t.UnitID), Version: t.Version, Current: t.Version == cur.Version, Preview: pv,
		// notify escapes every character of the template and the sample.
		Body: template.HTML(pv.Rendered.PreviewHTML), Placeholders: strings.Join(pv.Placeholders, ", ")}
	if t.Kind == post.KindSMS {
		out.SMSCost = fmt.Sprintf("%.2fp", notify.CostPence(pv.Rendered.Fragments, p.smsPence))
		for _, r := range pv.Rendered.Replaced {
			out.SMSReplaced += " " + string(r)
		}
		out.SMSReplaced = strings.TrimSpace(out.SMSReplaced)
	}
	if t.Kind == post.KindLetter {
		out.PDFURL = "/post/templates/" + t.ID + "/preview.pdf"
		if q := r.URL.RawQuery; q != "" {
			out.PDFURL += "?" + q
		}
	}
	for i, n := range pv.Placeholders {
		v := ""
		if s, ok := sample[n].(string); ok {
			v = s
		}
		out.Fields = append(out.Fields, tplField{ID: "ph-" + strconv.Itoa(i+1), Name: n, Param: "p." + n, Value: v})
	}
	return out, nil
}

func (p *templatesPart) view(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	out, err := p.viewData(r, sub, r.PathValue("id"), 0, nil)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "post/templates_view", out)
}

// preview renders a template with the sample data in the query: each
// placeholder's field is "p.<name>"; version picks an older wording.
func (p *templatesPart) preview(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	version := 0
	if v := q.Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return platform.Invalid("Check the version", platform.FieldError{Field: "version", Message: "The version must be a whole number from 1"})
		}
	}
	sample := map[string]any{}
	for k, vs := range q {
		if name, ok := strings.CutPrefix(k, "p."); ok && len(vs) > 0 {
			sample[name] = vs[0]
		}
	}
	out, err := p.viewData(r, sub, r.PathValue("id"), version, sample)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "post/templates_preview", out)
}

type versionRow struct {
	post.TemplateVersion
	Created, By string
	Current     bool
	Lines       []string
}

type versionsPage struct {
	Template post.Template
	Rows     []versionRow
	Pages    web.Pagination
}

// versionsPerPage keeps a page of versions short: each shows its message.
const versionsPerPage = 10

func (p *templatesPart) versions(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	t, err := p.ps.Template(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	before := 0
	if b := r.URL.Query().Get("before"); b != "" {
		if before, err = strconv.Atoi(b); err != nil || before < 1 {
			return platform.Invalid("Check the page", platform.FieldError{Field: "before", Message: "must be a version number"})
		}
	}
	vs, more, err := p.ps.TemplateVersionsPage(ctx, sub, t.ID, before, versionsPerPage)
	if err != nil {
		return err
	}
	ids := make([]string, 0, len(vs))
	for _, v := range vs {
		ids = append(ids, v.CreatedBy)
	}
	people, err := p.dir.People(ctx, platform.System(sub.OrgID), ids)
	if err != nil {
		return err
	}
	out := versionsPage{Template: t}
	base := "/post/templates/" + t.ID + "/versions"
	if more {
		out.Pages.Next = base + "?before=" + strconv.Itoa(vs[len(vs)-1].Version)
	}
	if before > 0 {
		out.Pages.Prev = base
	}
	for _, v := range vs {
		by := people[v.CreatedBy].Name
		if by == "" {
			by = "The council"
		}
		out.Rows = append(out.Rows, versionRow{TemplateVersion: v, Created: day(v.CreatedAt), By: by, Current: v.Version == t.Version,
			Lines: strings.Split(v.Body, "\n")})
	}
	return web.Render(w, r, http.StatusOK, "post/templates_versions", out)
}

type tplFormPage struct {
	*web.Form
	Template *post.Template
	Services []web.Option
	Kinds    []web.Option
	Statuses []web.Option
	// SubjectLabel and SubjectHint name the subject field for the kind.
	SubjectLabel, SubjectHint string
	// SMS: the form may be for a text message, so it shows the message's
	// length (SMSWords, as drawn; the script follows what is typed, asking
	// CountURL).
	SMS      bool
	SMSWords string
	CountURL string
}

var statutoryOptions = []web.Option{
	{Value: "yes", Text: "Yes, the council must send it", Hint: "Sent whatever the person said about other messages: a decision, a reminder of an appointment, a receipt"},
	{Value: "no", Text: "No, the person chooses", Hint: "Sent only to people who agreed, with a link to stop them: news, surveys, reminders they asked for"},
}

func (p *templatesPart) formPage(r *http.Request, sub *platform.Subject, f *web.Form, t *post.Template) (tplFormPage, error) {
	out := tplFormPage{Form: f, Template: t, Kinds: kindOptions, Statuses: statutoryOptions, SubjectLabel: "Subject line or main heading",
		SubjectHint: "For emails, the subject; for letters, the heading in bold. Text messages have neither."}
	switch {
	case t != nil && t.Kind == post.KindEmail:
		out.SubjectLabel, out.SubjectHint = "Subject line", "What the person sees in their inbox"
	case t != nil && t.Kind == post.KindLetter:
		out.SubjectLabel, out.SubjectHint = "Main heading", "Printed in bold above the letter"
	}
	kind := f.Value("kind")
	out.CountURL = "/post/templates/count"
	if t != nil {
		kind = t.Kind
		out.CountURL += "?" + url.Values{"kind": {t.Kind}}.Encode()
	}
	out.SMS = t == nil || t.Kind == post.KindSMS
	if kind == post.KindSMS {
		out.SMSWords = smsTemplateWords(f.Value("body"))
	}
	if t == nil {
		ss, err := p.ps.TemplateServices(r.Context(), sub)
		if err != nil {
			return out, err
		}
		if len(ss) == 0 {
			return out, platform.Errorf(platform.CodeForbidden, "Only managers and designers of a unit with a sending service make its templates")
		}
		if len(ss) > 1 {
			out.Services = append(out.Services, web.Option{Value: "", Text: "Choose a service"})
		}
		for _, s := range ss {
			out.Services = append(out.Services, web.Option{Value: s.ID, Text: s.Name})
		}
	}
	return out, nil
}

func (p *templatesPart) form(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"statutory": {"yes"}, "kind": {r.URL.Query().Get("kind")}, "service": {r.URL.Query().Get("service")}})
	var t *post.Template
	if id := r.PathValue("id"); id != "" {
		cur, err := p.ps.Template(r.Context(), sub, id)
		if err != nil {
			return err
		}
		if !post.CanKeep(sub, cur.UnitID) {
			return platform.Errorf(platform.CodeForbidden, "Only managers and designers of the owning unit change its templates")
		}
		t = &cur
		st := "yes"
		if !cur.Statutory {
			st = "no"
		}
		f = web.NewForm(url.Values{"name": {cur.Name}, "subject": {cur.Subject}, "body": {cur.Body}, "statutory": {st}})
	}
	out, err := p.formPage(r, sub, f, t)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "post/templates_form", out)
}

func (p *templatesPart) save(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	in := post.TemplateInput{ServiceID: r.PostFormValue("service"), Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body")}
	switch r.PostFormValue("statutory") {
	case "yes", "no":
		st := r.PostFormValue("statutory") == "yes"
		in.Statutory = &st
	}
	var t post.Template
	var cur *post.Template
	if id := r.PathValue("id"); id != "" {
		c, gerr := p.ps.Template(ctx, sub, id)
		if gerr != nil {
			return gerr
		}
		cur = &c
		t, err = p.ps.UpdateTemplate(ctx, sub, id, in)
	} else {
		t, err = p.ps.CreateTemplate(ctx, sub, in)
	}
	if tplFormError(err) {
		out, ferr := p.formPage(r, sub, web.FormErrors(r, err), cur)
		if ferr != nil {
			return ferr
		}
		return web.Render(w, r, tplStatus(err), "post/templates_form", out)
	}
	if err != nil {
		return err
	}
	msg := t.Name + " saved"
	if cur != nil && t.Version != cur.Version {
		msg += " as version " + strconv.Itoa(t.Version)
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, "/post/templates/"+t.ID, http.StatusSeeOther)
	return nil
}

func (p *templatesPart) archive(archived bool) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		sub, err := staff(r)
		if err != nil {
			return err
		}
		id := r.PathValue("id")
		if err := p.ps.ArchiveTemplate(r.Context(), sub, id, archived); err != nil {
			return err
		}
		msg := "Template archived: it sends nothing until it is brought back"
		if !archived {
			msg = "Template brought back into use"
		}
		web.SetFlash(w, r, msg)
		http.Redirect(w, r, "/post/templates/"+id, http.StatusSeeOther)
		return nil
	}
}

// smsTemplateWords is a text message template's length as its author
// needs it while writing: counted as written, placeholders and all, as
// saving checks it, with what saving would refuse.
func smsTemplateWords(body string) string {
	if strings.TrimSpace(body) == "" {
		return ""
	}
	// Tidied as saving tidies it (post.TemplateInput), so the two agree.
	c := notify.CountSMS(strings.TrimRight(strings.ReplaceAll(body, "\r\n", "\n"), " \n\t"))
	s := fmt.Sprintf("%s, sent as %s (counted as written: what goes in the ((brackets)) changes it).",
		sendPlural(c.Chars, "character"), sendPlural(c.Fragments, "text message"))
	if c.Unicode {
		s += " It needs Unicode: 70 characters fit in one text message, 67 each when split."
	}
	if len(c.Replaced) > 0 {
		s += " " + notify.SMSCannotUse(c.Replaced) + "."
	}
	if c.Chars > notify.SMSMaxChars {
		s += " " + notify.SMSTooLong(c.Chars)
	}
	return s
}

// smsTemplateCount is the form's script asking, as a text message
// template is typed, how long it is: JSON with its words (none for
// another kind of message). It reads and stores nothing.
func (p *templatesPart) smsTemplateCount(w http.ResponseWriter, r *http.Request) error {
	if _, err := staff(r); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return platform.Invalid("The form could not be read")
	}
	kind := r.PostForm.Get("kind")
	if kind == "" {
		kind = r.URL.Query().Get("kind")
	}
	out := smsPreview{}
	if kind == post.KindSMS {
		out.Words = smsTemplateWords(r.PostForm.Get("body"))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
