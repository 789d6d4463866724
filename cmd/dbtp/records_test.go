package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/recordsweb"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
)

func (a *app) records() *recordsweb.Module {
	for _, m := range a.mods {
		if r, ok := m.(*recordsweb.Module); ok {
			return r
		}
	}
	return nil
}

// TestCaseFilesBecomeRecords: a file added to a complaint becomes a
// declared record of the complaints class through the services events,
// sharing the content rather than copying it; services' collection of
// unused content leaves it alone, and filing again adds nothing.
func TestCaseFilesBecomeRecords(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, _, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	eng := r.app.services()
	page, err := eng.Search(ctx, sys, services.CaseFilter{Service: "complaints", State: "submitted"}, "", 1)
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("no demo complaint: %v", err)
	}
	c := page.Cases[0]
	content := []byte("Photograph of the damaged fence, taken 3 March")
	att, err := eng.AddAttachment(ctx, sys, c.ID, definition.File{Name: "fence.txt", MediaType: "text/plain"}, content)
	if err != nil {
		t.Fatal(err)
	}
	rs := r.app.records().Store()
	var doc *records.Document
	deadline := time.Now().Add(60 * time.Second)
	for doc == nil {
		p, err := rs.List(ctx, sys, records.Filter{CaseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Documents {
			if d.SourceRef == att.ID {
				doc = d
			}
		}
		if doc == nil {
			if time.Now().After(deadline) {
				t.Fatal("the case file was not filed as a record")
			}
			<-time.After(100 * time.Millisecond)
		}
	}
	cls, err := rs.Class(ctx, sys, doc.ClassID)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Declared() || doc.Source != records.SourceCase || doc.CaseRef != c.Reference || cls.Code != "CUS.01.01" || doc.UnitID != c.UnitID {
		t.Fatalf("filed %+v in %s", doc, cls.Code)
	}
	if _, err := eng.CollectFiles(ctx); err != nil {
		t.Fatal(err)
	}
	rc, _, err := rs.Open(ctx, sys, doc.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(content) {
		t.Fatalf("record reads %q", got)
	}
	// The case page links the file to its record for the case's
	// caseworker, who may read the records of the case's unit.
	sam := httpSignIn(t, r, r.login(t, "caseworker"))
	if code, body := httpGet(t, sam, r.url+"/cases/"+c.ID); code != http.StatusOK ||
		!strings.Contains(body, `href="/records/`+doc.ID+`">kept as a record`) {
		t.Fatalf("the case page for its caseworker: %d, no link to %s in %s", code, doc.ID, body)
	}
	if code, body := httpGet(t, sam, r.url+"/records/"+doc.ID); code != http.StatusOK || !strings.Contains(body, "fence") {
		t.Fatalf("the link's record page for the caseworker: %d %s", code, body)
	}
	if n, err := r.app.records().FileCase(ctx, sys.OrgID, c.ID); err != nil || n != 0 {
		t.Fatalf("filing again filed %d: %v", n, err)
	}
	if _, err := r.app.records().FileCase(ctx, sys.OrgID, "case_00000000000000000000000000"); platform.CodeOf(err) != platform.CodeNotFound {
		t.Fatalf("an unknown case: %v", err)
	}

	// Closing the case starts the record's six years.
	c, err = eng.Transition(ctx, sys, c.ID, "acknowledge", c.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err = eng.Transition(ctx, sys, c.ID, "resolve", c.Version, definition.Answers{"outcome": "upheld"})
	if err != nil {
		t.Fatal(err)
	}
	if c.ClosedAt.IsZero() {
		t.Fatalf("resolved complaint not closed: %+v", c)
	}
	want := c.ClosedAt.AddDate(6, 0, 0)
	for {
		d, err := rs.Document(ctx, sys, doc.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.DueAt.Equal(want) {
			break
		}
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("due %v after the case closed %v, want %v", d.DueAt, c.ClosedAt, want)
		}
		<-time.After(100 * time.Millisecond)
	}
}

// TestDemoLegalHold: the Kent demo holds the 2019 laptop invoice for a
// claim, so the disposal run it makes once when seeding passes it by,
// while the Azure invoice, also past its six years, waits for approval.
func TestDemoLegalHold(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, _, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	rs := r.app.records().Store()
	holds, err := rs.Holds(ctx, sys, "yes", "")
	if err != nil || len(holds.Holds) != 1 || holds.Holds[0].Title != recordsweb.DemoHoldTitle {
		t.Fatalf("the demo's holds: %v %+v", err, holds.Holds)
	}
	h, err := rs.Hold(ctx, sys, holds.Holds[0].ID)
	if err != nil || len(h.DocumentIDs) != 1 || h.Covered != 1 {
		t.Fatalf("the demo's hold: %v %+v", err, h)
	}
	held, err := rs.Document(ctx, sys, h.DocumentIDs[0])
	if err != nil || held.Title != recordsweb.DemoHeldInvoice {
		t.Fatalf("the hold names %v %+v", err, held)
	}
	q, err := rs.DisposalQueue(ctx, sys, records.QueueFilter{State: records.DisposalPending, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	var pending []string
	for _, x := range q.Items {
		pending = append(pending, x.Title)
	}
	if !slices.Contains(pending, "Invoice 2019-5120: Microsoft Azure consumption, March 2019") || slices.Contains(pending, held.Title) {
		t.Fatalf("pending disposal: %q", pending)
	}
}

// httpSignIn signs l in through the sign-in form with a plain HTTP client
// (no browser), which keeps the session cookie.
func httpSignIn(t *testing.T, r *running, l demoLogin) *http.Client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	_, body := httpGet(t, c, r.url+"/sign-in")
	m := csrfRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF token on the sign-in page: %s", body)
	}
	res, err := c.PostForm(r.url+"/sign-in", url.Values{"csrf_token": {m[1]}, "org": {l.Org}, "email": {l.Email}, "password": {l.Password}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.Contains(string(b), `id="password"`) {
		t.Fatalf("signing in %s: %d %s", l.Email, res.StatusCode, b)
	}
	return c
}

func httpGet(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}
