package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserRecords walks the records journeys on the demo in Chromium,
// with JavaScript on and off, as the people who do them: Sam Okafor files
// a letter with its people and tags, finds it by search and declares it a
// record, after which it offers no changes; Rosa Reid, the records
// manager, approves the disposal the daily run queued and reads the
// certificate, while the invoice under a legal hold is not in the queue;
// the subject access request is released to Chris Walker, who downloads
// it. Every page is axe-clean (with scripts on) and fits a 320 px screen.
func TestBrowserRecords(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			j := &journey{t: t, r: r, js: js}
			t.Run("file, find and declare", j.fileFindDeclare)
			t.Run("disposal approval", j.disposal)
			t.Run("subject access release", j.subjectAccess)
		})
	}
}

// submitRefused sends a form that must come back with its problems
// (422) and the error summary.
func submitRefused(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Submit(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("submit %s: %v", sel, err)
	}
	if resp.Status != 422 {
		t.Fatalf("submit %s: status %d, want 422", sel, resp.Status)
	}
	do(t, ctx, "wait for the error summary", chromedp.WaitVisible(chromedp.CSS(".govuk-error-summary")))
}

// chooseOption picks the option of a select whose text starts with text.
func chooseOption(t *testing.T, ctx context.Context, sel, text string) {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll(%q + " option")).find(o => o.textContent.trim().startsWith(%q)) || {}).value || ""`, sel, text)))
	if err != nil || v == "" {
		t.Fatalf("no option %q in %s: %v", text, sel, err)
	}
	do(t, ctx, "choose "+text, chromedp.SetValue(chromedp.CSS(sel), v))
}

func (j *journey) fileFindDeclare(t *testing.T) {
	r := j.r
	sam := j.as(t, "caseworker@kent.example")
	open(t, sam, r.url+"/records")
	if h := text(t, sam, "main h1"); h != "Records" {
		t.Fatalf("records home: %q", h)
	}
	j.check(t, sam, "records home")
	do(t, sam, "file a document", chromedp.Click(chromedp.CSS(`a[href="/records/new"]`)), chromedp.WaitVisible(chromedp.CSS("#file")))
	j.check(t, sam, "file a document")

	// Sending nothing says what is missing, keeping what was typed.
	do(t, sam, "title", chromedp.SendKeys(chromedp.CSS("#title"), "Reply to Mrs Ahmed about the missed bin"))
	submitRefused(t, sam, `main form`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "Choose a file to upload") || !strings.Contains(s, "Choose where the document belongs") {
		t.Fatalf("error summary: %q", s)
	}
	if v := value(t, sam, "#title"); v != "Reply to Mrs Ahmed about the missed bin" {
		t.Fatalf("title not kept: %q", v)
	}
	j.check(t, sam, "file a document: errors")

	letter := filepath.Join(t.TempDir(), "reply-ahmed.txt")
	if err := os.WriteFile(letter, []byte("Dear Mrs Ahmed, we are sorry your bin was missed. Kind regards, Sam Okafor"), 0o600); err != nil {
		t.Fatal(err)
	}
	if j.js {
		// With scripts the field also takes a dropped file.
		got, err := chromedp.Run(sam, chromedp.Evaluate[string](`(() => {
			const dt = new DataTransfer();
			dt.items.add(new File(["dropped"], "dropped-note.txt", {type: "text/plain"}));
			document.querySelector("[data-dbtp-drop-zone]").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			return document.querySelector("#file").files[0].name + " | " + document.querySelector(".dbtp-drop-zone__status").textContent;
		})()`))
		if err != nil || got != "dropped-note.txt | Chosen: dropped-note.txt" {
			t.Fatalf("dropping a file: %q %v", got, err)
		}
	}
	do(t, sam, "attach", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{letter}))
	chooseOption(t, sam, "#class_id", "CUS.01.01")
	chooseOption(t, sam, "#unit_id", "Customer Services")
	do(t, sam, "people and tags",
		chromedp.SendKeys(chromedp.CSS("#people"), "Amina Ahmed, 1967-02-11"),
		chromedp.SendKeys(chromedp.CSS("#tags"), "complaint, missed bin"))
	submitAndWait(t, sam, `main form`, ".govuk-notification-banner")
	if s := text(t, sam, "main"); !strings.Contains(s, "Document filed") || !strings.Contains(s, "Amina Ahmed (born 11 February 1967)") ||
		!strings.Contains(s, "complaint, missed bin") || !strings.Contains(s, "Destroy 6 years after the case closed") {
		t.Fatalf("document page after filing: %q", s)
	}
	doc := location(t, sam)
	j.check(t, sam, "document")

	// Search by a word of the title and a person's name.
	open(t, sam, r.url+"/records/search")
	j.check(t, sam, "search")
	do(t, sam, "search words", chromedp.SendKeys(chromedp.CSS("#q"), "ahmed missed"))
	submitAndWait(t, sam, `form[role=search]`, "main")
	if s := text(t, sam, "main"); !strings.Contains(s, "Reply to Mrs Ahmed about the missed bin") {
		t.Fatalf("search results: %q", s)
	}
	j.check(t, sam, "search results")

	// Declaring needs the confirmation; then nothing can change it.
	open(t, sam, doc)
	do(t, sam, "confirm", chromedp.Click(chromedp.CSS(`input[name=confirm]`)))
	submitAndWait(t, sam, `form[action$="/declare"]`, ".govuk-notification-banner")
	s := text(t, sam, "main")
	if !strings.Contains(s, "Declared a record on") || strings.Contains(s, "Add version") || strings.Contains(s, "Delete this document") {
		t.Fatalf("after declaring: %q", s)
	}
	j.check(t, sam, "declared record")
}

func (j *journey) disposal(t *testing.T) {
	r := j.r
	rosa := j.as(t, "records@kent.example")
	open(t, rosa, r.url+"/disposal")
	j.check(t, rosa, "disposal queue")
	s := text(t, rosa, "main")
	if !strings.Contains(s, "Invoice 2019-5120") {
		t.Fatalf("the queue lacks the Azure invoice past its six years: %q", s)
	}
	if strings.Contains(s, "Invoice 2019-4471") {
		t.Fatal("the invoice under a legal hold is in the queue")
	}
	// Approve without choosing: told to choose.
	submitRefused(t, rosa, `form[action="/disposal/approve"]`)
	j.check(t, rosa, "disposal queue: errors")
	label := "Approve Invoice 2019-5120: Microsoft Azure consumption, March 2019"
	id, err := chromedp.Run(rosa, chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll("label")).find(l => l.textContent.trim() === %q) || {}).htmlFor || ""`, label)))
	if err != nil || id == "" {
		t.Fatalf("no checkbox labelled %q: %v", label, err)
	}
	do(t, rosa, "choose the invoice", chromedp.Click(chromedp.CSS("#"+id)))
	submitAndWait(t, rosa, `form[action="/disposal/approve"]`, ".govuk-notification-banner")
	j.check(t, rosa, "after approving")

	open(t, rosa, r.url+"/disposal/certificates")
	j.check(t, rosa, "certificates")
	do(t, rosa, "open the certificate", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS("main h1")))
	s = text(t, rosa, "main")
	if !strings.Contains(s, "DC-") || !strings.Contains(s, "Invoice 2019-5120") || !strings.Contains(s, "Rosa Reid") {
		t.Fatalf("certificate: %q", s)
	}
	j.check(t, rosa, "certificate")

	// The legal hold is listed with what it covers.
	open(t, rosa, r.url+"/legal-holds")
	if s := text(t, rosa, "main"); !strings.Contains(s, "laptop refresh") {
		t.Fatalf("holds: %q", s)
	}
	j.check(t, rosa, "legal holds")
}

