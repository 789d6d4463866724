package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// usersPage is the data of identity/users.
type usersPage struct {
	*web.Form
	Table    web.Table
	Roles    []web.Option // for the filter, with "Any role" first
	Units    []web.Option // for the filter, with "Any business unit" first
	Pages    web.Pagination
	First    string // link back to the first page, when not on it
	Filtered bool
}

// userPage is the data of identity/user (details and edit) and
// identity/user-new.
type userPage struct {
	*web.Form
	User   identity.User
	Rows   []web.SummaryRow
	Roles  []web.Option
	Units  []web.Option
	SignIn []web.Option // how a new user signs in
}

// secretPage shows a password once, after creating a user or resetting one.
type secretPage struct {
	Title    string
	User     identity.User
	Password string
}

const usersPerPage = 25

func (ui *webUI) routeUsers(rt *web.Router) {
	rt.Handle("GET /users", signedIn(ui.users))
	rt.Handle("GET /users/new", signedIn(ui.newUserForm))
	rt.Handle("POST /users/new", signedIn(ui.createUser))
	rt.Handle("GET /users/{id}", signedIn(ui.user))
	rt.Handle("POST /users/{id}", signedIn(ui.updateUser))
	rt.Handle("POST /users/{id}/disable", signedIn(ui.userAction("disable")))
	rt.Handle("POST /users/{id}/enable", signedIn(ui.userAction("enable")))
	rt.Handle("POST /users/{id}/reset-totp", signedIn(ui.userAction("reset-totp")))
	rt.Handle("POST /users/{id}/reset-password", signedIn(ui.resetPassword))
}

func (ui *webUI) users(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	if err := ui.requireAdmin(ctx, sub, "user"); err != nil {
		return err
	}
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	filter := identity.UserFilter{Text: q.Get("q"), Role: platform.Role(q.Get("role")), Unit: q.Get("unit"), Limit: usersPerPage}
	if len(pr.Cursor) > 0 {
		filter.After = pr.Cursor[0]
	}
	units, err := ui.s.ListUnits(ctx, sub)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, u := range units {
		names[u.ID] = u.Name
	}
	page := usersPage{
		Roles:    append([]web.Option{{Value: "", Text: "Any role"}}, roleOptions()...),
		Units:    append([]web.Option{{Value: "", Text: "Any business unit"}}, unitOptions(units)...),
		Filtered: filter.Text != "" || filter.Role != "" || filter.Unit != "",
		Table: web.Table{Caption: "Users", Head: []web.Cell{
			{Text: "Name"}, {Text: "Email address"}, {Text: "Roles"}, {Text: "Business units"}, {Text: "Status"}}},
	}
	res, err := ui.s.ListUsers(ctx, sub, filter)
	if about(err) {
		// Filters are query parameters: a bad one is a bad request (the
		// web shell's convention for field errors on GET).
		page.Form = formWith(q, err)
		return web.Render(w, r, http.StatusBadRequest, "identity/users", page)
	}
	if err != nil {
		return err
	}
	page.Form = formWith(q, nil)
	for _, u := range res.Users {
		page.Table.Rows = append(page.Table.Rows, []web.Cell{
			{Text: u.Name, Href: "/users/" + u.ID}, {Text: u.Email}, {Text: rolesText(u.Roles)},
			{Text: namesOf(u.BusinessUnits, names)}, {Text: statusText(u)},
		})
	}
	if res.Next != "" {
		page.Pages.Next = web.CursorURL(r, web.EncodeCursor(res.Next))
	}
	if len(pr.Cursor) > 0 {
		page.First = web.CursorURL(r, "")
	}
	return web.Render(w, r, http.StatusOK, "identity/users", page)
}

func statusText(u identity.User) string {
	if u.Disabled {
		return "Disabled"
	}
	return "Active"
}

func (ui *webUI) userFormPage(r *http.Request, sub *platform.Subject, f *web.Form) (userPage, error) {
	units, err := ui.s.ListUnits(r.Context(), sub)
	if err != nil {
		return userPage{}, err
	}
	return userPage{Form: f, Roles: roleOptions(), Units: unitOptions(units), SignIn: []web.Option{
		{Value: "password", Text: "With a password", Hint: "A password is made for them and shown to you once, on the next page"},
		{Value: "sso", Text: "With single sign-on only", Hint: "They sign in through the organisation's identity provider and have no password here"},
	}}, nil
}

func (ui *webUI) newUserForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.requireAdmin(r.Context(), sub, "user"); err != nil {
		return err
	}
	page, err := ui.userFormPage(r, sub, web.NewForm(url.Values{"sign_in": {"password"}}))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "identity/user-new", page)
}

// userForm reads the user fields of a form and checks each one, so every
// mistake is reported at once rather than one per submission.
func userForm(v url.Values, withEmail bool) (identity.NewUser, []platform.FieldError) {
	in := identity.NewUser{Email: v.Get("email"), Name: v.Get("name"), Roles: formRoles(trimAll(v["roles"])), BusinessUnits: trimAll(v["business_units"])}
	return in, identity.CheckUserFields(in, withEmail)
}

