package records

import (
	"errors"
	"fmt"
	"slices"

	"dbtp/internal/platform"
)

// An archive's retention beyond the dates: each record's extensions and
// disposal history, and the legal holds. They are checked here, with the
// rest of the archive, before anything is stored; importwrite.go and
// importholds.go store them.

var disposalStates = []string{DisposalPending, DisposalHeld, DisposalApproved, DisposalDisposing, DisposalDone, DisposalRejected, DisposalWithdrawn}

// reasonOK is a reason as dbtp keeps one: trimmed, there, and short.
func reasonOK(s string) bool {
	clean, bad := cleanReason("reason", s)
	return bad == nil && clean == s
}

// checkRetention holds a record's extensions and disposal history to what
// dbtp writes: an import stores them as they are, so they must be sound.
func checkRetention(rec *fmtRecord) error {
	r := rec.Retention
	for i, x := range r.Extensions {
		switch {
		case !goodTime(x.Until) || !goodTime(x.At):
			return fmt.Errorf("extension %d needs its date and when it was given", i+1)
		case !reasonOK(x.Reason):
			return fmt.Errorf("extension %d needs a reason of up to 1,000 characters, without spaces around it", i+1)
		case x.DisposalID != "" && !platform.ValidID("rdp", x.DisposalID), !agentOK(x.By):
			return fmt.Errorf("extension %d: its disposal ID or who gave it is not valid", i+1)
		case x.Until.After(r.RetainUntil):
			return fmt.Errorf("extension %d keeps it until %s, later than its retain_until", i+1, day(x.Until))
		}
	}
	seen := map[string]bool{}
	for i, x := range r.Disposal {
		if err := checkDisposal(rec.ID, x); err != nil {
			return fmt.Errorf("disposal %d: %v", i+1, err)
		}
		if seen[x.ID] {
			return fmt.Errorf("disposal %s appears twice", x.ID)
		}
		seen[x.ID] = true
	}
	return nil
}

func agentOK(a fmtAgent) bool { return plain(a.ID, 200) && plain(a.Name, 300) }

func checkDisposal(recordID string, x fmtDisposal) error {
	switch {
	case !platform.ValidID("rdp", x.ID):
		return errors.New("its id is not a disposal ID")
	case !goodTime(x.QueuedAt) || !goodTime(x.UpdatedAt) || !optGood(x.DueAt) || !optGood(x.ExtendedTo) || !optGood(x.DecidedAt):
		return errors.New("its times must be real times after 1970")
	case x.Action != ActionDestroy && x.Action != ActionReview && x.Action != ActionTransfer:
		return errors.New("its action must be destroy, review or transfer")
	case !slices.Contains(disposalStates, x.State):
		return errors.New("its state is not one of the queue's")
	case x.Stage < 0 || x.Stage > 1:
		return errors.New("its stage must be 0 or 1")
	case !plain(x.Schedule, 500) || !text(x.Reason, 4096) || !agentOK(x.DecidedBy):
		return errors.New("its schedule, reason or who decided is too long or has control characters")
	case x.HoldID != "" && !platform.ValidID("rhd", x.HoldID):
		return errors.New("its hold_id is not a hold ID")
	case (x.State == DisposalDone) != (x.Certificate != nil):
		return errors.New("a disposal carried out (done), and only one, has a certificate")
	}
	if err := checkApprovals(x.Approvals); err != nil {
		return err
	}
	c := x.Certificate
	if c == nil {
		return nil
	}
	it := c.Item
	switch {
	case !platform.ValidID("rct", c.ID) || !plain(c.Number, 50) || c.Number == "":
		return errors.New("its certificate needs an ID and a number")
	case c.Action != ActionDestroy && c.Action != ActionTransfer:
		return errors.New("its certificate's action must be destroy or transfer")
	case !goodTime(c.IssuedAt) || !optGood(it.DueAt):
		return errors.New("its certificate's times must be real times after 1970")
	case !plain(c.Schedule, 500) || !text(c.Note, 4096) || !plain(c.ExecutedBy, 300) || c.Records < 1:
		return errors.New("its certificate's schedule, note, executor or count is not valid")
	case !plain(it.Title, 1000) || !plain(it.Class, 1000) || !plain(it.CaseRef, 500) || !plain(it.Schedule, 500) || !text(it.Note, 4096):
		return errors.New("its certificate's entry for the record is too long or has control characters")
	case it.Versions < 0 || it.Bytes < 0 || len(it.SHA256) != it.Versions:
		return errors.New("its certificate's entry must list one SHA-256 per version")
	}
	for _, h := range append(slices.Clone(it.SHA256), it.Kept...) {
		if !sha256RE.MatchString(h) {
			return errors.New("its certificate lists a SHA-256 that is not 64 lower-case hexadecimal digits")
		}
	}
	return checkApprovals(c.Approvals)
}

