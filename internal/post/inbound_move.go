package post

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// A letter filed on the wrong case (by its reference, misread, or by
// hand) is moved by a caseworker of the case's unit to another case or
// back to triage, saying why. The letter follows: it is filed on the new
// case (a new attachment, so the records module keeps a record there),
// taken off the old one with a note, and the move is kept with the item
// and in the audit log. The original scan is never changed, and records
// already made of it stay.

// MoveTo is where a filed letter goes, and why.
type MoveTo struct {
	Reference string // the case to file it on; "" sends it back to triage
	Reason    string // said on both cases, with the item and in the audit log
	Confirmed bool   // file it although the letter seems to be another person's (see MismatchError)
}

// InboundMove is one move of a filed letter.
type InboundMove struct {
	ID          string    `json:"id"`
	FromCaseID  string    `json:"from_case_id"`
	FromCaseRef string    `json:"from_case_reference"`
	ToCaseID    string    `json:"to_case_id,omitempty"` // empty: back to triage
	ToCaseRef   string    `json:"to_case_reference,omitempty"`
	Reason      string    `json:"reason"`
	MovedBy     string    `json:"moved_by"`
	MovedByName string    `json:"moved_by_name"`
	MovedAt     time.Time `json:"moved_at"`
}

// MaxMoveReason is the longest reason for a move.
const MaxMoveReason = 1000

