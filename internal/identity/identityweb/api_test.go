package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

func TestWebTokenLifecycle(t *testing.T) {
	w := sqliteWeb(t)
	w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
	sam := w.browser(t)
	wantRedirect(t, sam.signIn("sam@northshire.gov.uk", testPassword, ""), "/", "sign in")
	wantBody(t, sam.get("/tokens"), "You have no API tokens.")
	form := sam.get("/tokens/new")
	want(t, form, http.StatusOK, "new token form")
	if strings.Contains(form.body, `value="admin"`) || strings.Contains(form.body, `value="metrics"`) {
		t.Fatal("the admin or metrics scope is offered to a non-admin")
	}
	r := sam.post("/tokens/new", url.Values{"name": {""}, "expires": {"never"}})
	want(t, r, http.StatusUnprocessableEntity, "invalid token form")
	wantBody(t, r, `href="#name"`, `href="#scopes"`, `href="#expires"`)
	r = sam.post("/tokens/new", url.Values{"name": {"Reporting"}, "scopes": {"read"}, "expires": {"30"}})
	want(t, r, http.StatusCreated, "token created")
	wantBody(t, r, "This is the only time it is shown")
	secret := secretIn(t, r)
	if !strings.HasPrefix(secret, "dbtp_") {
		t.Fatalf("secret %q", secret)
	}

	res, me := w.api(t, secret, "GET", "/api/v1/me", "")
	want(t, res, http.StatusOK, "GET /api/v1/me")
	if me["user"].(map[string]any)["email"] != "sam@northshire.gov.uk" || !slices.Equal(toStrings(me["scopes"]), []string{"read"}) {
		t.Fatalf("me = %s", res.body)
	}
	// A read token cannot write, and a staff member cannot administer.
	res, _ = w.api(t, secret, "POST", "/api/v1/business-units", `{"name":"Finance"}`)
	wantProblem(t, res, http.StatusForbidden, "read token POST")

	list := sam.get("/tokens")
	wantBody(t, list, "Reporting", "read", "Active", "Revoke")
	if strings.Contains(list.body, secret) {
		t.Fatal("the token list shows the secret")
	}
	tokens, err := w.svc.ListTokens(w.ctx, &platform.Subject{Kind: platform.SubjectUser, UserID: me["user"].(map[string]any)["id"].(string), OrgID: w.org.ID, Roles: []platform.Role{platform.RoleStaff}})
	noErr(t, err)
	wantRedirect(t, sam.post("/tokens/"+tokens[0].ID+"/revoke", nil), "/tokens", "revoke")
	wantBody(t, sam.get("/tokens"), "Token revoked", "Revoked")
	res, _ = w.api(t, secret, "GET", "/api/v1/me", "")
	wantProblem(t, res, http.StatusUnauthorized, "revoked token")
	if res.header.Get("WWW-Authenticate") == "" {
		t.Fatal("401 without WWW-Authenticate")
	}
	want(t, sam.post("/tokens/tok_nope/revoke", nil), http.StatusNotFound, "revoke junk ID")

	// Admins see the organisation's tokens too.
	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	wantBody(t, admin.get("/tokens"), "All tokens in your organisation", "Sam Staff", "Reporting")
	// A host admin may make a metrics token for Prometheus.
	wantBody(t, admin.get("/tokens/new"), `value="metrics"`)
	r = admin.post("/tokens/new", url.Values{"name": {"Prometheus"}, "scopes": {"metrics"}, "expires": {"365"}})
	want(t, r, http.StatusCreated, "metrics token created")
	sub, err := w.svc.TokenSubject(w.ctx, secretIn(t, r), "")
	if err != nil || !slices.Equal(sub.Scopes, []string{identity.ScopeMetrics}) {
		t.Fatalf("metrics token subject %+v %v", sub, err)
	}
}

func toStrings(v any) []string {
	var out []string
	for _, x := range v.([]any) {
		out = append(out, x.(string))
	}
	return out
}

