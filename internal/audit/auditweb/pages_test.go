package auditweb

import (
	"bytes"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// wantPage checks status and that body contains every want and no unwant.
func wantPage(t *testing.T, what string, r response, status int, want []string, unwant []string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, r.status, status, r.body)
	}
	for _, w := range want {
		if !strings.Contains(r.body, w) {
			t.Errorf("%s: page lacks %q", what, w)
		}
	}
	for _, u := range unwant {
		if strings.Contains(r.body, u) {
			t.Errorf("%s: page contains %q", what, u)
		}
	}
	// Strict CSP: no inline styles or scripts.
	if strings.Contains(r.body, " style=") || regexp.MustCompile(`<script(?:[^>]*)>[^<]`).MatchString(r.body) {
		t.Errorf("%s: inline style or script", what)
	}
}

var hrefRE = regexp.MustCompile(`href="([^"]*)"`)

// link returns the first href in body that starts with prefix.
func link(t *testing.T, body, prefix string) string {
	t.Helper()
	for _, m := range hrefRE.FindAllStringSubmatch(body, -1) {
		if h := html.UnescapeString(m[1]); strings.HasPrefix(h, prefix) {
			return h
		}
	}
	t.Fatalf("no link starting %q", prefix)
	return ""
}

func TestViewer(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		admin := e.signIn(e.orgA, e.adminA)

		r := e.get("/audit", admin)
		wantPage(t, "viewer", r, 200, []string{
			"<h1 class=\"govuk-heading-l\">Audit log</h1>", "<caption", "Audit entries, newest first",
			`<th scope="col" class="govuk-table__header">When</th>`, `<th scope="col" class="govuk-table__header">Outcome</th>`,
			`<time datetime="2025-03-01T10:00:00.000Z">1 Mar 2025 10:00:00 GMT</time>`,
			`<time datetime="2025-06-30T23:30:00.000Z">1 Jul 2025 00:30:00 BST</time>`,
			"acting for usr_resident", "govuk-tag--red", "Denied", "192.0.2.2",
			`<label class="govuk-label" for="actor">Person</label>`, `<legend class="govuk-fieldset__legend govuk-fieldset__legend--s">Date from</legend>`,
			"Signed tree head", "Root hash", "dbtp audit verify", "Valid</strong> Signed by key dbtp-audit",
		}, []string{"org B secret", "Alice in B", "There is a problem"})

		// A person's name links to the viewer filtered by them.
		alice := e.get(link(t, r.body, "/audit?actor=usr_alice"), admin)
		wantPage(t, "by actor", alice, 200, []string{"Alice Adams", "cas_2", "matching your filters", `value="usr_alice"`},
			[]string{"Bob Brown", "Carol Clark", "org B secret"})

		wantPage(t, "by resource", e.get("/audit?resource_type=case&resource_id=cas_1", admin), 200,
			[]string{"Alice Adams", "Bob Brown", "status to open"}, []string{"cas_2", "cas_3", "usr_new", "org B secret"})
		wantPage(t, "resource link", e.get(link(t, r.body, "/audit?resource_id=usr_new"), admin), 200,
			[]string{"user.create"}, []string{"case.update"})
		wantPage(t, "by action", e.get("/audit?action=case.delete", admin), 200,
			[]string{"Carol Clark", "role does not permit delete"}, []string{"Alice Adams", "Bob Brown"})
		wantPage(t, "by dates", e.get("/audit?from-day=1&from-month=7&from-year=2025&to-day=01&to-month=07&to-year=2025", admin), 200,
			[]string{"user.create", "1 Jul 2025 00:30:00 BST"}, []string{"Alice Adams", "Carol Clark"})
		wantPage(t, "nothing matches", e.get("/audit?action=nothing.at.all", admin), 200,
			[]string{"No audit entries match these filters."}, []string{"<table"})

		// Impossible dates: an error summary, the other filters kept, nothing listed.
		for _, c := range []struct{ query, msg string }{
			{"from-day=31&from-month=2&from-year=2025", "Date from must be a real date"},
			{"from-day=1", "Date from must include a month and year"},
			{"to-day=1&to-month=3", "Date to must include a year"},
			{"from-day=1&from-month=3&from-year=25", "Year in date from must include 4 numbers"},
			{"from-day=x&from-month=3&from-year=2025", "Date from must be a real date"},
			{"from-day=2&from-month=3&from-year=2025&to-day=1&to-month=3&to-year=2025", "Date to must be the same as or after date from"},
		} {
			r := e.get("/audit?action=case.update&resource_type=case&"+c.query, admin)
			wantPage(t, c.query, r, 400, []string{"<title>Error: Audit log", "There is a problem", c.msg, "govuk-input--error",
				`value="case.update"`, `name="resource_type" type="text" value="case"`}, []string{"<table", "status to open"})
			field := "#from"
			if strings.HasPrefix(c.msg, "Date to") {
				field = "#to"
			}
			if !strings.Contains(r.body, `<a href="`+field+`">`+c.msg) {
				t.Errorf("%s: error summary does not link to %s", c.query, field)
			}
		}
		wantPage(t, "long filter", e.get("/audit?resource_id="+strings.Repeat("x", 201), admin), 400,
			[]string{`<a href="#resource_id">Resource ID must be 200 characters or fewer`}, []string{"<table"})
		wantPage(t, "bad cursor", e.get("/audit?cursor=junk", admin), 400, []string{"<li>The page link is not valid", "Back to the newest entries"}, []string{"<table", `href="#cursor"`})

		// The views above were recorded as reads by the admin; failed ones were not.
		reads := e.entries(e.orgA.ID, audit.Filter{Action: "audit.read"})
		if len(reads) != 7 || reads[0].ActorID != e.adminA.ID || !strings.Contains(reads[0].Detail, "action=nothing.at.all") {
			t.Errorf("reads recorded: %d, newest %+v", len(reads), reads[0])
		}
	})
}

