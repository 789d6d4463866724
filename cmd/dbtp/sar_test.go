package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/services"
	"dbtp/internal/services/calendar"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// A subject access request from the demo's resident, Chris Walker, through
// the whole platform on both databases: the records manager finds it with
// its one-month clock, sees his records and not his namesake's nor his
// neighbour's, decides every item (leaving one out needs a reason), redacts
// one, and releases; the bundle is a declared record of the request, the
// case is released, Chris downloads the bundle from his request page and
// nobody else can; each step is in the audit log.
func TestSubjectAccessRequestEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil && os.Getenv("CI") != "true" {
		t.Skip("pdftotext is not installed (poppler-utils)")
	}
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			var extra []string
			if engine == "postgres" {
				extra = []string{"--database-url", storetest.PostgresURL(t)}
			}
			sarJourney(t, startDemo(t, t.TempDir(), extra...))
		})
	}
}

func sarJourney(t *testing.T, r *running) {
	ctx := context.Background()
	srv, err := buildServer(r.app, web.Config{Addr: "127.0.0.1:0", BaseURL: r.url, CouncilName: "Kent County Council"}, quietLog(&cliEnv{stderr: io.Discard}))
	if err != nil {
		t.Fatal(err)
	}
	ws := webtest.Start(t, srv)
	signIn := func(email, password string) *webtest.Browser {
		t.Helper()
		res, err := r.app.identity.SignIn(ctx, "kent", email, password, "127.0.0.1")
		if err != nil || res.State != identity.StateSignedIn {
			t.Fatalf("sign in %s: %v %v", email, res.State, err)
		}
		b := ws.Browser()
		b.SignIn(res.Token)
		return b
	}
	rosaLogin, chrisLogin := r.login(t, "records,caseworker"), r.login(t, "resident")
	rosa, chris := signIn(rosaLogin.Email, rosaLogin.Password), signIn(chrisLogin.Email, chrisLogin.Password)

	sys, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	eng := r.app.services()
	page, err := eng.Search(ctx, sys, services.CaseFilter{Service: "subject-access-request"}, "", 10)
	if err != nil || len(page.Cases) != 1 {
		t.Fatalf("the demo's request: %v %v", page.Cases, err)
	}
	sar := page.Cases[0]
	if want := calendar.Default().AddCalendarMonths(sar.SubmittedAt, 1); !sar.DueAt.Equal(want) {
		t.Fatalf("due %s, want one calendar month from receipt, %s", sar.DueAt, want)
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		t.Fatal(err)
	}
	due := sar.DueAt.In(london).Format("2 January 2006")

	list := rosa.Get("/records/sars")
	if list.Status != http.StatusOK || !strings.Contains(list.Body, sar.Reference) || !strings.Contains(list.Body, "Due "+due) {
		t.Fatalf("the list of requests: %d %s", list.Status, list.Body)
	}
	base := "/records/sars/" + sar.ID
	work := rosa.Get(base)
	for _, want := range []string{"Due " + due, "Letter to Chris Walker about missed garden waste collections", "Care needs assessment: Margaret Walker",
		"GP referral: Margaret Walker", "To review", "Published with the panel"} {
		if !strings.Contains(work.Body, want) {
			t.Errorf("the workspace lacks %q", want)
		}
	}
	for _, notHis := range []string{"Refund of an overpaid parking permit", "Employee file: Dana Smith"} {
		if strings.Contains(work.Body, notHis) {
			t.Errorf("the workspace shows %q", notHis)
		}
	}
	items := itemLinks(t, work.Body, base)

	// Not before every item is decided; leaving one out needs a reason.
	if res := rosa.PostForm(base+"/release", url.Values{"confirm": {"yes"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "still to review") {
		t.Fatalf("released with an item to review: %d", res.Status)
	}
	gp := items["GP referral: Margaret Walker"]
	if res := rosa.PostForm(gp+"/decide", url.Values{"decision": {"exclude"}}); res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, "Say why") {
		t.Fatalf("left out without a reason: %d", res.Status)
	}
	if res := rosa.PostForm(gp+"/decide", url.Values{"decision": {"exclude"}, "reason": {"About his mother: her information, not his"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("leaving it out: %d %s", res.Status, res.Body)
	}
	// Redact the crew's note on the letter, without JavaScript.
	letter := items["Letter to Chris Walker about missed garden waste collections"]
	if res := rosa.PostForm(letter+"/redact", url.Values{"page": {"1"}, "x": {"8"}, "y": {"12"}, "w": {"120"}, "h": {"3"}}); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a box off the page: %d", res.Status)
	}
	if res := rosa.PostForm(letter+"/redact", url.Values{"page": {"1"}, "x": {"8"}, "y": {"12"}, "w": {"80"}, "h": {"3"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("redacting: %d %s", res.Status, res.Body)
	}
	if got := rosa.Get(letter); !strings.Contains(got.Body, "The redacted copy") || !strings.Contains(got.Body, "8%, 12%") {
		t.Fatalf("the item page after redacting: %s", got.Body)
	}
	if png := rosa.Get(letter + "/preview/1?copy=redacted"); png.Status != http.StatusOK || png.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("preview: %d %s", png.Status, png.Header.Get("Content-Type"))
	}

	// Whatever else the demo found (other modules' demo records about him)
	// goes in.
	rosaSub, err := demoEnv(r.app).Person(ctx, org, rosaLogin.Email)
	if err != nil {
		t.Fatal(err)
	}
	_, found, err := r.app.records().Store().SAR(ctx, rosaSub, sar.ID)
	if err != nil {
		t.Fatal(err)
	}
	included := 0
	for _, it := range found {
		switch it.Decision {
		case records.DecisionPending:
			if res := rosa.PostForm(base+"/"+it.ID+"/decide", url.Values{"decision": {"include"}}); res.Status != http.StatusSeeOther {
				t.Fatalf("including %s: %d", it.Title, res.Status)
			}
			included++
		case records.DecisionInclude:
			included++
		}
	}
	if res := rosa.PostForm(base+"/release", nil); res.Status != http.StatusUnprocessableEntity {
		t.Fatalf("released without confirming the review: %d", res.Status)
	}
	if res := rosa.PostForm(base+"/release", url.Values{"confirm": {"yes"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("release: %d %s", res.Status, res.Body)
	}
	if got := rosa.Get(base); !strings.Contains(got.Body, "Released") {
		t.Fatalf("the workspace after release: %s", got.Body)
	}

	// The case is released with the bundle as its response; the bundle is
	// a declared record of the request.
	sar, err = eng.GetCase(ctx, sys, sar.ID)
	if err != nil || sar.State != "released" || !sar.Terminal {
		t.Fatalf("the request after release: %s %v", sar.State, err)
	}
	bundle, ok := services.AnswerFile(sar.Answers["response_bundle"])
	if !ok {
		t.Fatalf("no response file: %v", sar.Answers)
	}
	rs := r.app.records().Store()
	ws2, _, err := rs.SAR(ctx, sys, sar.ID)
	if err != nil || !ws2.Released() || ws2.ReleasedItems != included || included < 2 {
		t.Fatalf("workspace %+v: %v", ws2, err)
	}
	doc, err := rs.Document(ctx, sys, ws2.BundleRecord)
	if err != nil {
		t.Fatal(err)
	}
	cls, err := rs.Class(ctx, sys, doc.ClassID)
	if err != nil || !doc.Declared() || cls.Code != "GOV.02.01" || doc.CaseID != sar.ID || doc.SourceRef != bundle.ID || doc.Source != records.SourceCase {
		t.Fatalf("the bundle's record %+v in %s: %v", doc, cls.Code, err)
	}

	// Chris downloads it from his request page; nobody else can.
	track := chris.Get("/services/requests/" + sar.Reference)
	href := "/services/requests/" + sar.Reference + "/files/" + bundle.ID
	if !strings.Contains(track.Body, "Our response") || !strings.Contains(track.Body, `href="`+href+`"`) {
		t.Fatalf("his request page: %s", track.Body)
	}
	got := chris.Get(href)
	sum := sha256.Sum256([]byte(got.Body))
	if got.Status != http.StatusOK || got.Header.Get("Content-Type") != "application/pdf" || hex.EncodeToString(sum[:]) != ws2.BundleSHA256 {
		t.Fatalf("download: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	text := pdfText(t, []byte(got.Body))
	for _, want := range []string{"Letter to Chris Walker", "Care needs assessment", "Information we hold about Chris Walker"} {
		if !strings.Contains(strings.Join(strings.Fields(text), " "), want) {
			t.Errorf("the bundle lacks %q", want)
		}
	}
	for _, gone := range []string{"Dana Smith", "900123", "Refund", "panel"} {
		if strings.Contains(text, gone) {
			t.Errorf("the bundle holds %q", gone)
		}
	}
	otherPassword := identity.GeneratePasswordFor("pat@kent.example", "Pat Other")
	other, err := r.app.identity.CreateUser(ctx, sys, identity.NewUser{Email: "pat@kent.example", Name: "Pat Other", Roles: []platform.Role{platform.RoleResident},
		Password: otherPassword})
	if err != nil {
		t.Fatal(err)
	}
	sam := r.login(t, "caseworker") // Customer Services: cannot read the request
	for _, b := range []*webtest.Browser{signIn(other.Email, otherPassword), signIn(sam.Email, sam.Password)} {
		if res := b.Get(href); res.Status != http.StatusNotFound {
			t.Errorf("someone else downloaded the bundle: %d", res.Status)
		}
	}

	// The workspace is the council's: residents are refused, and staff who
	// cannot read the request find nothing there.
	if res := chris.Get("/records/sars"); res.Status != http.StatusForbidden {
		t.Errorf("a resident opened the list of requests: %d", res.Status)
	}
	samB := signIn(sam.Email, sam.Password)
	if res := samB.Get(base); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound || strings.Contains(res.Body, "Care needs") {
		t.Errorf("a caseworker of another unit opened the workspace: %d", res.Status)
	}
	if res := samB.Get("/records/sars"); res.Status != http.StatusOK || strings.Contains(res.Body, sar.Reference) {
		t.Errorf("a caseworker of another unit sees the request listed: %d", res.Status)
	}

	// Asked action by action: the demo's other modules write many entries.
	for _, a := range []string{"records.sar_find", "records.sar_include", "records.sar_exclude", "records.sar_redact", "records.sar_release", "case.response_download", "case.transition"} {
		entries, err := r.app.audit.List(ctx, audit.Filter{OrgID: org.ID, Action: a, Limit: 1})
		if err != nil {
			t.Fatal(err)
		}
		if len(entries.Entries) == 0 {
			t.Errorf("no %s in the audit log", a)
		}
	}
}

// itemLinks maps each item's title to its page, from the workspace.
func itemLinks(t *testing.T, body, base string) map[string]string {
	t.Helper()
	out := map[string]string{}
	re := regexp.MustCompile(`<a class="govuk-link" href="(` + regexp.QuoteMeta(base) + `/sit_[0-9a-z]+)">([^<]+)</a>`)
	for _, m := range re.FindAllStringSubmatch(body, -1) {
		out[m[2]] = m[1]
	}
	if len(out) == 0 {
		t.Fatalf("no items on the workspace:\n%s", body)
	}
	return out
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	if err := os.WriteFile(in, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
