package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/signing"
	"dbtp/internal/store"
)

const contractAward = `id: contract-award
version: 1
title: Award a contract
reference_prefix: AWD
owner_unit: Finance
start:
  who: [staff]
fields:
  - {id: supplier_name, type: text, label: Supplier's contact, required: true}
  - {id: supplier_email, type: email, label: Their email address, required: true}
  - {id: price, type: text, label: Price, required: true}
pages:
  - {id: supplier, title: The supplier, fields: [supplier_name, supplier_email, price]}
confirmation:
  title: Award started
  body: The supplier is asked to sign. Your reference is {{reference}}.
workflow:
  initial: awaiting_signature
  states:
    - id: awaiting_signature
      label: Awaiting the supplier's signature
      on_enter:
        - sign:
            template: Award letter
            title: "Award {{reference}}"
            signers: [{name: supplier_name, email: supplier_email}]
            completed: award
            declined: abandon
    - {id: awarded, label: Awarded, terminal: true}
    - {id: abandoned, label: Abandoned, terminal: true}
  transitions:
    - {id: award, label: Award, from: [awaiting_signature], to: awarded}
    - {id: abandon, label: Abandon, from: [awaiting_signature], to: abandoned}
`

// TestSignatureWorkflow: a service whose workflow asks for a signature
// sends the supplier an envelope made from the named template, filled
// from the case's answers, as soon as the case is submitted; voiding the
// envelope moves the case on by the action's declined transition.
func TestSignatureWorkflow(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	jo, err := demoEnv(r.app).Person(ctx, org, "staff@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	ss := r.app.signing().Store()
	if _, err := ss.CreateTemplate(ctx, sys, signing.TemplateInput{Name: "Award letter",
		Body: "# Award ((reference))\nThe council awards the contract to ((supplier_name)) at ((price))."}); err != nil {
		t.Fatal(err)
	}
	def, err := definition.Parse([]byte(contractAward), "contract-award.yaml")
	if err != nil {
		t.Fatal(err)
	}
	eng := r.app.services()
	if _, err := eng.PublishDefinition(ctx, sys, def, []byte(contractAward)); err != nil {
		t.Fatalf("publish: %v %+v", err, platform.AsError(err).Fields)
	}
	c, err := eng.Submit(ctx, jo, "contract-award", definition.Answers{"supplier_name": "Sam Supplier", "supplier_email": "sam@supplier.example", "price": "£12,500"}, services.SubmitOptions{})
	if err != nil {
		t.Fatalf("submit: %v %+v", err, platform.AsError(err).Fields)
	}
	// waitFor polls until ok (the events are delivered by background jobs).
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("no %s", what)
			}
			<-time.After(100 * time.Millisecond)
		}
	}
	// The demo's decision record, signed by the Cabinet Member, is sealed
	// on the jobs queue with the demo's key and time-stamping authority.
	waitFor("the demo's decision record sealed", func() bool {
		page, err := ss.List(ctx, sys, signing.ListQuery{Status: signing.EnvelopeCompleted, Q: "21/00097"})
		if err != nil {
			t.Fatal(err)
		}
		return len(page.Envelopes) == 1 && page.Envelopes[0].SealedBlob != ""
	})
	var env signing.Envelope
	waitFor("envelope for the case", func() bool {
		page, err := ss.List(ctx, sys, signing.ListQuery{Status: signing.EnvelopeSent})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Envelopes {
			if e.CaseID == c.ID {
				env = e
				return true
			}
		}
		return false
	})
	env, err = ss.Get(ctx, sys, env.ID)
	if err != nil {
		t.Fatal(err)
	}
	if env.Title != "Award "+c.Reference || len(env.Recipients) != 1 || env.Recipients[0].Email != "sam@supplier.example" || len(env.Fields) != 1 || env.UnitID != c.UnitID {
		t.Fatalf("envelope %+v", env)
	}
	// Sent in the name of the case's business unit, not of the platform.
	unit, err := r.app.identity.GetUnit(ctx, sys, c.UnitID)
	if err != nil {
		t.Fatal(err)
	}
	if env.SenderName != unit.Name {
		t.Fatalf("the case's envelope is sent by %q, want its unit %q", env.SenderName, unit.Name)
	}
	// The event delivered again asks for nothing more.
	if err := r.app.signing().RequestSignatures(ctx, org.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := caseEnvelopes(t, ss, sys, c.ID); n != 1 {
		t.Fatalf("%d envelopes for the case after a second request", n)
	}
	if _, err := ss.Void(ctx, sys, env.ID, "The supplier withdrew"); err != nil {
		t.Fatal(err)
	}
	waitFor("case abandoned", func() bool {
		got, err := eng.GetCase(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State == "abandoned"
	})

	// A second award, completed: the envelope's end as the ceremony
	// writes it (the sealed PDF kept, the status, the event) moves the
	// case on and files the sealed PDF as a record of the case.
	c, err = eng.Submit(ctx, jo, "contract-award", definition.Answers{"supplier_name": "Ann Other", "supplier_email": "ann@other.example", "price": "£900"}, services.SubmitOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor("envelope for the second case", func() bool {
		page, err := ss.List(ctx, sys, signing.ListQuery{Status: signing.EnvelopeSent})
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range page.Envelopes {
			if e.CaseID == c.ID {
				env = e
				return true
			}
		}
		return false
	})
	rc, _, err := ss.EnvelopeDocument(ctx, sys, env.ID, signing.DocOriginal)
	if err != nil {
		t.Fatal(err)
	}
	info, err := r.app.blob.Put(ctx, rc)
	rc.Close()
	if err != nil {
		t.Fatal(err)
	}
	err = r.app.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE signing_envelopes SET status = ?, sealed_blob = ? WHERE id = ?", signing.EnvelopeCompleted, info.ID, env.ID); err != nil {
			return err
		}
		_, err := r.app.events.Publish(ctx, tx, org.ID, signing.EventEnvelope, env.ID, signing.EnvelopeEvent{EnvelopeID: env.ID, CaseID: c.ID, Status: signing.EnvelopeCompleted})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	waitFor("case awarded", func() bool {
		got, err := eng.GetCase(ctx, sys, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return got.State == "awarded"
	})
	waitFor("the sealed PDF filed as a record", func() bool {
		p, err := r.app.records().Store().List(ctx, sys, records.Filter{CaseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Documents {
			if d.Source == records.SourceCase && strings.Contains(d.Title, " signed ("+c.Reference+")") {
				return true
			}
		}
		return false
	})
}

// caseEnvelopes counts the envelopes of one case, in any status.
func caseEnvelopes(t *testing.T, ss *signing.Store, sys *platform.Subject, caseID string) int {
	t.Helper()
	page, err := ss.List(context.Background(), sys, signing.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range page.Envelopes {
		if e.CaseID == caseID {
			n++
		}
	}
	return n
}
