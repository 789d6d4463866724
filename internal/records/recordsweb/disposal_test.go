package recordsweb

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// dueClass adds a class whose documents fall due the moment they are
// filed, so a test need not wait years.
func (e *env) dueClass(code string, twoStage bool) string {
	e.t.Helper()
	c, err := e.m.Store().SaveClass(e.ctx, e.sys, "", records.ClassInput{ParentID: e.classID("FIN.01"), Code: code, Title: "Due at once " + code,
		Schedule: records.Schedule{Trigger: records.TriggerCreated, Action: records.ActionDestroy, TwoStage: twoStage}})
	noErr(e.t, err)
	return c.ID
}

// fileDue files a document as Fred, the Finance caseworker.
func (e *env) fileDue(classID, title string) *records.Document {
	e.t.Helper()
	d, err := e.m.Store().Create(e.ctx, e.subject("Fred"), records.NewDocument{Metadata: records.Metadata{ClassID: classID, Title: title,
		UnitID: e.units["Finance"]}, Name: "invoice.txt", MediaType: "text/plain", Content: strings.NewReader("content of " + title)})
	noErr(e.t, err)
	return d
}

func (e *env) fill() {
	e.t.Helper()
	_, err := e.m.Store().FillDisposalQueue(e.ctx, time.Now().Add(time.Second))
	noErr(e.t, err)
}

// item is the open queue item of a document.
func (e *env) item(docID string) *records.Disposal {
	e.t.Helper()
	p, err := e.m.Store().DisposalQueue(e.ctx, e.subject("Rosa"), records.QueueFilter{State: "all"})
	noErr(e.t, err)
	for _, x := range p.Items {
		if x.DocumentID == docID && x.State != records.DisposalDone && x.State != records.DisposalRejected && x.State != records.DisposalWithdrawn {
			return x
		}
	}
	e.t.Fatalf("%s is not queued", docID)
	return nil
}

var certLink = regexp.MustCompile(`^/disposal/certificates/(rct_[0-9a-z]{26})$`)

// TestDisposalPages: the records manager reviews the queue and approves
// in the page, without JavaScript; the approval destroys the content and
// leads to the certificate, with its PDF. Only records managers and
// admins see the queue; forms need their CSRF token.
func TestDisposalPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.fileDue(e.dueClass("FIN.01.02", false), "Invoice 9001")
		e.fill()
		x := e.item(d.ID)

		for _, who := range []string{"Fred", "Ann"} {
			want(t, e.browser(who).Get("/disposal"), 403)
			want(t, e.browser(who).Get("/disposal/"+x.ID), 403)
		}
		want(t, e.browser("Rita").Get("/disposal"), 403)
		want(t, e.browser("Rosa").Get("/records"), 200, `href="/disposal"`, `href="/legal-holds"`)
		if strings.Contains(e.browser("Fred").Get("/records").Body, `href="/disposal"`) {
			t.Fatal("the records home offers the disposal queue to a caseworker")
		}

		rosa := e.browser("Rosa")
		want(t, rosa.Get("/disposal"), 200, "Invoice 9001", "Awaiting approval", `name="ids" type="checkbox" value="`+x.ID+`"`, "Approve the records chosen")
		want(t, rosa.PostForm("/disposal/approve", url.Values{}), 422, "Choose between 1 and 200")
		noToken := rosa.Do("POST", "/disposal/approve", strings.NewReader(url.Values{"ids": {x.ID}}.Encode()),
			http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
		if noToken.Status != 403 {
			t.Fatalf("a post without its CSRF token: %d", noToken.Status)
		}
		if e.item(d.ID).State != records.DisposalPending {
			t.Fatal("a post without its CSRF token changed the queue")
		}
		want(t, e.browser("Fred").PostForm("/disposal/approve", url.Values{"ids": {x.ID}}), 403)

		r := rosa.PostForm("/disposal/approve", url.Values{"ids": {x.ID}, "note": {"Checked"}})
		if r.Status != 303 || !certLink.MatchString(r.Header.Get("Location")) {
			t.Fatalf("approve: %d to %q\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		vs, err := e.m.Store().Versions(e.ctx, e.subject("Rosa"), d.ID)
		noErr(t, err)
		cert := rosa.Get(r.Header.Get("Location"))
		want(t, cert, 200, "Approved: 1 destroyed (certificate DC-", "Certificate of destruction", "Invoice 9001", vs[0].BlobID,
			"Checked gone from the file store", "Rosa Reid (Records manager)", "Download PDF")
		pdf := rosa.Get(r.Header.Get("Location") + "/pdf")
		if pdf.Status != 200 || !strings.HasPrefix(pdf.Body, "%PDF") || pdf.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("certificate PDF: %d %q", pdf.Status, pdf.Header.Get("Content-Type"))
		}
		want(t, rosa.Get("/disposal/certificates"), 200, "DC-", "Destruction")
		want(t, e.browser("Fred").Get(r.Header.Get("Location")), 403)
		want(t, rosa.Get("/records/"+d.ID), 200, "This record was destroyed on")
		want(t, rosa.Get("/records/"+d.ID+"/versions/1/content"), 404)
		want(t, rosa.Get("/disposal?state=done"), 200, "Invoice 9001", "Done")
	})
}

