package main

import (
	"context"
	"fmt"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/postweb"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/store"
)

// withInbound wires the digital post module's inbound post to the
// services engine: scans are found a case by reference, filed on it as an
// attachment (which the records module then keeps as a record) and its
// caseworker told through the services outbox. The services module's
// file collection also keeps content that inbound post still names:
// scans share the one content-addressed store with case files.
func withInbound(m *postweb.Module, a *app, svc *servicesweb.Module) *postweb.Module {
	m.UseInboundCases(inboundCases{a: a, svc: svc})
	elsewhere := svc.FilesInUseElsewhere
	svc.FilesInUseElsewhere = func(ctx context.Context, id string) (bool, error) {
		if in := m.Inbound(); in != nil {
			if used, err := in.FileInUse(ctx, id); err != nil || used {
				return true, err // cannot tell, or in use: keep it
			}
		}
		if elsewhere == nil {
			return false, nil
		}
		return elsewhere(ctx, id)
	}
	return m
}

// inboundCases adapts the services engine to post.CaseDesk. The engine
// is looked up at each call, as it is built during the modules' Init.
type inboundCases struct {
	a   *app
	svc *servicesweb.Module
}

func (c inboundCases) engine() (*services.Service, error) {
	if eng := c.svc.Engine(); eng != nil {
		return eng, nil
	}
	return nil, platform.NotFound("the services engine")
}

func caseRef(cs services.Case) post.CaseRef {
	return post.CaseRef{ID: cs.ID, Reference: cs.Reference, Title: cs.Title, State: cs.State, UnitID: cs.UnitID, AssigneeID: cs.AssigneeID}
}

func (c inboundCases) FindCase(ctx context.Context, sub *platform.Subject, reference string) (post.CaseRef, error) {
	eng, err := c.engine()
	if err != nil {
		return post.CaseRef{}, err
	}
	cs, err := eng.FindByReference(ctx, sub, reference)
	if err != nil {
		return post.CaseRef{}, err
	}
	return caseRef(cs), nil
}

func (c inboundCases) SearchCases(ctx context.Context, sub *platform.Subject, text string, limit int) ([]post.CaseRef, error) {
	eng, err := c.engine()
	if err != nil {
		return nil, err
	}
	page, err := eng.Search(ctx, sub, services.CaseFilter{Text: text, Sort: services.SortNewest}, "", limit)
	if err != nil {
		return nil, err
	}
	var out []post.CaseRef
	for _, cs := range page.Cases {
		out = append(out, caseRef(cs))
	}
	return out, nil
}

// FileOnCase attaches the scan to the case as the platform, with an
// internal note saying where it came from. The attachment's ID is the
// item's, so filing it again is refused as already there and changes
// nothing.
func (c inboundCases) FileOnCase(ctx context.Context, orgID, caseID string, doc post.CaseDocument) error {
	eng, err := c.engine()
	if err != nil {
		return err
	}
	sys := platform.System(orgID)
	sys.Name = "Digital post"
	_, err = eng.AddAttachment(ctx, sys, caseID, definition.File{ID: doc.ID, Name: doc.Name, MediaType: doc.MediaType}, doc.Content)
	if platform.CodeOf(err) == platform.CodeConflict {
		return nil // filed before
	}
	if err != nil {
		return err
	}
	if doc.Note == "" {
		return nil
	}
	_, err = eng.AddNote(ctx, sys, caseID, doc.Note, services.Internal)
	return err
}

// TellCaseworker puts a message for the case's assignee (or its queue,
// while nobody has it) in the services outbox, which emails it as it
// does the workflow's own messages.
func (c inboundCases) TellCaseworker(ctx context.Context, orgID, caseID, subject, body string) error {
	eng, err := c.engine()
	if err != nil {
		return err
	}
	cs, err := eng.GetCase(ctx, platform.System(orgID), caseID)
	if err != nil {
		return err
	}
	to := services.Recipient{Kind: services.ToQueue, Value: cs.Queue, UnitID: cs.UnitID}
	if cs.AssigneeID != "" {
		to = services.Recipient{Kind: services.ToUser, Value: cs.AssigneeID}
	}
	m := services.Message{ID: platform.NewID("msg"), OrgID: orgID, CaseID: cs.ID, Reference: cs.Reference, To: to, Template: "post-received",
		Subject: subject, Body: body, CreatedAt: c.a.deps.Clock.Now()}
	out := services.NewOutbox(c.a.db, c.a.jobs)
	if err := c.a.db.Write(ctx, func(tx *store.Tx) error { return out.Notify(ctx, tx, m) }); err != nil {
		return fmt.Errorf("telling the caseworker of %s: %w", cs.Reference, err)
	}
	return nil
}
