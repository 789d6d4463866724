package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// accountPage is the data of identity/account.
type accountPage struct {
	*web.Form
	Rows      []web.SummaryRow
	CanEnrol  bool // no second factor yet, and a person's session to enrol with
	CanChange bool // has a password and a person's session to change it with
	IsPerson  bool // signed in with a session (a token cannot sign out everywhere)
}

func (ui *webUI) routeAccount(rt *web.Router) {
	rt.Handle("GET /account", signedIn(ui.account))
	rt.Handle("POST /account/password", signedIn(ui.changePassword))
	rt.Handle("POST /account/sign-out-everywhere", signedIn(ui.signOutEverywhere))
	rt.Handle("GET /account/confirm", signedIn(ui.confirmForm))
	rt.Handle("POST /account/confirm", signedIn(ui.confirm))
}

func (ui *webUI) renderAccount(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	ctx := r.Context()
	u, err := ui.s.GetUser(ctx, sub, sub.UserID)
	if err != nil {
		return err
	}
	org, err := ui.s.GetOrg(ctx, sub, sub.OrgID)
	if err != nil {
		return err
	}
	names, err := ui.s.UnitNames(ctx, sub.OrgID)
	if err != nil {
		return err
	}
	twoFactor := "Not set up"
	if u.TOTPEnabled {
		twoFactor = "Set up"
	}
	person := sub.Kind == platform.SubjectUser
	page := accountPage{Form: f, IsPerson: person, CanEnrol: person && !u.TOTPEnabled, CanChange: person && u.HasPassword,
		Rows: []web.SummaryRow{
			{Key: "Name", Value: u.Name},
			{Key: "Email address", Value: u.Email},
			{Key: "Organisation", Value: org.Name},
			{Key: "Roles", Value: rolesText(u.Roles)},
			{Key: "Business units", Value: namesOf(u.BusinessUnits, names)},
			{Key: "Two-factor authentication", Value: twoFactor},
		}}
	return web.Render(w, r, status, "identity/account", page)
}

func (ui *webUI) account(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderAccount(w, r, sub, http.StatusOK, nil)
}

func (ui *webUI) changePassword(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	current, next := r.PostFormValue("current_password"), r.PostFormValue("new_password")
	f := web.FormErrors(r, nil)
	if current == "" {
		addError(f, "current_password", "Enter your current password")
	}
	if strings.TrimSpace(next) == "" {
		addError(f, "new_password", "Enter a new password")
	}
	if len(f.Errors) > 0 {
		return ui.renderAccount(w, r, sub, http.StatusUnprocessableEntity, f)
	}
	err := ui.s.ChangePassword(r.Context(), sub, current, next)
	if about(err) {
		e := platform.AsError(err)
		// The policy names the field "password"; this form calls it new_password.
		for i := range e.Fields {
			if e.Fields[i].Field == "password" {
				e.Fields[i].Field = "new_password"
			}
		}
		return ui.renderAccount(w, r, sub, web.StatusOf(err), web.FormErrors(r, e))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/account", "Your password has been changed. You have been signed out on other devices.")
}

func (ui *webUI) signOutEverywhere(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.s.SignOutEverywhere(r.Context(), sub); err != nil {
		return err
	}
	web.ClearSessionCookie(w, r)
	return seeOther(w, r, "/sign-in", "You have signed out on every device")
}

// confirmPage is the data of identity/confirm.
type confirmPage struct {
	*web.Form
	CanEnrol bool // the person has no second factor to confirm with yet
}

// confirmFirst sends the browser to enter a TOTP code again, coming back to
// ret, when err is a refusal that a recent second factor would lift. It
// reports whether it did.
func (ui *webUI) confirmFirst(w http.ResponseWriter, r *http.Request, err error, ret string) bool {
	if !identity.NeedsRecentSecondFactor(err) {
		return false
	}
	http.Redirect(w, r, withReturn("/account/confirm", ret), http.StatusSeeOther)
	return true
}

func (ui *webUI) renderConfirm(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	if sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeForbidden, "Only a person signed in to dbtp can confirm it is them")
	}
	u, err := ui.s.GetUser(r.Context(), sub, sub.UserID)
	if err != nil {
		return err
	}
	f.Input.Set("return", returnOf(r))
	return web.Render(w, r, status, "identity/confirm", confirmPage{Form: f, CanEnrol: !u.TOTPEnabled})
}

func (ui *webUI) confirmForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderConfirm(w, r, sub, http.StatusOK, web.NewForm(url.Values{}))
}

func (ui *webUI) confirm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	code := strings.TrimSpace(r.PostFormValue("code"))
	if code == "" {
		f := web.FormErrors(r, platform.Invalid("Enter the code", platform.FieldError{Field: "code", Message: "Enter the 6-digit code from your authenticator app"}))
		return ui.renderConfirm(w, r, sub, http.StatusUnprocessableEntity, f)
	}
	res, err := ui.s.ConfirmSecondFactor(r.Context(), web.Cookie(r, ui.cookie), code, sub.Addr)
	switch platform.CodeOf(err) {
	case "":
		web.SetSessionCookie(w, r, res.Token, 0)
		return seeOther(w, r, returnOf(r), "Thank you. For the next 15 minutes you will not be asked again.")
	case platform.CodeInvalid, platform.CodeRateLimited, platform.CodeConflict:
		retryAfterHeader(w, err)
		return ui.renderConfirm(w, r, sub, web.StatusOf(err), web.FormErrors(r, err))
	}
	return err
}