// TestTwoStageAndRejectPages: a two-stage item needs a second person; a
// rejection needs a reason and a later date, and problems are shown on
// the item's page with what was typed kept.
func TestTwoStageAndRejectPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		two := e.fileDue(e.dueClass("FIN.01.03", true), "Payroll file")
		kept := e.fileDue(e.dueClass("FIN.01.04", false), "Disputed invoice")
		e.fill()
		x, k := e.item(two.ID), e.item(kept.ID)
		rosa := e.browser("Rosa")
		want(t, rosa.Get("/disposal/"+x.ID), 200, "Payroll file", "two approvals", "Approve the destruction", "once a second person approves too")
		r := rosa.PostForm("/disposal/approve", url.Values{"ids": {x.ID}, "from": {"item"}})
		if r.Status != 303 {
			t.Fatalf("first approval: %d\n%s", r.Status, r.Body)
		}
		want(t, rosa.Get(r.Header.Get("Location")), 200, "1 now need a second approval by someone else", "Needs a second approval")
		want(t, rosa.PostForm("/disposal/approve", url.Values{"ids": {x.ID}, "from": {"item"}}), 409, "needs a second approval by someone else", "Stage 1: Rosa Reid")
		// A second records manager (an admin would need two-factor set up
		// to sign in).
		rob, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: "rob@example.org", Name: "Rob Rees", Roles: []platform.Role{platform.RoleRecords}, Password: password})
		noErr(t, err)
		e.users["Rob"] = rob
		r = e.browser("Rob").PostForm("/disposal/approve", url.Values{"ids": {x.ID}, "from": {"item"}})
		if r.Status != 303 || !certLink.MatchString(r.Header.Get("Location")) {
			t.Fatalf("second approval: %d\n%s", r.Status, r.Body)
		}
		want(t, rosa.Get(r.Header.Get("Location")), 200, "Stage 1: Rosa Reid", "Stage 2: Rob Rees (Records manager)")

		want(t, rosa.PostForm("/disposal/"+k.ID+"/reject", url.Values{"decision": {"keep"}, "reason": {"Supplier dispute"}}), 422,
			"Enter the date to keep it until", "Supplier dispute")
		want(t, rosa.PostForm("/disposal/"+k.ID+"/reject", url.Values{"decision": {"keep"}, "until": {"2001-01-01"}, "reason": {"Supplier dispute"}}), 422,
			"retention can only be extended")
		want(t, rosa.PostForm("/disposal/"+k.ID+"/reject", url.Values{"decision": {"keep"}, "until": {"2099-01-01"}}), 422, "Give the reason")
		r = rosa.PostForm("/disposal/"+k.ID+"/reject", url.Values{"decision": {"keep"}, "until": {"2099-01-01"}, "reason": {"Supplier dispute"}})
		if r.Status != 303 {
			t.Fatalf("reject: %d\n%s", r.Status, r.Body)
		}
		want(t, rosa.Get(r.Header.Get("Location")), 200, "Kept until 1 January 2099", "Supplier dispute")
		doc, err := e.m.Store().Document(e.ctx, e.subject("Rosa"), kept.ID)
		noErr(t, err)
		if doc.DueAt.Year() != 2099 {
			t.Fatalf("kept until %v", doc.DueAt)
		}
	})
}

