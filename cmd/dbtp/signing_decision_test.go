package main

import (
	"context"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/signing"
	"dbtp/internal/signing/signingtest"
)

// TestKeyDecisionSignedByTheCabinetMember runs the built-in key-decisions
// service through its sign action on the demo. The demo's own 21/00097,
// signed by Peter Oakford as the demo is seeded, is sealed and published
// with the sealed Record of Decision filed on the case. Then a new
// decision from start to end: proposed, referred, considered, recorded by
// Democratic Services for the Cabinet Member, who finds the Record of
// Decision (made from the built-in template and the case's answers) among
// their tasks and first declines it (the case comes back to Democratic
// Services), then signs the second one through the API; the council seals
// it, the case is published with the sealed record as a record of the
// service's retention class, and dbtp's verifier finds the seal valid.
func TestKeyDecisionSignedByTheCabinetMember(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	eng, ss := r.app.services(), r.app.signing().Store()
	person := func(email string) *platform.Subject {
		t.Helper()
		p, err := demoEnv(r.app).Person(ctx, org, email)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	jo, dana, peter := person("staff@kent.example"), person("democratic@kent.example"), person("cabinet@kent.example")
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(90 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s", what)
			}
			<-time.After(100 * time.Millisecond) // waiting for the jobs queue, not timing it
		}
	}
	state := func(id string) string {
		t.Helper()
		c, err := eng.GetCase(ctx, sys, id)
		if err != nil {
			t.Fatal(err)
		}
		return c.State
	}
	filed := func(caseID, reference string) bool {
		t.Helper()
		p, err := r.app.records().Store().List(ctx, sys, records.Filter{CaseID: caseID})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Documents {
			if d.Source == records.SourceCase && strings.HasPrefix(d.Title, "Record of decision ") && strings.Contains(d.Title, " signed ("+reference+")") {
				return true
			}
		}
		return false
	}

	// The demo's decision: signed as the demo was seeded, then sealed and
	// published on the jobs queue.
	demo, err := eng.Search(ctx, sys, services.CaseFilter{Service: "key-decisions"}, "", 10)
	if err != nil || len(demo.Cases) != 1 {
		t.Fatalf("the demo's decision: %v", err)
	}
	waitFor("21/00097 published", func() bool { return state(demo.Cases[0].ID) == "published" })
	waitFor("21/00097's sealed record filed", func() bool { return filed(demo.Cases[0].ID, demo.Cases[0].Reference) })

	// A new decision, from its proposal.
	c, err := eng.Submit(ctx, jo, "key-decisions", definition.Answers{
		"decision_reference": "26/00012", "decision_title": "Adopting electronic signatures for council contracts",
		"decision_maker": "Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services", "responsible_director": "Director of Infrastructure",
		"is_key_decision": "yes", "key_decision_tests": []string{"spend"}, "electoral_divisions": "All", "report_classification": "unrestricted",
		"summary":         "Contracts are signed on paper and posted; the platform can take them through signing in order and seal them.",
		"recommendations": "To approve electronic signatures for the council's contracts.", "cabinet_committee": "Policy and Resources Cabinet Committee",
	}, services.SubmitOptions{})
	if err != nil {
		t.Fatalf("submit: %v %+v", err, platform.AsError(err).Fields)
	}
	move := func(id, transition string, fields definition.Answers) {
		t.Helper()
		cur, err := eng.GetCase(ctx, sys, id)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := eng.Transition(ctx, dana, id, transition, cur.Version, fields); err != nil {
			t.Fatalf("%s: %v %+v", transition, err, platform.AsError(err).Fields)
		}
	}
	move(c.ID, "refer_to_committee", nil)
	move(c.ID, "record_committee", definition.Answers{"committee_meeting_date": "2026-02-03", "committee_minutes": "RESOLVED that the proposal be endorsed."})
	record := definition.Answers{"outcome": "approved_with_changes", "decision_date": "2026-02-10", "cabinet_member": peter.UserID,
		"decision_notes": "Approved, with contracts over £1m also signed by the Section 151 officer."}
	move(c.ID, "record_decision", record)
	if got := state(c.ID); got != "awaiting_signature" {
		t.Fatalf("after recording: %s", got)
	}
	// Democratic Services may not publish it themselves: only the signature does.
	cur, _ := eng.GetCase(ctx, sys, c.ID)
	if _, err := eng.Transition(ctx, dana, c.ID, "publish_decision", cur.Version, nil); platform.CodeOf(err) != platform.CodeForbidden {
		t.Fatalf("Democratic Services publishing unsigned: %v", err)
	}

	// The Record of Decision waits among the Cabinet Member's tasks.
	task := func() signing.Envelope {
		t.Helper()
		var env signing.Envelope
		waitFor("the Record of Decision among Peter's tasks", func() bool {
			tasks, err := ss.ToSign(ctx, peter)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range tasks {
				if e.CaseID == c.ID {
					env = e
					return true
				}
			}
			return false
		})
		return env
	}
	env := task()
	if env.Title != "Record of Decision 26/00012: Adopting electronic signatures for council contracts" {
		t.Fatalf("title %q", env.Title)
	}
	doc, err := ss.Document(ctx, signing.Actor{Subject: peter, EnvelopeID: env.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The answers as people read them: labels, not stored values.
	signingtest.Need(t, "pdftotext")
	text, err := exec.Command("pdftotext", "-layout", signingtest.WriteTemp(t, "record.pdf", doc), "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Decision number: 26/00012", "Key decision: Yes", "Classification of the report: Unrestricted",
		"3 February 2026", "Approved with changes, on 10 February 2026", "I take the decision above"} {
		if !strings.Contains(strings.Join(strings.Fields(string(text)), " "), want) {
			t.Fatalf("the Record of Decision lacks %q:\n%s", want, text)
		}
	}
	// Declined: back to Democratic Services, who record it again; a new
	// Record of Decision goes out (one per time the case asks).
	if err := ss.Decline(ctx, signing.Actor{Subject: peter, EnvelopeID: env.ID}, "The reasons should name the Section 151 officer's role."); err != nil {
		t.Fatal(err)
	}
	waitFor("the case back with Democratic Services", func() bool { return state(c.ID) == "cabinet_member_decision" })
	record["decision_notes"] = "Approved, with contracts over £1m also signed by the Section 151 officer (the Corporate Director of Finance)."
	move(c.ID, "record_decision", record)
	second := task()
	if second.ID == env.ID {
		t.Fatal("the declined envelope came back")
	}

	// Peter signs through the API, with a token of his own.
	u, err := findUser(ctx, r.app, sys, "cabinet@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := r.app.identity.CreateTokenFor(ctx, sys, u.ID, identity.NewToken{Name: "signing", Scopes: []string{platform.ScopeRead, platform.ScopeWrite}})
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", r.url+"/api/v1/envelopes/"+second.ID+"/signature", strings.NewReader(`{"consent": true, "typed": "Peter Oakford"}`))
	req.Header.Set("Authorization", "Bearer "+tok.Secret)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusCreated && res.StatusCode != http.StatusNoContent {
		t.Fatalf("signing through the API: %d %s", res.StatusCode, body)
	}

	// Sealed, published, filed.
	waitFor("the decision published", func() bool { return state(c.ID) == "published" })
	waitFor("the sealed record filed", func() bool { return filed(c.ID, c.Reference) })
	atts, err := eng.ListAttachments(ctx, sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(atts) != 1 || !strings.HasSuffix(atts[0].Name, "-signed.pdf") {
		t.Fatalf("attachments: %+v", atts)
	}
	sealed, _, err := ss.Sealed(ctx, sys, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := ss.Verify(ctx, org.ID, sealed, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Signatures) != 2 || !rep.SealedByCouncil || !rep.Signatures[0].Valid || !rep.Signatures[1].Valid {
		t.Fatalf("the sealed record: %+v", rep)
	}
	if code, notice := get(t, r.url+"/registers/key-decisions/"+c.Reference); code != http.StatusOK || !strings.Contains(notice, "Published") ||
		!strings.Contains(notice, "Approved with changes") || !strings.Contains(notice, "10 February 2026") {
		t.Fatalf("the decision notice (%d):\n%s", code, notice)
	}
}
