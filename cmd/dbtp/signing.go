package main

import (
	"context"
	"fmt"
	"strings"

	"dbtp/internal/platform"
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
	out := signingweb.CaseSignatures{CaseID: cs.ID, Reference: cs.Reference, Title: cs.Title, State: cs.State, UnitID: cs.UnitID}
	for _, st := range def.Workflow.States {
		if st.ID != cs.State {
			continue
		}
		for _, a := range st.OnEnter {
			if a.Sign == nil {
				continue
			}
			rq := signingweb.SignatureRequest{Template: a.Sign.Template, Title: a.Sign.Title, Completed: a.Sign.Completed, Declined: a.Sign.Declined,
				Values: answerTexts(cs.Answers)}
			if rq.Title == "" {
				rq.Title = "{{title}} {{reference}}"
			}
			for _, s := range a.Sign.Signers {
				r := signing.RecipientInput{Role: s.Role}
				if s.Person != "" {
					r.UserID = rq.Values[s.Person]
				} else {
					r.Name, r.Email = rq.Values[s.Name], rq.Values[s.Email]
				}
				rq.Signers = append(rq.Signers, r)
			}
			out.Requests = append(out.Requests, rq)
		}
	}
	return out, nil
}

// answerTexts are a case's answers as text, for merge fields: lists are
// joined with commas; files and other structures are left out.
func answerTexts(a definition.Answers) map[string]string {
	out := map[string]string{}
	for k, v := range a {
		switch v := v.(type) {
		case string:
			out[k] = v
		case bool:
			out[k] = map[bool]string{true: "Yes", false: "No"}[v]
		case float64, int, int64:
			out[k] = fmt.Sprint(v)
		case []string:
			out[k] = strings.Join(v, ", ")
		case []any:
			var parts []string
			for _, x := range v {
				if s, ok := x.(string); ok {
					parts = append(parts, s)
				}
			}
			out[k] = strings.Join(parts, ", ")
		}
	}
	return out
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
