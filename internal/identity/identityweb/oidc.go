package identityweb

import (
	"errors"
	"log/slog"
	"net/http"

	"dbtp/internal/identity/oidc"
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
	orgID := id.OrgID
	if orgID == "" {
		o, err := ui.s.OrgBySlug(r.Context(), ui.providerOrgs[p.Name()])
		if err != nil {
			return ui.oidcFailed(w, r, ui.explain(p, err))
		}
		orgID = o.ID
	}
	issuer, subject := id.LinkKey()
	res, err := ui.s.SignInExternal(r.Context(), orgID, id.Provider, issuer, subject, matchEmail(id), id.Name, id.Roles, web.SubjectOf(r).Addr)
	if err != nil {
		return ui.oidcFailed(w, r, ui.explain(p, err))
	}
	return ui.startSession(w, r, res, web.SafeReturn(ret))
}

// matchEmail is the address that may link the person to an existing
// account, or name a new one, on their first sign-in (docs/security.md,
// "Single sign-on: which accounts a sign-in may take"). Only an address the
// provider vouches for qualifies: a verified email, or for Microsoft Entra
// ID, which rarely sends email_verified, the UPN of a member of the
// configured tenant. An unverified email matches nothing: anyone can type
// any address into an account at many providers. Later sign-ins follow
// the link, which LinkKey keys by tid and oid for Entra.
func matchEmail(id *oidc.Identity) string {
	switch {
	case id.EmailVerified:
		return id.Email
	case id.Entra != nil:
		return id.Entra.UPN
	}
	return ""
}

// explain rewords the identity service's refusals for someone arriving
// from a provider.
func (ui *webUI) explain(p *oidc.Provider, err error) error {
	e := platform.AsError(err)
	switch {
	case e.Code == platform.CodeInvalid && len(e.Fields) > 0 && e.Fields[0].Field == "email":
		return platform.Errorf(platform.CodeForbidden, "Your %s account has no verified email address, so it cannot be matched to an account here. Ask your administrator for help.", p.DisplayName())
	case e.Code == platform.CodeNotFound:
		return platform.Errorf(platform.CodeForbidden, "Sign-in with %s is not set up for an organisation here. Ask your administrator for help.", p.DisplayName())
	}
	return err
}

// oidcFailed shows the failure on the sign-in page, whose provider buttons
// are the way to start again, and logs why: provider error codes and
// descriptions, never tokens, codes or secrets (the oidc package keeps
// only those in Err).
func (ui *webUI) oidcFailed(w http.ResponseWriter, r *http.Request, err error) error {
	e := platform.AsError(err)
	msg, status := e.Message, web.StatusOf(err)
	if len(msg) > 0 && msg[0] >= 'a' && msg[0] <= 'z' {
		// The oidc package writes messages in lower case for embedding.
		msg = string(msg[0]-'a'+'A') + msg[1:]
	}
	switch {
	case errors.Is(err, oidc.ErrSetup):
		// The message already says to tell an administrator.
		status = http.StatusBadGateway
		slog.Error("identity: single sign-on is set up wrongly", "request_id", web.RequestID(r), "provider", r.PathValue("provider"), "err", err)
	case errors.Is(err, oidc.ErrProviderDown):
		status = http.StatusServiceUnavailable
		slog.Warn("identity: identity provider unavailable", "request_id", web.RequestID(r), "provider", r.PathValue("provider"), "err", err)
	case status == http.StatusInternalServerError:
		// The cause goes to the log only; the person can simply try again.
		slog.Error("identity: OIDC sign-in failed", "request_id", web.RequestID(r), "provider", r.PathValue("provider"), "err", err)
		msg, status = "Sign-in could not be completed because of a problem on our side. Try again later.", http.StatusServiceUnavailable
	default:
		slog.Info("identity: OIDC sign-in refused", "request_id", web.RequestID(r), "provider", r.PathValue("provider"), "err", err)
	}
	retryAfterHeader(w, err)
	return ui.renderSignIn(w, r, status, &web.Form{Message: msg}, "")
}
