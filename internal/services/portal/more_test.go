package portal

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

// fillComplaint answers every complaint page under base, taking the "no"
// branch, and submits; it returns the reference.
func fillComplaint(t *testing.T, b *webtest.Browser, base, name string) string {
	t.Helper()
	for _, step := range []struct {
		page string
		v    url.Values
	}{
		{"name", url.Values{"name": {name}}},
		{"contact", url.Values{"email": {"someone@example.org"}}},
		{"address", url.Values{}},
		{"service-area", url.Values{"service_area": {"waste"}}},
		{"details", url.Values{"details": {"The recycling centre was shut without notice."}}},
		{"evidence", url.Values{}},
		{"complained-before", url.Values{"complained_before": {"no"}}},
		{"desired-outcome", url.Values{"desired_outcome": {"Post opening hours"}}},
	} {
		if r := b.PostForm(base+"/pages/"+step.page, step.v); r.Status != 303 {
			t.Fatalf("%s: %d\n%s", step.page, r.Status, r.Body)
		}
	}
	r := b.PostForm(base+"/check-answers", nil)
	ref := referencePattern.FindString(r.Header.Get("Location"))
	if r.Status != 303 || ref == "" {
		t.Fatalf("submit: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	return ref
}

// TestMessagesAndPrivacy: the resident reads a message from staff and
// replies; another resident cannot see the case at all.
func TestMessagesAndPrivacy(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	rita := e.browser("Rita")
	ref := fillComplaint(t, rita, "/services/complaints", "Rita Resident")
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	cara := &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Cara"].ID, Name: "Cara Caseworker", OrgID: e.org.ID,
		Roles: e.users["Cara"].Roles, BusinessUnits: e.users["Cara"].BusinessUnits}
	_, err = e.svc.AddNote(e.ctx, cara, c.ID, "Which day did you visit?", services.ToApplicant)
	noErr(t, err)
	_, err = e.svc.AddNote(e.ctx, cara, c.ID, "Internal: check the rota", services.Internal)
	noErr(t, err)

	_, err = e.svc.AddAttachment(e.ctx, cara, c.ID, definition.File{Name: "rota-2026.txt", MediaType: "text/plain"}, []byte("the rota"))
	noErr(t, err)

	r := rita.Get("/services/requests/" + ref)
	want(t, r, 200, "Which day did you visit?", "The council")
	if strings.Contains(r.Body, "check the rota") {
		t.Fatal("internal note shown to the resident")
	}
	// A file the council added shows as the council's, never by name.
	want(t, r, 200, "The council added a file to its case record")
	if strings.Contains(r.Body, "rota-2026") || strings.Contains(r.Body, "You added a file") {
		t.Fatal("the council's file shown to the resident as theirs or by name")
	}
	want(t, rita.PostForm("/services/requests/"+ref+"/messages", url.Values{"text": {""}}), 422, "There is a problem", `href="#text"`)
	wantRedirect(t, rita.PostForm("/services/requests/"+ref+"/messages", url.Values{"text": {"Tuesday morning"}}), "/services/requests/"+ref)
	want(t, rita.Get("/services/requests/"+ref), 200, "Tuesday morning", "You", "Your message has been sent")

	ray := e.browser("Ray")
	want(t, ray.Get("/services/requests/"+ref), 404)
	want(t, ray.PostForm("/services/requests/"+ref+"/messages", url.Values{"text": {"hello"}}), 404)
	if r := ray.Get("/services/requests"); strings.Contains(r.Body, ref) {
		t.Fatal("another resident's case listed")
	}
	// Signed out: the requests list (and so the case) needs sign-in.
	if r := e.browser("").Get("/services/requests"); r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/sign-in") {
		t.Fatalf("signed out: %d %s", r.Status, r.Header.Get("Location"))
	}
}

