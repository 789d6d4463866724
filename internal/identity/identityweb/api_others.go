package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

type apiUnitIn struct {
	Name string `json:"name"`
}

type apiNewToken struct {
	// UserID is the user the token acts as. Tokens cannot mint tokens for
	// their own owner, so a leaked token cannot outlive its revocation;
	// admins mint tokens for service accounts here, and people mint their
	// own on the API tokens page.
	UserID        string   `json:"user_id"`
	Name          string   `json:"name"`
	Scopes        []string `json:"scopes"`
	ExpiresInDays int      `json:"expires_in_days,omitempty"` // 1 to 365; default 90
}

type apiNewOrg struct {
	Slug string           `json:"slug"`
	Name string           `json:"name"`
	Kind platform.OrgKind `json:"kind"`
}

var (
	tagUnits  = []string{"business units"}
	tagTokens = []string{"tokens"}
	tagOrgs   = []string{"organisations"}
)

func (ui *webUI) routeAPIOthers(api *web.API) {
	api.Handle("GET /api/v1/business-units", web.Op{
		Summary: "List business units", Description: "Every business unit of your organisation, by name (organisations have a handful, so there is one page).",
		OperationID: "listBusinessUnits", Tags: tagUnits, Scopes: scopeRead,
		Responses: map[int]web.Response{200: {Description: "The business units.", Schema: listOf[identity.Unit]()}},
	}, signedIn(ui.apiListUnits))
	api.Handle("POST /api/v1/business-units", web.Op{
		Summary: "Add a business unit", OperationID: "createBusinessUnit", Tags: tagUnits, Scopes: scopeAdmin,
		Request:   web.SchemaOf(apiUnitIn{}),
		Responses: map[int]web.Response{201: {Description: "The new unit; Location names it.", Schema: web.SchemaOf(identity.Unit{})}},
	}, signedIn(ui.apiCreateUnit))
	api.Handle("GET /api/v1/business-units/{id}", web.Op{
		Summary: "Get a business unit", OperationID: "getBusinessUnit", Tags: tagUnits, Scopes: scopeRead, Params: idParam("business unit"),
		Responses: map[int]web.Response{200: {Description: "The unit.", Schema: web.SchemaOf(identity.Unit{})}},
	}, signedIn(ui.apiGetUnit))
	api.Handle("PATCH /api/v1/business-units/{id}", web.Op{
		Summary: "Rename a business unit", Description: "The ID, and so every reference to the unit, stays the same.",
		OperationID: "renameBusinessUnit", Tags: tagUnits, Scopes: scopeAdmin, Params: idParam("business unit"),
		Request:   web.SchemaOf(apiUnitIn{}),
		Responses: map[int]web.Response{200: {Description: "The renamed unit.", Schema: web.SchemaOf(identity.Unit{})}},
	}, signedIn(ui.apiRenameUnit))
	api.Handle("DELETE /api/v1/business-units/{id}", web.Op{
		Summary: "Delete a business unit", Description: "Only a unit with no members that owns nothing can be deleted (409 otherwise).",
		OperationID: "deleteBusinessUnit", Tags: tagUnits, Scopes: scopeAdmin, Params: idParam("business unit"),
		Responses: map[int]web.Response{204: {Description: "Deleted."}},
	}, signedIn(ui.apiDeleteUnit))

	api.Handle("GET /api/v1/tokens", web.Op{
		Summary: "List API tokens", Description: "Tokens owned by the token's user, newest first; with all=true (admin scope) every token of the organisation. Secrets are never listed.",
		OperationID: "listTokens", Tags: tagTokens, Scopes: scopeRead,
		Params: append([]web.Param{{Name: "all", In: "query", Description: "true for every token of the organisation (needs the admin scope).",
			Schema: web.Schema{"type": "boolean"}}}, pageParams...),
		Responses: map[int]web.Response{200: {Description: "One page of tokens.", Schema: listOf[identity.Token]()}},
	}, signedIn(ui.apiListTokens))
	api.Handle("POST /api/v1/tokens", web.Op{
		Summary: "Create an API token for another user", Description: "For service accounts: an admin mints a token acting as another user of the organisation. The secret is in the response only. " +
			"Tokens with the admin scope cannot be minted here (403): an admin creates them on the API tokens page, or the operator with dbtp token create.",
		OperationID: "createToken", Tags: tagTokens, Scopes: scopeAdmin,
		Request:   web.SchemaOf(apiNewToken{}),
		Responses: map[int]web.Response{201: {Description: "The token with its secret (field token), shown once.", Schema: web.SchemaOf(identity.CreatedToken{})}},
	}, signedIn(ui.apiCreateToken))
	api.Handle("GET /api/v1/tokens/{id}", web.Op{
		Summary: "Get an API token", Description: "One of the token user's own tokens, or with the admin scope any token of the organisation. The secret is never returned.",
		OperationID: "getToken", Tags: tagTokens, Scopes: scopeRead, Params: idParam("token"),
		Responses: map[int]web.Response{200: {Description: "The token.", Schema: web.SchemaOf(identity.Token{})}},
	}, signedIn(ui.apiGetToken))
	api.Handle("DELETE /api/v1/tokens/{id}", web.Op{
		Summary: "Revoke an API token", Description: "Owners revoke their own tokens (write scope); admins anyone's in the organisation (admin scope).",
		OperationID: "revokeToken", Tags: tagTokens, Scopes: []string{identity.ScopeWrite}, Params: idParam("token"),
		Responses: map[int]web.Response{204: {Description: "Revoked (also when it already was)."}},
	}, signedIn(ui.apiRevokeToken))

	api.Handle("GET /api/v1/organisations", web.Op{
		Summary: "List organisations", Description: "For admins of the host organisation every organisation's name and kind; for everyone else their own organisation only.",
		OperationID: "listOrganisations", Tags: tagOrgs, Scopes: scopeRead, Params: pageParams,
		Responses: map[int]web.Response{200: {Description: "One page of organisations.", Schema: listOf[platform.Org]()}},
	}, signedIn(ui.apiListOrgs))
	api.Handle("POST /api/v1/organisations", web.Op{
		Summary: "Add an organisation", Description: "Admins of the host organisation only.",
		OperationID: "createOrganisation", Tags: tagOrgs, Scopes: scopeAdmin,
		Request:   web.SchemaOf(apiNewOrg{}),
		Responses: map[int]web.Response{201: {Description: "The new organisation; Location names it.", Schema: web.SchemaOf(platform.Org{})}},
	}, signedIn(ui.apiCreateOrg))
	api.Handle("GET /api/v1/organisations/{id}", web.Op{
		Summary: "Get an organisation", Description: "Your own organisation, or for admins of the host organisation any organisation.",
		OperationID: "getOrganisation", Tags: tagOrgs, Scopes: scopeRead, Params: idParam("organisation"),
		Responses: map[int]web.Response{200: {Description: "The organisation.", Schema: web.SchemaOf(platform.Org{})}},
	}, signedIn(ui.apiGetOrg))
}

