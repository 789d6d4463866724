package main

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/signing"
	"dbtp/internal/signing/signingweb"
)

// caseSignatures adapts the services engine to what the signing module
// asks of it (signingweb.Workflows): the sign actions of the state a case
// is in, with their signers read from the case's answers, and moving the
// case on when its envelope finishes. The sealed PDF is attached to the
// case, and the records module files case attachments as records of the
// service's retention class, so signing needs nothing of records itself.
type caseSignatures struct{ svc *servicesweb.Module }

func (c caseSignatures) SignatureRequests(ctx context.Context, orgID, caseID string) (signingweb.CaseSignatures, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return signingweb.CaseSignatures{}, platform.NotFound("the services engine")
	}
	cs, err := eng.GetCase(ctx, platform.System(orgID), caseID)
	if err != nil {
		return signingweb.CaseSignatures{}, err
	}
	def, err := eng.PinnedDefinition(ctx, cs)
	if err != nil {
		return signingweb.CaseSignatures{}, err
	}
	out := signingweb.CaseSignatures{CaseID: cs.ID, Reference: cs.Reference, Title: cs.Title, State: cs.State, UnitID: cs.UnitID,
		EnteredAt: cs.StateEnteredAt}
	values := answerTexts(def, cs.Answers)
	for _, st := range def.Workflow.States {
		if st.ID != cs.State {
			continue
		}
		for _, a := range st.OnEnter {
			if a.Sign == nil {
				continue
			}
			rq := signingweb.SignatureRequest{Template: a.Sign.Template, Title: a.Sign.Title, Completed: a.Sign.Completed, Declined: a.Sign.Declined,
				Values: values}
			if rq.Title == "" {
				rq.Title = "{{title}} {{reference}}"
			}
			for _, s := range a.Sign.Signers {
				r := signing.RecipientInput{Role: s.Role}
				if s.Person != "" {
					r.UserID, _ = cs.Answers[s.Person].(string)
				} else {
					r.Name, r.Email = values[s.Name], values[s.Email]
				}
				rq.Signers = append(rq.Signers, r)
			}
			out.Requests = append(out.Requests, rq)
		}
	}
	return out, nil
}

// AsksSignatures: does entering state, in the definition version a case
// is pinned to, run a sign action? The definition comes from the engine's
// cache, so most case events cost the signing module nothing.
func (c caseSignatures) AsksSignatures(ctx context.Context, orgID, service string, version int, state string) (bool, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return false, nil
	}
	def, err := eng.PinnedDefinition(ctx, services.Case{OrgID: orgID, ServiceID: service, ServiceVersion: version})
	if platform.CodeOf(err) == platform.CodeNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, st := range def.Workflow.States {
		if st.ID == state {
			return slices.ContainsFunc(st.OnEnter, func(a definition.Action) bool { return a.Sign != nil }), nil
		}
	}
	return false, nil
}

// answerTexts are a case's answers as people read them, for merge fields:
// a choice's label (not its stored value), yes or no, a date in words,
// lists joined with commas. A person's ID, files and other structures
// are left out.
func answerTexts(def *definition.Definition, a definition.Answers) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		f := def.Field(k)
		if f != nil && (f.Type == definition.TypePerson || f.Type == definition.TypeFile) {
			continue
		}
		switch v := v.(type) {
		case string:
			out[k] = answerText(f, v)
		case bool:
			out[k] = map[bool]string{true: "Yes", false: "No"}[v]
		case float64, int, int64:
			out[k] = fmt.Sprint(v)
		case []string:
			out[k] = answerList(f, v)
		case []any:
			var parts []string
			for _, x := range v {
				if s, ok := x.(string); ok {
					parts = append(parts, s)
				}
			}
			out[k] = answerList(f, parts)
		}
	}
	return out
}

func answerList(f *definition.Field, vs []string) string {
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = answerText(f, v)
	}
	return strings.Join(parts, ", ")
}

