package identityweb

import (
	"context"
	"dbtp/internal/identity"
	"embed"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/identity/oidc"
	"dbtp/internal/platform"
	"dbtp/internal/web"
)

//go:embed templates/identity/*.html
var webTemplates embed.FS // a file pattern, not the folder: folders leave out "_" partials

// webUI holds what the identity pages and API handlers share.
type webUI struct {
	s         *identity.Service
	ap        *access.Point
	cookie    string // session cookie base name, from the web config
	providers map[string]*oidc.Provider
	order     []*oidc.Provider // as configured, for the sign-in buttons
	// orgs names, by provider, the organisation (short name) its people
	// join, for providers configured without an organisation ID.
	providerOrgs map[string]string
}

// Register mounts the identity module on srv: sign-in (password, TOTP,
// OIDC), sign-out, the account page, the admin pages for users, business
// units, API tokens and organisations, and the /api/v1 identity routes. The
// server must also have been built with web.WithAuthenticator(s), so cookies
// and bearer tokens become subjects. providers may be empty. A template or
// configuration mistake is returned, so start-up stops with its message.
func Register(srv *web.Server, s *identity.Service, ap *access.Point, providers []*oidc.Provider) error {
	return register(srv, s, ap, providers, nil)
}

// register is Register with the organisation short names of providers
// whose oidc.Config has no OrgID, looked up at each sign-in.
func register(srv *web.Server, s *identity.Service, ap *access.Point, providers []*oidc.Provider, orgs map[string]string) error {
	if err := srv.Renderer().Add(webTemplates, "templates/identity/*.html"); err != nil {
		return fmt.Errorf("identity: templates: %w", err)
	}
	ui := &webUI{s: s, ap: ap, cookie: srv.Config().SessionCookie, providers: map[string]*oidc.Provider{}, providerOrgs: orgs}
	for _, p := range providers {
		if p == nil {
			continue
		}
		if _, dup := ui.providers[p.Name()]; dup {
			return fmt.Errorf("identity: two OIDC providers are named %q", p.Name())
		}
		ui.providers[p.Name()] = p
		ui.order = append(ui.order, p)
	}
	admin := []platform.Role{platform.RoleAdmin}
	srv.Renderer().AddNav(
		web.NavItem{Label: "Users", Href: "/users", Roles: admin, Order: 60, Group: web.AdminGroup},
		web.NavItem{Label: "Business units", Href: "/business-units", Roles: admin, Order: 61, Group: web.AdminGroup},
		web.NavItem{Label: "Organisations", Href: "/organisations", Roles: admin, Order: 62, Group: web.AdminGroup},
		// Residents have no use for API tokens in their menu (the page
		// still answers them); staff and partners connect systems.
		web.NavItem{Label: "API tokens", Href: "/tokens", Roles: append(slices.Clone(platform.StaffRoles), platform.RolePartner), Order: 80},
		web.NavItem{Label: "Your account", Href: "/account", Order: 90},
	)
	rt := srv.Router()
	ui.routeSignIn(rt)
	ui.routeAccount(rt)
	ui.routeUsers(rt)
	ui.routeUnits(rt)
	ui.routeTokens(rt)
	ui.routeOrgs(rt)
	ui.routeAPIUsers(srv.API())
	ui.routeAPIOthers(srv.API())
	return nil
}

// withRetry turns the identity throttle's wait into the web layer's
// Retry-After decoration.
func withRetry(err error) error {
	if d, ok := identity.RetryAfter(err); ok {
		return web.WithRetryAfter(err, d)
	}
	return err
}

// open is a handler anyone may reach (sign-in pages).
func open(h func(http.ResponseWriter, *http.Request) error) http.Handler {
	return web.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error { return withRetry(h(w, r)) })
}

// signedIn is a handler for signed-in subjects: others are sent to sign in
// (pages) or get a 401 problem (API).
func signedIn(h func(http.ResponseWriter, *http.Request, *platform.Subject) error) http.Handler {
	return web.RequireSignedIn(web.HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return withRetry(h(w, r, web.SubjectOf(r)))
	}))
}

// requireAdmin asks the access point whether sub administers resources of
// typ in its organisation; a refusal is audited and becomes a 403.
func (ui *webUI) requireAdmin(ctx context.Context, sub *platform.Subject, typ string) error {
	return ui.ap.Check(ctx, sub, access.Administer, access.Resource{Type: typ, OrgID: sub.OrgID})
}

// isAdmin is the side-effect-free version, for choosing what to show.
func (ui *webUI) isAdmin(sub *platform.Subject, typ string) bool {
	return ui.ap.Allowed(sub, access.Administer, access.Resource{Type: typ, OrgID: sub.OrgID})
}