func TestViewerPagination(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	for i := range audit.DefaultLimit + 5 {
		e.record(e.orgA.ID, audit.Entry{ActorID: "usr_pager", Action: "page.test", ResourceType: "page", ResourceID: "p" + strconv.Itoa(i)})
	}
	admin := e.signIn(e.orgA, e.adminA)
	first := e.get("/audit?action=page.test", admin)
	wantPage(t, "first page", first, 200, []string{`rel="next"`, "Next<span class=\"govuk-visually-hidden\"> page</span>", ">page p54</a>", ">page p5</a>"},
		[]string{">page p4</a>", "Back to the newest entries"})
	second := e.get(link(t, first.body, "/audit?action=page.test&cursor="), admin)
	wantPage(t, "second page", second, 200, []string{"(continued)", ">page p4</a>", ">page p0</a>", "Back to the newest entries", `value="page.test"`},
		[]string{">page p5</a>", `rel="next"`})
}

func TestViewerAccess(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	e.seed()
	a := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_bob", Action: "case.update"})[0]
	path := "/audit/" + strconv.FormatInt(a.Index, 10)

	r := e.get("/audit", "")
	if r.status != 303 || r.header.Get("Location") != "/sign-in?return=%2Faudit" {
		t.Fatalf("signed out: %d %s", r.status, r.header.Get("Location"))
	}
	staff := e.signIn(e.orgA, e.staffA)
	wantPage(t, "staff", e.get("/audit", staff), 403, nil, []string{"Alice Adams"})
	wantPage(t, "staff entry", e.get(path, staff), 403, nil, []string{"assisted digital"})
	denied := e.entries(e.orgA.ID, audit.Filter{Action: "audit.administer", ActorID: e.staffA.ID})
	if len(denied) != 2 || denied[0].Outcome != audit.Denied || !strings.Contains(denied[0].Detail, "only an admin") {
		t.Fatalf("staff denials audited: %+v", denied)
	}

	bossB := e.signIn(e.orgB, e.adminB)
	wantPage(t, "org B viewer", e.get("/audit", bossB), 200, []string{"org B secret", "Alice in B"}, []string{"Alice Adams", "Bob Brown", "assisted digital"})
	// The same index in org B's log is org B's own entry, or nothing.
	if r := e.get(path, bossB); r.status != 404 {
		wantPage(t, "org B opens index "+path, r, 200, []string{"Bo Boss"}, []string{"assisted digital", "Bob Brown"})
	}
	wantPage(t, "org B opens an index beyond its log", e.get("/audit/1000", bossB), 404, []string{"Page not found"}, nil)
	wantPage(t, "org B filters by org A's actor", e.get("/audit?actor=usr_bob", bossB), 200, []string{"No audit entries match"}, []string{"Bob Brown"})
	admin := e.signIn(e.orgA, e.adminA)
	for _, bad := range []string{"/audit/abc", "/audit/-1", "/audit/1e3", "/audit/99999999999999999999", "/audit/9223372036854775807"} {
		wantPage(t, bad, e.get(bad, admin), 404, []string{"Page not found"}, nil)
	}
}

func TestEntryPage(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		admin := e.signIn(e.orgA, e.adminA)
		a := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_bob", Action: "case.update"})[0]
		path := "/audit/" + strconv.FormatInt(a.Index, 10)
		r := e.get(path, admin)
		wantPage(t, "entry", r, 200, []string{"Audit entry " + strconv.FormatInt(a.Index, 10), `class="govuk-back-link"`,
			"Bob Brown", "(usr_bob)", "Acting for", "usr_resident", "case.update", "case cas_1", "assisted digital", "192.0.2.2",
			`<time datetime="2025-03-02T09:00:00.000Z">2 Mar 2025 09:00:00 GMT</time>`,
			"Proof checks", "Proof hashes", "Valid</strong>"}, []string{"does not check"})
		if !strings.Contains(html.UnescapeString(r.body), leafHash(a).String()) {
			t.Error("entry page lacks the leaf hash")
		}
		if reads := e.entries(e.orgA.ID, audit.Filter{Action: "audit.read", ResourceID: strconv.FormatInt(a.Index, 10)}); len(reads) != 1 {
			t.Errorf("entry read not recorded: %+v", reads)
		}

		// Rewrite the entry's detail in place, keeping every filter column
		// right: the page still shows it, and says the proof fails.
		var data []byte
		if err := db.QueryRow(e.ctx, "SELECT data FROM audit_entries WHERE org_id = ? AND idx = ?", e.orgA.ID, a.Index).Scan(&data); err != nil {
			t.Fatal(err)
		}
		forged := bytes.Replace(data, []byte("assisted digital"), []byte("assisted DIGITAL"), 1)
		if err := db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE audit_entries SET data = ? WHERE org_id = ? AND idx = ?", forged, e.orgA.ID, a.Index)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		wantPage(t, "tampered entry", e.get(path, admin), 200, []string{"assisted DIGITAL", "The proof does not check", "dbtp audit verify"},
			[]string{"Proof checks"})
	})
}
