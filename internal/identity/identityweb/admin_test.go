package identityweb

import (
	"dbtp/internal/identity"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/platform"
)

func TestWebUsersPages(t *testing.T) {
	w := sqliteWeb(t)
	fin, err := w.svc.CreateUnit(w.ctx, w.admin, "Finance")
	noErr(t, err)
	admin := w.browser(t)
	admin.signInAdmin("")

	list := admin.get("/users")
	want(t, list, http.StatusOK, "users list")
	wantBody(t, list, "<caption", "Ada Admin", "admin@northshire.gov.uk", "Add a user")

	// Validation: every mistake at once, typed values kept.
	admin.get("/users/new")
	r := admin.post("/users/new", url.Values{"email": {"not-an-email"}, "name": {"  "}, "sign_in": {"password"}})
	want(t, r, http.StatusUnprocessableEntity, "invalid new user")
	wantBody(t, r, `href="#name"`, `href="#email"`, `href="#roles"`, `value="not-an-email"`, `govuk-form-group--error`)
	r = admin.post("/users/new", url.Values{"email": {"casey@northshire.gov.uk"}, "name": {"Casey Worker"},
		"roles": {"caseworker"}, "business_units": {fin.ID}, "sign_in": {"password"}})
	want(t, r, http.StatusCreated, "new user")
	wantBody(t, r, "User added", "Casey Worker", "This is the only time the password is shown")
	password := secretIn(t, r)

	// The duplicate is refused with the typed values kept.
	r = admin.post("/users/new", url.Values{"email": {"CASEY@northshire.gov.uk"}, "name": {"Casey Again"},
		"roles": {"staff"}, "sign_in": {"sso"}})
	want(t, r, http.StatusUnprocessableEntity, "duplicate email")
	wantBody(t, r, "already exists", `value="Casey Again"`, `value="staff" checked`)

	casey := w.browser(t)
	wantRedirect(t, casey.signIn("casey@northshire.gov.uk", password, ""), "/", "new user signs in with the shown password")
	want(t, casey.get("/account"), http.StatusOK, "new user's account")
	// Not an admin: the admin pages are refused.
	want(t, casey.get("/users"), http.StatusForbidden, "users page for a caseworker")
	want(t, casey.get("/business-units"), http.StatusForbidden, "units page for a caseworker")

	page, err := w.svc.ListUsers(w.ctx, w.admin, identity.UserFilter{Text: "casey"})
	noErr(t, err)
	id := page.Users[0].ID
	filtered := admin.get("/users?role=caseworker&unit=" + fin.ID + "&q=CAS")
	wantBody(t, filtered, "Casey Worker", "Clear filters")
	if strings.Contains(filtered.body, "admin@northshire.gov.uk") {
		t.Fatal("filter did not filter")
	}
	wantBody(t, admin.get("/users?q=zzz"), "No users match these filters.")
	wantBody(t, admin.get("/users?role=wizard"), `href="#role"`, "Unknown role")
	want(t, admin.get("/users?role=wizard"), http.StatusBadRequest, "unknown role filter")
	want(t, admin.get("/users?cursor=junk"), http.StatusBadRequest, "bad cursor")

	detail := admin.get("/users/" + id)
	want(t, detail, http.StatusOK, "user page")
	wantBody(t, detail, "casey@northshire.gov.uk", "Finance", `value="Casey Worker"`, `value="caseworker" checked`)

	// Edit: an error keeps what was typed; success redirects with a flash.
	r = admin.post("/users/"+id, url.Values{"name": {"Casey Manager"}})
	want(t, r, http.StatusUnprocessableEntity, "edit without roles")
	wantBody(t, r, `value="Casey Manager"`, "Choose at least one role")
	r = admin.post("/users/"+id, url.Values{"name": {"Casey Manager"}, "roles": {"manager"}, "business_units": {fin.ID}})
	wantRedirect(t, r, "/users/"+id, "edit")
	wantBody(t, admin.get("/users/"+id), "Changes saved", "Casey Manager", "Manager")

	// Disabling ends their session at once; enabling lets them back.
	wantRedirect(t, admin.post("/users/"+id+"/disable", nil), "/users/"+id, "disable")
	wantRedirect(t, casey.get("/account"), "/sign-in", "disabled user's session")
	wantBody(t, admin.get("/users/"+id), "Disabled", "Enable user")
	wantRedirect(t, admin.post("/users/"+id+"/enable", nil), "/users/"+id, "enable")

	// Reset password shows a new one once, and it works.
	r = admin.post("/users/"+id+"/reset-password", nil)
	want(t, r, http.StatusOK, "reset password")
	newPassword := secretIn(t, r)
	if newPassword == password {
		t.Fatal("reset gave the same password")
	}
	wantRedirect(t, w.browser(t).signIn("casey@northshire.gov.uk", newPassword, ""), "/", "sign in with reset password")
	wantRedirect(t, admin.post("/users/"+id+"/reset-totp", nil), "/users/"+id, "reset TOTP")

	// Refusals about state are shown on the page: the admin cannot disable themselves.
	r = admin.post("/users/"+w.adminU.ID+"/disable", nil)
	want(t, r, http.StatusConflict, "disable self")
	wantBody(t, r, "You cannot disable your own account")

	// Malformed and unknown IDs are 404, never 500.
	for _, bad := range []string{"usr_nope", "usr_00000000000000000000000000", "%00", "x"} {
		want(t, admin.get("/users/"+bad), http.StatusNotFound, "GET /users/"+bad)
		want(t, admin.post("/users/"+bad+"/disable", nil), http.StatusNotFound, "disable "+bad)
	}
}

