package records

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// ApprovalResult says what an approval did.
type ApprovalResult struct {
	// AwaitingSecond are the items that now need a second person's approval.
	AwaitingSecond []string `json:"awaiting_second"`
	// Done are the items carried out; Certificates prove it.
	Done         []string       `json:"done"`
	Certificates []*Certificate `json:"certificates"`
}

// maxBatch is the most items one approval or disposal takes, so one
// request's work stays a short write.
const maxBatch = 200

// roleName is how an approver's standing is written on a certificate.
func roleName(sub *platform.Subject) string {
	switch {
	case sub.HasRole(platform.RoleRecords):
		return "Records manager"
	case sub.HasRole(platform.RoleAdmin):
		return "Administrator"
	}
	return "Platform"
}

// ApproveDisposal approves items of the queue, all or none. A two-stage
// schedule needs two approvals by two different people; the approval that
// completes an item carries it out at once (Dispose), and the result
// holds the certificate. An item under a legal hold, or no longer due, is
// refused. Only a person approves: the platform itself never does.
func (s *Store) ApproveDisposal(ctx context.Context, sub *platform.Subject, ids []string, note string) (ApprovalResult, error) {
	var res ApprovalResult
	ids = tidyIDs(ids)
	if len(ids) == 0 || len(ids) > maxBatch {
		return res, platform.Invalid("Choose what to approve", platform.FieldError{Field: "ids", Message: fmt.Sprintf("Choose between 1 and %d items of the queue", maxBatch)})
	}
	if note != "" {
		var bad *platform.FieldError
		if note, bad = cleanReason("note", note); bad != nil {
			return res, platform.Invalid("Check the note", *bad)
		}
	}
	var final []string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		res.AwaitingSecond, final = nil, nil
		if err := s.mayManage(ctx, tx, sub, access.Delete, "disposal"); err != nil {
			return err
		}
		if sub.Kind == platform.SubjectSystem {
			return platform.Errorf(platform.CodeForbidden, "Disposal is approved by a person, never by the platform itself")
		}
		now := s.now()
		for _, id := range ids {
			x, d, err := s.decidable(ctx, tx, sub, id, now)
			if err != nil {
				return err
			}
			if x.TwoStage && x.Stage == 1 {
				for _, a := range x.Approvals {
					if a.UserID == sub.UserID {
						return platform.Errorf(platform.CodeConflict, "%q needs a second approval by someone else: you gave the first", x.Title)
					}
				}
			}
			x.Approvals = append(x.Approvals, Approval{Stage: x.Stage + 1, UserID: sub.UserID, Name: declarer(sub), Role: roleName(sub), At: now, Note: note})
			approvals, err := json.Marshal(x.Approvals)
			if err != nil {
				return err
			}
			state, stage, detail := DisposalApproved, x.Stage, fmt.Sprintf("%s: approved to %s", x.ID, x.Action)
			if x.TwoStage {
				detail = fmt.Sprintf("%s: stage %d of 2 approved to %s", x.ID, x.Stage+1, x.Action)
				if x.Stage == 0 {
					state, stage = DisposalPending, 1
				}
			}
			if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, stage = ?, approvals = ?, updated_at = ? WHERE id = ?`,
				state, stage, string(approvals), store.Millis(now), x.ID); err != nil {
				return err
			}
			if note != "" {
				detail += ": " + note
			}
			if err := s.recordDocEntry(tx, sub, "records.disposal_approve", d, detail); err != nil {
				return err
			}
			if state == DisposalApproved {
				final = append(final, x.ID)
			} else {
				res.AwaitingSecond = append(res.AwaitingSecond, x.ID)
			}
		}
		return nil
	})
	if err != nil || len(final) == 0 {
		return res, err
	}
	out, err := s.execute(ctx, sub, final, note)
	res.Done, res.Certificates = out.Done, out.Certificates
	return res, err
}

// decidable loads a pending item, and its document, that a person may
// decide on now: not under a legal hold and still due.
func (s *Store) decidable(ctx context.Context, tx *store.Tx, sub *platform.Subject, id string, now time.Time) (*Disposal, *Document, error) {
	x, err := loadDisposal(ctx, tx.QueryRow, sub.OrgID, id)
	if err != nil {
		return nil, nil, err
	}
	switch x.State {
	case DisposalPending:
	case DisposalHeld:
		return nil, nil, platform.Errorf(platform.CodeConflict, "%q is under the legal hold %q: nothing can be decided until the hold is lifted", x.Title, x.HoldTitle)
	default:
		return nil, nil, platform.Errorf(platform.CodeConflict, "%q is no longer awaiting a decision: it is %s", x.Title, x.State)
	}
	d, err := s.managedDocument(ctx, tx, sub, x.DocumentID)
	if err != nil {
		return nil, nil, err
	}
	if err := s.access.CheckTx(tx, sub, access.Delete, d.resource()); err != nil {
		return nil, nil, err
	}
	if err := s.refuseHeld(ctx, tx, d, "disposed of"); err != nil {
		return nil, nil, err
	}
	if d.State != StateActive || d.DueAt.IsZero() || d.DueAt.After(now) {
		return nil, nil, platform.Errorf(platform.CodeConflict, "%q is no longer due for disposal: its retention was extended or its schedule changed", x.Title)
	}
	return x, d, nil
}

// Rejection is a records manager's decision not to dispose of an item:
// keep the document until a later date, or mark it for review, so that a
// person looks at it and decides to keep or destroy it.
type Rejection struct {
	Reason string
	Until  time.Time // keep until then (later than the current due date)
	Review bool      // instead: mark it for review
}

// RejectDisposal decides against disposing of an item, for a reason.
// Keeping extends the document's retention (only ever later) and closes
// the item; marking for review turns it into a review, whose approval
// destroys and whose rejection keeps, with approvals starting again.
func (s *Store) RejectDisposal(ctx context.Context, sub *platform.Subject, id string, r Rejection) (*Disposal, error) {
	reason, bad := cleanReason("reason", r.Reason)
	if bad != nil {
		return nil, platform.Invalid("Check the rejection", *bad)
	}
	if r.Review == !r.Until.IsZero() {
		return nil, platform.Invalid("Check the rejection", platform.FieldError{Field: "until", Message: "Choose a date to keep it until, or mark it for review"})
	}
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayManage(ctx, tx, sub, access.Update, "disposal"); err != nil {
			return err
		}
		x, err := loadDisposal(ctx, tx.QueryRow, sub.OrgID, id)
		if err != nil {
			return err
		}
		if x.State != DisposalPending && x.State != DisposalHeld {
			return platform.Errorf(platform.CodeConflict, "%q is no longer awaiting a decision: it is %s", x.Title, x.State)
		}
		d, err := s.managedDocument(ctx, tx, sub, x.DocumentID)
		if err != nil {
			return err
		}
		now := store.Millis(s.now())
		if r.Review {
			if x.Action == ActionReview {
				return platform.Invalid("Check the rejection", platform.FieldError{Field: "until", Message: "This is already a review: choose a date to keep it until"})
			}
			if _, err := tx.Exec(ctx, `UPDATE records_disposals SET action = ?, stage = 0, approvals = '[]', reason = ?, updated_at = ? WHERE id = ?`,
				ActionReview, reason, now, x.ID); err != nil {
				return err
			}
			return s.recordDocEntry(tx, sub, "records.disposal_review", d, x.ID+": marked for review instead of "+x.Action+": "+reason)
		}
		if err := s.extend(ctx, tx, sub, d, r.Until, reason, x.ID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE records_disposals SET state = ?, reason = ?, extended_to = ?, hold_id = '', decided_at = ?, decided_by = ?,
			decided_by_name = ?, updated_at = ? WHERE id = ?`, DisposalRejected, reason, store.Millis(r.Until), now, sub.UserID, declarer(sub), now, x.ID); err != nil {
			return err
		}
		return s.recordDocEntry(tx, sub, "records.disposal_reject", d, x.ID+": kept until "+day(r.Until)+": "+reason)
	})
	if err != nil {
		return nil, err
	}
	return loadDisposal(ctx, s.db.QueryRow, sub.OrgID, id)
}
