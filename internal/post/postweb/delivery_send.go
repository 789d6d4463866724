package postweb

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// CaseInfo is what "send a message from a case" needs of the case.
type CaseInfo struct {
	ID         string
	Reference  string
	PersonID   string // the person the case is for, when they have an account
	PersonName string
	Email      string // the applicant's address, when the case has one
	// What the send page fills placeholders with (see caseValue): the
	// service's name, when the case was received and when its current
	// step is due (zero without a clock), and the path of the resident's
	// own page about it.
	Service     string
	SubmittedAt time.Time
	DueAt       time.Time
	RequestPath string
}

// Cases is the services engine as the send page asks it (cmd/dbtp wires
// it): the case, if sub may see it; modules do not import each other.
type Cases interface {
	CaseForPost(ctx context.Context, sub *platform.Subject, caseID string) (CaseInfo, error)
}

// UseCases lets "send a message from a case" read cases.
func (m *Module) UseCases(c Cases) { m.delivery.cases = c }

// Sending a message from a case (/post/send?case=ID) takes these steps,
// none needing JavaScript:
//
//  1. how to send it: the person's preferred channel first and already
//     chosen (channel=KIND); then which template of that channel
//     (template=ID);
//  2. the recipient, the placeholders (long ones as text areas) and, when
//     the channel is not the one they prefer, why not; Continue;
//  3. "Check your message": the message as it will be sent, filled in,
//     with Send, or Change to go back to step 2 with everything kept.
//
// Steps 2 and 3 post to the same address; what was typed travels in the
// form (hidden on the check page), so nothing is stored until Send.
type sendPage struct {
	*web.Form
	Case     CaseInfo
	Channels []web.Option // step 1: how to send it
	// Channel is the channel chosen in step 1, whose Templates are
	// offered next.
	Channel   *web.Option
	Templates []web.Option
	Template  *post.Template
	Kind      string
	Fields    []placeholderField
	Preferred string // the person's preferred channel, in words ("letter")
	// PreferredKind is its kind ("letter"); LargePrint, that they asked
	// for large print.
	PreferredKind string
	LargePrint    bool
	// PrefersNote says how the person prefers to hear ("" if they never
	// said); ChannelNote and ChannelWords name the channel chosen.
	PrefersNote  string
	ChannelNote  string
	ChannelWords string
	// AskReason: the template's channel is not the one they prefer.
	AskReason bool
	Action    string
	Formats   []web.Option
	YesNo     []web.Option // a condition's choice
	// SMS is a text message's words as filled in so far and its count;
	// CountURL is where the script asks again as placeholders are typed.
	SMS      *smsPreview
	CountURL string
}

type placeholderField struct {
	ID, Name string
	// Label is the name in sentence case ("Received date").
	Label string
	Long  bool // a text area: see longPlaceholder
	// Condition: the template only asks yes or no of it
	// (((callback??text))), so it is radios, with Hint saying what Yes adds.
	Condition bool
	Hint      string
}

func (p *deliveryPart) sendWeb(srv *web.Server, m *Module) error {
	rt := srv.Router()
	rt.HandleFunc("GET /post/send", func(w http.ResponseWriter, r *http.Request) error { return p.sendForm(w, r, m, nil, http.StatusOK) })
	rt.HandleFunc("POST /post/send", func(w http.ResponseWriter, r *http.Request) error { return p.send(w, r, m) })
	rt.HandleFunc("POST /post/send/count", func(w http.ResponseWriter, r *http.Request) error { return p.smsCount(w, r, m) })
	return nil
}

