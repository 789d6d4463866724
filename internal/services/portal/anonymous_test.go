package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

// codeSentTo reads the newest verification code the outbox holds for email.
func (e *env) codeSentTo(email string) string {
	e.t.Helper()
	msgs, err := services.NewOutbox(e.db, nil).Pending(e.ctx, 1000)
	noErr(e.t, err)
	code := ""
	for _, m := range msgs {
		if m.Template == "email-verification" && m.To.Kind == services.ToEmail && strings.EqualFold(m.To.Value, email) {
			code, _, _ = strings.Cut(m.Subject, " ")
		}
	}
	if len(code) != 6 {
		e.t.Fatalf("no code sent to %s", email)
	}
	return code
}

// TestAnonymousCompletesComplaint: a signed-out visitor confirms their
// email address with the code from the outbox, answers the same pages as a
// resident, submits, and gets a reference; the case carries the verified
// address and no account. On SQLite and PostgreSQL.
func TestAnonymousCompletesComplaint(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.browser("")
		base := "/services/complaints"

		r := b.Get(base + "/start")
		want(t, r, 200, "Continue without an account", `href="`+base+`/anonymous/email"`, "Sign in", "/sign-in?return=")
		want(t, b.Get(base+"/anonymous/email"), 200, "What is your email address?", `autocomplete="email"`)
		// The code page needs an address first.
		wantRedirect(t, b.Get(base+"/anonymous/code"), base+"/anonymous/email")
		// Without a session the question pages send the visitor to start.
		wantRedirect(t, b.Get(base+"/pages/name"), base+"/start")
		wantRedirect(t, b.PostForm(base+"/pages/name", url.Values{"name": {"Pat"}}), base+"/start")

		// A bad address is shown in the error summary, as typed.
		want(t, b.PostForm(base+"/anonymous/email", url.Values{"email": {"pat@"}}), 422, "There is a problem", `href="#email"`, `value="pat@"`)
		wantRedirect(t, b.PostForm(base+"/anonymous/email", url.Values{"email": {"Pat@Example.COM"}}), base+"/anonymous/code")
		want(t, b.Get(base+"/anonymous/code"), 200, "Check your email", "Pat@example.com", `autocomplete="one-time-code"`, `inputmode="numeric"`)
		code := e.codeSentTo("Pat@example.com")

		// Wrong and malformed codes are refused in the error summary.
		want(t, b.PostForm(base+"/anonymous/code", url.Values{"code": {"12"}}), 422, "There is a problem", `href="#code"`, "Enter the 6-digit code")
		want(t, b.PostForm(base+"/anonymous/code", url.Values{"code": {otherCode(code)}}), 422, `href="#code"`, "The code is not correct")

		r = b.PostForm(base+"/anonymous/code", url.Values{"code": {code}})
		wantRedirect(t, r, base+"/pages/name")
		set := false
		for _, c := range (&http.Response{Header: r.Header}).Cookies() {
			if c.Name == anonCookie {
				set = true
				if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.MaxAge <= 0 {
					t.Fatalf("session cookie attributes: %+v", c)
				}
			}
		}
		if !set {
			t.Fatal("no session cookie")
		}
		// The code works once.
		want(t, b.PostForm(base+"/anonymous/code", url.Values{"code": {code}}), 303)

		want(t, b.Get(base+"/start"), 200, "Start now", "You have confirmed your email address")
		r = b.Get(base + "/pages/name")
		want(t, r, 200, "Continue")
		if strings.Contains(r.Body, "Save and come back later") {
			t.Fatal("save and come back offered without an account")
		}
		want(t, b.PostForm(base+"/pages/name", url.Values{"name": {""}}), 422, `href="#name"`)
		wantRedirect(t, b.PostForm(base+"/pages/name", url.Values{"name": {"Pat Public"}}), base+"/pages/contact")
		// The address just proved is filled in, and is the one kept.
		want(t, b.Get(base+"/pages/contact"), 200, `value="Pat@example.com"`)
		want(t, b.PostForm(base+"/pages/contact", url.Values{"email": {"someone.else@example.com"}}), 422, "Use the email address you confirmed")
		wantRedirect(t, b.PostForm(base+"/pages/contact", url.Values{"email": {"pat@example.com"}}), base+"/pages/address")
		wantRedirect(t, b.PostForm(base+"/pages/address", url.Values{}), base+"/pages/service-area")
		wantRedirect(t, b.PostForm(base+"/pages/service-area", url.Values{"service_area": {"highways"}}), base+"/pages/details")
		wantRedirect(t, b.PostForm(base+"/pages/details", url.Values{"details": {"Bins not collected on Elm Road."}}), base+"/pages/evidence")
		wantRedirect(t, b.PostForm(base+"/pages/evidence", url.Values{}), base+"/pages/complained-before")
		wantRedirect(t, b.PostForm(base+"/pages/complained-before", url.Values{"complained_before": {"no"}}), base+"/pages/desired-outcome")
		wantRedirect(t, b.PostForm(base+"/pages/desired-outcome", url.Values{"desired_outcome": {"Collect them"}}), base+"/check-answers")
		want(t, b.Get(base+"/check-answers"), 200, "Check your answers", "Pat Public", "Bins not collected on Elm Road.")

		wantRedirect(t, b.PostForm(base+"/check-answers", nil), base+"/anonymous/confirmation")
		r = b.Get(base + "/anonymous/confirmation")
		ref := referencePattern.FindString(r.Body)
		want(t, r, 200, "Complaint received", "govuk-panel--confirmation", "Keep your reference number")
		if ref == "" {
			t.Fatalf("no reference:\n%s", r.Body)
		}
		c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
		noErr(t, err)
		if c.ApplicantID != "" || c.ApplicantEmail != "Pat@example.com" || c.Answers["name"] != "Pat Public" {
			t.Fatalf("case applicant %q email %q answers %v", c.ApplicantID, c.ApplicantEmail, c.Answers)
		}
		// The session ended with the submission: no second case from it.
		wantRedirect(t, b.PostForm(base+"/check-answers", nil), base+"/start")
		want(t, b.Get(base+"/start"), 200, "Continue without an account")

		// Another address's session does not reach the case.
		other := e.srv.Browser()
		wantRedirect(t, other.PostForm(base+"/anonymous/email", url.Values{"email": {"eve@example.net"}}), base+"/anonymous/code")
		wantRedirect(t, other.PostForm(base+"/anonymous/code", url.Values{"code": {e.codeSentTo("eve@example.net")}}), base+"/pages/name")
		want(t, other.Get(base+"/check-answers"), 303)
		if r := other.Get("/services/requests/" + ref); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/sign-in") {
			t.Fatalf("other address reading the case: %d %s", r.Status, r.Header.Get("Location"))
		}
		if r := other.Get(base + "/anonymous/confirmation"); r.Status != 303 || strings.Contains(r.Body, ref) {
			t.Fatalf("other browser sees the confirmation: %d", r.Status)
		}
		// Tracking: a fresh code to the address the case was started with
		// shows it; another address's code shows nothing.
		track := e.srv.Browser()
		want(t, track.Get("/services/track"), 200, "Track a request", `name="reference"`)
		wantRedirect(t, track.Get("/services/track/"+ref), "/services/track")
		want(t, track.PostForm("/services/track", url.Values{"reference": {""}, "email": {"pat@"}}), 422, `href="#reference"`, `href="#email"`)
		wantRedirect(t, track.PostForm("/services/track", url.Values{"reference": {strings.ToLower(ref)}, "email": {"pat@example.com"}}), "/services/track/code")
		want(t, track.Get("/services/track/code"), 200, "Check your email", "pat@example.com")
		code = e.codeSentTo("pat@example.com")
		want(t, track.PostForm("/services/track/code", url.Values{"code": {otherCode(code)}}), 422, `href="#code"`, "The code is not correct")
		wantRedirect(t, track.PostForm("/services/track/code", url.Values{"code": {code}}), "/services/track/"+ref)
		want(t, track.Get("/services/track/"+ref), 200, ref, "Received", "Bins not collected on Elm Road.", "Make a complaint", "There are no messages yet.")
		// The council asks a question and answers at stage 1; Pat reads both
		// and replies, all without an account.
		cara := &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Cara"].ID, Name: "Cara Caseworker", OrgID: e.org.ID,
			Roles: e.users["Cara"].Roles, BusinessUnits: e.users["Cara"].BusinessUnits}
		_, err = e.svc.AddNote(e.ctx, cara, c.ID, "Which bin was missed?", services.ToApplicant)
		noErr(t, err)
		// Pat is told by email that a message waits (not what it says).
		pending, err := services.NewOutbox(e.db, nil).Pending(e.ctx, 1000)
		noErr(t, err)
		told := false
		for _, m := range pending {
			if m.Template == "case-message" && strings.EqualFold(m.To.Value, "pat@example.com") && strings.Contains(m.Subject, ref) && !strings.Contains(m.Body, "Which bin") {
				told = true
			}
		}
		if !told {
			t.Fatal("no email told Pat of the council's message")
		}
		_, err = e.svc.AddNote(e.ctx, cara, c.ID, "Internal: crew short-staffed", services.Internal)
		noErr(t, err)
		e.sendStage1(ref, "The crew will return on Friday.")
		r = track.Get("/services/track/" + ref)
		want(t, r, 200, "Our response", "The crew will return on Friday.", "Partly upheld", "Which bin was missed?", "Stage 1 response sent")
		if strings.Contains(r.Body, "short-staffed") {
			t.Fatal("an internal note shown to the applicant")
		}
		want(t, track.PostForm("/services/track/"+ref+"/messages", url.Values{"text": {" "}}), 422, `href="#text"`, "Enter a message")
		wantRedirect(t, track.PostForm("/services/track/"+ref+"/messages", url.Values{"text": {"The green one."}}), "/services/track/"+ref)
		want(t, track.Get("/services/track/"+ref), 200, "The green one.", "Your message has been sent")
		// Not satisfied, Pat asks for a stage 2 review, giving the reason.
		want(t, track.Get("/services/track/"+ref), 200, "Ask for a stage 2 review", "/services/track/"+ref+"/move/escalate_stage2")
		want(t, track.Get("/services/track/"+ref+"/move/escalate_stage2"), 200, "You cannot undo this", "Why are you not satisfied")
		now, err := e.svc.FindByReference(e.ctx, e.sys, ref)
		noErr(t, err)
		moveTo := url.Values{"transition": {"escalate_stage2"}, "version": {fmt.Sprint(now.Version)}}
		want(t, track.PostForm("/services/track/"+ref+"/move", moveTo), 422, "Tell us why")
		moveTo.Set("reason", "The green bin was missed again.")
		if r := other.PostForm("/services/track/"+ref+"/move", moveTo); r.Status == 303 && r.Header.Get("Location") == "/services/track/"+ref {
			t.Fatal("another address moved Pat's complaint")
		}
		wantRedirect(t, track.PostForm("/services/track/"+ref+"/move", moveTo), "/services/track/"+ref)
		want(t, track.Get("/services/track/"+ref), 200, "Stage 2: review", "The green bin was missed again.")
		notes, err := e.svc.ListNotes(e.ctx, cara, c.ID)
		noErr(t, err)
		if last := notes[len(notes)-2]; last.Body != "The green one." || !strings.EqualFold(last.AuthorName, "pat@example.com") || last.AuthorID != "" {
			t.Fatalf("Pat's reply as staff see it: %+v", last)
		}
		wantRedirect(t, other.PostForm("/services/track", url.Values{"reference": {ref}, "email": {"eve@example.net"}}), "/services/track/code")
		wantRedirect(t, other.PostForm("/services/track/code", url.Values{"code": {e.codeSentTo("eve@example.net")}}), "/services/track/"+ref)
		r = other.Get("/services/track/" + ref)
		want(t, r, 404, "We could not find a request")
		if strings.Contains(r.Body, "Bins not collected") {
			t.Fatal("case shown to another address")
		}
		// Nor can it post to it.
		if r := other.PostForm("/services/track/"+ref+"/messages", url.Values{"text": {"hijack"}}); r.Status == 303 && r.Header.Get("Location") == "/services/track/"+ref {
			t.Fatal("another address replied on the case")
		}
		// A tracking session is for its reference only, and signed-in
		// people are sent to their requests.
		wantRedirect(t, track.Get("/services/track/COMP-2026-999999"), "/services/track")
		wantRedirect(t, e.browser("Rita").Get("/services/track"), "/services/requests")

		sess := services.EmailSession{OrgID: e.org.ID, Email: "eve@example.net"}
		if _, err := e.svc.CaseForEmail(e.ctx, sess, ref); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("CaseForEmail for another address: %v", err)
		}
	})
}

