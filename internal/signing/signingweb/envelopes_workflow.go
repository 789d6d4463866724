package signingweb

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"dbtp/internal/events"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// Workflows: a services definition asks for signatures with a sign
// action (services' definition.Sign). When a case enters a state with one,
// the module sends an envelope made from the named template, filled from
// the case's answers; when the envelope completes, the sealed PDF goes
// back to the case (which files it as a record of its retention class)
// and the case moves on by the action's completed transition; declined,
// voided or expired, by its declined transition. The services engine is
// reached through Workflows, which cmd/dbtp/signing.go adapts: modules do
// not import each other.

// Workflows is the digital services engine as signing needs it.
type Workflows interface {
	// SignatureRequests reads a case and the sign actions of the state it
	// is in now (none: an empty list), with the platform's own rights.
	SignatureRequests(ctx context.Context, orgID, caseID string) (CaseSignatures, error)
	// AsksSignatures reports whether entering state of a service's version
	// asks for any signature, from the (cached) definition alone: a case
	// event for any other state is not even delivered to this module.
	AsksSignatures(ctx context.Context, orgID, service string, version int, state string) (bool, error)
	// Finish moves the case by transition (empty: it stays), first
	// attaching the sealed PDF when there is one.
	Finish(ctx context.Context, orgID, caseID, transition string, sealed *SealedDocument) error
}

// CaseSignatures is a case as far as asking for signatures needs.
type CaseSignatures struct {
	CaseID, Reference, Title, State, UnitID string
	// EnteredAt is when the case entered State: one envelope is sent per
	// entry, however often the event comes.
	EnteredAt time.Time
	Requests  []SignatureRequest
}

// SignatureRequest is one sign action, its signers already resolved from
// the case's answers. Title may use {{reference}}, {{title}} and the
// answers as ((merge fields)).
type SignatureRequest struct {
	Template, Title     string
	Values              map[string]string // the case's answers, by field ID, as people read them
	Signers             []signing.RecipientInput
	Completed, Declined string
}

// SealedDocument is the sealed PDF handed back to the case.
type SealedDocument struct {
	Name    string
	Content []byte
}

// UseWorkflows connects the module to the services engine (cmd/dbtp,
// before Init).
func (m *Module) UseWorkflows(w Workflows) { m.envelopes.workflows = w }

func (p *envelopesPart) subscribe(m *Module) error {
	if p.workflows == nil || m.d.Events == nil {
		return nil
	}
	bus := m.d.Events
	asks := func(ctx context.Context, e events.Event) (bool, error) {
		var d struct {
			Service string `json:"service"`
			Version int    `json:"service_version"`
			State   string `json:"state"`
		}
		if err := json.Unmarshal(e.Data, &d); err != nil || d.Service == "" {
			return true, nil // not the engine's shape: let RequestSignatures look
		}
		return p.workflows.AsksSignatures(ctx, e.OrgID, d.Service, d.Version, d.State)
	}
	if err := bus.SubscribeWhen("signing.case_signatures", []string{"case.submitted", "case.transitioned"}, asks, func(ctx context.Context, e events.Event) error {
		return p.RequestSignatures(ctx, e.OrgID, e.Subject)
	}); err != nil {
		return err
	}
	return bus.Subscribe("signing.case_finish", []string{signing.EventEnvelope}, func(ctx context.Context, e events.Event) error {
		var ev signing.EnvelopeEvent
		if err := json.Unmarshal(e.Data, &ev); err != nil || ev.CaseID == "" {
			return nil
		}
		return p.FinishCase(ctx, e.OrgID, ev)
	})
}

// RequestSignatures sends the envelopes the case's current state asks
// for (see envelopesPart.RequestSignatures); cmd/dbtp's tests call it.
func (m *Module) RequestSignatures(ctx context.Context, orgID, caseID string) error {
	return m.envelopes.RequestSignatures(ctx, orgID, caseID)
}