func answerText(f *definition.Field, v string) string {
	if f == nil {
		return v
	}
	switch f.Type {
	case definition.TypeChoice, definition.TypeCheckboxes:
		for _, o := range f.Options {
			if o.Value == v {
				return o.Label
			}
		}
	case definition.TypeYesNo:
		return map[string]string{"yes": "Yes", "no": "No"}[v]
	case definition.TypeDate:
		if d, err := time.Parse(time.DateOnly, v); err == nil {
			return d.Format("2 January 2006")
		}
	}
	return v
}

func (c caseSignatures) Finish(ctx context.Context, orgID, caseID, transition string, sealed *signingweb.SealedDocument) error {
	eng := c.svc.Engine()
	if eng == nil {
		return platform.NotFound("the services engine")
	}
	sys := platform.System(orgID)
	if sealed != nil {
		_, err := eng.AddAttachment(ctx, sys, caseID, definition.File{Name: sealed.Name, MediaType: "application/pdf", Size: int64(len(sealed.Content))}, sealed.Content)
		// Already attached (an event delivered twice): go on to the move.
		if err != nil && platform.CodeOf(err) != platform.CodeConflict {
			return err
		}
	}
	if transition == "" {
		return nil
	}
	cs, err := eng.GetCase(ctx, sys, caseID)
	if err != nil {
		return err
	}
	_, err = eng.Transition(ctx, sys, caseID, transition, cs.Version, nil)
	return err
}

// signing is the electronic signatures module of the list.
func (a *app) signing() *signingweb.Module {
	for _, m := range a.mods {
		if s, ok := m.(*signingweb.Module); ok {
			return s
		}
	}
	return nil
}

// demoSignedDecision signs the demo's Record of Decision 21/00097 as the
// Cabinet Member, once every module's demo data is in: the services demo
// has sent the decision for signature (key-decisions' sign action), but
// the event that asks the signing module for the envelope is delivered
// only once the jobs run, so it is asked for here (the event then finds
// it made). The seal, and the case's publication with the sealed record
// filed on it, follow on the jobs queue, with the demo's key and
// time-stamping authority.
func demoSignedDecision(ctx context.Context, a *app) error {
	sig, eng := a.signing(), a.services()
	if sig == nil || eng == nil {
		return nil
	}
	org, err := a.identity.OrgBySlug(ctx, "kent")
	if err != nil {
		return err
	}
	sys := platform.System(org.ID)
	page, err := eng.Search(ctx, sys, services.CaseFilter{Service: "key-decisions"}, "", 50)
	if err != nil {
		return err
	}
	for _, c := range page.Cases {
		if c.State != "awaiting_signature" {
			continue
		}
		if err := sig.RequestSignatures(ctx, org.ID, c.ID); err != nil {
			return err
		}
		envs, err := sig.Store().List(ctx, sys, signing.ListQuery{Status: signing.EnvelopeSent})
		if err != nil {
			return err
		}
		for _, env := range envs.Envelopes {
			if env.CaseID != c.ID {
				continue
			}
			full, err := eng.GetCase(ctx, sys, c.ID)
			if err != nil {
				return err
			}
			id, _ := full.Answers["cabinet_member"].(string)
			p, err := a.identity.Directory().Person(ctx, sys, id)
			if err != nil {
				return fmt.Errorf("the demo's Cabinet Member: %w", err)
			}
			signer := &platform.Subject{Kind: platform.SubjectUser, UserID: p.ID, Name: p.Name, OrgID: org.ID, Roles: p.Roles, BusinessUnits: p.Units, Addr: "demo seed"}
			err = sig.Store().Sign(ctx, signing.Actor{Subject: signer, EnvelopeID: env.ID, Addr: "127.0.0.1"},
				signing.Signature{Consent: true, Kind: "typed", Typed: p.Name})
			if err != nil {
				return fmt.Errorf("the Cabinet Member's signature of %s: %w", env.Title, err)
			}
		}
	}
	return nil
}