// sendData loads the case, the templates sub may send and the chosen one.
func (p *deliveryPart) sendData(r *http.Request, m *Module, form *web.Form) (*sendPage, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	if p.cases == nil {
		return nil, platform.NotFound("cases")
	}
	ctx := r.Context()
	q := r.URL.Query()
	cs, err := p.cases.CaseForPost(ctx, sub, q.Get("case"))
	if err != nil {
		return nil, err
	}
	ts, err := m.ps.SendableTemplates(ctx, sub)
	if err != nil {
		return nil, err
	}
	tid := q.Get("template")
	pg := &sendPage{Form: form, Case: cs, Formats: []web.Option{{Value: "yes", Text: "Large print"}},
		YesNo:  []web.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}},
		Action: "/post/send?" + url.Values{"case": {cs.ID}, "template": {tid}}.Encode()}
	if pg.Form == nil {
		pg.Form = &web.Form{Input: url.Values{}}
	}
	if pg.Form.Input == nil {
		pg.Form.Input = url.Values{}
	}
	prefs, err := m.ps.PreferencesOf(ctx, sub.OrgID, cs.PersonID)
	if err != nil {
		return nil, err
	}
	pg.PreferredKind, pg.Preferred, pg.LargePrint = prefs.Channel, post.KindWords(prefs.Channel), prefs.LargePrint()
	if pg.Preferred != "" {
		pg.PrefersNote = "They prefer to hear by " + pg.Preferred
		if prefs.Channel == post.KindLetter && prefs.LargePrint() {
			pg.PrefersNote += ", in large print"
		}
		pg.PrefersNote += "."
	}
	for i := range ts {
		if ts[i].ID == tid {
			pg.Template, pg.Kind = &ts[i], ts[i].Kind
		}
	}
	if pg.Template == nil {
		chooseStep(pg, ts, prefs, q)
		return pg, nil
	}
	pg.AskReason = prefs.Channel != "" && prefs.Channel != pg.Kind
	conds := conditions(pg.Template.Subject, pg.Template.Body)
	for i, name := range notify.Placeholders(pg.Template.Subject, pg.Template.Body) {
		f := placeholderField{ID: "p" + strconv.Itoa(i+1), Name: name, Label: sentenceCase(name)}
		if text, ok := conds[notify.NameKey(name)]; ok {
			f.Condition, f.Hint = true, "Yes adds: “"+text+"”"
		} else {
			f.Long = longPlaceholder(pg.Kind, pg.Template.Body, name)
		}
		pg.Fields = append(pg.Fields, f)
	}
	if form == nil { // first sight: fill in what is known
		in := pg.Form.Input
		in.Set("template", pg.Template.ID)
		switch pg.Kind {
		case post.KindEmail:
			in.Set("to", firstOf(prefs.Email, cs.Email))
		case post.KindSMS:
			in.Set("to", prefs.Phone)
		case post.KindLetter:
			in.Set("address", strings.Join(prefs.Address, "\n"))
		}
		if prefs.LargePrint() {
			in.Set("large_print", "yes")
		}
		for _, f := range pg.Fields {
			if v := caseValue(cs, m.d.Config.BaseURL, f.Name); v != "" && !f.Condition {
				in.Set(f.ID, v)
			}
		}
	}
	if pg.Kind == post.KindSMS {
		pg.SMS = smsPreviewOf(*pg.Template, personalisation(pg.Fields, pg.Form.Input))
		pg.CountURL = "/post/send/count?" + url.Values{"case": {cs.ID}, "template": {pg.Template.ID}}.Encode()
	}
	return pg, nil
}

