package portal

import (
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestResidentCompletesComplaint is the main journey, on SQLite and
// PostgreSQL: branching, validation keeping what was typed, a change from
// check-your-answers that drops a stale branch, save and come back,
// submission, confirmation and tracking.
func TestResidentCompletesComplaint(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		b := e.browser("Rita")
		base := "/services/complaints"

		want(t, b.Get("/services"), 200, "Make a complaint", `href="/services/complaints/start"`, "Your requests")
		want(t, b.Get(base+"/start"), 200, "Start now", base+"/pages/name")

		// Her name and email come from her account.
		want(t, b.Get(base+"/pages/name"), 200, `value="Rita Resident"`)
		// Validation: nothing typed, then a bad email with the name kept.
		want(t, b.PostForm(base+"/pages/name", url.Values{"name": {""}}), 422, "There is a problem", "Error:", `href="#name"`)
		wantRedirect(t, b.PostForm(base+"/pages/name", url.Values{"name": {"Rita Resident"}}), base+"/pages/contact")
		r := b.PostForm(base+"/pages/contact", url.Values{"email": {"rita@"}, "phone": {"01632 960 001"}})
		want(t, r, 422, `href="#email"`, `value="rita@"`, `value="01632 960 001"`)
		wantRedirect(t, b.PostForm(base+"/pages/contact", url.Values{"email": {"rita@example.org"}}), base+"/pages/address")
		wantRedirect(t, b.PostForm(base+"/pages/address", url.Values{}), base+"/pages/service-area")
		wantRedirect(t, b.PostForm(base+"/pages/service-area", url.Values{"service_area": {"highways"}}), base+"/pages/details")

		// Save and come back later.
		wantRedirect(t, b.PostForm(base+"/pages/details", url.Values{"details": {"The pothole on Mill Lane is still there."}, "action": {"save"}}), base+"/saved")
		want(t, b.Get(base+"/saved"), 200, "Your answers have been saved", "/services/requests")
		want(t, b.Get("/services/requests"), 200, "Make a complaint", base+"/pages/evidence", "You have not sent any requests yet.")
		want(t, b.Get(base+"/start"), 200, "Continue", base+"/pages/evidence")
		want(t, b.Get(base+"/pages/details"), 200, "The pothole on Mill Lane is still there.")

		// Branch: yes asks for the previous reference.
		wantRedirect(t, b.PostForm(base+"/pages/complained-before", url.Values{"complained_before": {"yes"}}), base+"/pages/previous-complaint")
		want(t, b.Get(base+"/pages/previous-complaint"), 200, "Back", `href="`+base+`/pages/complained-before"`)
		wantRedirect(t, b.PostForm(base+"/pages/previous-complaint", url.Values{"previous_reference": {"COMP-2025-000001"}}), base+"/pages/desired-outcome")
		wantRedirect(t, b.PostForm(base+"/pages/desired-outcome", url.Values{"desired_outcome": {"Fix it"}}), base+"/check-answers")
		want(t, b.Get(base+"/check-answers"), 200, "Check your answers", "COMP-2025-000001", base+"/pages/complained-before?change=1")

		// Change to "no": back to check answers, and the old branch is gone.
		want(t, b.Get(base+"/pages/complained-before?change=1"), 200, `href="`+base+`/check-answers"`, "checked")
		wantRedirect(t, b.PostForm(base+"/pages/complained-before?change=1", url.Values{"complained_before": {"no"}}), base+"/check-answers")
		r = b.Get(base + "/check-answers")
		want(t, r, 200, "No")
		if strings.Contains(r.Body, "COMP-2025-000001") {
			t.Fatal("stale branch answer still shown")
		}
		// A page off the branch sends the person back on track.
		if r := b.Get(base + "/pages/previous-complaint"); r.Status != 303 {
			t.Fatalf("off-branch page: %d", r.Status)
		}

		r = b.PostForm(base+"/check-answers", nil)
		if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), base+"/confirmation/COMP-") {
			t.Fatalf("submit: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
		}
		ref := referencePattern.FindString(r.Header.Get("Location"))
		want(t, b.Get(r.Header.Get("Location")), 200, "Complaint received", ref, "govuk-panel--confirmation")

		c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
		noErr(t, err)
		if _, ok := c.Answers["previous_reference"]; ok {
			t.Fatalf("stale branch answer submitted: %v", c.Answers)
		}
		if c.ApplicantID != e.users["Rita"].ID || c.SubmittedBy != e.users["Rita"].ID {
			t.Fatalf("applicant %s submitted by %s", c.ApplicantID, c.SubmittedBy)
		}
		r = b.Get("/services/requests")
		want(t, r, 200, ref, "Received", "You have no saved answers.")
		want(t, b.Get("/services/requests/"+ref), 200, ref, "Received", "Submitted", "Fix it", "There are no messages yet.")
	})
}
