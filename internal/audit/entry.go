// Package audit is the platform's tamper-evident log: every change and every
// sensitive read appends an Entry in the same transaction as the change. The
// entries are leaves of a Merkle tree (golang.org/x/mod/sumdb/tlog) whose
// heads are signed (Ed25519 via golang.org/x/mod/sumdb/note).
package audit

import (
	"context"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Outcome says how the audited attempt ended.
type Outcome string

const (
	Success Outcome = "success"
	Denied  Outcome = "denied"
	Failure Outcome = "failure"
)

// Entry is one audited event: who, acting for whom, did what to which
// resource, when, from where, and with what outcome. Detail is a short human
// note and must never contain a secret.
type Entry struct {
	Index        int64     `json:"index"` // position in its organisation's log, set by the log
	OrgID        string    `json:"org_id"`
	ActorID      string    `json:"actor_id"`
	ActorName    string    `json:"actor_name,omitempty"`
	ActingFor    string    `json:"acting_for,omitempty"`
	Action       string    `json:"action"` // e.g. "user.create", "session.sign_in", "case.read"
	ResourceType string    `json:"resource_type"`
	ResourceID   string    `json:"resource_id,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	Addr         string    `json:"addr,omitempty"`
	Detail       string    `json:"detail,omitempty"`
	At           time.Time `json:"at"`
}

// Recorder appends entries. Record runs inside the caller's write so the
// entry commits or rolls back with the change it describes; RecordNow writes
// an entry on its own (for denials and sign-in failures, where nothing else
// is written).
type Recorder interface {
	Record(tx *store.Tx, e Entry) error
	RecordNow(ctx context.Context, e Entry) error
}

// For fills the who/where fields of an entry from the subject.
func For(s *platform.Subject, action, resourceType, resourceID string, outcome Outcome) Entry {
	e := Entry{Action: action, ResourceType: resourceType, ResourceID: resourceID, Outcome: outcome}
	if s != nil {
		e.OrgID, e.ActorID, e.ActorName, e.ActingFor, e.Addr = s.OrgID, s.UserID, s.Name, s.ActingFor, s.Addr
		if s.Agreement != "" {
			// A partner's every act in the host organisation names the
			// data-sharing agreement it was done under.
			e.ActorName += " under sharing agreement " + s.Agreement
		}
		if s.Kind == platform.SubjectToken {
			e.ActorID = s.TokenID
		}
	}
	return e
}