// chooseStep fills in step 1: how to send it (the person's preferred
// channel first, and chosen when first seen), or once a channel is
// chosen, which of its templates; with what is missing named.
func chooseStep(pg *sendPage, ts []post.Template, prefs post.Preferences, q url.Values) {
	order := []string{post.KindEmail, post.KindSMS, post.KindLetter}
	if prefs.Channel != "" {
		order = append([]string{prefs.Channel}, slicesWithout(order, prefs.Channel)...)
	}
	byKind := map[string][]web.Option{}
	for _, t := range ts {
		byKind[t.Kind] = append(byKind[t.Kind], web.Option{Value: t.ID, Text: t.Name})
	}
	for _, kind := range order {
		if len(byKind[kind]) == 0 {
			continue // nothing they may send that way
		}
		o := web.Option{Value: kind, Text: sendKindText[kind]}
		switch {
		case kind == prefs.Channel && kind == post.KindLetter && prefs.LargePrint():
			o.Hint = "Their preferred way, in large print"
		case kind == prefs.Channel:
			o.Hint = "Their preferred way"
		case prefs.Channel != "":
			o.Hint = "They prefer " + post.KindWords(prefs.Channel) + "s: you will be asked why not"
		}
		pg.Channels = append(pg.Channels, o)
		if kind == q.Get("channel") {
			chosen := o
			pg.Channel, pg.Templates = &chosen, append([]web.Option{{Value: "", Text: "Choose a template"}}, byKind[kind]...)
			pg.ChannelWords = post.KindWords(kind)
			pg.ChannelNote = "By " + pg.ChannelWords
			if o.Hint != "" {
				pg.ChannelNote += " (" + strings.ToLower(o.Hint[:1]) + o.Hint[1:] + ")"
			}
			pg.ChannelNote += "."
		}
	}
	in := pg.Form.Input
	switch {
	case pg.Channel != nil && q.Has("template"):
		in.Set("template", q.Get("template"))
		msg := "Choose a template"
		if q.Get("template") != "" {
			msg = "Choose a template you can send"
		}
		pg.Form.Errors = append(pg.Form.Errors, platform.FieldError{Field: "template", Message: msg})
	case pg.Channel != nil:
	case q.Has("channel") || q.Has("template"):
		pg.Form.Errors = append(pg.Form.Errors, platform.FieldError{Field: "channel", Message: "Choose how to send the message"})
	case prefs.Channel != "" && len(byKind[prefs.Channel]) > 0:
		in.Set("channel", prefs.Channel) // first seen: their preferred way, chosen
	}
}

