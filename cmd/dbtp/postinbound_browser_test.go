package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/browsertest"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"

	"github.com/chromedp/chromedp"
)

// TestBrowserInboundPost walks the post room on the demo in Chromium,
// with JavaScript on and off: Sam Okafor (caseworker) sees the scanned
// letters waiting in triage, uploads one more (a file refused first, with
// the reason), follows the batch, opens a letter from triage to see the
// scan beside its text and why it waits, is told what is missing when
// routing without a reference, finds a complaint by search, is asked
// whether the letter (Eleanor Hughes's) is really about it and files it
// there, then moves it back to triage saying why. Every page is
// axe-clean (with scripts on) and fits a 320 px screen.
func TestBrowserInboundPost(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			j := &journey{t: t, r: r, js: js}
			j.postRoom(t)
		})
	}
}

func (j *journey) postRoom(t *testing.T) {
	r := j.r
	sam := j.as(t, "caseworker@kent.example")
	open(t, sam, r.url+"/post/inbound?status=all")
	if s := text(t, sam, "main"); !strings.Contains(s, "Upload scanned post") || !strings.Contains(s, "letter-from-mr-patel.pdf") {
		t.Fatalf("post room: %q", s)
	}
	j.check(t, sam, "post room")

	dir := t.TempDir()
	notScan := filepath.Join(dir, "minutes.txt")
	letter := filepath.Join(dir, "scan-0412.pdf")
	if err := os.WriteFile(notScan, []byte("Minutes of the meeting"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(letter, inbound.TypedLetter("Dear Sir or Madam,\n\nPlease call me about my council tax.\n\nYours faithfully,\n\nAmina Ahmed"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, sam, "attach the wrong file", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{notScan}))
	submitRefused(t, sam, `form[action="/post/inbound"]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "minutes.txt is not a PDF or an image") {
		t.Fatalf("error summary: %q", s)
	}
	j.check(t, sam, "upload refused")
	do(t, sam, "attach the scan", chromedp.SetUploadFiles(chromedp.CSS("#files"), []string{letter}))
	submitAndWait(t, sam, `form[action="/post/inbound"]`, "#batch-progress")
	if s := text(t, sam, "main"); !strings.Contains(s, "1 scanned letter uploaded") || !strings.Contains(s, "scan-0412.pdf") {
		t.Fatalf("batch page: %q", s)
	}
	j.check(t, sam, "batch")

	// The demo's letters say why they wait in triage, once read.
	waitRead(t, r, "letter-from-mr-patel.pdf")
	open(t, sam, r.url+"/post/inbound?status=triage")
	if s := text(t, sam, "main"); !strings.Contains(s, "The reference it quotes, HOUS-2025-000731, matches no case") {
		t.Fatalf("triage without its reasons: %q", s)
	}
	j.check(t, sam, "triage with reasons")
	// At 320 px the list stacks: why each letter waits is on the screen,
	// not in a column scrolled out of sight.
	do(t, sam, "narrow", browsertest.Viewport(320, 800))
	onScreen, err := chromedp.Run(sam, chromedp.Evaluate[bool](`(() => { const rs = [...document.querySelectorAll(".dbtp-triage-reason")];
		return rs.length > 0 && rs.every(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.left >= 0 && r.right <= document.documentElement.clientWidth; }); })()`))
	postShot(t, sam, "inbound-triage-320-"+map[bool]string{true: "js", false: "nojs"}[j.js])
	do(t, sam, "wide", browsertest.Viewport(1280, 900))
	if err != nil || !onScreen {
		t.Fatalf("at 320 px why letters wait is off the screen (%v)", err)
	}

	// A demo letter from triage: the scan and what was read.
	open(t, sam, r.url+"/post/inbound?status=all")
	href := caseLink(t, sam, "handwritten-note-scan.pdf")
	if href == "" {
		t.Fatal("no link to the demo letter")
	}
	waitRead(t, r, "handwritten-note-scan.pdf")
	open(t, sam, r.url+href)
	if s := text(t, sam, "main"); !strings.Contains(s, "The scan") || !strings.Contains(s, "Route to a case") || !strings.Contains(s, "Why it is in triage") {
		t.Fatalf("item page: %q", s)
	}
	j.check(t, sam, "item")
	submitRefused(t, sam, `form[action$="/route"]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "Enter the case reference") {
		t.Fatalf("route error: %q", s)
	}
	j.check(t, sam, "route refused")
	open(t, sam, r.url+href+"?q=COMP")
	n := countOf(t, sam, `main table form[action$="/route"] button`)
	if n == 0 {
		t.Fatalf("no cases found: %q", text(t, sam, "main"))
	}
	// Each case found names its person, so the right one is chosen.
	named, err := chromedp.Run(sam, chromedp.Evaluate[int](`[...document.querySelectorAll('main table td[data-label="Person"]')].filter(td => /[A-Z][a-z]+ [A-Z]/.test(td.textContent)).length`))
	if err != nil || named != n {
		t.Fatalf("%d of %d cases found name their person (%v): %q", named, n, err, text(t, sam, "main table"))
	}
	j.check(t, sam, "cases found")
	do(t, sam, "narrow", browsertest.Viewport(320, 800))
	postShot(t, sam, "inbound-cases-found-320-"+map[bool]string{true: "js", false: "nojs"}[j.js])
	do(t, sam, "wide", browsertest.Viewport(1280, 900))
	// Eleanor Hughes's letter is not about the complaint found: asked
	// first, then filed once confirmed.
	resp, err := chromedp.RunResponse(sam, chromedp.Submit(chromedp.CSS(`main table form[action$="/route"]`)))
	if err != nil || resp.Status != 409 {
		t.Fatalf("filing on someone else's case: %v %v", resp, err)
	}
	do(t, sam, "the question", chromedp.WaitVisible(chromedp.CSS("#mismatch")))
	if s := text(t, sam, "#mismatch"); !strings.Contains(s, "This letter may not be about case COMP-") || !strings.Contains(s, "Eleanor Hughes") {
		t.Fatalf("the question: %q", s)
	}
	// The question has the focus, with scripts or without (autofocus).
	if id, err := chromedp.Run(sam, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`)); err != nil || id != "mismatch-heading" {
		t.Fatalf("the focus is on %q, not the question (%v)", id, err)
	}
	do(t, sam, "narrow", browsertest.Viewport(320, 800))
	postShot(t, sam, "inbound-mismatch-320-"+map[bool]string{true: "js", false: "nojs"}[j.js])
	do(t, sam, "wide", browsertest.Viewport(1280, 900))
	j.check(t, sam, "is this the right case")
	submitAndWait(t, sam, `#mismatch form`, ".govuk-notification-banner")
	if s := text(t, sam, "main"); !strings.Contains(s, "Filed on case COMP-") || !strings.Contains(s, "by hand") || !strings.Contains(s, "Filed on the wrong case?") {
		t.Fatalf("after routing: %q", s)
	}
	j.check(t, sam, "routed")

	// Filed on the wrong case after all: back to triage, saying why.
	submitRefused(t, sam, `form[action$="/move"]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "Say why the letter is being moved") {
		t.Fatalf("move refused: %q", s)
	}
	j.check(t, sam, "move refused")
	do(t, sam, "back to triage, with a reason", chromedp.Click(chromedp.CSS(`#to-2`)),
		chromedp.SendKeys(chromedp.CSS(`#reason`), "She asks for a blue badge form: not a complaint"))
	submitAndWait(t, sam, `form[action$="/move"]`, ".govuk-notification-banner")
	if s := text(t, sam, "main"); !strings.Contains(s, "Moved back to triage") || !strings.Contains(s, "She asks for a blue badge form: not a complaint") ||
		!strings.Contains(s, "Route to a case") {
		t.Fatalf("after the move: %q", s)
	}
	j.check(t, sam, "moved back")
}

// waitRead waits until the demo's letter name has been read (the
// reading job runs in the background as the demo serves).
func waitRead(t *testing.T, r *running, name string) {
	t.Helper()
	ctx := context.Background()
	sys, _, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for {
		items, err := r.app.post().Inbound().List(ctx, sys, post.InboundFilter{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.Name == name && it.Status != post.InboundReading && (it.Status != post.InboundTriage || it.TriageReason != "") {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s was not read", name)
		}
		<-time.After(200 * time.Millisecond)
	}
}

// postShot saves a screenshot of the whole page as name.png in the folder
// DBTP_TEST_SHOTS names, for a person to look at; without it, nothing.
func postShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("DBTP_TEST_SHOTS")
	if dir == "" {
		return
	}
	buf, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}
