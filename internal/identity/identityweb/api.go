package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// API request and response bodies. Field names are snake_case like the rest
// of the API; every request is decoded strictly (unknown fields refused).

type apiMe struct {
	User    identity.User `json:"user"`
	Org     platform.Org  `json:"organisation"`
	Scopes  []string      `json:"scopes"`
	TokenID string        `json:"token_id,omitempty"`
}

type apiNewUser struct {
	Email         string          `json:"email"`
	Name          string          `json:"name"`
	Roles         []platform.Role `json:"roles"`
	BusinessUnits []string        `json:"business_units,omitempty"`
	// Password is optional: without one the user signs in through single
	// sign-on until an admin resets it.
	Password string `json:"password,omitempty"`
}

// apiUserPatch changes only the fields present.
type apiUserPatch struct {
	Name          *string          `json:"name,omitempty"`
	Roles         *[]platform.Role `json:"roles,omitempty"`
	BusinessUnits *[]string        `json:"business_units,omitempty"`
}

var (
	tagUsers = []string{"users"}
	idParam  = func(what string) []web.Param {
		return []web.Param{{Name: "id", In: "path", Description: "The " + what + "'s ID."}}
	}
	pageParams = []web.Param{
		{Name: "cursor", In: "query", Description: "The next_cursor of the previous page; omit for the first page."},
		{Name: "limit", In: "query", Description: "Items per page, 1 to 200 (default 50).", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}},
	}
	scopeRead  = []string{identity.ScopeRead}
	scopeAdmin = []string{identity.ScopeAdmin}
)

func listOf[T any]() web.Schema { return web.SchemaOf(web.List[T]{}) }

func (ui *webUI) routeAPIUsers(api *web.API) {
	api.Handle("GET /api/v1/me", web.Op{
		Summary: "Who am I", Description: "The user the token belongs to, their organisation and the token's scopes.",
		OperationID: "getMe", Tags: tagUsers, Scopes: scopeRead,
		Responses: map[int]web.Response{200: {Description: "The token's owner.", Schema: web.SchemaOf(apiMe{})}},
	}, signedIn(ui.apiMe))
	api.Handle("GET /api/v1/users", web.Op{
		Summary: "List users", Description: "Users of your organisation in the order they were added.",
		OperationID: "listUsers", Tags: tagUsers, Scopes: scopeRead,
		Params: append([]web.Param{
			{Name: "q", In: "query", Description: "Text matched against name and email address, case-insensitively."},
			{Name: "role", In: "query", Description: "Only users with this role.", Schema: web.Schema{"type": "string", "enum": platform.Roles}},
			{Name: "unit", In: "query", Description: "Only members of this business unit (its ID)."},
		}, pageParams...),
		Responses: map[int]web.Response{200: {Description: "One page of users.", Schema: listOf[identity.User]()}},
	}, signedIn(ui.apiListUsers))
	api.Handle("POST /api/v1/users", web.Op{
		Summary: "Add a user", Description: "API tokens cannot add admins (403): that needs an admin signed in to the web pages with their authenticator app.",
		OperationID: "createUser", Tags: tagUsers, Scopes: scopeAdmin,
		Request:   web.SchemaOf(apiNewUser{}),
		Responses: map[int]web.Response{201: {Description: "The new user; Location names it.", Schema: web.SchemaOf(identity.User{})}},
	}, signedIn(ui.apiCreateUser))
	api.Handle("GET /api/v1/users/{id}", web.Op{
		Summary: "Get a user", OperationID: "getUser", Tags: tagUsers, Scopes: scopeRead, Params: idParam("user"),
		Responses: map[int]web.Response{200: {Description: "The user.", Schema: web.SchemaOf(identity.User{})}},
	}, signedIn(ui.apiGetUser))
	api.Handle("PATCH /api/v1/users/{id}", web.Op{
		Summary: "Change a user", Description: "Changes the name, roles or business units given; roles and business_units replace the current lists. " +
			"API tokens cannot grant the admin role (403): that needs an admin signed in to the web pages with their authenticator app.",
		OperationID: "updateUser", Tags: tagUsers, Scopes: scopeAdmin, Params: idParam("user"),
		Request:   web.SchemaOf(apiUserPatch{}),
		Responses: map[int]web.Response{200: {Description: "The changed user.", Schema: web.SchemaOf(identity.User{})}},
	}, signedIn(ui.apiUpdateUser))
	api.Handle("POST /api/v1/users/{id}/disable", web.Op{
		Summary: "Disable a user", Description: "Stops the user signing in, ends their sessions and revokes their API tokens.",
		OperationID: "disableUser", Tags: tagUsers, Scopes: scopeAdmin, Params: idParam("user"),
		Responses: map[int]web.Response{204: {Description: "Disabled."}},
	}, signedIn(ui.apiUserAction(true)))
	api.Handle("POST /api/v1/users/{id}/enable", web.Op{
		Summary: "Enable a user", Description: "Lets a disabled user sign in again; their revoked tokens stay revoked.",
		OperationID: "enableUser", Tags: tagUsers, Scopes: scopeAdmin, Params: idParam("user"),
		Responses: map[int]web.Response{204: {Description: "Enabled."}},
	}, signedIn(ui.apiUserAction(false)))
}

