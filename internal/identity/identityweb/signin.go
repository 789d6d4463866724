package identityweb

import (
	"dbtp/internal/identity"
	"html/template"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// signInPage is the data of identity/sign-in.
type signInPage struct {
	*web.Form
	Orgs      []web.Option // empty when no organisation exists yet
	OneOrg    string       // the only organisation's short name, sent as a hidden field
	Providers []providerLink
}

type providerLink struct {
	Href string
	Text string
}

// totpPage is the data of identity/totp and identity/totp-setup.
type totpPage struct {
	*web.Form
	QRCode template.URL // a data: URI made here, never from input
	Secret string       // in groups of four for typing
}

func (ui *webUI) routeSignIn(rt *web.Router) {
	rt.Handle("GET /sign-in", open(ui.signInForm))
	rt.Handle("POST /sign-in", open(ui.signIn))
	rt.Handle("GET /sign-in/totp", open(ui.totpForm))
	rt.Handle("POST /sign-in/totp", open(ui.totpVerify))
	rt.Handle("GET /sign-in/totp/setup", open(ui.totpSetupForm))
	rt.Handle("POST /sign-in/totp/setup", open(ui.totpSetupConfirm))
	rt.Handle("GET /sign-in/oidc/{provider}", open(ui.oidcBegin))
	rt.Handle("GET /sign-in/oidc/{provider}/callback", open(ui.oidcCallback))
	rt.Handle("POST /sign-out", open(ui.signOut))
}

// returnOf is the local path to go to after signing in, from the query or
// the form, never another site.
func returnOf(r *http.Request) string {
	if v := r.PostFormValue("return"); v != "" {
		return web.SafeReturn(v)
	}
	return web.SafeReturn(r.URL.Query().Get("return"))
}

func withReturn(path, ret string) string {
	if ret == "/" || ret == "" {
		return path
	}
	return path + "?return=" + url.QueryEscape(ret)
}

func (ui *webUI) renderSignIn(w http.ResponseWriter, r *http.Request, status int, f *web.Form, wantOrg string) error {
	orgs, host, err := ui.orgChoices(r.Context())
	if err != nil {
		return err
	}
	if f.Input == nil {
		f.Input = url.Values{}
	}
	if f.Value("org") == "" {
		chosen := host
		for _, o := range orgs {
			if o.Value == wantOrg {
				chosen = wantOrg
			}
		}
		if chosen == "" && len(orgs) > 0 {
			chosen = orgs[0].Value
		}
		f.Input.Set("org", chosen)
	}
	f.Input.Set("return", returnOf(r))
	page := signInPage{Form: f, Orgs: orgs}
	if len(orgs) == 1 {
		page.OneOrg = orgs[0].Value
	}
	for _, p := range ui.order {
		page.Providers = append(page.Providers, providerLink{
			Href: withReturn("/sign-in/oidc/"+url.PathEscape(p.Name()), returnOf(r)),
			Text: "Sign in with " + p.DisplayName(),
		})
	}
	return web.Render(w, r, status, "identity/sign-in", page)
}

func (ui *webUI) signInForm(w http.ResponseWriter, r *http.Request) error {
	if web.SubjectOf(r).Authenticated() {
		http.Redirect(w, r, returnOf(r), http.StatusSeeOther)
		return nil
	}
	return ui.renderSignIn(w, r, http.StatusOK, &web.Form{}, r.URL.Query().Get("org"))
}

// badSignIn is the one message for every wrong combination, so the page
// never tells anyone which part was wrong or whether an account exists.
func badSignIn() error {
	return platform.Invalid("Enter a correct email address and password",
		platform.FieldError{Field: "email", Message: "Enter a correct email address and password"})
}

func (ui *webUI) signIn(w http.ResponseWriter, r *http.Request) error {
	org := strings.TrimSpace(r.PostFormValue("org"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	password := r.PostFormValue("password")
	f := web.FormErrors(r, nil)
	if org == "" {
		addError(f, "org", "Select your organisation")
	}
	if email == "" {
		addError(f, "email", "Enter your email address")
	}
	if password == "" {
		addError(f, "password", "Enter your password")
	}
	if len(f.Errors) > 0 {
		return ui.renderSignIn(w, r, http.StatusUnprocessableEntity, f, "")
	}
	res, err := ui.s.SignIn(r.Context(), org, email, password, web.SubjectOf(r).Addr)
	if err != nil {
		switch platform.CodeOf(err) {
		case platform.CodeRateLimited:
			retryAfterHeader(w, err)
			return ui.renderSignIn(w, r, http.StatusTooManyRequests, web.FormErrors(r, err), "")
		case platform.CodeForbidden:
			return ui.renderSignIn(w, r, http.StatusForbidden, web.FormErrors(r, err), "")
		case platform.CodeUnauthorized, platform.CodeInvalid, platform.CodeNotFound:
			return ui.renderSignIn(w, r, http.StatusUnprocessableEntity, web.FormErrors(r, badSignIn()), "")
		}
		return err
	}
	return ui.startSession(w, r, res, returnOf(r))
}

// startSession sets the cookie of a new (possibly pending) session and sends
// the browser to the next step. A session the browser held before is ended,
// so signing in again never leaves an orphan behind.
func (ui *webUI) startSession(w http.ResponseWriter, r *http.Request, res identity.SignInResult, ret string) error {
	if old := web.Cookie(r, ui.cookie); old != "" && old != res.Token {
		if err := ui.s.SignOut(r.Context(), old, web.SubjectOf(r).Addr); err != nil {
			return err
		}
	}
	web.SetSessionCookie(w, r, res.Token, 0)
	switch res.State {
	case identity.StateNeedsTOTP:
		http.Redirect(w, r, withReturn("/sign-in/totp", ret), http.StatusSeeOther)
	case identity.StateNeedsTOTPSetup:
		http.Redirect(w, r, withReturn("/sign-in/totp/setup", ret), http.StatusSeeOther)
	default:
		http.Redirect(w, r, ret, http.StatusSeeOther)
	}
	return nil
}

// keepPending re-sends a pending session's cookie. The web shell clears any
// session cookie its Authenticator does not accept as a subject, and a
// session waiting for a second factor is not one yet; without this the
// browser would lose the cookie on the TOTP page itself.
func (ui *webUI) keepPending(w http.ResponseWriter, r *http.Request, cookie string) {
	web.SetSessionCookie(w, r, cookie, 0)
}

// pendingStep finds the step the browser's session is at and redirects when
// it is not want; it returns the cookie and whether the handler goes on.
func (ui *webUI) pendingStep(w http.ResponseWriter, r *http.Request, want identity.SignInState) (string, bool, error) {
	cookie := web.Cookie(r, ui.cookie)
	ret := returnOf(r)
	state, err := ui.s.SessionState(r.Context(), cookie)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeInternal {
			return "", false, err
		}
		// No pending session (timed out, or never started): begin again.
		http.Redirect(w, r, withReturn("/sign-in", ret), http.StatusSeeOther)
		return "", false, nil
	}
	switch {
	case state == want:
		return cookie, true, nil
	case want == identity.StateNeedsTOTPSetup && state == identity.StateSignedIn:
		// A complete session may enrol a second factor from the account page.
		return cookie, true, nil
	case state == identity.StateNeedsTOTP:
		http.Redirect(w, r, withReturn("/sign-in/totp", ret), http.StatusSeeOther)
	case state == identity.StateNeedsTOTPSetup:
		http.Redirect(w, r, withReturn("/sign-in/totp/setup", ret), http.StatusSeeOther)
	default:
		http.Redirect(w, r, ret, http.StatusSeeOther)
	}
	return "", false, nil
}

func (ui *webUI) totpForm(w http.ResponseWriter, r *http.Request) error {
	cookie, ok, err := ui.pendingStep(w, r, identity.StateNeedsTOTP)
	if !ok || err != nil {
		return err
	}
	ui.keepPending(w, r, cookie)
	return web.Render(w, r, http.StatusOK, "identity/totp", totpPage{Form: web.NewForm(url.Values{"return": {returnOf(r)}})})
}

func (ui *webUI) totpVerify(w http.ResponseWriter, r *http.Request) error {
	cookie, ok, err := ui.pendingStep(w, r, identity.StateNeedsTOTP)
	if !ok || err != nil {
		return err
	}
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		ui.keepPending(w, r, cookie)
		f := web.FormErrors(r, platform.Invalid("Enter the code", platform.FieldError{Field: "code", Message: "Enter the 6-digit code from your authenticator app"}))
		return web.Render(w, r, http.StatusUnprocessableEntity, "identity/totp", totpPage{Form: f})
	}
	res, err := ui.s.VerifyTOTP(r.Context(), cookie, code, web.SubjectOf(r).Addr)
	if err != nil {
		return ui.totpFailed(w, r, cookie, err, "identity/totp", totpPage{})
	}
	web.SetSessionCookie(w, r, res.Token, 0)
	http.Redirect(w, r, returnOf(r), http.StatusSeeOther)
	return nil
}

// totpFailed shows a second-factor page again after a wrong code or a
// throttle, or restarts the sign-in when the pending session has gone.
func (ui *webUI) totpFailed(w http.ResponseWriter, r *http.Request, cookie string, err error, name string, page totpPage) error {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeRateLimited:
		ui.keepPending(w, r, cookie)
		status := web.StatusOf(err)
		retryAfterHeader(w, err)
		page.Form = web.FormErrors(r, err)
		return web.Render(w, r, status, name, page)
	case platform.CodeUnauthorized:
		return seeOther(w, r, withReturn("/sign-in", returnOf(r)), "")
	case platform.CodeConflict:
		// The session moved on (another tab): the GET page routes by state.
		return seeOther(w, r, withReturn(r.URL.Path, returnOf(r)), "")
	}
	return err
}

