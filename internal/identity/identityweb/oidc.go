package identityweb

import (
	"log/slog"
	"net/http"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

func (ui *webUI) oidcBegin(w http.ResponseWriter, r *http.Request) error {
	p, ok := ui.providers[r.PathValue("provider")]
	if !ok {
		return platform.NotFound("sign-in provider")
	}
	p.Begin(w, r, returnOf(r))
	return nil
}

// oidcCallback completes a provider sign-in and starts a session. Every
// failure, the provider's or ours, is shown on the sign-in page with a
// message that says what to do, never as a bare error page.
func (ui *webUI) oidcCallback(w http.ResponseWriter, r *http.Request) error {
	p, ok := ui.providers[r.PathValue("provider")]
	if !ok {
		return platform.NotFound("sign-in provider")
	}
	id, ret, err := p.Complete(w, r)
	if err != nil {
		return ui.oidcFailed(w, r, err)
	}
	// Only an address the provider vouches for may link or create an
	// account; otherwise only an existing link can sign the person in.
	email := ""
	if id.EmailVerified {
		email = id.Email
	}
	res, err := ui.s.SignInExternal(r.Context(), id.OrgID, id.Provider, id.Issuer, id.Subject, email, id.Name, id.Roles, web.SubjectOf(r).Addr)
	if err != nil {
		if e := platform.AsError(err); e.Code == platform.CodeInvalid && len(e.Fields) > 0 && e.Fields[0].Field == "email" {
			err = platform.Errorf(platform.CodeForbidden, "Your %s account has no verified email address, so it cannot be matched to an account here. Ask your administrator for help.", p.DisplayName())
		} else if e.Code == platform.CodeNotFound {
			err = platform.Errorf(platform.CodeForbidden, "Sign-in with %s is not set up for an organisation here. Ask your administrator for help.", p.DisplayName())
		}
		return ui.oidcFailed(w, r, err)
	}
	return ui.startSession(w, r, res, web.SafeReturn(ret))
}

func (ui *webUI) oidcFailed(w http.ResponseWriter, r *http.Request, err error) error {
	e := platform.AsError(err)
	msg, status := e.Message, web.StatusOf(err)
	if len(msg) > 0 && msg[0] >= 'a' && msg[0] <= 'z' {
		// The oidc package writes messages in lower case for embedding.
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	if status == http.StatusInternalServerError {
		// The cause goes to the log only; the person can simply try again.
		slog.Error("identity: OIDC sign-in failed", "request_id", web.RequestID(r), "provider", r.PathValue("provider"), "err", err)
		msg, status = "Sign-in could not be completed because of a problem on our side. Try again later.", http.StatusServiceUnavailable
	}
	retryAfterHeader(w, err)
	return ui.renderSignIn(w, r, status, &web.Form{Message: msg}, "")
}