func checkApprovals(as []fmtApproval) error {
	for i, a := range as {
		if a.Stage < 1 || a.Stage > 2 || !goodTime(a.At) || !agentOK(a.By) || !plain(a.Role, 100) || !text(a.Note, 4096) {
			return fmt.Errorf("approval %d needs its stage (1 or 2), who gave it, their role and when", i+1)
		}
	}
	return nil
}

// checkHolds holds the legal holds to the rules CreateHold applies, and
// every name in them to the archive: a record in it, a class of its file
// plan. A hold that names nothing is refused: an export leaves those out.
func (a *archive) checkHolds(holds []fmtHold) error {
	inArchive := map[string]bool{}
	for _, r := range a.records {
		inArchive[r.id] = true
	}
	seen := map[string]bool{}
	for i, h := range holds {
		name := fmt.Sprintf("hold %d (%q) in %s", i+1, clip(h.Title), holdsName)
		in := HoldInput{Title: h.Title, Reason: h.Reason, DocumentIDs: slices.Clone(h.RecordIDs), ClassIDs: slices.Clone(h.ClassCodes), CaseIDs: slices.Clone(h.CaseIDs)}
		if bad := in.check(); len(bad) > 0 {
			return refused("%s: %s", name, fieldProblems(platform.Invalid("", bad...)))
		}
		switch {
		case !platform.ValidID("rhd", h.ID) || seen[h.ID]:
			return refused("%s: its id is missing, not a hold ID, or used twice", name)
		case in.Title != h.Title || in.Reason != h.Reason || !slices.Equal(in.DocumentIDs, h.RecordIDs) || !slices.Equal(in.ClassIDs, h.ClassCodes) ||
			!slices.Equal(in.CaseIDs, h.CaseIDs):
			return refused("%s: its texts and lists are not as dbtp writes them (spaces around, unsorted, repeated)", name)
		case !goodTime(h.PlacedAt) || !optGood(h.ReleasedAt) || !agentOK(h.PlacedBy) || !agentOK(h.ReleasedBy):
			return refused("%s: when and by whom it was placed or released is not valid", name)
		case h.ReleasedAt.IsZero() && (h.ReleaseReason != "" || h.ReleasedBy != fmtAgent{}):
			return refused("%s: a hold in force has no release", name)
		case !h.ReleasedAt.IsZero() && !reasonOK(h.ReleaseReason):
			return refused("%s: a released hold needs the reason it was released", name)
		}
		seen[h.ID] = true
		for _, id := range h.RecordIDs {
			if !inArchive[id] {
				return refused("%s names the record %q, which is not in the archive", name, clip(id))
			}
		}
		for _, code := range h.ClassCodes {
			if a.classes[code].Code == "" {
				return refused("%s names the class %q, which is not in %s", name, clip(code), filePlanName)
			}
		}
		if err := checkEvents(h.Events); err != nil {
			return refused("%s: %v", name, err)
		}
	}
	return nil
}
