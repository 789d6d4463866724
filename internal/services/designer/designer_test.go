package designer

import (
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

// post sends a designer form with the draft's current revision, read from
// the page the form is on.
func post(t *testing.T, b *webtest.Browser, page, action string, values url.Values) *webtest.Response {
	t.Helper()
	r := b.Get(page)
	want(t, r, 200)
	values.Set("revision", revision(t, r))
	return b.PostForm(action, values)
}

// TestDesignAndPublish: a designer builds a service through the plain
// forms alone (details, a choice question with branching, a state with a
// clock and a notification, a guarded transition), sees the checker's
// problems on the way, publishes version 1 and sees what changed; a
// resident's case then pins it; a second version that drops the state the
// case is in is refused with the state named, and nothing is published.
func TestDesignAndPublish(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		dee := e.browser("Dee")
		want(t, dee.Get("/designer"), 200, "Start a new service")

		// A bad ID and a missing title are both named, and nothing is made.
		want(t, dee.PostForm("/designer", url.Values{"id": {"Bad ID"}}), 422, "Enter the service&#39;s title", "lower-case words joined by hyphens")
		wantRedirect(t, dee.PostForm("/designer", url.Values{"id": {"report-pothole"}, "title": {"Report a pothole"}}), "/designer/report-pothole")
		want(t, dee.PostForm("/designer", url.Values{"id": {"report-pothole"}, "title": {"Again"}}), 422, "already being designed")

		base := "/designer/report-pothole"
		// The skeleton lacks a reference prefix and an owner: the checker says so.
		want(t, dee.Get(base), 200, "Report a pothole", "problems to fix before publishing", "reference_prefix")
		wantRedirect(t, post(t, dee, base+"/details", base+"/details", url.Values{"title": {"Report a pothole"}, "reference_prefix": {"pot"},
			"owner_unit": {"Customer Services"}, "who": {"residents"}, "classification": {"OFFICIAL"}, "check_answers": {"yes"},
			"confirmation_title": {"Pothole reported"}, "confirmation_body": {"Your reference is {{reference}}."}}), base)

		// A choice question on a page of its own, after the first page.
		want(t, dee.Get(base+"/new-field"), 200, "What kind of answer does it take?")
		want(t, dee.Get(base+"/new-field?type=choice"), 200, `name="options"`)
		wantRedirect(t, post(t, dee, base+"/new-field?type=choice", base+"/new-field", url.Values{"label": {"How deep is it?"}, "id": {"depth"},
			"type": {"choice"}, "required": {"yes"}, "page": {"+own"}, "options": {"shallow | Less than 5cm\ndeep | 5cm or more | A wheel could drop in"}}), base)
		// Bad input on a question names the fields and changes nothing.
		want(t, post(t, dee, base+"/new-field?type=number", base+"/new-field", url.Values{"label": {""}, "id": {"9x"}, "type": {"number"}, "min": {"lots"}, "page": {"+own"}}),
			422, "Enter the question", "Enter an ID", "as a number")
		wantRedirect(t, post(t, dee, base+"/new-field?type=long_text", base+"/new-field", url.Values{"label": {"Why is it urgent?"}, "id": {"urgent_reason"},
			"type": {"long_text"}, "page": {"+none"}}), base)
		wantRedirect(t, post(t, dee, base+"/new-page", base+"/new-page", url.Values{"id": {"urgent"}, "fields": {"urgent_reason"}, "rules": {"2"}}), base+"/pages/urgent")
		// Branch: deep holes ask why it is urgent, others end the questions.
		wantRedirect(t, post(t, dee, base+"/pages/depth", base+"/pages/depth", url.Values{"id": {"depth"}, "fields": {"depth"}, "rules": {"2"},
			"rule0_test": {"equals"}, "rule0_field": {"depth"}, "rule0_value": {"deep"}, "rule0_goto": {"urgent"},
			"rule1_test": {"always"}, "rule1_goto": {"check-answers"}}), base+"/pages/depth")

		// Workflow: a state with a clock and a notification, and a guarded transition.
		wantRedirect(t, post(t, dee, base+"/new-state", base+"/new-state", url.Values{"id": {"inspecting"}, "label": {"Inspecting"}, "sla_days": {"5"}, "at_risk_days": {"2"}, "notify_role": {"manager"}}), base+"/states/inspecting")
		wantRedirect(t, post(t, dee, base+"/states/inspecting", base+"/states/inspecting/actions", url.Values{"kind": {"notify"}, "to": {"applicant"},
			"subject": {"Pothole {{reference}}"}, "body": {"We are inspecting it."}}), base+"/states/inspecting")
		want(t, dee.Get(base+"/states/inspecting"), 200, "Tell applicant: Pothole {{reference}}")
		wantRedirect(t, post(t, dee, base, base+"/new-transition", url.Values{"id": {"inspect"}, "label": {"Start inspecting"}, "from": {"submitted"}, "to": {"inspecting"}, "roles": {"caseworker"}, "units": {"Customer Services"}}), base)
		wantRedirect(t, post(t, dee, base+"/transitions/close", base+"/transitions/close", url.Values{"id": {"close"}, "label": {"Close"}, "from": {"submitted", "inspecting"}, "to": {"closed"}}), base)

		// A stale form is refused, not saved over the later change.
		stale := dee.PostForm(base+"/details", url.Values{"revision": {"1"}, "title": {"Lost"}})
		want(t, stale, 409, "Someone else changed this draft")

		ov := dee.Get(base)
		want(t, ov, 200, "How deep is it?", "Inspecting", "Start inspecting")
		if strings.Contains(ov.Body, "problems to fix") {
			t.Fatalf("the draft still has problems:\n%s", ov.Body)
		}
		// The draft's YAML is the definition language, and parses.
		y := dee.Get(base + "/yaml")
		want(t, y, 200, "reference_prefix: POT", "goto: urgent")

		want(t, dee.Get(base+"/publish"), 200, "Publish version 1")
		r := post(t, dee, base+"/publish", base+"/publish", url.Values{})
		wantRedirect(t, r, base+"/versions/1")
		want(t, dee.Get(base+"/versions/1"), 200, "first version", "<ins>+ id: report-pothole</ins>")
		want(t, dee.Get(base), 404)
		pub, err := e.svc.GetDefinition(e.ctx, e.sys, "report-pothole", 0)
		noErr(t, err)
		src, err := Encode(pub.Def)
		noErr(t, err)
		if string(src) != string(pub.Source) {
			t.Fatalf("the published source is not the designer's YAML:\n%s\n---\n%s", pub.Source, src)
		}
		if _, err := definition.Parse(pub.Source, "published.yaml"); err != nil {
			t.Fatal(err)
		}

		// A resident's case sits in "submitted" on version 1.
		c, err := e.svc.Submit(e.ctx, e.subject("Rita"), "report-pothole", definition.Answers{"depth": "shallow", "details": "By the school gates"}, services.SubmitOptions{})
		noErr(t, err)
		if c.ServiceVersion != 1 || c.State != "submitted" {
			t.Fatalf("case %+v", c)
		}

		// Version 2 would drop "submitted", where the case is.
		wantRedirect(t, dee.PostForm(base+"/open", url.Values{}), base)
		// Deleting the state the case is in is refused at once, naming it.
		want(t, post(t, dee, base, base+"/states/submitted/delete", url.Values{}), 409, `State &#34;submitted&#34;: 1 open case (version 1) would be stranded`)
		// Renaming it (in the start and the transitions too) is a change
		// the publish check catches.
		wantRedirect(t, post(t, dee, base+"/states/submitted", base+"/states/submitted", url.Values{"id": {"received"}, "label": {"Received"}}), base)
		page := dee.Get(base + "/publish")
		want(t, page, 200, "would strand open cases", "<strong>submitted</strong>: 1 open case")
		refused := post(t, dee, base, base+"/publish", url.Values{})
		want(t, refused, 409, `State &#34;submitted&#34;: 1 open case (version 1) would be stranded`)
		if latest, err := e.svc.GetDefinition(e.ctx, e.sys, "report-pothole", 0); err != nil || latest.Def.Version != 1 {
			t.Fatalf("latest %v, %v", latest.Def.Version, err)
		}
		want(t, dee.Get(base), 200, "Draft of version 2")

		// Keeping the state (its old ID back, and reachable) publishes
		// version 2, and its page shows what changed.
		wantRedirect(t, post(t, dee, base+"/states/received", base+"/states/received", url.Values{"id": {"submitted"}, "label": {"Received"}}), base)
		wantRedirect(t, post(t, dee, base+"/publish", base+"/publish", url.Values{}), base+"/versions/2")
		want(t, dee.Get(base+"/versions/2"), 200, "since version 1", "<del>- version: 1</del>", "<ins>+ version: 2</ins>", "<del>-       label: Submitted</del>", "<ins>+       label: Received</ins>")
		got, err := e.svc.GetCase(e.ctx, e.sys, c.ID)
		noErr(t, err)
		if got.ServiceVersion != 1 {
			t.Fatalf("the case moved to version %d", got.ServiceVersion)
		}
	})
}

