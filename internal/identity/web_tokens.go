package identity

import (
	"context"
	"net/http"
	"net/url"
	"slices"
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
	Token
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
	Token   CreatedToken
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
	now := ui.s.now()
	page := tokensPage{IsAdmin: ui.s.isAdmin(sub, "token")}
	for _, t := range mine {
		page.Mine = append(page.Mine, tokenRowOf(t, sub.Name, now))
	}
	if page.IsAdmin {
		all, err := ui.s.ListOrgTokens(ctx, sub)
		if err != nil {
			return err
		}
		owners, err := ui.s.userNames(ctx, sub.OrgID)
		if err != nil {
			return err
		}
		for _, t := range all {
			page.Org = append(page.Org, tokenRowOf(t, owners[t.UserID], now))
		}
	}
	return web.Render(w, r, http.StatusOK, "identity/tokens", page)
}

func tokenRowOf(t Token, owner string, now time.Time) tokenRow {
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

// userNames maps the organisation's user IDs to names, for token owners.
func (s *Service) userNames(ctx context.Context, orgID string) (map[string]string, error) {
	return s.namesByID(ctx, "SELECT id, display_name FROM users WHERE org_id = ?", orgID)
}

func tokenForm(sub *platform.Subject, f *web.Form) tokenFormPage {
	page := tokenFormPage{Form: f, Scopes: []web.Option{
		{Value: ScopeRead, Text: "Read", Hint: "Look things up"},
		{Value: ScopeWrite, Text: "Write", Hint: "Create and change things"},
	}}
	if sub.HasRole(platform.RoleAdmin) {
		page.Scopes = append(page.Scopes, web.Option{Value: ScopeAdmin, Text: "Admin", Hint: "Manage users, business units and tokens"})
	}
	for _, l := range tokenLifetimes {
		page.Expires = append(page.Expires, web.Option{Value: l.value, Text: l.text})
	}
	return page
}

func (ui *webUI) newTokenForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	f := web.NewForm(url.Values{"scopes": {ScopeRead}, "expires": {"90"}})
	return web.Render(w, r, http.StatusOK, "identity/token-new", tokenForm(sub, f))
}

// parseTokenForm reads the new-token form. Every mistake is reported at
// once; the service checks the same rules again.
func parseTokenForm(v url.Values) (NewToken, []platform.FieldError) {
	in := NewToken{Name: v.Get("name"), Scopes: v["scopes"]}
	var errs []platform.FieldError
	if _, err := cleanText("name", "name", in.Name, tokenNameMaxRunes); err != nil {
		errs = append(errs, platform.AsError(err).Fields...)
	}
	if len(in.Scopes) == 0 || slices.ContainsFunc(in.Scopes, func(s string) bool { return !slices.Contains(allScopes, s) }) {
		errs = append(errs, platform.FieldError{Field: "scopes", Message: "Select what the token may do"})
	}
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
		return web.Render(w, r, web.StatusOf(err), "identity/token-new", tokenForm(sub, web.FormErrors(r, err)))
	}
	f := web.FormErrors(r, platform.Invalid("Check the token", errs...))
	return web.Render(w, r, http.StatusUnprocessableEntity, "identity/token-new", tokenForm(sub, f))
}

func (ui *webUI) revokeToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.s.RevokeToken(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	return seeOther(w, r, "/tokens", "Token revoked")
}