// TestStageTwoByApplicant: once stage 1 is answered the resident may ask
// for a stage 2 review from the track page.
func TestStageTwoByApplicant(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	rita := e.browser("Rita")
	ref := fillComplaint(t, rita, "/services/complaints", "Rita Resident")
	cara := &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Cara"].ID, Name: "Cara", OrgID: e.org.ID,
		Roles: e.users["Cara"].Roles, BusinessUnits: e.users["Cara"].BusinessUnits}
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	if r := rita.Get("/services/requests/" + ref); strings.Contains(r.Body, "Ask for a stage 2 review") {
		t.Fatal("stage 2 offered too early")
	}
	c, err = e.svc.Transition(e.ctx, cara, c.ID, "acknowledge", c.Version, nil)
	noErr(t, err)
	if r := rita.Get("/services/requests/" + ref); strings.Contains(r.Body, "Our response") {
		t.Fatal("a response shown before staff gave one")
	}
	c, err = e.svc.Transition(e.ctx, cara, c.ID, "send_stage1_response", c.Version, definition.Answers{"stage1_response": "We are sorry.", "outcome": "partly_upheld"})
	noErr(t, err)
	// The response and outcome are shared with her as soon as they are sent;
	// the internal Ombudsman reference field, empty, is not shown.
	r := rita.Get("/services/requests/" + ref)
	want(t, r, 200, "Our response", "We are sorry.", "Partly upheld", "Ask for a stage 2 review", "Stage 1 response sent")
	if strings.Contains(r.Body, "Ombudsman reference") {
		t.Fatal("an unshared internal field shown to the applicant")
	}
	// The move is a link to a page that says it cannot be undone and asks why.
	move := "/services/requests/" + ref + "/move/escalate_stage2"
	want(t, rita.Get(move), 200, "You cannot undo this", "Why are you not satisfied with our stage 1 response?")
	want(t, rita.Get("/services/requests/"+ref+"/move/resolve"), 303)
	// No reason: refused, and nothing changes.
	want(t, rita.PostForm("/services/requests/"+ref+"/transition", url.Values{"transition": {"escalate_stage2"}, "version": {fmt.Sprint(c.Version)}, "reason": {"  "}}), 422, "Tell us why")
	if now, _ := e.svc.FindByReference(e.ctx, e.sys, ref); now.State != "stage1_responded" {
		t.Fatalf("a move without its reason changed the case to %s", now.State)
	}
	// A page shown before staff changed the case is a clear conflict.
	want(t, rita.PostForm("/services/requests/"+ref+"/transition", url.Values{"transition": {"escalate_stage2"}, "version": {"1"}, "reason": {"Still shut"}}), 409, "There is a problem")
	wantRedirect(t, rita.PostForm("/services/requests/"+ref+"/transition", url.Values{"transition": {"escalate_stage2"}, "version": {fmt.Sprint(c.Version)}, "reason": {"It was shut again on Saturday."}}), "/services/requests/"+ref)
	want(t, rita.Get("/services/requests/"+ref), 200, "Stage 2: review", "Status changed to Stage 2: review", "It was shut again on Saturday.")
	// Staff read her reason as a message on the case.
	notes, err := e.svc.ListNotes(e.ctx, cara, c.ID)
	noErr(t, err)
	if len(notes) != 1 || notes[0].AuthorID != e.users["Rita"].ID || !strings.Contains(notes[0].Body, "It was shut again on Saturday.") {
		t.Fatalf("reason not given to staff: %+v", notes)
	}
	// Rita cannot resolve her own complaint: only her own moves are offered.
	want(t, rita.PostForm("/services/requests/"+ref+"/transition", url.Values{"transition": {"resolve"}}), 403)
}

// TestFrontDeskActsForResident: staff outside the unit that owns
// complaints fill one in for a resident to the end: the case is made, they
// see its reference to give the caller, and they still cannot open it.
func TestFrontDeskActsForResident(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	fay := e.browser("Fay")
	rita := e.users["Rita"]
	base := "/services/assist/" + rita.ID + "/complaints"
	ref := fillComplaint(t, fay, base, "Rita Resident")
	want(t, fay.Get(base+"/confirmation/"+ref), 200, "Submitted for Rita Resident", ref)
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	if c.ApplicantID != rita.ID || c.SubmittedBy != e.users["Fay"].ID {
		t.Fatalf("applicant %s submitted by %s", c.ApplicantID, c.SubmittedBy)
	}
	faySub := &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Fay"].ID, OrgID: e.org.ID, Roles: e.users["Fay"].Roles, BusinessUnits: e.users["Fay"].BusinessUnits}
	if _, err := e.svc.FindByReference(e.ctx, faySub, ref); err == nil {
		t.Fatal("front-desk staff can open the complaint they filled in")
	}
	// Another member of staff cannot use the confirmation to learn of it.
	want(t, e.browser("Cara").Get(base+"/confirmation/"+ref), 404)
	// Acting for someone does not let staff create cases for themselves
	// in a unit they are not in.
	_, err = e.svc.Submit(e.ctx, faySub, "complaints", c.Answers, services.SubmitOptions{})
	if platform.CodeOf(err) != platform.CodeForbidden {
		t.Fatalf("staff submitting their own complaint outside their unit: %v", err)
	}
}

