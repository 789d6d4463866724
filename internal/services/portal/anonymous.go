package portal

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// Anonymous starts: a service whose start.who includes anonymous may be
// used without an account once the person has proved they read an email
// address. The start page offers "Continue without an account"; the person
// gives their address, enters the six-digit code the engine sends to it,
// and gets a cookie holding the session token. From there the question
// pages, check-your-answers and submission are the signed-in ones, with the
// answers kept in the session (services.SaveSessionAnswers) instead of a
// draft, and the case submitted with the verified address as the
// applicant's email. The session ends when the case is submitted.
//
// Tracking such a case is in anonymous_track.go; everything else in the
// portal stays sign-in only.

// Cookies of the anonymous journey, all HttpOnly, SameSite=Lax and Secure
// over TLS (web.SetCookie).
const (
	anonCookie = "anon"      // the verified session's token
	codeCookie = "anon-code" // the code being waited for: "<verification id>.<base64 email>"
	doneCookie = "anon-done" // "<service>.<reference>" for the confirmation page
)

// errSignIn makes an anonymous handler defer to the sign-in redirect.
var errSignIn = errors.New("portal: sign in")

// orAnon serves signed-in people with signed, and signed-out visitors with
// anon (in the organisation AnonymousOrg names), which returns errSignIn
// for anything it does not offer them. Without AnonymousOrg, or with a nil
// anon, signed-out visitors are sent to sign in as before.
func (p *portal) orAnon(signed, anon func(http.ResponseWriter, *http.Request, *platform.Subject) error) http.Handler {
	login := web.RequireSignedIn(http.NotFoundHandler()) // only reached signed out, so always redirects
	return web.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub := web.SubjectOf(r)
		if sub.Authenticated() {
			return signed(w, r, sub)
		}
		if p.opts.AnonymousOrg == nil || anon == nil {
			login.ServeHTTP(w, r)
			return nil
		}
		org, err := p.opts.AnonymousOrg(r.Context())
		if platform.CodeOf(err) == platform.CodeNotFound || err == nil && org == "" {
			login.ServeHTTP(w, r)
			return nil
		}
		if err != nil {
			return err
		}
		a := *sub
		a.OrgID = org
		err = anon(w, r, &a)
		if errors.Is(err, errSignIn) {
			login.ServeHTTP(w, r)
			return nil
		}
		return err
	})
}

