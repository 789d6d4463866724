package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

// TestDashboard checks the figures against seeded cases, with each chart's
// SVG and data table.
func TestDashboard(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.complaint("A")
		e.complaint("B")
		e.clock.Add(24 * time.Hour)
		_, err := e.svc.Transition(e.ctx, e.cara, a.ID, "acknowledge", a.Version, nil)
		noErr(t, err)
		e.clock.Add(7 * 24 * time.Hour) // Wednesday 11 March: B is past its 5 days
		e.complaint("C")

		mona := e.browser(e.mona)
		r := mona.Get("/dashboards")
		want(t, r, http.StatusOK, "dashboard")
		wantBody(t, r, "Cases submitted per week", "Open cases by status", "Cases that left each status within its deadline",
			"Average time in each status", "<svg", `<caption class="govuk-visually-hidden">Cases submitted per week</caption>`,
			"Cases past their deadline now: <strong>1</strong>")
		// 2 in the week of 2 March, 1 in the week of 9 March.
		wantBody(t, r, `<td class="govuk-table__cell">2 Mar</td><td class="govuk-table__cell govuk-table__cell--numeric">2</td>`,
			`<td class="govuk-table__cell">9 Mar</td><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`)
		// Open: 2 received (1 past deadline), 1 in stage 1.
		wantBody(t, r, `<td class="govuk-table__cell">Received</td><td class="govuk-table__cell govuk-table__cell--numeric">2</td><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`,
			`<td class="govuk-table__cell">Stage 1: investigating</td><td class="govuk-table__cell govuk-table__cell--numeric">1</td>`)
		// A left "Received" after 1 working day of 5: 100% on time.
		wantBody(t, r, `<td class="govuk-table__cell">Received</td><td class="govuk-table__cell govuk-table__cell--numeric">100%</td>`)

		// Mona manages Customer Services: the page says what it leaves out.
		wantBody(t, r, `id="left-out"`, "leave out sensitive cases (such as complaints and risks) owned by Finance")
		wantNot(t, r, "owned by Customer Services")
		wantBody(t, mona.Get("/dashboards?unit="+e.units["Finance"]), "Cases past their deadline now: <strong>0</strong>", "owned by Finance")
		// An administrator sees every unit's cases: nothing left out.
		wantNot(t, e.browser(e.admin).Get("/dashboards"), `id="left-out"`)
		want(t, mona.Get("/dashboards?service=nope"), http.StatusBadRequest, "unknown service")
		want(t, e.browser(e.cara).Get("/dashboards"), http.StatusForbidden, "caseworker")
		want(t, e.browser(e.rita).Get("/dashboards"), http.StatusForbidden, "resident")
	})
}

// upload posts a definition as a multipart form, as a file or pasted.
func upload(b *webtest.Browser, file string, pasted string) *webtest.Response {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("csrf_token", b.CSRFToken())
	mw.WriteField("source", pasted)
	if file != "" {
		fw, _ := mw.CreateFormFile("file", "service.yaml")
		fw.Write([]byte(file))
	}
	mw.Close()
	return b.Do("POST", "/services/admin", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

func TestDefinitionUpload(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		old := e.complaint("Before the change")
		admin := e.browser(e.admin)
		r := admin.Get("/services/admin")
		want(t, r, http.StatusOK, "definitions")
		wantBody(t, r, "Make a complaint", "complaints", "(built in)", `enctype="multipart/form-data"`)
		wantBody(t, admin.Get("/services/admin/complaints"), "YAML source", "reference_prefix: COMP")

		// Several problems: every one listed with its line; nothing stored.
		bad := "id: Bad Id\nversion: 0\ntitle: Broken\nreference_prefix: x\n"
		r = upload(admin, bad, "")
		want(t, r, http.StatusUnprocessableEntity, "invalid definition")
		wantBody(t, r, "govuk-error-summary", "Line 1, id:", "Line 2, version:", "Line 4, reference_prefix:", `href="#source"`)
		if n := strings.Count(r.Body, `<a href="#source">`); n < 4 {
			t.Fatalf("%d problems listed, want every one", n)
		}
		defs, err := e.svc.ListDefinitions(e.ctx, e.admin)
		noErr(t, err)
		if len(defs) != 1 || defs[0].Def.Version != 2 {
			t.Fatalf("definitions after a bad upload: %d", len(defs))
		}
		r = upload(admin, "", "  ")
		want(t, r, http.StatusUnprocessableEntity, "empty upload")
		wantBody(t, r, "Choose a YAML file or paste the definition")

		// Version 3, pasted; then the same again is refused.
		src, err := os.ReadFile("../definition/builtin/complaints.yaml")
		noErr(t, err)
		v2 := strings.Replace(string(src), "version: 2", "version: 3", 1)
		v2 = strings.Replace(v2, "title: Make a complaint", "title: Complain about a service", 1)
		r = upload(admin, "", v2)
		wantRedirect(t, r, "/services/admin/complaints", "publish version 3")
		r = admin.Get("/services/admin/complaints")
		wantBody(t, r, "Published Complain about a service version 3", "Complain about a service", "Earlier version", "?version=2")
		wantBody(t, admin.Get("/services/admin/complaints?version=2"), "Make a complaint")
		r = upload(admin, v2, "")
		want(t, r, http.StatusUnprocessableEntity, "same version again")
		wantBody(t, r, "must be greater than 3")

		// Cases in flight stay on version 2; new ones start on version 3.
		got, err := e.svc.GetCase(e.ctx, e.cara, old.ID)
		noErr(t, err)
		if got.ServiceVersion != 2 {
			t.Fatalf("old case moved to version %d", got.ServiceVersion)
		}
		wantBody(t, e.browser(e.cara).Get("/cases/"+old.ID), "Make a complaint (version 2)")
		if c := e.complaint("After"); c.ServiceVersion != 3 {
			t.Fatalf("new case on version %d", c.ServiceVersion)
		}

		want(t, e.browser(e.mona).Get("/services/admin"), http.StatusForbidden, "manager")
		want(t, upload(e.browser(e.cara), v2, ""), http.StatusForbidden, "caseworker upload")
	})
}

// TestDashboardsByRole is the access matrix's dashboard column: managers and
// administrators see dashboards and timelines; everyone else is refused,
// whatever their other rights.
func TestDashboardsByRole(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sys := platform.System(e.org.ID)
		for _, c := range []struct {
			sub  *platform.Subject
			want int
		}{
			{e.admin, http.StatusOK}, {e.mona, http.StatusOK},
			{e.cara, http.StatusForbidden}, {e.rita, http.StatusForbidden},
			{e.user(sys, "sam", platform.RoleStaff), http.StatusForbidden},
			{e.user(sys, "dee", platform.RoleDesigner), http.StatusForbidden},
			{e.user(sys, "pat", platform.RolePartner), http.StatusForbidden},
		} {
			if r := e.browser(c.sub).Get("/dashboards"); r.Status != c.want {
				t.Errorf("%v: /dashboards %d, want %d", c.sub.Roles, r.Status, c.want)
			}
		}
	})
}
