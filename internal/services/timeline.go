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
	// EventAttachmentRemoved: a file added by mistake was taken off.
	EventAttachmentRemoved = "attachment_removed"
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
func (s *Service) addEvent(ctx context.Context, tx *store.Tx, sub *platform.Subject, c *Case, at time.Time, kind, from, to, detail string, applicant bool) error {
	return s.addEventFiles(ctx, tx, sub, c, at, kind, from, to, detail, applicant, 0)
}

// addEventFiles is addEvent for a submission, which says in its domain
// event how many files came with it (records files them; without any,
// records need not be asked).
func (s *Service) addEventFiles(ctx context.Context, tx *store.Tx, sub *platform.Subject, c *Case, at time.Time, kind, from, to, detail string, applicant bool, files int) error {
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
	if err != nil || s.opts.Events == nil {
		return err
	}
	// The same moment as a domain event for other modules and the council's
	// systems, in the same transaction. It carries references, never the
	// detail (which may name people).
	return s.opts.Events.Publish(ctx, tx, c.OrgID, domainEventTypes[kind], c.ID, caseEvent{
		CaseID: c.ID, Reference: c.Reference, Service: c.ServiceID, ServiceVersion: c.ServiceVersion,
		From: from, To: to, State: c.State, Terminal: c.Terminal, UnitID: c.UnitID, Files: files,
	})
}

// EventPublisher records domain events in the transaction of the change;
// *events.Bus implements it (cmd/dbtp wires it through the module).
type EventPublisher interface {
	Publish(ctx context.Context, tx *store.Tx, orgID, typ, subject string, data any) error
}

// domainEventTypes names the timeline's kinds as domain events.
var domainEventTypes = map[string]string{
	EventSubmitted: "case.submitted", EventTransition: "case.transitioned", EventNote: "case.note_added",
	EventAssigned: "case.assigned", EventTask: "case.task_changed", EventAttachment: "case.file_added", EventEscalated: "case.escalated",
	EventAttachmentRemoved: "case.file_removed",
}

// EventTypes lists the domain events the engine publishes.
func EventTypes() []string {
	out := make([]string, 0, len(domainEventTypes))
	for _, t := range domainEventTypes {
		out = append(out, t)
	}
	return out
}

// caseEvent is the data of every case.* domain event.
type caseEvent struct {
	CaseID         string `json:"case_id"`
	Reference      string `json:"reference"`
	Service        string `json:"service"`
	ServiceVersion int    `json:"service_version"`
	From           string `json:"from,omitempty"`
	To             string `json:"to,omitempty"`
	State          string `json:"state"`
	// Terminal: the case is now in a final state (closed).
	Terminal bool   `json:"terminal,omitempty"`
	UnitID   string `json:"unit_id,omitempty"`
	// Files came with a submission (case.submitted only); files added
	// later are each a case.file_added.
	Files int `json:"files,omitempty"`
}

// Timeline lists a case's events, oldest first. Someone who sees the case
// only as its applicant sees only the events meant for them.
func (s *Service) Timeline(ctx context.Context, sub *platform.Subject, caseID string) ([]Event, error) {
	c, err := s.caseFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, err
	}
	return s.timeline(ctx, sub, &c)
}

// timeline reads the events of c, which the caller has loaded and checked.
func (s *Service) timeline(ctx context.Context, sub *platform.Subject, c *Case) ([]Event, error) {
	q := `SELECT id, case_id, at, actor_id, actor_name, acting_for, kind, from_state, to_state, detail, applicant_visible
		FROM case_events WHERE org_id = ? AND case_id = ?`
	if s.applicantView(sub, c) {
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