// TestWebUsersAPI runs the sign-in and users API flow on both engines.
func TestWebUsersAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		w := newWebEnv(t, db, nil)
		// Sign-in over HTTP, as on SQLite elsewhere.
		w.mustUser(w.sys, "sam@northshire.gov.uk", "Sam Staff", []platform.Role{platform.RoleStaff}, nil, testPassword)
		wantRedirect(t, w.browser(t).signIn("sam@northshire.gov.uk", testPassword, "/account"), "/account", "password sign-in")
		admin := w.browser(t)
		secret := admin.signInAdmin("")
		wantRedirect(t, admin.post("/sign-out", nil), "/sign-in", "sign-out")
		admin.signInAdmin(secret)

		tok := w.tokenFor(t, w.admin, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
		res, body := w.api(t, tok, "POST", "/api/v1/users", `{"email":"api@northshire.gov.uk","name":"Api identity.User","roles":["caseworker"]}`)
		want(t, res, http.StatusCreated, "create user")
		id, _ := body["id"].(string)
		if loc := res.header.Get("Location"); loc != "/api/v1/users/"+id || !platform.ValidID("usr", id) {
			t.Fatalf("Location %q for %q", loc, id)
		}
		res, body = w.api(t, tok, "GET", res.header.Get("Location"), "")
		want(t, res, http.StatusOK, "get user")
		if body["email"] != "api@northshire.gov.uk" {
			t.Fatalf("get: %s", res.body)
		}
		res, body = w.api(t, tok, "PATCH", "/api/v1/users/"+id, `{"name":"Api Manager","roles":["manager"]}`)
		want(t, res, http.StatusOK, "patch user")
		if body["name"] != "Api Manager" || !slices.Equal(toStrings(body["roles"]), []string{"manager"}) {
			t.Fatalf("patch: %s", res.body)
		}
		res, _ = w.api(t, tok, "PATCH", "/api/v1/users/"+id, `{"roles":["wizard"]}`)
		wantProblem(t, res, http.StatusUnprocessableEntity, "unknown role")

		// Cursor pagination through every user, one at a time.
		var seen []string
		next := "/api/v1/users?limit=1"
		for next != "" {
			res, body = w.api(t, tok, "GET", next, "")
			want(t, res, http.StatusOK, "list page")
			for _, it := range body["items"].([]any) {
				seen = append(seen, it.(map[string]any)["id"].(string))
			}
			next = ""
			if c, _ := body["next_cursor"].(string); c != "" {
				next = "/api/v1/users?limit=1&cursor=" + url.QueryEscape(c)
			}
		}
		if len(seen) != 3 || seen[2] != id {
			t.Fatalf("paged through %v", seen)
		}
		res, body = w.api(t, tok, "GET", "/api/v1/users?role=manager", "")
		if res.status != http.StatusOK || len(body["items"].([]any)) != 1 {
			t.Fatalf("role filter: %s", res.body)
		}

		res, _ = w.api(t, tok, "POST", "/api/v1/users/"+id+"/disable", "")
		want(t, res, http.StatusNoContent, "disable")
		res, body = w.api(t, tok, "GET", "/api/v1/users/"+id, "")
		if body["disabled"] != true {
			t.Fatalf("not disabled: %s", res.body)
		}
		res, _ = w.api(t, tok, "POST", "/api/v1/users/"+id+"/enable", "")
		want(t, res, http.StatusNoContent, "enable")

		// Bad input is a 4xx problem, never a 500, and stores nothing.
		for _, c := range []struct{ body, what string }{
			{`{"email":"x@y.example","name":"X","roles":["staff"]`, "truncated JSON"},
			{`{"email":"x@y.example","name":"X","roles":["staff"],"admin":true}`, "unknown field"},
			{"{\"email\":\"x@y.example\",\"name\":\"\xff\",\"roles\":[\"staff\"]}", "invalid UTF-8"},
			{`{"email":"x@y.example","name":"X","roles":"staff"}`, "wrong type"},
			{`[]`, "not an object"},
		} {
			res, _ = w.api(t, tok, "POST", "/api/v1/users", c.body)
			wantProblem(t, res, http.StatusBadRequest, c.what)
		}
		res, _ = w.api(t, tok, "GET", "/api/v1/users?cursor=bogus", "")
		wantProblem(t, res, http.StatusBadRequest, "bad cursor")
		for _, bad := range []string{"usr_x", "usr_00000000000000000000000000", "..", "%2e"} {
			res, _ = w.api(t, tok, "GET", "/api/v1/users/"+bad, "")
			if res.status != http.StatusNotFound {
				t.Fatalf("GET user %q: %d", bad, res.status)
			}
		}
		if _, err := w.svc.GetUser(w.ctx, w.admin, id); err != nil {
			t.Fatal(err)
		}
		page, err := w.svc.ListUsers(w.ctx, w.admin, identity.UserFilter{Text: "x@y.example"})
		noErr(t, err)
		if len(page.Users) != 0 {
			t.Fatal("a refused request stored a user")
		}

		// No token: 401 problem; a read token cannot change users.
		res, _ = w.api(t, "", "GET", "/api/v1/users", "")
		wantProblem(t, res, http.StatusUnauthorized, "no token")
		read := w.tokenFor(t, w.admin, identity.ScopeRead)
		res, _ = w.api(t, read, "GET", "/api/v1/users", "")
		want(t, res, http.StatusOK, "read token lists")
		res, _ = w.api(t, read, "POST", "/api/v1/users", `{"email":"r@northshire.gov.uk","name":"R","roles":["staff"]}`)
		wantProblem(t, res, http.StatusForbidden, "read token creates a user")
		res, _ = w.api(t, read, "PATCH", "/api/v1/users/"+id, `{"name":"R"}`)
		wantProblem(t, res, http.StatusForbidden, "read token patches a user")
	})
}