// TestOnlyDesigners: residents and caseworkers cannot reach the designer,
// nor publish through it.
func TestOnlyDesigners(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	for _, who := range []string{"Rita", "Cara"} {
		b := e.browser(who)
		want(t, b.Get("/designer"), 403)
		want(t, b.PostForm("/designer", url.Values{"id": {"x-y"}, "title": {"X"}}), 403)
	}
	if _, err := e.svc.OpenCaseStates(e.ctx, e.subject("Cara"), "complaints"); platform.CodeOf(err) != platform.CodeForbidden {
		t.Fatalf("a caseworker counted open cases: %v", err)
	}
}

// TestAssignToAPersonQuestion: a state's assignment can give the case to
// the person answered in a person question (as the risk register gives a
// risk to its owner), chosen from the service's person questions; any
// other question is refused, and the YAML says person: with the field.
func TestAssignToAPersonQuestion(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	dee := e.browser("Dee")
	wantRedirect(t, dee.PostForm("/designer", url.Values{"id": {"report-pothole"}, "title": {"Report a pothole"}}), "/designer/report-pothole")
	base := "/designer/report-pothole"
	state := base + "/states/submitted"
	// No person question yet: the assignment offers nobody to give it to.
	if r := dee.Get(state); strings.Contains(r.Body, `name="assign_person"`) {
		t.Fatal("the assignment offers a person with no person question in the service")
	}
	wantRedirect(t, post(t, dee, base+"/new-field?type=person", base+"/new-field", url.Values{"label": {"Inspector"}, "id": {"inspector"},
		"type": {"person"}, "page": {"+own"}}), base)
	wantRedirect(t, post(t, dee, base+"/new-field?type=text", base+"/new-field", url.Values{"label": {"Where is it?"}, "id": {"location"},
		"type": {"text"}, "page": {"+own"}}), base)
	want(t, dee.Get(state), 200, `name="assign_person"`, "The person answered in Inspector")
	want(t, post(t, dee, state, state+"/actions", url.Values{"kind": {"assign"}, "assign_queue": {"roads"}, "assign_person": {"location"}}),
		422, "Choose a person question from the list")
	wantRedirect(t, post(t, dee, state, state+"/actions", url.Values{"kind": {"assign"}, "assign_queue": {"roads"}, "assign_person": {"inspector"}}), state)
	want(t, dee.Get(state), 200, "Put in queue roads, given to the person answered in Inspector")
	want(t, dee.Get(base+"/yaml"), 200, "queue: roads\n            person: inspector")
}
