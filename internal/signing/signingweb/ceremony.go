package signingweb

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// ceremonyPart is the recipients' side: outside parties at
// /signing/{token} (a one-time code first), staff at /envelopes/{id}/sign,
// and the sealed document and completion certificate for the sender.
// Every page works without JavaScript: the signature is typed; a drawn
// one is the engine's, for a script to offer later.
type ceremonyPart struct{}

// testOptions, set only by tests, adjusts the engine's options before
// Module.Init builds it (the mail transport they read links from, the
// sealing credential until the keys part's SealingKey holds one).
var testOptions func(*signing.Options)

// sessionCookie holds an outside party's session after the code.
const ceremonySessionCookie = "signing_session"

func (p *ceremonyPart) init(ctx context.Context, m *Module) error {
	if m.d.Events != nil {
		if err := m.d.Events.Declare(signing.EventEnvelope); err != nil {
			return err
		}
	}
	return m.ss.RegisterJobs()
}

func (p *ceremonyPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	h := &ceremonyHandlers{m: m}
	// One path each, the rest in the query: /signing/{token}/anything
	// would clash with the keys part's /signing/crl/{id}.
	rt.HandleFunc("GET /signing/{token}", h.outsideGet)
	rt.HandleFunc("POST /signing/{token}", h.outsidePost)
	rt.HandleFunc("GET /envelopes/to-sign", h.tasks)
	rt.HandleFunc("GET /envelopes/{id}/sign", h.staffGet)
	rt.HandleFunc("POST /envelopes/{id}/sign", h.staffPost)
	// The sealed PDF is one of the envelope's documents
	// (/envelopes/{id}/documents/sealed.pdf); its first address, which
	// links already sent may name, moved there.
	rt.Handle("GET /envelopes/{id}/sealed.pdf", moved(func(r *http.Request) string {
		return "/envelopes/" + url.PathEscape(r.PathValue("id")) + "/documents/sealed.pdf"
	}))
	rt.HandleFunc("GET /envelopes/{id}/certificate.pdf", h.certificate)
	h.routeAPI(srv.API())
	return nil
}

func (p *ceremonyPart) start(ctx context.Context, m *Module) error { return nil }