func (ui *webUI) apiListUnits(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	units, err := ui.s.ListUnits(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[identity.Unit]{Items: units})
}

func (ui *webUI) apiCreateUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiUnitIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := ui.s.CreateUnit(r.Context(), sub, in.Name)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/business-units/"+u.ID)
	return web.WriteJSON(w, http.StatusCreated, u)
}

func (ui *webUI) apiGetUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	u, err := ui.s.GetUnit(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (ui *webUI) apiRenameUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiUnitIn
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	u, err := ui.s.RenameUnit(r.Context(), sub, r.PathValue("id"), in.Name)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, u)
}

func (ui *webUI) apiDeleteUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.s.DeleteUnit(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ui *webUI) apiListTokens(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	var tokens []identity.Token
	switch r.URL.Query().Get("all") {
	case "", "false":
		tokens, err = ui.s.ListTokens(r.Context(), sub)
	case "true":
		tokens, err = ui.s.ListOrgTokens(r.Context(), sub)
	default:
		return platform.Invalid("Check the query", platform.FieldError{Field: "all", Message: "must be true or false"})
	}
	if err != nil {
		return err
	}
	out, err := pageByID(tokens, func(t identity.Token) string { return t.ID }, pr)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (ui *webUI) apiCreateToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiNewToken
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	if in.ExpiresInDays < 0 || in.ExpiresInDays > 365 {
		return platform.Invalid("Check the expiry", platform.FieldError{Field: "expires_in_days", Message: "must be from 1 to 365"})
	}
	if sub.Kind == platform.SubjectToken && in.UserID == sub.UserID {
		return platform.Errorf(platform.CodeForbidden, "A token cannot create tokens for its own user; create them on the API tokens page.")
	}
	if !platform.ValidID("usr", in.UserID) {
		return platform.Invalid("Check the user", platform.FieldError{Field: "user_id", Message: "must be the ID of a user of your organisation"})
	}
	t, err := ui.s.CreateTokenFor(r.Context(), sub, in.UserID, identity.NewToken{Name: in.Name, Scopes: in.Scopes,
		ExpiresIn: time.Duration(in.ExpiresInDays) * 24 * time.Hour})
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/tokens/"+t.ID)
	return web.WriteJSON(w, http.StatusCreated, t)
}

func (ui *webUI) apiGetToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	t, err := ui.s.GetToken(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, t)
}

func (ui *webUI) apiRevokeToken(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := ui.s.RevokeToken(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (ui *webUI) apiListOrgs(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	hostAdmin, _, err := ui.s.HostAdmin(ctx, sub)
	if err != nil {
		return err
	}
	var orgs []platform.Org
	if hostAdmin {
		orgs, err = ui.s.ListOrgs(ctx, sub)
	} else {
		var o platform.Org
		o, err = ui.s.GetOrg(ctx, sub, sub.OrgID)
		orgs = []platform.Org{o}
	}
	if err != nil {
		return err
	}
	out, err := pageByID(orgs, func(o platform.Org) string { return o.ID }, pr)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (ui *webUI) apiCreateOrg(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	var in apiNewOrg
	if err := decodeJSON(r, &in); err != nil {
		return err
	}
	o, err := ui.s.CreateOrg(r.Context(), sub, identity.NewOrg(in))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/organisations/"+o.ID)
	return web.WriteJSON(w, http.StatusCreated, o)
}

func (ui *webUI) apiGetOrg(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	o, err := ui.s.GetOrg(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, o)
}

// pageByID cuts one page out of a short list the service returns whole,
// so every API list has the same cursor envelope. The cursor is the ID of
// the last item served; one that is not in the list is refused.
func pageByID[T any](items []T, id func(T) string, pr web.PageRequest) (web.List[T], error) {
	start := 0
	if len(pr.Cursor) > 0 {
		start = -1
		for i, it := range items {
			if id(it) == pr.Cursor[0] {
				start = i + 1
				break
			}
		}
		if start < 0 {
			return web.List[T]{}, platform.Invalid("The cursor is not valid; start again from the first page.",
				platform.FieldError{Field: "cursor", Message: "is not a cursor returned by this API"})
		}
	}
	end := min(start+pr.Limit, len(items))
	out := web.List[T]{Items: append([]T{}, items[start:end]...)}
	if end < len(items) {
		out.NextCursor = web.EncodeCursor(id(items[end-1]))
	}
	return out, nil
}
