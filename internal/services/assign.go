package services

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Assignment says where a case goes: to a person (AssigneeID, optionally in
// a new Queue), or back to a Queue with nobody assigned.
type Assignment struct {
	AssigneeID string `json:"assignee_id,omitempty"`
	Queue      string `json:"queue,omitempty"`
}

// maxBulk bounds one bulk reassignment: one write, one audit entry per case.
const maxBulk = 500

func (s *Service) checkAssignment(ctx context.Context, orgID string, a *Assignment) error {
	a.Queue = strings.TrimSpace(a.Queue)
	if a.AssigneeID == "" && a.Queue == "" {
		return platform.Invalid("Choose a person or a queue", platform.FieldError{Field: "assignee_id", Message: "Choose a person or a queue"})
	}
	if len(a.Queue) > 100 {
		return platform.Invalid("Queue name is too long", platform.FieldError{Field: "queue", Message: "must be at most 100 characters"})
	}
	if a.AssigneeID != "" {
		return s.checkUser(ctx, orgID, a.AssigneeID, "assignee_id")
	}
	return nil
}

// applyAssignment returns c as it will be after a.
func applyAssignment(c Case, a Assignment) Case {
	c.AssigneeID = a.AssigneeID
	if a.Queue != "" {
		c.Queue = a.Queue
	}
	return c
}

// writeAssignment updates one case under the optimistic lock and records it.
func (s *Service) writeAssignment(ctx context.Context, tx *store.Tx, sub *platform.Subject, c Case, next Case, bulk bool) error {
	res, err := tx.Exec(ctx, "UPDATE cases SET assignee_id = ?, queue = ?, version = version + 1, updated_at = ? WHERE org_id = ? AND id = ? AND version = ?",
		next.AssigneeID, next.Queue, store.Millis(next.UpdatedAt), c.OrgID, c.ID, c.Version)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return staleCase()
	}
	detail := "assigned to " + next.AssigneeID
	if next.AssigneeID == "" {
		detail = "returned to queue " + next.Queue
	} else if next.Queue != c.Queue {
		detail += " in queue " + next.Queue
	}
	if err := s.addEvent(ctx, tx, sub, &next, next.UpdatedAt, EventAssigned, "", "", detail, false); err != nil {
		return err
	}
	action := "case.assign"
	if bulk {
		action = "case.bulk_reassign"
	}
	e := audit.For(sub, action, "case", c.ID, audit.Success)
	e.Detail = c.Reference + ": " + detail
	return s.rec.Record(tx, e)
}