func (ui *webUI) totpSetupForm(w http.ResponseWriter, r *http.Request) error {
	cookie, ok, err := ui.pendingStep(w, r, identity.StateNeedsTOTPSetup)
	if !ok || err != nil {
		return err
	}
	enr, err := ui.s.BeginTOTPSetup(r.Context(), cookie)
	if err != nil {
		return err
	}
	ui.keepPending(w, r, cookie)
	page := enrolmentPage(enr)
	page.Form = web.NewForm(url.Values{"return": {returnOf(r)}})
	return web.Render(w, r, http.StatusOK, "identity/totp-setup", page)
}

func enrolmentPage(enr identity.TOTPEnrolment) totpPage {
	var groups []string
	for s := enr.Secret; len(s) > 0; {
		n := min(4, len(s))
		groups = append(groups, s[:n])
		s = s[n:]
	}
	return totpPage{QRCode: template.URL(enr.QRCode), Secret: strings.Join(groups, " ")}
}

func (ui *webUI) totpSetupConfirm(w http.ResponseWriter, r *http.Request) error {
	cookie, ok, err := ui.pendingStep(w, r, identity.StateNeedsTOTPSetup)
	if !ok || err != nil {
		return err
	}
	enr, err := ui.s.PendingEnrolment(r.Context(), cookie)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeConflict {
			// No secret pending (another tab finished, or never began):
			// start again with a fresh one.
			return seeOther(w, r, withReturn("/sign-in/totp/setup", returnOf(r)), "")
		}
		return ui.totpFailed(w, r, cookie, err, "identity/totp-setup", totpPage{})
	}
	page := enrolmentPage(enr)
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		err = platform.Invalid("Enter the code", platform.FieldError{Field: "code", Message: "Enter the 6-digit code from your authenticator app"})
		return ui.totpFailed(w, r, cookie, err, "identity/totp-setup", page)
	}
	res, err := ui.s.ConfirmTOTPSetup(r.Context(), cookie, code, web.SubjectOf(r).Addr)
	if err != nil {
		return ui.totpFailed(w, r, cookie, err, "identity/totp-setup", page)
	}
	web.SetSessionCookie(w, r, res.Token, 0)
	return seeOther(w, r, returnOf(r), "Two-factor authentication is set up")
}

func (ui *webUI) signOut(w http.ResponseWriter, r *http.Request) error {
	if err := ui.s.SignOut(r.Context(), web.Cookie(r, ui.cookie), web.SubjectOf(r).Addr); err != nil {
		return err
	}
	web.ClearSessionCookie(w, r)
	return seeOther(w, r, "/sign-in", "You have signed out")
}