func (p *ceremonyPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

type ceremonyHandlers struct{ m *Module }

// ceremonyPage is the data of the signing pages.
type ceremonyPage struct {
	*web.Form
	Base    string // /signing/{token} or /envelopes/{id}/sign
	State   string // code-ask, code-enter, sign, decline, reassign, done, invalid
	CodeTo  string
	ByText  bool // the code goes by text message
	C       signing.Ceremony
	Signer  bool
	Text    []signing.Field
	Checks  []ceremonyCheck
	Done    string
	Consent []web.Option
}

// KeptDrawing is the drawn signature posted with a form that had an
// error (a PNG data URL), to be put back in the form and redrawn: a
// signer must not lose their drawing, or sign without it unawares, over
// a missed tick. A drawing that was itself the error is not kept.
func (p *ceremonyPage) KeptDrawing() string {
	if p.Form == nil || p.Form.Value("kind") != "drawn" || p.Form.Error("drawn") != "" {
		return ""
	}
	d := p.Form.Value("drawn")
	if !strings.HasPrefix(d, "data:image/png;base64,") || len(d) > 300<<10 {
		return ""
	}
	return d
}

type ceremonyCheck struct {
	Name, Legend string
	Options      []web.Option
}

func renderCeremony(w http.ResponseWriter, r *http.Request, status int, pg *ceremonyPage) error {
	// The link's secret is in the address: keep it out of other sites'
	// referrers (not "no-referrer", which makes form posts say
	// "Origin: null" and fail the CSRF check on older browsers) and caches.
	w.Header().Set("Referrer-Policy", "same-origin")
	w.Header().Set("Cache-Control", "no-store")
	if pg.Form == nil {
		pg.Form = web.NewForm(url.Values{})
	}
	if pg.State == "sign" {
		pg.Signer = pg.C.Recipient.Role == signing.RoleSigner
		verb := "approve"
		if pg.Signer {
			verb = "sign"
		}
		pg.Consent = []web.Option{{Value: "yes", Text: "I agree to " + verb + " this document electronically, and that doing so binds me as it would on paper"}}
		for _, f := range pg.C.Fields {
			switch f.Kind {
			case signing.FieldText:
				pg.Text = append(pg.Text, f)
			case signing.FieldCheckbox:
				label := f.Label
				if label == "" {
					label = "Tick to agree (page " + cerItoa(f.Page) + ")"
				}
				pg.Checks = append(pg.Checks, ceremonyCheck{Name: "field-" + f.ID, Legend: label, Options: []web.Option{{Value: "yes", Text: label}}})
			}
		}
	}
	return web.Render(w, r, status, "signing/ceremony", pg)
}

func cerItoa(i int) string { return strconv.Itoa(i) }

// invalid is the page for a link that does not work: it names nothing.
func ceremonyInvalid(w http.ResponseWriter, r *http.Request, err error) error {
	if platform.CodeOf(err) != platform.CodeNotFound {
		return err
	}
	return renderCeremony(w, r, http.StatusNotFound, &ceremonyPage{State: "invalid"})
}

func (h *ceremonyHandlers) outsideActor(r *http.Request) signing.Actor {
	return signing.Actor{Token: r.PathValue("token"), Session: web.Cookie(r, ceremonySessionCookie), Addr: web.SubjectOf(r).Addr}
}

func cerOutsideBase(r *http.Request) string {
	return "/signing/" + url.PathEscape(r.PathValue("token"))
}

// outsideGet serves the link: ?document=1 the PDF, ?page=decline or
// ?page=reassign those forms, else the page.
func (h *ceremonyHandlers) outsideGet(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	switch {
	case q.Get("document") != "":
		return h.document(w, r, h.outsideActor(r), true)
	case q.Get("page") != "":
		return h.form(w, r, h.outsideActor(r), cerOutsideBase(r), q.Get("page"), true)
	}
	return h.outside(w, r)
}

// outsidePost does what the form's ?do= says.
func (h *ceremonyHandlers) outsidePost(w http.ResponseWriter, r *http.Request) error {
	switch do := r.URL.Query().Get("do"); do {
	case "code":
		return h.sendCode(w, r)
	case "verify":
		return h.verify(w, r)
	default:
		return h.act(w, r, h.outsideActor(r), cerOutsideBase(r), do, true)
	}
}

// outside is the link's page: the document once identified, else the
// one-time code.
func (h *ceremonyHandlers) outside(w http.ResponseWriter, r *http.Request) error {
	a := h.outsideActor(r)
	if c, err := h.m.ss.Open(r.Context(), a); err == nil {
		return renderCeremony(w, r, http.StatusOK, &ceremonyPage{Base: cerOutsideBase(r), State: "sign", C: c})
	}
	l, err := h.m.ss.OpenLink(r.Context(), a.Token)
	if err != nil {
		return ceremonyInvalid(w, r, err)
	}
	state := "code-ask"
	if r.URL.Query().Get("sent") != "" {
		state = "code-enter"
	}
	return renderCeremony(w, r, http.StatusOK, &ceremonyPage{Base: cerOutsideBase(r), State: state, CodeTo: l.CodeTo, ByText: l.ByText})
}

func (h *ceremonyHandlers) sendCode(w http.ResponseWriter, r *http.Request) error {
	err := h.m.ss.SendCode(r.Context(), r.PathValue("token"), web.SubjectOf(r).Addr)
	if platform.CodeOf(err) == platform.CodeRateLimited {
		l, lerr := h.m.ss.OpenLink(r.Context(), r.PathValue("token"))
		if lerr != nil {
			return ceremonyInvalid(w, r, lerr)
		}
		return renderCeremony(w, r, http.StatusTooManyRequests, &ceremonyPage{Form: web.FormErrors(r, err), Base: cerOutsideBase(r), State: "code-enter", CodeTo: l.CodeTo, ByText: l.ByText})
	}
	if platform.CodeOf(err) == platform.CodeConflict {
		// Not sent (no way to send text messages, or the sending failed):
		// the link still works; say so where they asked.
		l, lerr := h.m.ss.OpenLink(r.Context(), r.PathValue("token"))
		if lerr != nil {
			return ceremonyInvalid(w, r, lerr)
		}
		return renderCeremony(w, r, http.StatusServiceUnavailable, &ceremonyPage{Form: web.FormErrors(r, platform.Invalid(platform.AsError(err).Message,
			platform.FieldError{Field: "send", Message: platform.AsError(err).Message})), Base: cerOutsideBase(r), State: "code-ask", CodeTo: l.CodeTo, ByText: l.ByText})
	}
	if err != nil {
		return ceremonyInvalid(w, r, err)
	}
	http.Redirect(w, r, cerOutsideBase(r)+"?sent=1", http.StatusSeeOther)
	return nil
}

func (h *ceremonyHandlers) verify(w http.ResponseWriter, r *http.Request) error {
	a := h.outsideActor(r)
	session, err := h.m.ss.CheckCode(r.Context(), a.Token, r.PostForm.Get("code"), a.Addr)
	if platform.CodeOf(err) == platform.CodeInvalid {
		l, lerr := h.m.ss.OpenLink(r.Context(), a.Token)
		if lerr != nil {
			return ceremonyInvalid(w, r, lerr)
		}
		return renderCeremony(w, r, http.StatusUnprocessableEntity, &ceremonyPage{Form: web.FormErrors(r, err), Base: cerOutsideBase(r), State: "code-enter", CodeTo: l.CodeTo, ByText: l.ByText})
	}
	if err != nil {
		return ceremonyInvalid(w, r, err)
	}
	web.SetCookie(w, r, ceremonySessionCookie, session, time.Hour)
	http.Redirect(w, r, cerOutsideBase(r), http.StatusSeeOther)
	return nil
}

func (h *ceremonyHandlers) staffActor(r *http.Request) (signing.Actor, error) {
	sub, err := staff(r)
	if err != nil {
		return signing.Actor{}, err
	}
	return signing.Actor{Subject: sub, EnvelopeID: r.PathValue("id"), Addr: sub.Addr}, nil
}

func cerStaffBase(r *http.Request) string {
	return "/envelopes/" + url.PathEscape(r.PathValue("id")) + "/sign"
}

// tasks lists the envelopes waiting for the signed-in person's signature
// or approval: staff's tasks.
func (h *ceremonyHandlers) tasks(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	envs, err := h.m.ss.ToSign(r.Context(), sub)
	if err != nil {
		return err
	}
	t := web.Table{Caption: "Waiting for you", Head: []web.Cell{{Text: "Document"}, {Text: "From"}, {Text: "Sent"}}}
	for _, e := range envs {
		t.Rows = append(t.Rows, []web.Cell{{Text: e.Title, Href: "/envelopes/" + url.PathEscape(e.ID) + "/sign"}, {Text: e.SenderName},
			{Text: e.SentAt.Format("2 January 2006")}})
	}
	return web.Render(w, r, http.StatusOK, "signing/ceremony_tasks", t)
}

// staffGet serves a staff member's signing page (?document=1 the PDF,
// ?page=decline or ?page=reassign those forms).
func (h *ceremonyHandlers) staffGet(w http.ResponseWriter, r *http.Request) error {
	a, err := h.staffActor(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	switch {
	case q.Get("document") != "":
		return h.document(w, r, a, false)
	case q.Get("page") != "":
		return h.form(w, r, a, cerStaffBase(r), q.Get("page"), false)
	}
	c, err := h.m.ss.Open(r.Context(), a)
	if err != nil {
		return err
	}
	return renderCeremony(w, r, http.StatusOK, &ceremonyPage{Base: cerStaffBase(r), State: "sign", C: c})
}

func (h *ceremonyHandlers) staffPost(w http.ResponseWriter, r *http.Request) error {
	a, err := h.staffActor(r)
	if err != nil {
		return err
	}
	return h.act(w, r, a, cerStaffBase(r), r.URL.Query().Get("do"), false)
}

// document serves the PDF as the recipient acts on it.
func (h *ceremonyHandlers) document(w http.ResponseWriter, r *http.Request, a signing.Actor, outside bool) error {
	doc, err := h.m.ss.Document(r.Context(), a)
	if err != nil {
		if outside {
			return ceremonyInvalid(w, r, err)
		}
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="document.pdf"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "same-origin")
	_, err = w.Write(doc)
	return err
}

// form shows the decline or pass-on form.
func (h *ceremonyHandlers) form(w http.ResponseWriter, r *http.Request, a signing.Actor, base, step string, outside bool) error {
	c, err := h.m.ss.Open(r.Context(), a)
	if err != nil {
		if outside {
			return ceremonyInvalid(w, r, err)
		}
		return err
	}
	if step != "decline" && !(step == "reassign" && c.Recipient.MayReassign) {
		return platform.NotFound("page")
	}
	return renderCeremony(w, r, http.StatusOK, &ceremonyPage{Base: base, State: step, C: c})
}

// act signs, approves, declines or passes on.
func (h *ceremonyHandlers) act(w http.ResponseWriter, r *http.Request, a signing.Actor, base, action string, outside bool) error {
	ctx, f := r.Context(), r.PostForm
	c, err := h.m.ss.Open(ctx, a)
	if err != nil {
		if outside {
			return ceremonyInvalid(w, r, err)
		}
		return err
	}
	state, done := "sign", ""
	switch action {
	case "sign":
		sig := signing.Signature{Consent: f.Get("consent") == "yes", Kind: f.Get("kind"), Typed: f.Get("typed"), Values: map[string]string{}}
		if d, ok := strings.CutPrefix(f.Get("drawn"), "data:image/png;base64,"); ok && sig.Kind == "drawn" {
			sig.Drawn, _ = base64.StdEncoding.DecodeString(d)
		}
		for _, fl := range c.Fields {
			sig.Values[fl.ID] = f.Get("field-" + fl.ID)
		}
		err, done = h.m.ss.Sign(ctx, a, sig), "signed"
	case "approve":
		err, done = h.m.ss.Approve(ctx, a, f.Get("consent") == "yes"), "approved"
	case "decline":
		state = "decline"
		err, done = h.m.ss.Decline(ctx, a, f.Get("reason")), "declined"
	case "reassign":
		state = "reassign"
		err, done = h.m.ss.Reassign(ctx, a, signing.Reassignment{Name: f.Get("name"), Email: f.Get("email"), Reason: f.Get("reason")}), "passed on"
	default:
		return platform.NotFound("page")
	}
	switch platform.CodeOf(err) {
	case "":
		return renderCeremony(w, r, http.StatusOK, &ceremonyPage{Base: base, State: "done", C: c, Done: done})
	case platform.CodeInvalid:
		return renderCeremony(w, r, http.StatusUnprocessableEntity, &ceremonyPage{Form: web.FormErrors(r, err), Base: base, State: state, C: c})
	case platform.CodeNotFound:
		if outside {
			return ceremonyInvalid(w, r, err)
		}
	}
	return err
}

// certificate serves the completion certificate to those who may read the
// envelope.
func (h *ceremonyHandlers) certificate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	_, cert, err := h.m.ss.Sealed(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	// Named, as the envelope's documents are, after its title: the
	// envelope's ID means nothing to whoever finds the file later.
	env, err := h.m.ss.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf("attachment; filename=%q", fileName(env.Title)+"-completion-certificate.pdf"))
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(cert)
	return err
}

// moved answers with a permanent redirect (308, which keeps the method)
// to the address to gives for the request: a path that moved, so links
// and clients that name the old one still work.
func moved(to func(*http.Request) string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		target := to(r)
		if r.URL.RawQuery != "" {
			target += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, target, http.StatusPermanentRedirect)
	})
}
