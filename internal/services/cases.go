package services

import (
	"context"
	"encoding/json"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// Case is one submission and its life in the workflow of the definition
// version it started on (ServiceVersion), which never changes.
type Case struct {
	ID             string                  `json:"id"`
	OrgID          string                  `json:"org_id"`
	Reference      string                  `json:"reference"` // e.g. COMP-2026-000123
	ServiceID      string                  `json:"service_id"`
	ServiceVersion int                     `json:"service_version"`
	Title          string                  `json:"title"` // the service's title when submitted
	State          string                  `json:"state"`
	Terminal       bool                    `json:"terminal"`
	UnitID         string                  `json:"unit_id,omitempty"` // owning business unit
	Classification platform.Classification `json:"classification"`
	ApplicantID    string                  `json:"applicant_id,omitempty"`    // the resident (or staff member) the case is for
	ApplicantEmail string                  `json:"applicant_email,omitempty"` // for anonymous applicants
	SubmittedBy    string                  `json:"submitted_by,omitempty"`    // differs from ApplicantID under assisted digital
	AssigneeID     string                  `json:"assignee_id,omitempty"`
	Queue          string                  `json:"queue,omitempty"`
	Summary        string                  `json:"summary,omitempty"` // the definition's list fields, for queues
	// Answers are filled by GetCase, FindByReference, Submit and Transition,
	// not by Search (queues never show them and they can be large).
	Answers        definition.Answers `json:"answers,omitempty"`
	Version        int64              `json:"version"` // the optimistic lock: pass it back to Transition
	SubmittedAt    time.Time          `json:"submitted_at"`
	UpdatedAt      time.Time          `json:"updated_at"`
	StateEnteredAt time.Time          `json:"state_entered_at"`
	DueAt          time.Time          `json:"due_at,omitzero"`     // zero when the state has no clock
	AtRiskAt       time.Time          `json:"at_risk_at,omitzero"` // zero when the state has no clock
	Escalated      bool               `json:"escalated,omitempty"` // the SLA of the current state was breached and escalated
	ClosedAt       time.Time          `json:"closed_at,omitzero"`
}

// SLAStatus is where a case stands against its current state's clock.
type SLAStatus string

const (
	SLANone     SLAStatus = ""         // no clock: terminal or a state without an SLA
	SLAOnTrack  SLAStatus = "on_track" // before the at-risk point
	SLAAtRisk   SLAStatus = "at_risk"  // within the state's at_risk_days of the due date
	SLABreached SLAStatus = "breached" // past due
)

// SLA reports the case's status at now.
func (c *Case) SLA(now time.Time) SLAStatus {
	switch {
	case c.Terminal || c.DueAt.IsZero():
		return SLANone
	case now.After(c.DueAt):
		return SLABreached
	case !now.Before(c.AtRiskAt):
		return SLAAtRisk
	}
	return SLAOnTrack
}

// noClock is stored in due_at and at_risk_at when there is no clock: the last
// millisecond of year 9999, so ascending due order puts such cases last and
// "due_at < now" never matches them, on both engines alike.
const noClock int64 = 253402300799999

func clockMillis(t time.Time) int64 {
	if t.IsZero() {
		return noClock
	}
	return store.Millis(t)
}

func clockTime(ms int64) time.Time {
	if ms == noClock {
		return time.Time{}
	}
	return store.Time(ms)
}

// resource describes the case to the access point.
func (c *Case) resource() access.Resource {
	return access.Resource{Type: "case", ID: c.ID, OrgID: c.OrgID, BusinessUnit: c.UnitID,
		Classification: c.Classification, OwnerID: c.ApplicantID, AssigneeID: c.AssigneeID}
}

// applicantView reports whether sub sees c only as its applicant: the
// access policy would not let them read it were it not theirs. Such a
// subject sees applicant-visible notes and events only. Asking the policy,
// rather than looking at roles, keeps the one decision in one place.
func (s *Service) applicantView(sub *platform.Subject, c *Case) bool {
	r := c.resource()
	r.OwnerID = ""
	return !s.ap.Allowed(sub, access.Read, r)
}

const caseColumns = `id, org_id, reference, service_id, service_version, title, state, state_terminal, unit_id, classification,
	applicant_id, applicant_email, submitted_by, assignee_id, queue, summary, version, submitted_at, updated_at,
	state_entered_at, due_at, at_risk_at, escalated, closed_at`

func scanCase(r scanner, extra ...any) (Case, error) {
	var c Case
	var terminal, escalated int
	var class string
	var submitted, updated, entered, due, atRisk, closed int64
	err := r.Scan(append([]any{&c.ID, &c.OrgID, &c.Reference, &c.ServiceID, &c.ServiceVersion, &c.Title, &c.State, &terminal,
		&c.UnitID, &class, &c.ApplicantID, &c.ApplicantEmail, &c.SubmittedBy, &c.AssigneeID, &c.Queue, &c.Summary,
		&c.Version, &submitted, &updated, &entered, &due, &atRisk, &escalated, &closed}, extra...)...)
	if err != nil {
		return c, err
	}
	c.Terminal, c.Escalated = terminal == 1, escalated == 1
	c.Classification = platform.Classification(class)
	c.SubmittedAt, c.UpdatedAt, c.StateEnteredAt = store.Time(submitted), store.Time(updated), store.Time(entered)
	c.DueAt, c.AtRiskAt, c.ClosedAt = clockTime(due), clockTime(atRisk), store.Time(closed)
	return c, nil
}

// loadCase reads one case of org with its answers; a case of another
// organisation is not found, whatever the ID.
func loadCase(ctx context.Context, q queryRower, orgID, where string, arg any) (Case, error) {
	var answers string
	c, err := scanCase(q.QueryRow(ctx, "SELECT "+caseColumns+", answers FROM cases WHERE org_id = ? AND "+where, orgID, arg), &answers)
	if store.IsNoRows(err) {
		return Case{}, platform.NotFound("case")
	}
	if err != nil {
		return Case{}, platform.Internal(err)
	}
	if err := json.Unmarshal([]byte(answers), &c.Answers); err != nil {
		return Case{}, platform.Internal(err)
	}
	return c, nil
}

// findCase loads a case of the subject's organisation by ID, refusing junk
// IDs before they reach a query. An ID of another organisation's case is
// not found too, and the attempt to do a to it is audited as a denial.
func (s *Service) findCase(ctx context.Context, sub *platform.Subject, id string, a access.Action) (Case, error) {
	if err := needOrg(sub); err != nil {
		return Case{}, err
	}
	if !platform.ValidID("case", id) {
		return Case{}, platform.NotFound("case")
	}
	c, err := loadCase(ctx, s.db, sub.OrgID, "id = ?", id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return c, s.missingCase(ctx, sub, id, a, err)
	}
	return c, err
}

// missingCase audits a foreign case ID as a denial (see access.Point.Missing)
// and returns notFound.
func (s *Service) missingCase(ctx context.Context, sub *platform.Subject, id string, a access.Action, notFound error) error {
	return s.ap.Missing(ctx, sub, a, access.Resource{Type: "case", ID: id}, access.RowOrg(s.db, "cases", "id", id), notFound)
}

// caseFor loads a case and asks the access point whether sub may do a to it.
func (s *Service) caseFor(ctx context.Context, sub *platform.Subject, id string, a access.Action) (Case, error) {
	c, err := s.findCase(ctx, sub, id, a)
	if err != nil {
		return Case{}, err
	}
	if err := s.ap.Check(ctx, sub, a, c.resource()); err != nil {
		return Case{}, err
	}
	return c, nil
}

// GetCase returns a case the subject may read. Reading an
// OFFICIAL-SENSITIVE case is audited by the access point.
func (s *Service) GetCase(ctx context.Context, sub *platform.Subject, id string) (Case, error) {
	return s.caseFor(ctx, sub, id, access.Read)
}

// FindByReference returns the case with a reference such as COMP-2026-000123.
// References are sequential and so guessable: a case the subject may not read
// is reported as not found (the refusal is still audited), so that probing
// references tells a resident nothing about other people's cases.
func (s *Service) FindByReference(ctx context.Context, sub *platform.Subject, reference string) (Case, error) {
	if err := needOrg(sub); err != nil {
		return Case{}, err
	}
	if len(reference) == 0 || len(reference) > 40 {
		return Case{}, platform.NotFound("case")
	}
	c, err := loadCase(ctx, s.db, sub.OrgID, "reference = ?", reference)
	if err != nil {
		return Case{}, err
	}
	if err := s.ap.Check(ctx, sub, access.Read, c.resource()); err != nil {
		if platform.CodeOf(err) == platform.CodeForbidden {
			return Case{}, platform.NotFound("case")
		}
		return Case{}, err
	}
	return c, nil
}

// PinnedDefinition returns the definition version a case follows, for
// showing its state labels, fields and transitions.
func (s *Service) PinnedDefinition(ctx context.Context, c Case) (*definition.Definition, error) {
	return s.definitionVersion(ctx, c.OrgID, c.ServiceID, c.ServiceVersion)
}

func findState(def *definition.Definition, id string) (definition.State, bool) {
	for _, st := range def.Workflow.States {
		if st.ID == id {
			return st, true
		}
	}
	return definition.State{}, false
}

func stateLabel(def *definition.Definition, id string) string {
	if st, ok := findState(def, id); ok && st.Label != "" {
		return st.Label
	}
	return id
}

func findField(def *definition.Definition, id string) (definition.Field, bool) {
	for _, f := range def.Fields {
		if f.ID == id {
			return f, true
		}
	}
	return definition.Field{}, false
}

// isStaff reports whether the subject holds a staff role (or is the platform).
func isStaff(sub *platform.Subject) bool {
	if sub == nil {
		return false
	}
	if sub.Kind == platform.SubjectSystem {
		return true
	}
	for _, r := range sub.Roles {
		if r.IsStaff() { // the one rule of who is staff (platform.StaffRoles)
			return true
		}
	}
	return false
}