func TestWebOtherAPIs(t *testing.T) {
	w := sqliteWeb(t)
	tok := w.tokenFor(t, w.admin, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
	res, body := w.api(t, tok, "POST", "/api/v1/business-units", `{"name":"Adults"}`)
	want(t, res, http.StatusCreated, "create unit")
	unit := body["id"].(string)
	res, _ = w.api(t, tok, "GET", res.header.Get("Location"), "")
	want(t, res, http.StatusOK, "get unit at Location")
	res, _ = w.api(t, tok, "POST", "/api/v1/business-units", `{"name":"adults"}`)
	wantProblem(t, res, http.StatusConflict, "duplicate unit")
	res, body = w.api(t, tok, "PATCH", "/api/v1/business-units/"+unit, `{"name":"Adult Social Care"}`)
	if res.status != http.StatusOK || body["name"] != "Adult Social Care" {
		t.Fatalf("rename: %d %s", res.status, res.body)
	}
	res, body = w.api(t, tok, "GET", "/api/v1/business-units", "")
	if res.status != http.StatusOK || len(body["items"].([]any)) != 1 {
		t.Fatalf("list units: %s", res.body)
	}
	res, _ = w.api(t, tok, "DELETE", "/api/v1/business-units/"+unit, "")
	want(t, res, http.StatusNoContent, "delete unit")
	res, _ = w.api(t, tok, "DELETE", "/api/v1/business-units/"+unit, "")
	wantProblem(t, res, http.StatusNotFound, "delete again")

	// Tokens: an admin mints one for a service account, not for itself.
	svc := w.mustUser(w.admin, "robot@northshire.gov.uk", "Robot", []platform.Role{platform.RoleStaff}, nil, "")
	res, _ = w.api(t, tok, "POST", "/api/v1/tokens", `{"user_id":"`+w.adminU.ID+`","name":"Self","scopes":["read"]}`)
	wantProblem(t, res, http.StatusForbidden, "token mints for its own user")
	res, body = w.api(t, tok, "POST", "/api/v1/tokens", `{"user_id":"`+svc.ID+`","name":"Robot","scopes":["read"],"expires_in_days":7}`)
	want(t, res, http.StatusCreated, "mint for service account")
	robot, _ := body["token"].(string)
	tokID, _ := body["id"].(string)
	res, _ = w.api(t, tok, "GET", res.header.Get("Location"), "")
	want(t, res, http.StatusOK, "get token at Location")
	res, me := w.api(t, robot, "GET", "/api/v1/me", "")
	if res.status != http.StatusOK || me["user"].(map[string]any)["id"] != svc.ID {
		t.Fatalf("robot me: %s", res.body)
	}
	res, body = w.api(t, tok, "GET", "/api/v1/tokens?all=true&limit=1", "")
	if res.status != http.StatusOK || len(body["items"].([]any)) != 1 || body["next_cursor"] == nil {
		t.Fatalf("all tokens page: %s", res.body)
	}
	res, _ = w.api(t, robot, "GET", "/api/v1/tokens?all=true", "")
	wantProblem(t, res, http.StatusForbidden, "org tokens with a read token")
	res, _ = w.api(t, tok, "DELETE", "/api/v1/tokens/"+tokID, "")
	want(t, res, http.StatusNoContent, "revoke")
	res, _ = w.api(t, robot, "GET", "/api/v1/me", "")
	wantProblem(t, res, http.StatusUnauthorized, "revoked robot")

	// Organisations: the host admin lists all and adds; others see their own.
	res, _ = w.api(t, tok, "POST", "/api/v1/organisations", `{"slug":"nhs","name":"NHS Trust","kind":"partner"}`)
	want(t, res, http.StatusCreated, "create org")
	res, _ = w.api(t, tok, "GET", res.header.Get("Location"), "")
	want(t, res, http.StatusOK, "get org at Location")
	res, body = w.api(t, tok, "GET", "/api/v1/organisations", "")
	if res.status != http.StatusOK || len(body["items"].([]any)) != 2 {
		t.Fatalf("list orgs: %s", res.body)
	}
	res, _ = w.api(t, tok, "POST", "/api/v1/organisations", `{"slug":"Bad!","name":"X","kind":"partner"}`)
	wantProblem(t, res, http.StatusUnprocessableEntity, "bad slug")
	_, bAdmin, _ := w.otherOrg()
	btok := w.tokenFor(t, bAdmin, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
	res, body = w.api(t, btok, "GET", "/api/v1/organisations", "")
	if res.status != http.StatusOK || len(body["items"].([]any)) != 1 || strings.Contains(res.body, w.org.ID) {
		t.Fatalf("partner's list: %s", res.body)
	}
	res, _ = w.api(t, btok, "GET", "/api/v1/organisations/"+w.org.ID, "")
	wantProblem(t, res, http.StatusNotFound, "other org by ID")
	res, _ = w.api(t, btok, "POST", "/api/v1/organisations", `{"slug":"mine","name":"Mine","kind":"partner"}`)
	wantProblem(t, res, http.StatusForbidden, "non-host admin creates an org")
}

// TestWebAPIDocumented proves every /api/v1 route is in the OpenAPI
// document with a summary, tags and scopes, and the document tells no lies.
func TestWebAPIDocumented(t *testing.T) {
	w := sqliteWeb(t)
	doc := w.srv.API().Document()
	undocumented, unrouted := web.CheckAPIDocumented(w.srv.Router(), doc)
	if len(undocumented) > 0 || len(unrouted) > 0 {
		t.Fatalf("undocumented %v, unrouted %v", undocumented, unrouted)
	}
	wantRoutes := []string{
		"GET /api/v1/me", "GET /api/v1/users", "POST /api/v1/users", "GET /api/v1/users/{id}", "PATCH /api/v1/users/{id}",
		"POST /api/v1/users/{id}/disable", "POST /api/v1/users/{id}/enable",
		"GET /api/v1/business-units", "POST /api/v1/business-units", "PATCH /api/v1/business-units/{id}", "DELETE /api/v1/business-units/{id}",
		"GET /api/v1/tokens", "POST /api/v1/tokens", "DELETE /api/v1/tokens/{id}",
		"GET /api/v1/organisations", "POST /api/v1/organisations",
	}
	for _, rt := range wantRoutes {
		method, path, _ := strings.Cut(rt, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok {
			t.Errorf("%s is not documented", rt)
			continue
		}
		if op.Summary == "" || len(op.Tags) == 0 || op.OperationID == "" || len(op.Security) == 0 || len(op.Security[0]["bearer"]) == 0 {
			t.Errorf("%s is thinly documented: %+v", rt, op)
		}
		if (method == "POST" || method == "PATCH") && !strings.Contains(path, "able") && op.RequestBody == nil {
			t.Errorf("%s has no request schema", rt)
		}
	}
	// The served document is the same.
	res, body := w.api(t, "", "GET", "/api/v1/openapi.json", "")
	want(t, res, http.StatusOK, "openapi.json")
	if _, ok := body["paths"].(map[string]any)["/api/v1/users/{id}"]; !ok {
		t.Fatal("served document lacks the users routes")
	}
}

var styleAttr = regexp.MustCompile(`\sstyle="`)

// TestWebPagesMarkup checks what a strict CSP and the accessibility rules
// need on every identity page: one h1, no inline script or style.
func TestWebPagesMarkup(t *testing.T) {
	w := sqliteWeb(t)
	unit, err := w.svc.CreateUnit(w.ctx, w.admin, "Finance")
	noErr(t, err)
	admin := w.browser(t)
	admin.signInAdmin("")
	pages := []string{"/account", "/users", "/users/new", "/users/" + w.adminU.ID, "/business-units", "/business-units/" + unit.ID,
		"/business-units/" + unit.ID + "/delete", "/tokens", "/tokens/new", "/organisations"}
	anon := w.browser(t)
	check := func(path string, r reply) {
		t.Helper()
		want(t, r, http.StatusOK, path)
		if n := strings.Count(r.body, "<h1"); n != 1 {
			t.Errorf("%s has %d h1 elements", path, n)
		}
		if styleAttr.MatchString(r.body) || strings.Count(r.body, "<script") != 1 {
			t.Errorf("%s has inline style or extra scripts", path)
		}
	}
	check("/sign-in", anon.get("/sign-in"))
	for _, p := range pages {
		check(p, admin.get(p))
	}
}