func (ui *webUI) createUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	if err := ui.requireAdmin(ctx, sub, "user"); err != nil {
		return err
	}
	in, errs := userForm(r.PostForm, true)
	mode := r.PostFormValue("sign_in")
	if mode != "password" && mode != "sso" {
		errs = append(errs, platform.FieldError{Field: "sign_in", Message: "Select how they will sign in"})
	}
	if len(errs) == 0 {
		if mode == "password" {
			in.Password = identity.GeneratePasswordFor(strings.TrimSpace(in.Email), in.Name)
		}
		u, err := ui.s.CreateUser(ctx, sub, in)
		if err == nil {
			return web.Render(w, r, http.StatusCreated, "identity/user-secret", secretPage{Title: "User added", User: u, Password: in.Password})
		}
		if ui.confirmFirst(w, r, err, "/users/new") {
			return nil
		}
		if !about(err) {
			return err
		}
		errs = platform.AsError(err).Fields
		if len(errs) == 0 {
			errs = []platform.FieldError{{Field: "email", Message: platform.AsError(err).Message}}
		}
	}
	page, err := ui.userFormPage(r, sub, web.FormErrors(r, platform.Invalid("Check the user", errs...)))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusUnprocessableEntity, "identity/user-new", page)
}

// renderUser shows a user's details and edit form; f nil means the form is
// filled from the stored user.
func (ui *webUI) renderUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	ctx := r.Context()
	if err := ui.requireAdmin(ctx, sub, "user"); err != nil {
		return err
	}
	u, err := ui.s.GetUser(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		v := url.Values{"name": {u.Name}, "business_units": u.BusinessUnits}
		for _, role := range u.Roles {
			v.Add("roles", string(role))
		}
		f = web.NewForm(v)
	}
	page, err := ui.userFormPage(r, sub, f)
	if err != nil {
		return err
	}
	names, err := ui.s.UnitNames(ctx, sub.OrgID)
	if err != nil {
		return err
	}
	twoFactor, password := "Not set up", "None (signs in with single sign-on)"
	if u.TOTPEnabled {
		twoFactor = "Set up"
	}
	if u.HasPassword {
		password = "Set"
	}
	page.User = u
	page.Rows = []web.SummaryRow{
		{Key: "Email address", Value: u.Email},
		{Key: "Roles", Value: rolesText(u.Roles)},
		{Key: "Business units", Value: namesOf(u.BusinessUnits, names)},
		{Key: "Status", Value: statusText(u)},
		{Key: "Password", Value: password},
		{Key: "Two-factor authentication", Value: twoFactor},
		{Key: "Added", Value: dateText(u.CreatedAt)},
	}
	return web.Render(w, r, status, "identity/user", page)
}

func (ui *webUI) user(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderUser(w, r, sub, http.StatusOK, nil)
}

func (ui *webUI) updateUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	in, errs := userForm(r.PostForm, false)
	if len(errs) > 0 {
		return ui.renderUser(w, r, sub, http.StatusUnprocessableEntity, web.FormErrors(r, platform.Invalid("Check the user", errs...)))
	}
	id := r.PathValue("id")
	_, err := ui.s.UpdateUser(r.Context(), sub, id, identity.UserChanges{Name: in.Name, Roles: in.Roles, BusinessUnits: in.BusinessUnits})
	if ui.confirmFirst(w, r, err, "/users/"+id) {
		return nil
	}
	if about(err) {
		return ui.renderUser(w, r, sub, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/users/"+id, "Changes saved")
}

// userAction runs one of the buttons on a user's page. A refusal about the
// user's state (disabling yourself, the last admin) is shown on the page.
func (ui *webUI) userAction(action string) func(http.ResponseWriter, *http.Request, *platform.Subject) error {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		ctx, id := r.Context(), r.PathValue("id")
		var err error
		var done string
		switch action {
		case "disable":
			err, done = ui.s.DisableUser(ctx, sub, id), "User disabled. Their sessions and API tokens have ended."
		case "enable":
			err, done = ui.s.EnableUser(ctx, sub, id), "User enabled"
		case "reset-totp":
			err, done = ui.s.ResetTOTP(ctx, sub, id), "Two-factor authentication reset. They will set it up again when they next sign in."
		}
		if ui.confirmFirst(w, r, err, "/users/"+id) {
			return nil
		}
		if about(err) {
			e := platform.AsError(err)
			return ui.renderUser(w, r, sub, web.StatusOf(err), &web.Form{Message: e.Message})
		}
		if err != nil {
			return err
		}
		return seeOther(w, r, "/users/"+id, done)
	}
}

func (ui *webUI) resetPassword(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx, id := r.Context(), r.PathValue("id")
	password, err := ui.s.ResetPassword(ctx, sub, id)
	if ui.confirmFirst(w, r, err, "/users/"+id) {
		return nil
	}
	if err != nil {
		return err
	}
	u, err := ui.s.GetUser(ctx, sub, id)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "identity/user-secret", secretPage{Title: "Password reset", User: u, Password: password})
}

// trimAll is strings.TrimSpace over a list, dropping empty values (an
// unticked form sends nothing, but a hand-made one may send blanks).
func trimAll(vs []string) []string {
	out := make([]string, 0, len(vs))
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