func slicesWithout(ss []string, s string) []string {
	var out []string
	for _, x := range ss {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}

// longWords are words in a placeholder's name that mean a sentence or
// more, not a word or a date.
var longWords = map[string]bool{"message": true, "details": true, "detail": true, "description": true, "reason": true, "reasons": true,
	"notes": true, "note": true, "comments": true, "comment": true, "explanation": true, "summary": true, "findings": true,
	"actions": true, "outcome": true, "response": true, "body": true, "text": true, "news": true, "items": true, "address": true}

// longPlaceholder decides whether a placeholder is filled in with a text
// area rather than a one-line box: when a word of its name says it is
// long (message, details, reason, findings...), or when in an email's or
// a letter's body it stands on a line of its own, where it is a paragraph.
func longPlaceholder(kind, body, name string) bool {
	for _, w := range strings.FieldsFunc(strings.ToLower(name), func(r rune) bool { return !('a' <= r && r <= 'z') }) {
		if longWords[w] {
			return true
		}
	}
	if kind == post.KindSMS {
		return false
	}
	key := notify.NameKey(name)
	for _, line := range strings.Split(body, "\n") {
		line = strings.TrimSpace(line)
		if inner, ok := strings.CutPrefix(line, "(("); ok {
			if inner, ok = strings.CutSuffix(inner, "))"); ok && !strings.Contains(inner, "??") && notify.NameKey(inner) == key {
				return true
			}
		}
	}
	return false
}

// personalisation is the placeholders' values as typed: line breaks as
// "\n", surrounding space trimmed, empty ones left out.
func personalisation(fields []placeholderField, in url.Values) map[string]any {
	out := map[string]any{}
	for _, f := range fields {
		if v := strings.TrimSpace(strings.ReplaceAll(in.Get(f.ID), "\r\n", "\n")); v != "" {
			out[f.Name] = v
		}
	}
	return out
}

// caseSend is the message the form describes.
func (pg *sendPage) caseSend(in url.Values) post.CaseSend {
	return post.CaseSend{CaseID: pg.Case.ID, CaseReference: pg.Case.Reference, PersonID: pg.Case.PersonID, TemplateID: pg.Template.ID,
		To: in.Get("to"), Address: strings.Split(strings.ReplaceAll(in.Get("address"), "\r\n", "\n"), "\n"), LargePrint: in.Get("large_print") == "yes",
		ChannelReason: in.Get("reason"), Personalisation: personalisation(pg.Fields, in)}
}

func (p *deliveryPart) sendForm(w http.ResponseWriter, r *http.Request, m *Module, form *web.Form, status int) error {
	pg, err := p.sendData(r, m, form)
	if err != nil {
		return err
	}
	if len(pg.Form.Errors) > 0 && status == http.StatusOK {
		status = http.StatusUnprocessableEntity
	}
	return web.Render(w, r, status, "post/delivery_send", pg)
}

// send is steps 2 and 3: Continue checks the message and shows it; Change
// goes back to the form with everything kept; Send sends it.
func (p *deliveryPart) send(w http.ResponseWriter, r *http.Request, m *Module) error {
	if err := r.ParseForm(); err != nil {
		return platform.Invalid("The form could not be read")
	}
	pg, err := p.sendData(r, m, &web.Form{})
	if err != nil {
		return err
	}
	if pg.Template == nil {
		return p.sendForm(w, r, m, &web.Form{Input: r.PostForm, Errors: []platform.FieldError{{Field: "channel", Message: "Choose a template"}}},
			http.StatusUnprocessableEntity)
	}
	if r.PostForm.Get("change") != "" {
		return p.sendForm(w, r, m, web.FormErrors(r, nil), http.StatusOK)
	}
	sub := web.SubjectOf(r)
	in := pg.caseSend(r.PostForm)
	if r.PostForm.Get("send") == "" {
		cp, err := m.ps.PreviewFromCase(r.Context(), sub, in)
		if err != nil {
			return p.refused(w, r, m, pg, err)
		}
		return p.checkPage(w, r, pg, cp)
	}
	n, err := m.ps.SendFromCase(r.Context(), sub, in)
	if err != nil {
		return p.refused(w, r, m, pg, err)
	}
	what := post.KindWords(n.Kind)
	web.SetFlash(w, r, strings.ToUpper(what[:1])+what[1:]+" to "+n.Recipient+" queued: its status shows under Messages")
	http.Redirect(w, r, "/cases/"+url.PathEscape(pg.Case.ID), http.StatusSeeOther)
	return nil
}

// refused shows the form again with the engine's refusal against its
// fields, listed in the form's order.
func (p *deliveryPart) refused(w http.ResponseWriter, r *http.Request, m *Module, pg *sendPage, err error) error {
	var pe *platform.Error
	if !errors.As(err, &pe) || pe.Code != platform.CodeInvalid {
		return err
	}
	// The engine names placeholders "p:<name>"; the page's fields are
	// p1, p2..., and a missing one is asked for in its label's words
	// ("Enter received date" for ((received_date))), as the form shows it.
	// The summary lists the problems in the form's order.
	order := map[string]int{"reason": -3, "to": -2, "address": -1}
	for i, f := range pg.Fields {
		order[f.ID] = i
		for j := range pe.Fields {
			if pe.Fields[j].Field == "p:"+f.Name {
				pe.Fields[j].Field = f.ID
				if f.Condition {
					pe.Fields[j].Message = "Choose yes or no for " + lowerFirst(f.Label)
				} else {
					pe.Fields[j].Message = "Enter " + lowerFirst(f.Label)
				}
			}
		}
	}
	sort.SliceStable(pe.Fields, func(i, j int) bool { return order[pe.Fields[i].Field] < order[pe.Fields[j].Field] })
	return p.sendForm(w, r, m, web.FormErrors(r, pe), http.StatusUnprocessableEntity)
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
