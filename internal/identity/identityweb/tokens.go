package identityweb

import (
	"context"
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// tokensPage is the data of identity/tokens.
type tokensPage struct {
	Mine    []tokenRow
	Org     []tokenRow // every token of the organisation, for admins
	IsAdmin bool
}

type tokenRow struct {
	identity.Token
	Owner    string
	Scopes   string
	Expires  string
	LastUsed string
	Status   string
	Active   bool
}

// tokenFormPage is the data of identity/token-new.
type tokenFormPage struct {
	*web.Form
	Scopes  []web.Option
	Expires []web.Option
}

// tokenCreatedPage is the data of identity/token-created.
type tokenCreatedPage struct {
	Token   identity.CreatedToken
	Expires string
}

// tokenLifetimes are the expiry choices on the form, in days.
var tokenLifetimes = []struct {
	value string
	text  string
	life  time.Duration
}{
	{"7", "7 days", 7 * 24 * time.Hour},
	{"30", "30 days", 30 * 24 * time.Hour},
	{"90", "90 days", 90 * 24 * time.Hour},
	{"365", "1 year", 365 * 24 * time.Hour},
}

func (ui *webUI) routeTokens(rt *web.Router) {
	rt.Handle("GET /tokens", signedIn(ui.tokens))
	rt.Handle("GET /tokens/new", signedIn(ui.newTokenForm))
	rt.Handle("POST /tokens/new", signedIn(ui.createToken))
	rt.Handle("POST /tokens/{id}/revoke", signedIn(ui.revokeToken))
}

func (ui *webUI) tokens(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	mine, err := ui.s.ListTokens(ctx, sub)
	if err != nil {
		return err
	}
	now := ui.s.Now()
	page := tokensPage{IsAdmin: ui.isAdmin(sub, "token")}
	for _, t := range mine {
		page.Mine = append(page.Mine, tokenRowOf(t, sub.Name, now))
	}
	if page.IsAdmin {
		all, err := ui.s.ListOrgTokens(ctx, sub)
		if err != nil {
			return err
		}
		owners, err := ui.s.UserNames(ctx, sub.OrgID)
		if err != nil {
			return err
		}
		for _, t := range all {
			page.Org = append(page.Org, tokenRowOf(t, owners[t.UserID], now))
		}
	}
	return web.Render(w, r, http.StatusOK, "identity/tokens", page)
}

func tokenRowOf(t identity.Token, owner string, now time.Time) tokenRow {
	row := tokenRow{Token: t, Owner: owner, Scopes: strings.Join(t.Scopes, ", "), Expires: dateText(t.ExpiresAt),
		LastUsed: dateTimeText(t.LastUsedAt), Status: "Active", Active: true}
	switch {
	case !t.RevokedAt.IsZero():
		row.Status, row.Active = "Revoked", false
	case !now.Before(t.ExpiresAt):
		row.Status, row.Active = "Expired", false
	}
	return row
}

func (ui *webUI) tokenForm(ctx context.Context, sub *platform.Subject, f *web.Form) (tokenFormPage, error) {
	page := tokenFormPage{Form: f, Scopes: []web.Option{
		{Value: identity.ScopeRead, Text: "Read", Hint: "Look things up"},
		{Value: identity.ScopeWrite, Text: "Write", Hint: "Create and change things"},
	}}
	if sub.HasRole(platform.RoleAdmin) {
		page.Scopes = append(page.Scopes, web.Option{Value: identity.ScopeAdmin, Text: "Admin", Hint: "Manage users, business units and tokens"})
		host, err := ui.s.IsHost(ctx, sub.OrgID)
		if err != nil {
			return page, err
		}
		if host {
			page.Scopes = append(page.Scopes, web.Option{Value: identity.ScopeMetrics, Text: "Metrics", Hint: "Let Prometheus scrape GET /metrics, and nothing else"})
		}
	}
	for _, l := range tokenLifetimes {
		page.Expires = append(page.Expires, web.Option{Value: l.value, Text: l.text})
	}
	return page, nil
}

func (ui *webUI) renderTokenForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	page, err := ui.tokenForm(r.Context(), sub, f)
	if err != nil {
		return err
	}
	return web.Render(w, r, status, "identity/token-new", page)
}

func (ui *webUI) newTokenForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	f := web.NewForm(url.Values{"scopes": {identity.ScopeRead}, "expires": {"90"}})
	return ui.renderTokenForm(w, r, sub, http.StatusOK, f)
}

// parseTokenForm reads the new-token form. Every mistake is reported at
// once; the service checks the same rules again.
func parseTokenForm(v url.Values) (identity.NewToken, []platform.FieldError) {
	in := identity.NewToken{Name: v.Get("name"), Scopes: v["scopes"]}
	errs := identity.CheckTokenFields(in)
	choice := v.Get("expires")
	for _, l := range tokenLifetimes {
		if l.value == choice {
			in.ExpiresIn = l.life
		}
	}
	if in.ExpiresIn == 0 {
		errs = append(errs, platform.FieldError{Field: "expires", Message: "Select when the token expires"})
	}
	return in, errs
}

func (ui *webUI) createToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	in, errs := parseTokenForm(r.PostForm)
	if len(errs) == 0 {
		t, err := ui.s.CreateToken(r.Context(), sub, in)
		if err == nil {
			return web.Render(w, r, http.StatusCreated, "identity/token-created", tokenCreatedPage{Token: t, Expires: dateTimeText(t.ExpiresAt)})
		}
		if ui.confirmFirst(w, r, err, "/tokens/new") {
			return nil
		}
		if !about(err) {
			return err
		}
		return ui.renderTokenForm(w, r, sub, web.StatusOf(err), web.FormErrors(r, err))
	}
	f := web.FormErrors(r, platform.Invalid("Check the token", errs...))
	return ui.renderTokenForm(w, r, sub, http.StatusUnprocessableEntity, f)
}

func (ui *webUI) revokeToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.s.RevokeToken(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/tokens", "Token revoked")
}