func TestWebUsersSegregatedByOrg(t *testing.T) {
	w := sqliteWeb(t)
	_, _, worker := w.otherOrg()
	// Org B's admin needs a password to sign in.
	bAdmin := w.mustUser(platform.System(worker.OrgID), "it@trading.example", "Ivy IT", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	b := w.sessionFor(t, "northshire-trading", bAdmin.Email, testPassword)
	want(t, b.get("/users/"+worker.ID), http.StatusOK, "own org's user")
	want(t, b.get("/users/"+w.adminU.ID), http.StatusNotFound, "other org's user page")
	b.get("/users")
	want(t, b.post("/users/"+w.adminU.ID, url.Values{"name": {"Pwned"}, "roles": {"staff"}}), http.StatusNotFound, "edit other org's user")
	want(t, b.post("/users/"+w.adminU.ID+"/disable", nil), http.StatusNotFound, "disable other org's user")
	want(t, b.post("/users/"+w.adminU.ID+"/reset-password", nil), http.StatusNotFound, "reset other org's password")
	if strings.Contains(b.get("/users").body, "admin@northshire.gov.uk") {
		t.Fatal("org A's user listed to org B")
	}
	u, err := w.svc.GetUser(w.ctx, w.admin, w.adminU.ID)
	noErr(t, err)
	if u.Name != "Ada Admin" || u.Disabled {
		t.Fatal("org B changed org A's user")
	}
	// And over the API with an admin token.
	bSub := w.subjectOf(bAdmin)
	tok := w.tokenFor(t, bSub, identity.ScopeRead, identity.ScopeWrite, identity.ScopeAdmin)
	r, _ := w.api(t, tok, "GET", "/api/v1/users/"+w.adminU.ID, "")
	wantProblem(t, r, http.StatusNotFound, "API: other org's user")
	r, _ = w.api(t, tok, "PATCH", "/api/v1/users/"+w.adminU.ID, `{"name":"Pwned"}`)
	wantProblem(t, r, http.StatusNotFound, "API: patch other org's user")
	r, _ = w.api(t, tok, "POST", "/api/v1/users/"+w.adminU.ID+"/disable", "")
	wantProblem(t, r, http.StatusNotFound, "API: disable other org's user")
	r, body := w.api(t, tok, "GET", "/api/v1/users", "")
	if r.status != http.StatusOK || strings.Contains(r.body, w.adminU.ID) || len(body["items"].([]any)) != 3 {
		t.Fatalf("API list across orgs: %d %s", r.status, r.body)
	}
}

func TestWebBusinessUnits(t *testing.T) {
	w := sqliteWeb(t)
	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	wantBody(t, admin.get("/business-units"), "There are no business units yet.")
	r := admin.post("/business-units", url.Values{"name": {""}})
	want(t, r, http.StatusUnprocessableEntity, "empty name")
	wantBody(t, r, `href="#name"`, "Enter a name")
	wantRedirect(t, admin.post("/business-units", url.Values{"name": {"Adults"}}), "/business-units", "add")
	wantRedirect(t, admin.post("/business-units", url.Values{"name": {"Finance"}}), "/business-units", "add")
	list := admin.get("/business-units")
	wantBody(t, list, "Finance added", "Adults", "Finance", "<caption")
	r = admin.post("/business-units", url.Values{"name": {"adults"}})
	want(t, r, http.StatusConflict, "duplicate")
	wantBody(t, r, "already has this name", `value="adults"`)

	units, err := w.svc.ListUnits(w.ctx, w.admin)
	noErr(t, err)
	adults, fin := units[0], units[1]
	want(t, admin.get("/business-units/"+adults.ID), http.StatusOK, "rename page")
	wantRedirect(t, admin.post("/business-units/"+adults.ID, url.Values{"name": {"Adult Social Care"}}), "/business-units", "rename")
	r = admin.post("/business-units/"+adults.ID, url.Values{"name": {"Finance"}})
	want(t, r, http.StatusConflict, "rename onto another")
	wantBody(t, r, `value="Finance"`)

	// A unit with members cannot go; the confirmation page says why.
	w.mustUser(w.admin, "fay@northshire.gov.uk", "Fay Finance", []platform.Role{platform.RoleStaff}, []string{fin.ID}, "")
	confirm := admin.get("/business-units/" + fin.ID + "/delete")
	want(t, confirm, http.StatusOK, "delete confirmation")
	wantBody(t, confirm, "Are you sure you want to delete Finance?")
	r = admin.post("/business-units/"+fin.ID+"/delete", nil)
	want(t, r, http.StatusConflict, "delete with members")
	wantBody(t, r, "still has 1 member")
	wantRedirect(t, admin.post("/business-units/"+adults.ID+"/delete", nil), "/business-units", "delete")
	want(t, admin.get("/business-units/"+adults.ID), http.StatusNotFound, "deleted unit")
	want(t, admin.get("/business-units/bu_junk/delete"), http.StatusNotFound, "junk ID")

	// Another organisation's admin cannot see or touch them.
	_, _, worker := w.otherOrg()
	bAdmin := w.mustUser(platform.System(worker.OrgID), "it@trading.example", "Ivy IT", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	b := w.sessionFor(t, "northshire-trading", bAdmin.Email, testPassword)
	want(t, b.get("/business-units/"+fin.ID), http.StatusNotFound, "other org's unit")
	b.get("/business-units")
	want(t, b.post("/business-units/"+fin.ID, url.Values{"name": {"Mine"}}), http.StatusNotFound, "rename other org's unit")
	want(t, b.post("/business-units/"+fin.ID+"/delete", nil), http.StatusNotFound, "delete other org's unit")
}

func TestWebOrganisations(t *testing.T) {
	w := sqliteWeb(t)
	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	r := admin.get("/organisations")
	want(t, r, http.StatusOK, "organisations for the host admin")
	wantBody(t, r, "All organisations", "Northshire Council", "Host", "Add an organisation")
	r = admin.post("/organisations", url.Values{"name": {"Northshire NHS Trust"}, "slug": {"Bad Slug"}, "kind": {"partner"}})
	want(t, r, http.StatusUnprocessableEntity, "bad slug")
	wantBody(t, r, `href="#slug"`, `value="Northshire NHS Trust"`, `value="partner" checked`)
	wantRedirect(t, admin.post("/organisations", url.Values{"name": {"Northshire NHS Trust"}, "slug": {"nhs"}, "kind": {"partner"}}), "/organisations", "add org")
	wantBody(t, admin.get("/organisations"), "Northshire NHS Trust added", "nhs")

	// Everyone else sees only their own organisation and cannot add one.
	nhs, err := w.svc.OrgBySlug(w.ctx, "nhs")
	noErr(t, err)
	w.mustUser(platform.System(nhs.ID), "admin@nhs.example", "Nia NHS", []platform.Role{platform.RoleAdmin}, nil, testPassword)
	other := w.sessionFor(t, "nhs", "admin@nhs.example", testPassword)
	r = other.get("/organisations")
	want(t, r, http.StatusOK, "own organisation")
	wantBody(t, r, "Your organisation", "Northshire NHS Trust", "Partner")
	if strings.Contains(r.body, "All organisations") || strings.Contains(r.body, "Add an organisation") {
		t.Fatal("a partner sees the list of organisations")
	}
	want(t, other.post("/organisations", url.Values{"name": {"X"}, "slug": {"x"}, "kind": {"partner"}}), http.StatusForbidden, "partner adds an org")
}

func TestWebUsersPagination(t *testing.T) {
	w := sqliteWeb(t)
	for i := range usersPerPage + 3 {
		w.mustUser(w.admin, fmt.Sprintf("person%02d@northshire.gov.uk", i), fmt.Sprintf("Person %02d", i), []platform.Role{platform.RoleStaff}, nil, "")
	}
	admin := w.sessionFor(t, "northshire", "admin@northshire.gov.uk", testPassword)
	first := admin.get("/users?role=staff")
	want(t, first, http.StatusOK, "first page")
	next := regexp.MustCompile(`href="(/users\?[^"]*cursor=[^"]+)" rel="next"`).FindStringSubmatch(first.body)
	if next == nil {
		t.Fatalf("no next link:\n%s", snippet(first.body))
	}
	if strings.Count(first.body, `<a class="govuk-link" href="/users/usr_`) != usersPerPage {
		t.Fatal("first page is not full")
	}
	second := admin.get(html.UnescapeString(next[1]))
	want(t, second, http.StatusOK, "second page")
	if n := strings.Count(second.body, `<a class="govuk-link" href="/users/usr_`); n != 3 {
		t.Fatalf("second page has %d users, want 3", n)
	}
	wantBody(t, second, "Back to the first page")
	// Together the pages hold every person once (IDs made in the same
	// millisecond sort randomly, so which page holds whom is not fixed).
	links := regexp.MustCompile(`href="/users/(usr_[a-z0-9]+)"`)
	seen := map[string]bool{}
	for _, page := range []reply{first, second} {
		for _, m := range links.FindAllStringSubmatch(page.body, -1) {
			if seen[m[1]] {
				t.Fatalf("%s listed twice", m[1])
			}
			seen[m[1]] = true
		}
	}
	if len(seen) != usersPerPage+3 {
		t.Fatalf("%d people across the pages, want %d", len(seen), usersPerPage+3)
	}
	if strings.Contains(second.body, `rel="next"`) {
		t.Fatal("last page links to a next page")
	}
}