// Move moves a letter filed on a case to another case, or back to triage,
// as sub (a caseworker, manager or designer of the case's unit) decides.
func (in *Inbound) Move(ctx context.Context, sub *platform.Subject, id string, to MoveTo) (InboundItem, error) {
	ref, reason := strings.ToUpper(strings.TrimSpace(to.Reference)), strings.TrimSpace(to.Reason)
	it, err := in.Get(ctx, sub, id)
	if err != nil {
		return it, err
	}
	if err := in.s.access.Check(ctx, sub, access.Create, itemResource(it)); err != nil {
		return it, err
	}
	if it.Status != InboundRouted {
		return it, platform.Errorf(platform.CodeConflict, "This post is not filed on a case: route it from triage instead")
	}
	var fs []platform.FieldError
	switch {
	case reason == "":
		fs = append(fs, platform.FieldError{Field: "reason", Message: "Say why the letter is being moved, for the case's record"})
	case utf8.RuneCountInString(reason) > MaxMoveReason:
		fs = append(fs, platform.FieldError{Field: "reason", Message: "The reason must be 1,000 characters or fewer"})
	}
	var c CaseRef
	if ref != "" {
		if c, err = in.findCase(ctx, sub, ref); platform.CodeOf(err) == platform.CodeInvalid {
			fs = append(fs, platform.AsError(err).Fields...)
		} else if err != nil {
			return it, err
		} else if c.ID == it.CaseID {
			fs = append(fs, platform.FieldError{Field: "reference", Message: "The letter is already filed on " + c.Reference + ": enter the case it belongs to"})
		}
	} else if in.cases() == nil {
		return it, platform.Errorf(platform.CodeConflict, "Post cannot be moved here: the services module is not running")
	}
	if len(fs) > 0 {
		return it, platform.Invalid("Check where the letter goes and why", fs...)
	}
	if ref != "" && !to.Confirmed {
		if err := checkPerson(it, c); err != nil {
			return it, err
		}
	}
	where := "back to triage"
	if ref != "" {
		where = "to case " + c.Reference
	}
	// The new case first: filing is idempotent on the new attachment's
	// ID, so a move cut short is made again, not doubled.
	att := ""
	if ref != "" {
		content, err := in.scanOf(ctx, it)
		if err != nil {
			return it, err
		}
		att = attachmentID(it.ID, it.Filings)
		doc := CaseDocument{ID: att, Name: it.Name, MediaType: it.MediaType, Content: content,
			Note: fmt.Sprintf("Post received (%s, %s) and filed on this case by %s, moved from case %s: %s", it.Name, sourceWords(it), sub.Name, it.CaseRef, reason)}
		if err := in.cases().FileOnCase(ctx, it.OrgID, c.ID, doc); err != nil {
			return it, err
		}
	}
	if err := in.cases().RemoveFromCase(ctx, it.OrgID, it.CaseID, it.AttachmentID,
		fmt.Sprintf("Post (%s) was filed on this case by mistake and has been moved %s by %s: %s", it.Name, where, sub.Name, reason)); err != nil {
		return it, err
	}
	now := in.s.now()
	mv := InboundMove{ID: platform.NewID("pim"), FromCaseID: it.CaseID, FromCaseRef: it.CaseRef, ToCaseID: c.ID, ToCaseRef: c.Reference, Reason: reason,
		MovedBy: sub.UserID, MovedByName: sub.Name, MovedAt: now}
	next := it
	next.CaseID, next.CaseRef, next.UnitID, next.AttachmentID, next.UpdatedAt = c.ID, c.Reference, c.UnitID, att, now
	next.Status, next.TriageReason, next.RoutedHow, next.RoutedBy, next.RoutedAt = InboundRouted, "", "hand", sub.UserID, now
	if ref == "" {
		next.Status, next.TriageReason, next.RoutedHow, next.RoutedBy, next.RoutedAt = InboundTriage, fmt.Sprintf("Moved back to triage from case %s by %s: %s", it.CaseRef, sub.Name, reason), "", "", time.Time{}
	} else {
		next.Filings++
	}
	err = in.s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE post_inbound SET status = ?, case_id = ?, case_ref = ?, unit_id = ?, attachment_id = ?, filings = ?, routed_how = ?, routed_by = ?,
			routed_at = ?, triage_reason = ?, updated_at = ? WHERE id = ? AND status = ? AND case_id = ? AND filings = ?`,
			next.Status, next.CaseID, next.CaseRef, next.UnitID, next.AttachmentID, next.Filings, next.RoutedHow, next.RoutedBy, store.Millis(next.RoutedAt),
			next.TriageReason, store.Millis(now), it.ID, InboundRouted, it.CaseID, it.Filings)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.Errorf(platform.CodeConflict, "This post was moved meanwhile: look at it again")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO post_inbound_moves (id, org_id, item_id, from_case_id, from_case_ref, to_case_id, to_case_ref, reason, moved_by, moved_by_name, moved_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, mv.ID, it.OrgID, it.ID, mv.FromCaseID, mv.FromCaseRef, mv.ToCaseID, mv.ToCaseRef, mv.Reason, mv.MovedBy,
			mv.MovedByName, store.Millis(now)); err != nil {
			return err
		}
		e := audit.For(sub, "post.inbound_move", "post_inbound", it.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s moved from %s %s: %s", it.Name, it.CaseRef, where, reason)
		return in.s.audit.Record(tx, e)
	})
	if err != nil {
		return it, platform.AsError(err)
	}
	if ref != "" {
		if err := in.cases().TellCaseworker(ctx, it.OrgID, c.ID, "Post moved to "+c.Reference,
			fmt.Sprintf("A letter (%s) filed on case %s by mistake has been moved to case %s and is filed on it. Open the case to read it.", it.Name, it.CaseRef, c.Reference)); err != nil {
			return next, err
		}
	}
	return next, nil
}

// Moves lists the moves of an item sub may read, oldest first.
func (in *Inbound) Moves(ctx context.Context, sub *platform.Subject, id string) ([]InboundMove, error) {
	it, err := in.Get(ctx, sub, id)
	if err != nil {
		return nil, err
	}
	rows, err := in.s.db.Query(ctx, `SELECT id, from_case_id, from_case_ref, to_case_id, to_case_ref, reason, moved_by, moved_by_name, moved_at
		FROM post_inbound_moves WHERE org_id = ? AND item_id = ? ORDER BY moved_at, id`, it.OrgID, it.ID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []InboundMove
	for rows.Next() {
		var m InboundMove
		var at int64
		if err := rows.Scan(&m.ID, &m.FromCaseID, &m.FromCaseRef, &m.ToCaseID, &m.ToCaseRef, &m.Reason, &m.MovedBy, &m.MovedByName, &at); err != nil {
			return nil, platform.Internal(err)
		}
		m.MovedAt = store.Time(at)
		out = append(out, m)
	}
	return out, rows.Err()
}