// TestCallerWithoutAccount: a caller who has no account is found nowhere,
// recorded once (the same person again is offered, not duplicated), and the
// front desk makes their complaint, which is theirs.
func TestCallerWithoutAccount(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	fay := e.browser("Fay")
	want(t, fay.Get("/services/assist?postcode=ME14+1XQ"), 200, "No residents match", `href="/services/assist/new"`)
	want(t, fay.Get("/services/assist?postcode=nope"), 400, "Enter a real postcode")
	want(t, fay.Get("/services/assist/new"), 200, "Record someone without an account", "How would they like us to contact them?")
	// Bad input: clear errors, nothing recorded.
	want(t, fay.PostForm("/services/assist/new", url.Values{"name": {""}, "channel": {"phone"}}), 422, `href="#name"`, `href="#phone"`)
	caller := url.Values{"name": {"Pat Caller"}, "phone": {"01622 694000"}, "postcode": {"me14 1xq"}, "birth_date": {"27 3 1984"}, "channel": {"phone"}}
	r := fay.PostForm("/services/assist/new", caller)
	if r.Status != 303 || !strings.HasPrefix(r.Header.Get("Location"), "/services/assist/usr_") {
		t.Fatalf("record caller: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
	}
	patID := strings.TrimPrefix(r.Header.Get("Location"), "/services/assist/")
	want(t, fay.Get("/services/assist/"+patID), 200, "Recorded Pat Caller", "by phone", "Pat Caller")
	// Found again by date of birth or postcode.
	want(t, fay.Get("/services/assist?birth_date=27+3+1984"), 200, "/services/assist/"+patID, "born 27 March 1984", "no account yet")
	want(t, fay.Get("/services/assist?postcode=ME141XQ"), 200, "/services/assist/"+patID)
	// The same person again is offered, not recorded twice.
	r = fay.PostForm("/services/assist/new", url.Values{"name": {"pat caller"}, "postcode": {"ME14 1XQ"}, "channel": {"post"}})
	want(t, r, 409, "We may already have a record of this person", "Act for Pat Caller", `name="not_these" value="yes"`)
	found, err := e.id.Directory().FindResidents(e.ctx, e.sys, platform.ResidentQuery{Postcode: "ME14 1XQ"})
	noErr(t, err)
	if len(found) != 1 {
		t.Fatalf("%d residents at the postcode after a refused duplicate", len(found))
	}
	// The complaint is filled in for Pat, with their name filled in.
	base := "/services/assist/" + patID + "/complaints"
	want(t, fay.Get(base+"/pages/name"), 200, `value="Pat Caller"`)
	want(t, fay.Get(base+"/pages/contact"), 200, `value="01622694000"`) // the phone the front desk recorded
	ref := fillComplaint(t, fay, base, "Pat Caller")
	want(t, fay.Get(base+"/confirmation/"+ref), 200, ref, "They have no email address, so they cannot track it online")
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	if c.ApplicantID != patID || c.SubmittedBy != e.users["Fay"].ID {
		t.Fatalf("the complaint is %s's, submitted by %s", c.ApplicantID, c.SubmittedBy)
	}
	// Residents cannot use the front desk's pages.
	want(t, e.browser("Rita").Get("/services/assist/new"), 403)
	if r := e.browser("Rita").PostForm("/services/assist/new", caller); r.Status != 403 {
		t.Fatalf("a resident recorded a caller: %d", r.Status)
	}
}

// TestAssistedDigital: a caseworker fills in the complaint for a resident;
// the case is the resident's and the audit log records who acted for whom.
func TestAssistedDigital(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	cara := e.browser("Cara")
	want(t, cara.Get("/services"), 200, "/services/assist")
	want(t, cara.Get("/services/assist?q="), 400, "Enter a name, email address, date of birth or postcode")
	rita := e.users["Rita"]
	want(t, cara.Get("/services/assist?q=rita"), 200, "/services/assist/"+rita.ID)
	want(t, cara.Get("/services/assist?q=nobody-here"), 200, "No residents match")
	base := "/services/assist/" + rita.ID + "/complaints"
	want(t, cara.Get("/services/assist/"+rita.ID), 200, base+"/start", "You are acting for")
	want(t, cara.Get(base+"/start"), 200, "You are acting for", "Rita Resident")
	r := cara.Get(base + "/pages/name")
	want(t, r, 200, "You are acting for")
	if strings.Contains(r.Body, "Save and come back later") {
		t.Fatal("assisted journey offers save and come back")
	}
	ref := fillComplaint(t, cara, base, "Rita Resident")
	want(t, cara.Get(base+"/confirmation/"+ref), 200, "Submitted for Rita Resident", ref)

	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	if c.ApplicantID != rita.ID || c.SubmittedBy != e.users["Cara"].ID {
		t.Fatalf("applicant %s submitted by %s", c.ApplicantID, c.SubmittedBy)
	}
	page, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Limit: 200})
	noErr(t, err)
	found := false
	for _, en := range page.Entries {
		if en.Action == "case.create" && en.ResourceID == c.ID {
			found = en.ActingFor == rita.ID && en.ActorID == e.users["Cara"].ID
		}
	}
	if !found {
		t.Fatal("no case.create audit entry acting for the resident")
	}
	// The resident sees it as theirs, submitted for them.
	want(t, e.browser("Rita").Get("/services/requests/"+ref), 200, "Submitted for you by Cara Caseworker")
	// Residents cannot act for anyone.
	want(t, e.browser("Ray").Get("/services/assist"), 403)
	want(t, e.browser("Ray").Get(base+"/start"), 403)
}

