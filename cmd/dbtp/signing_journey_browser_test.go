package main

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
	"dbtp/internal/signing/signingtest"
)

var (
	signingLinkRE = regexp.MustCompile(`(/signing/[A-Za-z0-9_-]{20,})`)
	signingCodeRE = regexp.MustCompile(`Your code is (\d{6})`)
)

// TestBrowserSigningJourney is issue 11's journey in Chromium on the demo,
// with its email going to a real SMTP server: Jo Baker uploads a contract,
// names an outside signer and sends it; the supplier opens the link from
// their email, is asked for the one-time code emailed to them, enters it,
// signs by typing their name; Jo then downloads the signed and sealed PDF,
// which poppler's pdfsig reports valid. The signer's link opened in
// another browser before the code shows nothing of the document. Every
// page is axe-clean and fits a 320 px screen.
func TestBrowserSigningJourney(t *testing.T) {
	relay := smtpdtest.Start(t, "")
	r := startDemo(t, t.TempDir(), "--smtp-addr", relay.Addr, "--smtp-from", "Kent County Council <noreply@kent.example>", "--smtp-starttls", "none")
	j := &journey{t: t, r: r, js: true}
	jo := j.as(t, "staff@kent.example")

	contract := filepath.Join(t.TempDir(), "supply-contract.pdf")
	if err := os.WriteFile(contract, signingtest.Contract(t, 3), 0o600); err != nil {
		t.Fatal(err)
	}
	open(t, jo, r.url+"/envelopes/new")
	j.check(t, jo, "new envelope")
	do(t, jo, "title and document", chromedp.SetValue(chromedp.CSS("#title"), "Supply contract CT-2026-099"),
		chromedp.SetUploadFiles(chromedp.CSS("#pdf"), []string{contract}))
	submitAndWait(t, jo, `main form`, "#r0-name")
	j.check(t, jo, "recipients")
	do(t, jo, "the supplier", chromedp.SetValue(chromedp.CSS("#r0-name"), "Sam Supplier"),
		chromedp.SetValue(chromedp.CSS("#r0-email"), "sam@supplier.example"))
	submitAndWait(t, jo, `main form button[type=submit]:not([name=more])`, "main h1")
	if strings.Contains(location(t, jo), "/fields") {
		j.check(t, jo, "fields")
		submitAndWait(t, jo, `main form button[type=submit]:not([name=more])`, "main h1")
	}
	env := location(t, jo)
	if !regexp.MustCompile(`/envelopes/[^/]+$`).MatchString(env) {
		t.Fatalf("after the fields: %s (%s)", env, text(t, jo, "main"))
	}
	j.check(t, jo, "the envelope")
	submitAndWait(t, jo, `form[action$="/send"]`, "main h1")
	if s := text(t, jo, "main"); !strings.Contains(strings.ToLower(s), "sent") {
		t.Fatalf("after sending: %q", s)
	}

	link := r.url + waitMail(t, relay, "sam@supplier.example", signingLinkRE)
	// Someone the link was forwarded to, before any code: nothing of the
	// document, its title or its sender.
	other := browsertest.New(t, true)
	open(t, other, link)
	if s := text(t, other, "main"); strings.Contains(s, "CT-2026-099") || strings.Contains(s, "Jo Baker") {
		t.Fatalf("the link shows the document before a code: %q", s)
	}
	sam := browsertest.New(t, true)
	open(t, sam, link)
	j.check(t, sam, "signing: ask for a code")
	submitAndWait(t, sam, `form[action$="?do=code"]`, "#code")
	code := waitMail(t, relay, "sam@supplier.example", signingCodeRE)
	j.check(t, sam, "signing: enter the code")
	do(t, sam, "the code", chromedp.SetValue(chromedp.CSS("#code"), code))
	submitAndWait(t, sam, `form[action$="?do=verify"]`, "#typed")
	if s := text(t, sam, "main"); !strings.Contains(s, "CT-2026-099") {
		t.Fatalf("after the code: %q", s)
	}
	j.check(t, sam, "signing: sign")
	// A drawing survives a form error (consent not ticked): it comes back
	// and is redrawn, and is what Sam then signs with.
	box, err := chromedp.Run(sam, chromedp.Evaluate[[]float64](`(() => { const c = document.getElementById("drawn"); c.scrollIntoView();
		const r = c.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil || len(box) != 4 {
		t.Fatalf("the drawing area: %v %v", box, err)
	}
	x, y, w, h := box[0], box[1], box[2], box[3]
	do(t, sam, "draw", chromedp.SetValue(chromedp.CSS("#typed"), "Sam Supplier"),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, x+w*0.2, y+h*0.5, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+w*0.5, y+h*0.3, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, x+w*0.8, y+h*0.7, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, x+w*0.8, y+h*0.7, chromedp.ButtonLeft, chromedp.ClickCount(1)))
	resp, err := chromedp.RunResponse(sam, chromedp.Click(chromedp.CSS(`form[action$="?do=sign"] button[type=submit]`)))
	if err != nil || resp.Status != 422 {
		t.Fatalf("signing without consent: %v %v", resp, err)
	}
	inked, err := chromedp.Run(sam, chromedp.Poll[bool](`(() => { const c = document.getElementById("drawn");
		const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
		for (let i = 3; i < d.length; i += 4) if (d[i]) return true; return false; })()`, chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !inked || countOf(t, sam, "#draw-kept") != 1 {
		t.Fatalf("the drawing after a form error: inked %v, %v; %q", inked, err, text(t, sam, "main"))
	}
	j.check(t, sam, "signing: a form error, the drawing kept")
	do(t, sam, "consent", chromedp.Click(chromedp.CSS(`input[name=consent]`)))
	submitAndWait(t, sam, `form[action$="?do=sign"]`, "main h1")
	j.check(t, sam, "signing: done")

	// The seal is the server's job: wait for it, then download.
	deadline := time.Now().Add(90 * time.Second)
	for {
		open(t, jo, env)
		if countOf(t, jo, `a[href$="/documents/sealed.pdf"]`) == 1 && countOf(t, jo, `a[href$="/certificate.pdf"]`) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not sealed: %q", text(t, jo, "main"))
		}
	}
	j.check(t, jo, "the envelope, sealed")
	// Downloaded as Jo, in Jo's session.
	b64, err := chromedp.Run(jo, chromedp.Evaluate[string](`fetch(location.pathname + "/documents/sealed.pdf").then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status)).then(b => {
		const u = new Uint8Array(b); let s = "";
		for (let i = 0; i < u.length; i += 8192) s += String.fromCharCode.apply(null, u.subarray(i, i + 8192));
		return btoa(s);
	})`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("sealed download: %v", err)
	}
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(b), "%PDF") {
		t.Fatalf("sealed download: %v %.40q", err, b)
	}
	signingtest.QPDFCheck(t, b)
	// poppler's pdfsig, which does not know the demo's root: every
	// signature's bytes are intact (trust is the verification page's).
	file := signingtest.WriteTemp(t, "sealed.pdf", b)
	out, _ := exec.Command("pdfsig", file).CombinedOutput()
	if n := strings.Count(string(out), "Signature is Valid"); n < 2 || strings.Contains(string(out), "Signature is Invalid") ||
		strings.Contains(string(out), "Digest Mismatch") {
		t.Fatalf("pdfsig: %d valid signatures, want the supplier's and the seal:\n%s", n, out)
	}

	// The sealed file changed afterwards, checked signed out: the report
	// says so in words, heads the supplier's signature with their name,
	// and its technical detail (long hex) wraps at 320 px.
	tampered := bytes.Replace(b, []byte("/MediaBox [0 0 595.28"), []byte("/MediaBox [0 0 595.27"), 1)
	if bytes.Equal(tampered, b) {
		t.Fatal("the contract's page size is not where the test expects it")
	}
	open(t, other, r.url+"/verification")
	do(t, other, "the tampered file", chromedp.SetUploadFiles(chromedp.CSS("#file"), []string{signingtest.WriteTemp(t, "tampered.pdf", tampered)}))
	submitAndWait(t, other, `main form`, "main h1")
	s := text(t, other, "main")
	for _, want := range []string{"The document has been changed since this signature was made, or the signature is damaged", "Signature 1: Sam Supplier", "Council seal"} {
		if !strings.Contains(s, want) {
			t.Fatalf("verification of a tampered file: no %q in %q", want, s)
		}
	}
	if strings.Contains(s, "the document is as it was") {
		t.Fatalf("verification of a tampered file says it is unchanged: %q", s)
	}
	do(t, other, "open the detail", chromedp.Click(chromedp.CSS("details summary")))
	j.check(t, other, "verification: a tampered file")
}

// waitMail waits for the relay to have a message to to whose body matches
// re, and returns re's first group.
func waitMail(t *testing.T, relay *smtpdtest.Server, to string, re *regexp.Regexp) string {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		ms := relay.Messages()
		for i := len(ms) - 1; i >= 0; i-- {
			body := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(ms[i].Body)
			if strings.Contains(ms[i].To, to) {
				if m := re.FindStringSubmatch(body); m != nil {
					return m[1]
				}
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no message to %s matching %s among %d", to, re, len(ms))
		}
		time.Sleep(100 * time.Millisecond) // waiting for the server's mail job, not timing it
	}
}