// anonJourney is the journey of a signed-out visitor on service id. ok is
// false when they have no live session opened for this service; errSignIn
// when the service does not admit anonymous people.
func (p *portal) anonJourney(r *http.Request, sub *platform.Subject, id string) (j *journey, ok bool, err error) {
	def, err := p.definition(r.Context(), sub, id)
	if err != nil {
		return nil, false, err
	}
	if !services.CanStart(sub, def) {
		return nil, false, errSignIn
	}
	j = &journey{sub: sub, def: def, base: "/services/" + def.ID}
	token := web.Cookie(r, anonCookie)
	if token == "" {
		return j, false, nil
	}
	sess, err := p.svc.Session(r.Context(), sub.OrgID, token)
	if platform.CodeOf(err) == platform.CodeUnauthorized {
		return j, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	if sess.Purpose != services.PurposeStart+def.ID {
		return j, false, nil
	}
	j.anon = &sess
	return j, true, nil
}

// inSession runs h with the visitor's session journey, or sends them to the
// start page (which offers to confirm their email address again).
func (p *portal) inSession(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string, h func(*journey) error) error {
	j, ok, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	if !ok {
		return seeOtherNote(w, r, j.base+"/start", "Your session has ended. Confirm your email address again to continue.")
	}
	return h(j)
}

// anonGet3 serves GET /services/{a}/{b} to signed-out visitors.
func (p *portal) anonGet3(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b := r.PathValue("a"), r.PathValue("b")
	if a == "track" {
		return p.anonTrack3(w, r, sub, b)
	}
	if reserved(a) {
		return errSignIn
	}
	switch b {
	case "start":
		return p.anonStart(w, r, sub, a)
	case "check-answers":
		return p.inSession(w, r, sub, a, func(j *journey) error { return p.checkAnswers(w, r, j, http.StatusOK, nil) })
	}
	return errSignIn
}

// anonPost3 serves POST /services/{a}/{b}: submission.
func (p *portal) anonPost3(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b := r.PathValue("a"), r.PathValue("b")
	if a == "track" && b == "code" {
		return p.trackCodePost(w, r, sub)
	}
	if reserved(a) || b != "check-answers" {
		return errSignIn
	}
	return p.inSession(w, r, sub, a, func(j *journey) error { return p.submit(w, r, j) })
}

// anonPost4 serves POST /services/{a}/{b}/{c}: a question page, or a step
// of confirming the email address.
func (p *portal) anonPost4(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, b, c := r.PathValue("a"), r.PathValue("b"), r.PathValue("c")
	if a == "track" && c == "messages" {
		return p.trackReply(w, r, sub, b)
	}
	if a == "track" && c == "move" {
		return p.trackMove(w, r, sub, b)
	}
	if reserved(a) {
		return errSignIn
	}
	switch b {
	case "pages":
		return p.inSession(w, r, sub, a, func(j *journey) error { return p.pagePost(w, r, j, c) })
	case "anonymous":
		switch c {
		case "email":
			return p.emailPost(w, r, sub, a)
		case "code":
			return p.codePost(w, r, sub, a)
		}
		return platform.NotFound("page")
	}
	return errSignIn
}

func (p *portal) anonPage(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if reserved(r.PathValue("id")) {
		return errSignIn
	}
	return p.inSession(w, r, sub, r.PathValue("id"), func(j *journey) error {
		return p.page(w, r, j, r.PathValue("page"), http.StatusOK, nil)
	})
}

// signedInAnonymous answers GET /services/{id}/anonymous/{step} for someone
// signed in: they need none of it.
func (p *portal) signedInAnonymous(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if reserved(r.PathValue("id")) {
		return platform.NotFound("page")
	}
	return seeOther(w, r, "/services/"+url.PathEscape(r.PathValue("id"))+"/start", "")
}

// anonStep serves GET /services/{id}/anonymous/{step}.
func (p *portal) anonStep(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	id := r.PathValue("id")
	if reserved(id) {
		return platform.NotFound("page")
	}
	switch r.PathValue("step") {
	case "email":
		return p.emailPage(w, r, sub, id, http.StatusOK, nil)
	case "code":
		return p.codePage(w, r, sub, id, http.StatusOK, nil)
	case "confirmation":
		return p.anonConfirmation(w, r, sub, id)
	}
	return platform.NotFound("page")
}

// needs lists the questions that must be answered, for the start page.
func needs(def *definition.Definition) []string {
	var out []string
	for _, f := range def.Fields {
		if f.Required && !f.Internal {
			out = append(out, f.Label)
		}
	}
	return out
}

// anonStart is the start page for a signed-out visitor: with a session it
// is the usual one; without, it offers to continue without an account or
// to sign in.
func (p *portal) anonStart(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string) error {
	j, ok, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	if ok {
		return p.start(w, r, j)
	}
	return web.Render(w, r, http.StatusOK, "portal/start", startPage{J: j, Summary: j.def.Summary, Needs: needs(j.def),
		Email: j.base + "/anonymous/email", SignIn: web.SignInPath + "?return=" + url.QueryEscape(j.base+"/start")})
}

// emailStep is the data of portal/anonymous-email and portal/anonymous-code.
type emailStep struct {
	*web.Form
	Caption string // the service, or "Track a request"
	Action  string
	Back    string
	Email   string // where the code went
	Again   string // ask for a new code
}

func (p *portal) emailPage(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string, status int, f *web.Form) error {
	j, _, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(nil)
		if _, email, ok := pendingCode(r); ok {
			f.Input = url.Values{"email": {email}}
		}
	}
	return web.Render(w, r, status, "portal/anonymous-email", emailStep{Form: f, Caption: j.def.Title, Action: j.base + "/anonymous/email", Back: j.base + "/start"})
}

// emailPost sends a code to the address given.
func (p *portal) emailPost(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string) error {
	j, _, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	v, err := p.svc.SendCode(r.Context(), sub.OrgID, r.PostFormValue("email"), services.PurposeStart+j.def.ID, sub.Addr, j.def.Title)
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeInvalid:
		return p.emailPage(w, r, sub, id, web.StatusOf(err), web.FormErrors(r, err))
	case platform.CodeRateLimited:
		f := web.FormErrors(r, nil)
		f.Errors = []platform.FieldError{{Field: "email", Message: platform.AsError(err).Message}}
		return p.emailPage(w, r, sub, id, http.StatusTooManyRequests, f)
	default:
		return err
	}
	web.SetCookie(w, r, codeCookie, codeValue(v), services.CodeLifetime)
	return seeOther(w, r, j.base+"/anonymous/code", "")
}