// TestAnonymousRefusals: CSRF, expired and exhausted codes, rate limits,
// services anonymous people may not use, and routes that stay sign-in only.
func TestAnonymousRefusals(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	base := "/services/complaints"
	b := e.browser("")

	// No CSRF token: refused, and no code sent.
	r := b.Do("POST", base+"/anonymous/email", strings.NewReader(url.Values{"email": {"sam@example.com"}}.Encode()),
		map[string][]string{"Content-Type": {"application/x-www-form-urlencoded"}})
	want(t, r, 403)
	msgs, err := services.NewOutbox(e.db, nil).Pending(e.ctx, 1000)
	noErr(t, err)
	if len(msgs) != 0 {
		t.Fatalf("code sent without CSRF: %v", msgs)
	}

	// Five wrong codes kill it; the sixth try says so.
	e.verifyStart(b, "sam@example.com")
	code := e.codeSentTo("sam@example.com")
	for range services.CodeAttempts {
		want(t, b.PostForm(base+"/anonymous/code", url.Values{"code": {otherCode(code)}}), 422, "The code is not correct")
	}
	want(t, b.PostForm(base+"/anonymous/code", url.Values{"code": {code}}), 422, `href="#code"`, "wrong code too many times", "send a new code")

	// Codes per address per hour are limited, and the page says so.
	for range 4 {
		e.verifyStart(b, "sam@example.com")
	}
	r = b.PostForm(base+"/anonymous/email", url.Values{"email": {"sam@example.com"}})
	want(t, r, 429, "There is a problem", `href="#email"`, "Too many codes have been sent")

	// Signed out, the service list shows only what admits anonymous starts,
	// with the way to track a request and to sign in.
	list := b.Get("/services")
	want(t, list, 200, `href="/services/complaints/start"`, `href="/services/track"`, "Sign in")
	if strings.Contains(list.Body, "pothole") || strings.Contains(list.Body, `href="/services/requests"`) {
		t.Fatal("the signed-out list offers a residents-only service or the signed-in requests page")
	}

	// Signed-out visitors are sent to sign in for a residents-only service,
	// requests and tracking.
	e.publish(&definition.Definition{
		ID: "pothole", Version: 1, Title: "Report a pothole", ReferencePrefix: "POT", OwnerUnit: "Customer Services",
		Classification: platform.Official, Retention: "complaints-6y",
		Start:  definition.Start{Who: []definition.Audience{definition.AudienceResidents}},
		Fields: []definition.Field{{ID: "where", Type: definition.TypeText, Label: "Where is it?", Required: true}},
		Pages:  []definition.Page{{ID: "where", Fields: []string{"where"}}},
		Workflow: definition.Workflow{Initial: "received", States: []definition.State{{ID: "received", Label: "Received"}, {ID: "done", Label: "Done", Terminal: true}},
			Transitions: []definition.Transition{{ID: "close", Label: "Close", From: []string{"received"}, To: "done"}}},
	})
	for _, path := range []string{"/services/pothole/start", "/services/pothole/pages/where", "/services/pothole/anonymous/email",
		"/services/requests", "/services/requests/COMP-2026-000001", base + "/confirmation/COMP-2026-000001"} {
		if r := b.Get(path); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/sign-in?return=") {
			t.Fatalf("GET %s signed out: %d %s", path, r.Status, r.Header.Get("Location"))
		}
	}
	if r := b.PostForm("/services/pothole/anonymous/email", url.Values{"email": {"sam@example.com"}}); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/sign-in") {
		t.Fatalf("POST to a residents-only service signed out: %d %s", r.Status, r.Header.Get("Location"))
	}

	// Signed in, the anonymous steps are not needed.
	wantRedirect(t, e.browser("Rita").Get(base+"/anonymous/email"), base+"/start")
	want(t, e.browser("Rita").Get(base+"/start"), 200, "Start now")
}

// verifyStart asks for a code for the complaints service.
func (e *env) verifyStart(b *webtest.Browser, email string) {
	e.t.Helper()
	wantRedirect(e.t, b.PostForm("/services/complaints/anonymous/email", url.Values{"email": {email}}), "/services/complaints/anonymous/code")
}

// otherCode is a well-formed code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}