// evidenceService asks for one PNG of at most 1 KiB.
func evidenceService() *definition.Definition {
	return &definition.Definition{
		ID: "evidence", Version: 1, Title: "Send evidence", ReferencePrefix: "EVID", OwnerUnit: "Customer Services",
		Classification: platform.Official, Retention: "complaints-6y",
		Start:  definition.Start{Who: []definition.Audience{definition.AudienceResidents}},
		Fields: []definition.Field{{ID: "photo", Type: definition.TypeFile, Label: "Upload a photo", Required: true, MaxBytes: 1024, Accept: []string{"image/png"}}},
		Pages:  []definition.Page{{ID: "photo", Fields: []string{"photo"}}},
		Workflow: definition.Workflow{Initial: "received", States: []definition.State{{ID: "received", Label: "Received"}, {ID: "done", Label: "Done", Terminal: true}},
			Transitions: []definition.Transition{{ID: "close", Label: "Close", From: []string{"received"}, To: "done"}}},
	}
}

// TestUploadsAndCSRF: a file question refuses a file too large or of the
// wrong type with a clear message; a post without a CSRF token is 403.
func TestUploadsAndCSRF(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	e.publish(evidenceService())
	b := e.browser("Rita")
	want(t, b.Get("/services/evidence/pages/photo"), 200, `enctype="multipart/form-data"`, `type="file"`)
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	upload := func(name string, content []byte) *webtest.Response {
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("csrf_token", b.CSRFToken())
		fw, _ := mw.CreateFormFile("photo", name)
		fw.Write(content)
		mw.Close()
		return b.Do("POST", "/services/evidence/pages/photo", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
	}
	want(t, upload("big.png", append(png, bytes.Repeat([]byte{0}, 2000)...)), 422, "The selected file must be smaller than 1 KB", `href="#photo"`)
	want(t, upload("notes.txt", []byte("just some text, not a picture")), 422, "The selected file must be a PNG")
	wantRedirect(t, upload("pic.png", png), "/services/evidence/check-answers")
	want(t, b.Get("/services/evidence/check-answers"), 200, "pic.png")
	r := b.PostForm("/services/evidence/check-answers", nil)
	if r.Status != 303 {
		t.Fatalf("submit: %d\n%s", r.Status, r.Body)
	}
	ref := strings.TrimPrefix(r.Header.Get("Location"), "/services/evidence/confirmation/")
	c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
	noErr(t, err)
	atts, err := e.svc.ListAttachments(e.ctx, e.sys, c.ID)
	noErr(t, err)
	if len(atts) != 1 || atts[0].Name != "pic.png" || atts[0].Size != int64(len(png)) {
		t.Fatalf("attachments %+v", atts)
	}

	// No CSRF token: refused before anything is saved.
	r = b.Do("POST", "/services/complaints/pages/name", strings.NewReader("name=Rita"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
	want(t, r, 403)
	if _, err := e.svc.GetDraft(e.ctx, &platform.Subject{Kind: platform.SubjectUser, UserID: e.users["Rita"].ID, OrgID: e.org.ID, Roles: e.users["Rita"].Roles}, "complaints"); platform.CodeOf(err) != platform.CodeNotFound {
		t.Fatalf("draft saved without CSRF: %v", err)
	}
}