// RequestSignatures sends the envelopes the case's current state asks
// for, once: a case with an envelope still out, or one made since it
// entered the state, asks nothing more, so an event delivered twice (even
// after the envelope finished) sends nothing twice. A template the
// council has not made, but the signing module ships (builtinTemplates,
// for the built-in services), is made first.
func (p *envelopesPart) RequestSignatures(ctx context.Context, orgID, caseID string) error {
	cs, err := p.workflows.SignatureRequests(ctx, orgID, caseID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil || len(cs.Requests) == 0 {
		return err
	}
	if active, err := p.ss.CaseEnvelopeOut(ctx, orgID, caseID, cs.EnteredAt); err != nil || active {
		return err
	}
	sys := platform.System(orgID)
	// Sent in the name of the case's business unit, which is whom a
	// signer would write to, not of the platform ("dbtp asks you to sign").
	sender := *sys
	sender.Name = p.senderName(ctx, sys, cs.UnitID)
	for _, rq := range cs.Requests {
		t, err := p.caseTemplate(ctx, sys, rq.Template)
		if err != nil {
			return fmt.Errorf("case %s: %w", cs.Reference, err)
		}
		values := map[string]string{"reference": cs.Reference, "title": cs.Title}
		for k, v := range rq.Values {
			values[strings.ToLower(k)] = v
		}
		title := mergeText(strings.NewReplacer("{{reference}}", cs.Reference, "{{title}}", cs.Title).Replace(rq.Title), values)
		in := signing.Composed{NewEnvelope: signing.NewEnvelope{Title: title, UnitID: cs.UnitID, CaseID: caseID},
			TemplateID: t.ID, Values: values, Recipients: rq.Signers, Send: true}
		for i, r := range rq.Signers {
			in.Recipients[i].Step = i + 1
			if r.Role == "" {
				in.Recipients[i].Role = signing.RoleSigner
			}
			if in.Recipients[i].Role == signing.RoleSigner {
				in.Fields = append(in.Fields, signing.ComposedField{Recipient: i, FieldInput: signing.FieldInput{Kind: signing.FieldSignature}})
			}
		}
		spreadSignatures(in.Fields)
		if _, err := p.ss.Compose(ctx, &sender, p.dir, in); err != nil {
			// A definition whose answers cannot make an envelope will not
			// mend by retrying: the failure stays in the job for staff.
			return fmt.Errorf("case %s: asking for signatures: %w", cs.Reference, err)
		}
	}
	return nil
}

// senderName names the envelopes a case asks for by the case's business
// unit, or the council where the unit is unknown.
func (p *envelopesPart) senderName(ctx context.Context, sys *platform.Subject, unitID string) string {
	if units, err := p.dir.Units(ctx, sys); err == nil {
		for _, u := range units {
			if u.ID == unitID {
				return u.Name
			}
		}
	}
	if org, err := p.dir.Org(ctx, sys, sys.OrgID); err == nil && org.Name != "" {
		return org.Name
	}
	return sys.Name
}

// spreadSignatures gives signers' fields places of their own on the last
// page: bottom left, bottom right, then rising rows.
func spreadSignatures(fs []signing.ComposedField) {
	for i := range fs {
		fs[i].Position = signing.Positions[i%2]
		if i >= 2 {
			// Above the first row: by coordinates on the last page, which
			// the named positions cannot say.
			fs[i].Position = ""
			fs[i].Page = signing.LastPage
			fs[i].X = 56 + float64(i%2)*303
			fs[i].Y = 56 + float64(i/2)*70
		}
	}
}

// FinishCase moves a case on when its envelope has finished.
func (p *envelopesPart) FinishCase(ctx context.Context, orgID string, ev signing.EnvelopeEvent) error {
	cs, err := p.workflows.SignatureRequests(ctx, orgID, ev.CaseID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil || len(cs.Requests) == 0 {
		return err // the case has moved on already: nothing to do
	}
	rq := cs.Requests[0]
	if ev.Status != signing.EnvelopeCompleted {
		if rq.Declined == "" {
			return nil
		}
		return p.workflows.Finish(ctx, orgID, ev.CaseID, rq.Declined, nil)
	}
	sys := platform.System(orgID)
	rc, env, err := p.ss.EnvelopeDocument(ctx, sys, ev.EnvelopeID, signing.DocSealed)
	if err != nil {
		return err
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		return err
	}
	return p.workflows.Finish(ctx, orgID, ev.CaseID, rq.Completed, &SealedDocument{Name: fileName(env.Title) + "-signed.pdf", Content: b})
}