// Assign gives a case to a person or a queue. The case's version moves on,
// so anyone about to act on the old assignment is told to reload.
func (s *Service) Assign(ctx context.Context, sub *platform.Subject, caseID string, a Assignment) (Case, error) {
	c, err := s.findCase(ctx, sub, caseID, access.Update)
	if err != nil {
		return Case{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Update, c.handOverResource()); err != nil {
		return Case{}, err
	}
	if s.applicantView(sub, &c) {
		return Case{}, s.denied(ctx, sub, "case.staff", "case", c.ID, "applicant view only", "only staff can do this")
	}
	if err := s.checkAssignment(ctx, c.OrgID, &a); err != nil {
		return Case{}, err
	}
	if err := s.checkAssignee(ctx, a.AssigneeID, []Case{c}); err != nil {
		return Case{}, err
	}
	next := applyAssignment(c, a)
	next.UpdatedAt, next.Version = s.now(), c.Version+1
	err = s.db.Write(ctx, func(tx *store.Tx) error { return s.writeAssignment(ctx, tx, sub, c, next, false) })
	if err != nil {
		return Case{}, asPlatform(err)
	}
	return next, nil
}

// BulkReassign gives many cases to one person or queue in one write: all of
// them or, if any is missing, not permitted or changed meanwhile, none. Each
// case gets its own timeline event and audit entry.
func (s *Service) BulkReassign(ctx context.Context, sub *platform.Subject, caseIDs []string, a Assignment) (int, error) {
	if err := needOrg(sub); err != nil {
		return 0, err
	}
	ids := dedupe(caseIDs)
	if len(ids) == 0 {
		return 0, platform.Invalid("Choose cases to reassign", platform.FieldError{Field: "case_ids", Message: "Choose at least one case"})
	}
	if len(ids) > maxBulk {
		return 0, platform.Invalid("Too many cases", platform.FieldError{Field: "case_ids", Message: fmt.Sprintf("Choose at most %d cases at a time", maxBulk)})
	}
	if err := s.checkAssignment(ctx, sub.OrgID, &a); err != nil {
		return 0, err
	}
	cases, err := s.loadMany(ctx, sub, ids)
	if err != nil {
		return 0, err
	}
	for i := range cases {
		if err := s.ap.Check(ctx, sub, access.Update, cases[i].handOverResource()); err != nil {
			return 0, err
		}
		if s.applicantView(sub, &cases[i]) {
			return 0, s.denied(ctx, sub, "case.staff", "case", cases[i].ID, "applicant view only", "only staff can do this")
		}
	}
	if err := s.checkAssignee(ctx, a.AssigneeID, cases); err != nil {
		return 0, err
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		for _, c := range cases {
			next := applyAssignment(c, a)
			next.UpdatedAt, next.Version = now, c.Version+1
			if err := s.writeAssignment(ctx, tx, sub, c, next, true); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, asPlatform(err)
	}
	return len(cases), nil
}

// handOverResource is the case as the access point sees it when someone
// would give it to another person: without its assignee. Holding a case
// lets a person work on it, not pass it on; who has it is the decision of
// those who may work on it in their own right (its unit, admins).
func (c *Case) handOverResource() access.Resource {
	r := c.resource()
	r.AssigneeID = ""
	return r
}

// CanReassign reports whether sub may give c to someone else (the case
// page offers the reassignment only then); Assign checks again.
func (s *Service) CanReassign(sub *platform.Subject, c Case) bool {
	return sub != nil && sub.OrgID == c.OrgID && s.ap.Allowed(sub, access.Update, c.handOverResource()) && !s.applicantView(sub, &c)
}

// CouldWorkOn reports whether p could be given c to work on: who the
// console offers as an assignee, and whom Assign and a workflow's assign
// action accept. That is anyone the access point lets update the case as
// staff in their own right (neither being its applicant nor holding it
// already counts); and, when the case's service gives its cases to a
// person named in an answer (a risk to its owner), anyone the policy's
// rule for assignees would let work on it once assigned, whatever their
// unit. Nobody else may be given a case: an assignment nobody can act on
// only hides it, and one that opened it to anybody would bypass the units.
func (s *Service) CouldWorkOn(ctx context.Context, p platform.Person, c Case) bool {
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		def = nil // decided by the unit alone
	}
	return s.couldWorkOn(p, c, def)
}

func (s *Service) couldWorkOn(p platform.Person, c Case, def *definition.Definition) bool {
	if p.Disabled || !p.IsStaff() {
		return false
	}
	sub := &platform.Subject{Kind: platform.SubjectUser, UserID: p.ID, OrgID: p.OrgID, Roles: p.Roles, BusinessUnits: p.Units}
	if p.OrgID == "" {
		sub.OrgID = c.OrgID
	}
	r := c.handOverResource()
	r.OwnerID = ""
	if s.ap.Allowed(sub, access.Update, r) {
		return true
	}
	if def == nil || !def.AssignsToPerson() {
		return false
	}
	r.AssigneeID = p.ID
	return s.ap.Allowed(sub, access.Update, r)
}

// checkAssignee refuses to give cases to someone who could not work on
// every one of them, naming the cases: an assignment nobody can act on
// only hides a case.
func (s *Service) checkAssignee(ctx context.Context, userID string, cases []Case) error {
	if userID == "" || s.opts.Person == nil || len(cases) == 0 {
		return nil
	}
	p, err := s.opts.Person(ctx, cases[0].OrgID, userID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return platform.Invalid("Choose a person", platform.FieldError{Field: "assignee_id", Message: "Choose a person of this organisation"})
	}
	if err != nil {
		return platform.AsError(err)
	}
	var refs []string
	for _, c := range cases {
		if !s.CouldWorkOn(ctx, p, c) {
			refs = append(refs, c.Reference)
		}
	}
	if len(refs) == 0 {
		return nil
	}
	msg := p.Name + " cannot work on " + strings.Join(refs, ", ") + ": choose someone who can open the case"
	if len(refs) > 5 {
		msg = fmt.Sprintf("%s cannot work on %d of the chosen cases (%s, ...): choose someone who can open them", p.Name, len(refs), strings.Join(refs[:5], ", "))
	}
	return platform.Invalid(msg, platform.FieldError{Field: "assignee_id", Message: msg})
}

// loadMany reads cases of the subject's organisation by ID (without
// answers); any ID that is not one of them makes the whole read not found.
func (s *Service) loadMany(ctx context.Context, sub *platform.Subject, ids []string) ([]Case, error) {
	args := []any{sub.OrgID}
	for _, id := range ids {
		if !platform.ValidID("case", id) {
			return nil, platform.NotFound("case")
		}
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, "SELECT "+caseColumns+" FROM cases WHERE org_id = ? AND id IN ("+placeholders(len(ids))+")", args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	if len(out) != len(ids) {
		return nil, s.missingCases(ctx, sub, ids, out)
	}
	// One order for every bulk write, so two overlapping reassignments on
	// PostgreSQL queue behind each other's row locks instead of deadlocking.
	slices.SortFunc(out, func(a, b Case) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// missingCases is loadMany's not found: each requested ID that was not read
// is audited as a denial if it is another organisation's case.
func (s *Service) missingCases(ctx context.Context, sub *platform.Subject, ids []string, found []Case) error {
	read := map[string]bool{}
	for _, c := range found {
		read[c.ID] = true
	}
	notFound := platform.NotFound("case")
	for _, id := range ids {
		if read[id] {
			continue
		}
		if err := s.missingCase(ctx, sub, id, access.Update, notFound); err != notFound {
			return err
		}
	}
	return notFound
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range ids {
		if id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
