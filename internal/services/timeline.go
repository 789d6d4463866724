package services

import (
	"context"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Event kinds on a case's timeline.
const (
	EventSubmitted  = "submitted"
	EventTransition = "transition"
	EventNote       = "note"
	EventAssigned   = "assigned"
	EventTask       = "task"
	EventAttachment = "attachment"
	EventEscalated  = "escalated"
)

// Event is one entry on a case's timeline.
type Event struct {
	ID               string    `json:"id"`
	CaseID           string    `json:"case_id"`
	At               time.Time `json:"at"`
	ActorID          string    `json:"actor_id,omitempty"`
	ActorName        string    `json:"actor_name,omitempty"`
	ActingFor        string    `json:"acting_for,omitempty"`
	Kind             string    `json:"kind"`
	FromState        string    `json:"from_state,omitempty"`
	ToState          string    `json:"to_state,omitempty"`
	Detail           string    `json:"detail,omitempty"`
	ApplicantVisible bool      `json:"applicant_visible"`
}

// addEvent appends to the timeline inside the change it describes.
func addEvent(ctx context.Context, tx *store.Tx, sub *platform.Subject, c *Case, at time.Time, kind, from, to, detail string, applicant bool) error {
	ev := 0
	if applicant {
		ev = 1
	}
	var actor, name, actingFor string
	if sub != nil {
		actor, name, actingFor = sub.UserID, sub.Name, sub.ActingFor
	}
	_, err := tx.Exec(ctx, `INSERT INTO case_events (id, org_id, case_id, at, actor_id, actor_name, acting_for, kind, from_state, to_state, detail, applicant_visible)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		platform.NewID("evt"), c.OrgID, c.ID, store.Millis(at), actor, name, actingFor, kind, from, to, detail, ev)
	return err
}

// Timeline lists a case's events, oldest first. Someone who sees the case
// only as its applicant sees only the events meant for them.
func (s *Service) Timeline(ctx context.Context, sub *platform.Subject, caseID string) ([]Event, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	q := `SELECT id, case_id, at, actor_id, actor_name, acting_for, kind, from_state, to_state, detail, applicant_visible
		FROM case_events WHERE org_id = ? AND case_id = ?`
	if s.applicantView(sub, &c) {
		q += " AND applicant_visible = 1"
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY at, id", c.OrgID, c.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		var vis int
		if err := rows.Scan(&e.ID, &e.CaseID, &at, &e.ActorID, &e.ActorName, &e.ActingFor, &e.Kind, &e.FromState, &e.ToState, &e.Detail, &vis); err != nil {
			return nil, platform.Internal(err)
		}
		e.At, e.ApplicantVisible = store.Time(at), vis == 1
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}