// pendingCode reads the code cookie: the verification and the address.
func pendingCode(r *http.Request) (id, email string, ok bool) { return pending(r, codeCookie) }

// codeValue is what a code cookie holds.
func codeValue(v services.Verification) string {
	return v.ID + "." + base64.RawURLEncoding.EncodeToString([]byte(v.Email))
}

func pending(r *http.Request, cookie string) (id, email string, ok bool) {
	id, enc, ok := strings.Cut(web.Cookie(r, cookie), ".")
	if !ok || !platform.ValidID("evf", id) {
		return "", "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil || len(b) == 0 || len(b) > 254 {
		return "", "", false
	}
	return id, string(b), true
}

func (p *portal) codePage(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string, status int, f *web.Form) error {
	j, _, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	_, email, ok := pendingCode(r)
	if !ok {
		return seeOther(w, r, j.base+"/anonymous/email", "")
	}
	return web.Render(w, r, status, "portal/anonymous-code", emailStep{Form: f, Caption: j.def.Title, Action: j.base + "/anonymous/code",
		Back: j.base + "/anonymous/email", Email: email, Again: j.base + "/anonymous/email"})
}

// codePost checks the code; the right one opens the session and the first
// question (or wherever the answers so far lead).
func (p *portal) codePost(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string) error {
	j, _, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	vid, _, ok := pendingCode(r)
	if !ok {
		return seeOther(w, r, j.base+"/anonymous/email", "")
	}
	sess, token, err := p.svc.CheckCode(r.Context(), sub.OrgID, vid, r.PostFormValue("code"))
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeInvalid:
		f := web.FormErrors(r, err)
		if len(f.Errors) == 0 {
			// Expired, used or too many tries: the summary links to the box.
			f.Errors, f.Message = []platform.FieldError{{Field: "code", Message: platform.AsError(err).Message}}, ""
		}
		return p.codePage(w, r, sub, id, http.StatusUnprocessableEntity, f)
	case platform.CodeNotFound:
		web.SetCookie(w, r, codeCookie, "", -1)
		return seeOther(w, r, j.base+"/anonymous/email", "")
	default:
		return err
	}
	if sess.Purpose != services.PurposeStart+j.def.ID {
		return platform.NotFound("code")
	}
	web.SetCookie(w, r, codeCookie, "", -1)
	web.SetCookie(w, r, anonCookie, token, time.Until(sess.ExpiresAt))
	return seeOther(w, r, p.resumeURL(j, definition.Answers{}, ""), "Your email address is confirmed")
}

// anonSubmitted ends the session once its case is in, and shows the
// reference on a page that needs no session.
func (p *portal) anonSubmitted(w http.ResponseWriter, r *http.Request, j *journey, c services.Case) error {
	// The case is in whatever happens here; a session that fails to end
	// still expires within two hours.
	_ = p.svc.EndSession(r.Context(), *j.anon)
	web.SetCookie(w, r, anonCookie, "", -1)
	web.SetCookie(w, r, doneCookie, j.def.ID+"."+c.Reference, time.Hour)
	return seeOther(w, r, j.base+"/anonymous/confirmation", "")
}

type anonConfirmationPage struct {
	J         *journey
	Title     string
	Reference string
	Body      string
}

func (p *portal) anonConfirmation(w http.ResponseWriter, r *http.Request, sub *platform.Subject, id string) error {
	j, _, err := p.anonJourney(r, sub, id)
	if err != nil {
		return err
	}
	done := web.Cookie(r, doneCookie)
	i := strings.LastIndexByte(done, '.')
	svc, ref := done[:max(i, 0)], done[i+1:]
	if i < 0 || svc != j.def.ID || ref == "" || len(ref) > 40 {
		return seeOther(w, r, j.base+"/start", "")
	}
	title := j.def.Confirmation.Title
	if title == "" {
		title = "Request received"
	}
	return web.Render(w, r, http.StatusOK, "portal/anonymous-confirmation",
		anonConfirmationPage{J: j, Title: title, Reference: ref, Body: confirmationText(j.def, ref)})
}
