package main

import (
	"context"
	"fmt"
	"sort"
	"strings"

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

// FindCase returns the case with its person's names and postcodes: the
// applicant's name in the directory, and the names and postcodes the
// case's answers give (its "name" and "..._name" fields, its addresses),
// so that filing a letter that names someone else can be questioned.
func (c inboundCases) FindCase(ctx context.Context, sub *platform.Subject, reference string) (post.CaseRef, error) {
	eng, err := c.engine()
	if err != nil {
		return post.CaseRef{}, err
	}
	cs, err := eng.FindByReference(ctx, sub, reference)
	if err != nil {
		return post.CaseRef{}, err
	}
	ref := caseRef(cs)
	if cs.ApplicantID != "" && c.a.identity != nil {
		if p, err := c.a.identity.Directory().Person(ctx, platform.System(cs.OrgID), cs.ApplicantID); err == nil && p.Name != "" {
			ref.Names = append(ref.Names, p.Name)
		}
	}
	names, postcodes := casePerson(cs.Answers)
	ref.Names = append(ref.Names, names...)
	ref.Postcodes = postcodes
	return ref, nil
}

// casePerson reads the names and postcodes a case's answers give, in the
// order of their field IDs. Answers are stored as JSON, so an address is
// a map with a postcode.
func casePerson(answers definition.Answers) (names, postcodes []string) {
	keys := make([]string, 0, len(answers))
	for k := range answers {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		switch v := answers[k].(type) {
		case string:
			if (k == "name" || strings.HasSuffix(k, "_name")) && strings.TrimSpace(v) != "" {
				names = append(names, strings.TrimSpace(v))
			}
		case definition.Address:
			if v.Postcode != "" {
				postcodes = append(postcodes, v.Postcode)
			}
		case map[string]any:
			if pc, _ := v["postcode"].(string); strings.TrimSpace(pc) != "" {
				postcodes = append(postcodes, strings.TrimSpace(pc))
			}
		}
	}
	return names, postcodes
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
	// A search does not load the cases' answers, which hold their
	// people's names: each case found is looked up (ten at most) so the
	// list can say whose case it is.
	var out []post.CaseRef
	for _, cs := range page.Cases {
		ref, err := c.FindCase(ctx, sub, cs.Reference)
		if err != nil {
			ref = caseRef(cs)
		}
		out = append(out, ref)
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
	_, err = eng.AddStaffAttachment(ctx, sys, caseID, definition.File{ID: doc.ID, Name: doc.Name, MediaType: doc.MediaType}, doc.Content)
	if platform.CodeOf(err) == platform.CodeConflict {
		// Filed before, on this case; an attachment ID is unique across
		// cases, so one on another case is a filing that raced this one.
		if _, _, gerr := eng.GetAttachment(ctx, sys, caseID, doc.ID); gerr == nil {
			return nil
		}
		return platform.Errorf(platform.CodeConflict, "This post was filed on another case meanwhile: look at it again")
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

// RemoveFromCase takes a scan filed on the wrong case off it, as the
// platform, with an internal note saying why; a scan already gone is not
// an error.
func (c inboundCases) RemoveFromCase(ctx context.Context, orgID, caseID, docID, note string) error {
	eng, err := c.engine()
	if err != nil {
		return err
	}
	sys := platform.System(orgID)
	sys.Name = "Digital post"
	err = eng.RemoveAttachment(ctx, sys, caseID, docID, note)
	if platform.CodeOf(err) == platform.CodeNotFound {
		if _, cerr := eng.GetCase(ctx, sys, caseID); cerr != nil {
			return cerr // the case itself is gone
		}
		return nil // removed before
	}
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
