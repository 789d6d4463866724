package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/post/inbound"

	"github.com/chromedp/chromedp"
)

// TestBrowserInboundPost walks the post room on the demo in Chromium,
// with JavaScript on and off: Sam Okafor (caseworker) sees the scanned
// letters waiting in triage, uploads one more (a file refused first, with
// the reason), follows the batch, opens a letter from triage to see the
// scan beside its text, is told what is missing when routing without a
// reference, then finds a complaint by search and files the letter on it.
// Every page is axe-clean (with scripts on) and fits a 320 px screen.
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

	// A demo letter from triage: the scan and what was read.
	open(t, sam, r.url+"/post/inbound?status=all")
	href := caseLink(t, sam, "handwritten-note-scan.pdf")
	if href == "" {
		t.Fatal("no link to the demo letter")
	}
	open(t, sam, r.url+href)
	if s := text(t, sam, "main"); !strings.Contains(s, "The scan") || !strings.Contains(s, "Route to a case") {
		t.Fatalf("item page: %q", s)
	}
	j.check(t, sam, "item")
	submitRefused(t, sam, `form[action$="/route"]`)
	if s := text(t, sam, ".govuk-error-summary"); !strings.Contains(s, "Enter the case reference") {
		t.Fatalf("route error: %q", s)
	}
	j.check(t, sam, "route refused")
	open(t, sam, r.url+href+"?q=COMP")
	if n := countOf(t, sam, `main table form[action$="/route"] button`); n == 0 {
		t.Fatalf("no cases found: %q", text(t, sam, "main"))
	}
	j.check(t, sam, "cases found")
	submitAndWait(t, sam, `main table form[action$="/route"]`, ".govuk-notification-banner")
	if s := text(t, sam, "main"); !strings.Contains(s, "Filed on case COMP-") || !strings.Contains(s, "by hand") {
		t.Fatalf("after routing: %q", s)
	}
	j.check(t, sam, "routed")
}
