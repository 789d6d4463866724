package records

import (
	"context"
	"slices"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Extension is one decision to keep a document longer than its schedule
// says: ExtendRetention, or a rejected disposal (DisposalID).
type Extension struct {
	Until      time.Time `json:"until"`
	Reason     string    `json:"reason"`
	DisposalID string    `json:"disposal_id,omitempty"`
	ByID       string    `json:"by_id,omitempty"`
	ByName     string    `json:"by_name"`
	At         time.Time `json:"at"`
	// Carried: recorded by the system an import brought the record from.
	Carried bool `json:"carried,omitempty"`
}

// Where a document's disposal stands (Retention.Disposal), besides the
// states of an open queue item (pending, held, approved, disposing) and
// of a disposed document (destroyed, transferred).
const (
	DisposalNotKnown = "not_known" // the schedule's trigger has not happened yet
	DisposalNotDue   = "not_due"
	DisposalDue      = "due" // due, and the daily run will queue it
)

// Retention is one document's retention as a records manager sees it: the
// schedule that applies, the dates, why it is kept longer, the legal holds
// on it, and its disposal, now and before.
type Retention struct {
	DocumentID   string    `json:"document_id"`
	Title        string    `json:"title"`
	State        string    `json:"state"` // active | destroyed | transferred
	ClassID      string    `json:"class_id"`
	ClassCode    string    `json:"class_code"`
	Schedule     Schedule  `json:"schedule"` // the class's own or its nearest ancestor's
	ScheduleText string    `json:"schedule_text"`
	TriggerAt    time.Time `json:"trigger_at,omitzero"`
	DueAt        time.Time `json:"due_at,omitzero"`
	RetainUntil  time.Time `json:"retain_until,omitzero"` // the floor extensions set
	DisposedAt   time.Time `json:"disposed_at,omitzero"`
	// Disposal is where its disposal stands: destroyed or transferred; the
	// state of its open queue item; held (a legal hold covers it, so the
	// daily run will not queue it); due; not_due; or not_known.
	Disposal   string      `json:"disposal"`
	Open       *Disposal   `json:"open,omitempty"`
	Extensions []Extension `json:"extensions"` // oldest first
	Holds      []*Hold     `json:"holds"`      // active holds covering it
	Disposals  []*Disposal `json:"disposals"`  // its queue items here, newest first
	// CarriedDisposals and CarriedCertificates are the disposal history an
	// import brought with the record: history only, never acted on here.
	CarriedDisposals    []*Disposal    `json:"carried_disposals"`
	CarriedCertificates []*Certificate `json:"carried_certificates"`
}

// Retention returns a document's retention, for records managers and
// administrators (others are refused, and the refusal audited); a
// document of another organisation, or none, is not found.
func (s *Store) Retention(ctx context.Context, sub *platform.Subject, id string) (*Retention, error) {
	if err := s.mayManage(ctx, nil, sub, access.Read, "retention"); err != nil {
		return nil, err
	}
	d, err := s.Document(ctx, sub, id)
	if err != nil {
		return nil, err
	}
	cl, err := s.Class(ctx, sub, d.ClassID)
	if err != nil {
		return nil, err
	}
	r := &Retention{DocumentID: d.ID, Title: d.Title, State: d.State, ClassID: d.ClassID, ClassCode: cl.Code, Schedule: cl.Effective,
		ScheduleText: cl.Effective.Describe(), TriggerAt: d.TriggerAt, DueAt: d.DueAt, RetainUntil: d.RetainUntil, DisposedAt: d.DisposedAt,
		Holds: []*Hold{}, Disposals: []*Disposal{}, CarriedDisposals: []*Disposal{}, CarriedCertificates: []*Certificate{}}
	if r.Extensions, err = s.extensions(ctx, d.OrgID, d.ID); err != nil {
		return nil, err
	}
	holds, err := s.HoldsOn(ctx, sub, d.ID)
	if err != nil {
		return nil, err
	}
	r.Holds = append(r.Holds, holds...)
	own, err := s.DocumentDisposals(ctx, sub, d.ID)
	if err != nil {
		return nil, err
	}
	r.Disposals = append(r.Disposals, own...)
	for _, x := range own {
		if slices.Contains(openStates, x.State) {
			r.Open = x
		}
	}
	carried, err := s.carriedDisposals(ctx, d.OrgID, d.ID)
	if err != nil {
		return nil, err
	}
	for _, f := range carried {
		x, c := f.engine(d, cl)
		r.CarriedDisposals = append(r.CarriedDisposals, x)
		if c != nil {
			r.CarriedCertificates = append(r.CarriedCertificates, c)
		}
	}
	switch now := s.now(); {
	case d.State != StateActive:
		r.Disposal = d.State
	case r.Open != nil:
		r.Disposal = r.Open.State
	case len(r.Holds) > 0:
		r.Disposal = DisposalHeld
	case d.DueAt.IsZero():
		r.Disposal = DisposalNotKnown
	case !d.DueAt.After(now):
		r.Disposal = DisposalDue
	default:
		r.Disposal = DisposalNotDue
	}
	return r, nil
}

// extensions lists a document's extensions, oldest first.
func (s *Store) extensions(ctx context.Context, orgID, docID string) ([]Extension, error) {
	rows, err := s.db.Query(ctx, `SELECT until_at, reason, disposal_id, by_id, by_name, at, import_id FROM records_extensions
		WHERE org_id = ? AND document_id = ? ORDER BY at, id`, orgID, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Extension{}
	for rows.Next() {
		var e Extension
		var until, at int64
		var importID string
		if err := rows.Scan(&until, &e.Reason, &e.DisposalID, &e.ByID, &e.ByName, &at, &importID); err != nil {
			return nil, err
		}
		e.Until, e.At, e.Carried = store.Time(until), store.Time(at), importID != ""
		out = append(out, e)
	}
	return out, rows.Err()
}

// engine turns a carried queue item into the engine's shapes, for the
// retention view: the item, and its certificate when it had one.
func (f fmtDisposal) engine(d *Document, cl Class) (*Disposal, *Certificate) {
	x := &Disposal{ID: f.ID, OrgID: d.OrgID, DocumentID: d.ID, Title: d.Title, ClassID: cl.ID, ClassCode: cl.Code, ClassTitle: cl.Title,
		CaseRef: d.CaseRef, Declared: d.Declared(), DueAt: f.DueAt, Action: f.Action, Schedule: f.Schedule, TwoStage: f.TwoStage, Stage: f.Stage,
		Approvals: engineApprovals(f.Approvals), State: f.State, HoldID: f.HoldID, Reason: f.Reason, ExtendedTo: f.ExtendedTo,
		DecidedAt: f.DecidedAt, DecidedBy: f.DecidedBy.Name, QueuedAt: f.QueuedAt, UpdatedAt: f.UpdatedAt}
	c := f.Certificate
	if c == nil {
		return x, nil
	}
	x.CertificateID = c.ID
	it := c.Item
	return x, &Certificate{ID: c.ID, OrgID: d.OrgID, Number: c.Number, Action: c.Action, DestroyedAt: c.IssuedAt, Schedule: c.Schedule, Note: c.Note,
		ExecutedBy: c.ExecutedBy, Approvals: engineApprovals(c.Approvals),
		Items: []CertificateItem{{Reference: d.ID, Title: it.Title, Class: it.Class, CaseRef: it.CaseRef, Declared: it.Declared, Schedule: it.Schedule,
			DueAt: it.DueAt, Versions: it.Versions, SHA256: it.SHA256, Bytes: it.Bytes, Verified: it.Verified, Kept: it.Kept, Note: it.Note}}}
}

func engineApprovals(as []fmtApproval) []Approval {
	out := []Approval{}
	for _, a := range as {
		out = append(out, Approval{Stage: a.Stage, UserID: a.By.ID, Name: a.By.Name, Role: a.Role, At: a.At, Note: a.Note})
	}
	return out
}