// decodeJSON is web.DecodeJSON with every failure reported as 400: a body
// with an unknown field or a wrongly typed value is a malformed request for
// this operation, not content to correct (422 is kept for the service's
// field validation). The offending field stays named in the detail.
func decodeJSON(r *http.Request, v any) error {
	err := web.DecodeJSON(r, v)
	if err == nil {
		return nil
	}
	e := platform.AsError(err)
	if e.Code != platform.CodeInvalid || len(e.Fields) == 0 {
		return err
	}
	msg := e.Message
	for _, f := range e.Fields {
		msg += " " + strconv.Quote(f.Field) + " " + f.Message + "."
	}
	return &platform.Error{Code: platform.CodeInvalid, Message: msg, Err: e.Err}
}

func (ui *webUI) apiMe(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	u, err := ui.s.GetUser(r.Context(), sub, sub.UserID)
	if err != nil {
		return err
	}
	o, err := ui.s.GetOrg(r.Context(), sub, sub.OrgID)
	if err != nil {
		return err
	}
	scopes := sub.Scopes
	if scopes == nil {
		scopes = []string{}
	}
	return web.WriteJSON(w, http.StatusOK, apiMe{User: u, Org: o, Scopes: scopes, TokenID: sub.TokenID})
}

func (ui *webUI) apiListUsers(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := identity.UserFilter{Text: q.Get("q"), Role: platform.Role(q.Get("role")), Unit: q.Get("unit"), Limit: pr.Limit}
	if len(pr.Cursor) > 0 {
		f.After = pr.Cursor[0]
	}
	page, err := ui.s.ListUsers(r.Context(), sub, f)
	if err != nil {
		return err
	}
	out := web.List[identity.User]{Items: page.Users}
	if page.Next != "" {
		out.NextCursor = web.EncodeCursor(page.Next)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (ui *webUI) apiCreateUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiNewUser
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := ui.s.CreateUser(r.Context(), sub, identity.NewUser(in))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/users/"+u.ID)
	return web.WriteJSON(w, http.StatusCreated, u)
}

func (ui *webUI) apiGetUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	u, err := ui.s.GetUser(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (ui *webUI) apiUpdateUser(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiUserPatch
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	ctx, id := r.Context(), r.PathValue("id")
	cur, err := ui.s.GetUser(ctx, sub, id)
	if err != nil {
		return err
	}
	ch := identity.UserChanges{Name: cur.Name, Roles: cur.Roles, BusinessUnits: cur.BusinessUnits}
	if in.Name != nil {
		ch.Name = *in.Name
	}
	if in.Roles != nil {
		ch.Roles = *in.Roles
	}
	if in.BusinessUnits != nil {
		ch.BusinessUnits = *in.BusinessUnits
	}
	u, err := ui.s.UpdateUser(ctx, sub, id, ch)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (ui *webUI) apiUserAction(disable bool) func(http.ResponseWriter, *http.Request, *platform.Subject) error {
	return func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
		var err error
		if disable {
			err = ui.s.DisableUser(r.Context(), sub, r.PathValue("id"))
		} else {
			err = ui.s.EnableUser(r.Context(), sub, r.PathValue("id"))
		}
		if err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}