// TestHoldPages: a hold placed in the page stops approval of what it
// covers; lifting it (with a reason) lets the approval through.
func TestHoldPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.fileDue(e.dueClass("FIN.01.05", false), "Contract file")
		e.fill()
		x := e.item(d.ID)
		want(t, e.browser("Fred").Get("/legal-holds/new"), 403)
		want(t, e.browser("Fred").Get("/legal-holds"), 403)
		rosa := e.browser("Rosa")
		// From the record's page, which says no hold covers it yet.
		want(t, rosa.Get("/records/"+d.ID), 200, "No legal hold covers it", `href="/legal-holds/new?record=`+d.ID+`">Place a legal hold on it`)
		if body := e.browser("Fred").Get("/records/" + d.ID).Body; strings.Contains(body, "Legal holds") {
			t.Fatalf("a caseworker's page shows legal holds:\n%s", body)
		}
		want(t, rosa.Get("/legal-holds/new?record="+d.ID), 200, "Place a legal hold", d.ID, "FIN.01.05")
		want(t, rosa.PostForm("/legal-holds/new", url.Values{"title": {"Jones v Northshire"}, "document_ids": {d.ID}}), 422,
			"Give the reason", `value="Jones v Northshire"`)
		r := rosa.PostForm("/legal-holds/new", url.Values{"title": {"Jones v Northshire"}, "reason": {"Litigation: Jones v Northshire Council"},
			"document_ids": {d.ID + "\n"}})
		if r.Status != 303 {
			t.Fatalf("place hold: %d\n%s", r.Status, r.Body)
		}
		holdURL := r.Header.Get("Location")
		want(t, rosa.Get(holdURL), 200, "Legal hold placed", "Active", "It covers 1 record now", "Contract file", "Lift the hold")
		want(t, rosa.Get("/records/"+d.ID), 200, "A legal hold covers it", `href="`+holdURL+`">Jones v Northshire</a>`)
		want(t, rosa.Get("/legal-holds?active=yes"), 200, "Jones v Northshire")
		want(t, rosa.Get("/disposal"), 200, "Legal hold", "Jones v Northshire")
		want(t, rosa.PostForm("/disposal/approve", url.Values{"ids": {x.ID}}), 409, "legal hold")

		want(t, rosa.PostForm(holdURL+"/lift", url.Values{}), 422, "Give the reason")
		r = rosa.PostForm(holdURL+"/lift", url.Values{"reason": {"Claim withdrawn"}})
		if r.Status != 303 {
			t.Fatalf("lift: %d\n%s", r.Status, r.Body)
		}
		want(t, rosa.Get(holdURL), 200, "Legal hold lifted", "Lifted", "Claim withdrawn")
		r = rosa.PostForm("/disposal/approve", url.Values{"ids": {x.ID}})
		if r.Status != 303 || !certLink.MatchString(r.Header.Get("Location")) {
			t.Fatalf("approval after the hold: %d\n%s", r.Status, r.Body)
		}
	})
}

// TestDisposalJob: the module's daily job queues what is due.
func TestDisposalJob(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.fileDue(e.dueClass("FIN.01.06", false), "Old invoice")
		// The module scheduled the daily run at Init; the worker runs it.
		e.runJobs()
		if x := e.item(d.ID); x.State != records.DisposalPending {
			t.Fatalf("queued %+v", x)
		}
	})
}