// about reports whether err is about the submitted input (so the form is
// shown again with the message) rather than a reason for an error page.
func about(err error) bool {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeConflict:
		return true
	}
	return false
}

// seeOther redirects after a successful form post, with a one-line flash.
func seeOther(w http.ResponseWriter, r *http.Request, to, flash string) error {
	if flash != "" {
		web.SetFlash(w, r, flash)
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

// formWith is form state from a query string (GET filter forms), with the
// field errors of err.
func formWith(values map[string][]string, err error) *web.Form {
	f := &web.Form{Input: values}
	if err != nil {
		e := platform.AsError(err)
		f.Errors = e.Fields
		if len(f.Errors) == 0 {
			f.Message = e.Message
		}
	}
	return f
}

// addError appends a field error to a form, keeping the summary in page order
// when callers add fields top to bottom.
func addError(f *web.Form, field, msg string) {
	f.Errors = append(f.Errors, platform.FieldError{Field: field, Message: msg})
}

var roleText = map[platform.Role]string{
	platform.RoleAdmin:      "Admin",
	platform.RoleManager:    "Manager",
	platform.RoleCaseworker: "Caseworker",
	platform.RoleRecords:    "Records manager",
	platform.RoleWorkplace:  "Workplace manager",
	platform.RoleDesigner:   "Service designer",
	platform.RoleStaff:      "Staff",
	platform.RoleResident:   "Resident",
	platform.RolePartner:    "Partner",
}

var roleHint = map[platform.Role]string{
	platform.RoleAdmin:      "Manages users, business units, tokens and the audit log; must use two-factor authentication",
	platform.RoleManager:    "Manages the work of their business units",
	platform.RoleCaseworker: "Works on cases in their business units",
	platform.RoleRecords:    "Keeps the file plan, retention schedules, disposal, legal holds and subject access requests; reads every record of the organisation",
	platform.RoleWorkplace:  "Keeps buildings, desks, rooms, equipment, devices and sensors, approves and manages bookings and loans, and reads the estate's utilisation",
	platform.RoleDesigner:   "Creates and changes digital services in the service designer",
	platform.RoleStaff:      "Reads what their organisation shares with staff",
	platform.RoleResident:   "A member of the public using council services",
	platform.RolePartner:    "Works for a partner organisation",
}

func roleOptions() []web.Option {
	out := make([]web.Option, 0, len(platform.Roles))
	for _, r := range platform.Roles {
		out = append(out, web.Option{Value: string(r), Text: roleText[r], Hint: roleHint[r]})
	}
	return out
}

func rolesText(roles []platform.Role) string {
	if len(roles) == 0 {
		return "None"
	}
	parts := make([]string, len(roles))
	for i, r := range roles {
		parts[i] = roleText[r]
		if parts[i] == "" {
			parts[i] = string(r)
		}
	}
	return strings.Join(parts, ", ")
}

func formRoles(vs []string) []platform.Role {
	out := make([]platform.Role, 0, len(vs))
	for _, v := range vs {
		out = append(out, platform.Role(v))
	}
	return out
}

func namesOf(ids []string, names map[string]string) string {
	if len(ids) == 0 {
		return "None"
	}
	parts := make([]string, 0, len(ids))
	for _, id := range ids {
		if n, ok := names[id]; ok {
			parts = append(parts, n)
		}
	}
	return strings.Join(parts, ", ")
}

func unitOptions(units []identity.Unit) []web.Option {
	out := make([]web.Option, 0, len(units))
	for _, u := range units {
		out = append(out, web.Option{Value: u.ID, Text: u.Name})
	}
	return out
}

// dateText formats a time for pages in the GOV.UK style ("3 March 2025").
func dateText(t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	return t.UTC().Format("2 January 2006")
}

func dateTimeText(t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	return t.UTC().Format("2 January 2006 at 15:04 UTC")
}

// retryAfterHeader sets Retry-After on a page rendered for a throttled
// request (web.Error does it for error pages; forms are rendered directly).
func retryAfterHeader(w http.ResponseWriter, err error) {
	if d, ok := identity.RetryAfter(err); ok && d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
}

// orgChoices lists organisations for the sign-in select (names are public)
// and the short name to preselect: the host organisation.
func (ui *webUI) orgChoices(ctx context.Context) ([]web.Option, string, error) {
	orgs, host, err := ui.s.OrgChoices(ctx)
	out := make([]web.Option, 0, len(orgs))
	for _, o := range orgs {
		out = append(out, web.Option{Value: o.Slug, Text: o.Name})
	}
	return out, host, err
}