// subjectAccess: Rosa Reid decides what is still to review in Chris
// Walker's request, releases it, and Chris downloads the bundle from his
// request page; nobody else can.
func (j *journey) subjectAccess(t *testing.T) {
	r := j.r
	rosa := j.as(t, "records@kent.example")
	open(t, rosa, r.url+"/records/sars")
	j.check(t, rosa, "subject access requests")
	do(t, rosa, "open Chris Walker's request", chromedp.Click(chromedp.CSS(`main table a`)), chromedp.WaitVisible(chromedp.CSS("#items")))
	request := location(t, rosa)
	j.check(t, rosa, "subject access request")
	if s := text(t, rosa, "main h1"); !strings.Contains(s, "Chris Walker") {
		t.Fatalf("request heading %q", s)
	}
	for range 20 {
		href, err := chromedp.Run(rosa, chromedp.Evaluate[string](
			`(Array.from(document.querySelectorAll("#items ~ div table tbody tr")).find(tr => tr.textContent.includes("To review")) || {querySelector: () => null}).querySelector("th a")?.getAttribute("href") || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if href == "" {
			break
		}
		open(t, rosa, r.url+href)
		j.check(t, rosa, "subject access item")
		do(t, rosa, "include", chromedp.Click(chromedp.CSS(`input[name=decision][value=include]`)))
		submitAndWait(t, rosa, `form[action$="/decide"]`, "main h1")
		open(t, rosa, request)
	}
	do(t, rosa, "confirm the release", chromedp.Click(chromedp.CSS(`input[name=confirm]`)))
	submitAndWait(t, rosa, `form[action$="/release"]`, ".govuk-notification-banner")
	j.check(t, rosa, "after the release")

	chris := j.as(t, "resident@kent.example")
	open(t, chris, r.url+"/services/requests")
	ref, err := chromedp.Run(chris, chromedp.Evaluate[string](
		`(Array.from(document.querySelectorAll("main a")).find(a => a.closest("tr")?.textContent.includes("Ask for a copy of your personal information")) || {}).getAttribute?.("href") || ""`))
	if err != nil || ref == "" {
		t.Fatalf("Chris's requests page has no subject access request: %v\n%s", err, text(t, chris, "main"))
	}
	open(t, chris, r.url+ref)
	j.check(t, chris, "the requester's page")
	if s := text(t, chris, "#response ~ *"); s == "" {
		t.Fatal("no response shown to Chris")
	}
	file, err := chromedp.Run(chris, chromedp.Evaluate[string](`(document.querySelector("main a[href*='/files/']") || {}).getAttribute?.("href") || ""`))
	if err != nil || file == "" {
		t.Fatalf("no bundle to download on Chris's page: %q", text(t, chris, "main"))
	}
	// The bundle is Chris's: a PDF for him, refused to another resident.
	status, body := fetchAs(t, chris, r.url+file)
	if status != 200 || !strings.HasPrefix(body, "%PDF") {
		t.Fatalf("Chris's download: %d %.20q", status, body)
	}
	if _, body := get(t, r.url+file); strings.HasPrefix(body, "%PDF") {
		t.Fatal("the bundle downloads without signing in")
	}
	other := j.as(t, "staff@kent.example")
	if status, body := fetchAs(t, other, r.url+file); status == 200 || strings.HasPrefix(body, "%PDF") {
		t.Fatalf("Jo Baker downloads Chris's bundle: %d", status)
	}
}

// fetchAs fetches a URL in the signed-in browser's session and returns the
// status and the start of the body.
func fetchAs(t *testing.T, ctx context.Context, url string) (int, string) {
	t.Helper()
	type result struct {
		Status int    `json:"status"`
		Body   string `json:"body"`
	}
	res, err := chromedp.Run(ctx, chromedp.Evaluate[result](fmt.Sprintf(`fetch(%q).then(async r => ({status: r.status, body: (await r.text()).slice(0, 100)}))`, url),
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	return res.Status, res.Body
}
