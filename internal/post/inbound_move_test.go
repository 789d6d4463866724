package post

import (
	"bytes"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestInboundTriageReasons: a letter that waits in triage says why, as
// found when it was read: the reference it quotes matches no case, it
// quotes none (or names nobody), two cases match, or OCR is not there.
func TestInboundTriageReasons(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		desk := newCaseDesk(CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"]},
			CaseRef{ID: "case_2", Reference: "COMP-2026-000007", Title: "Missed bin", UnitID: e.units["Adults"]})
		in := e.inbound(desk, inbound.Reader{})
		letters := []Upload{
			{Name: "unknown.pdf", Content: letterFor("KCC-2026-001234")},
			{Name: "two.pdf", Content: inbound.TypedLetter("Your references: ASC-2026-000042 and COMP-2026-000007\n\nDear Sir or Madam,\n\nThese are about the same thing.")},
			{Name: "nothing.pdf", Content: inbound.TypedLetter("To whom it may concern,\n\nPlease send me the form.\n\nThank you.")},
		}
		_, items, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: letters})
		noErr(t, err)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		for i, want := range []string{
			"The reference it quotes, KCC-2026-001234, matches no case",
			"Two cases match: ASC-2026-000042 and COMP-2026-000007",
			"No case reference, name or postcode was found in the letter",
		} {
			got, err := in.Get(e.ctx, e.cas, items[i].ID)
			noErr(t, err)
			if got.Status != InboundTriage || got.TriageReason != want {
				t.Errorf("%s: %s %q, want %q", got.Name, got.Status, got.TriageReason, want)
			}
		}
		// Without OCR; and a letter naming a person but no case.
		noOCR := NewInbound(e.ps, InboundOptions{Cases: desk, Reader: inbound.Reader{Tesseract: filepath.Join(t.TempDir(), "tesseract")}})
		_, items, err = noOCR.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{{Name: "unread.pdf", Content: letterFor("ASC-2026-000042")}}})
		noErr(t, err)
		noErr(t, noOCR.Read(e.ctx, e.org.ID, items[0].ID))
		got, err := in.Get(e.ctx, e.cas, items[0].ID)
		noErr(t, err)
		if got.Status != InboundTriage || !strings.HasPrefix(got.TriageReason, "OCR not available: tesseract is not installed") {
			t.Errorf("without OCR: %s %q", got.Status, got.TriageReason)
		}
		_, items, err = in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{{Name: "named.pdf",
			Content: inbound.TypedLetter("Mrs Jane Smith\n12 Mill Lane\nNS1 4AB\n\nDear Sir or Madam,\n\nPlease call me.")}}})
		noErr(t, err)
		noErr(t, in.Read(e.ctx, e.org.ID, items[0].ID))
		if got, err = in.Get(e.ctx, e.cas, items[0].ID); err != nil || !strings.HasPrefix(got.TriageReason, "No case reference was found in the letter, only a name or postcode") {
			t.Errorf("named: %q %v", got.TriageReason, err)
		}
		// A damaged PDF is kept for triage, said to be damaged.
		_, items2, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{{Name: "broken.pdf", Content: []byte("%PDF-1.4 this is not really a PDF")}}})
		noErr(t, err)
		noErr(t, in.Read(e.ctx, e.org.ID, items2[0].ID))
		if got, err := in.Get(e.ctx, e.cas, items2[0].ID); err != nil || got.Status != InboundTriage || got.TriageReason != TriageDamaged ||
			!strings.Contains(got.OCRNote, "damaged or is not a PDF") {
			t.Errorf("damaged: %s %q %q %v", got.Status, got.TriageReason, got.OCRNote, err)
		}
		// Filed by hand, the reason goes.
		got, err = in.Route(e.ctx, e.cas, items[0].ID, "ASC-2026-000042", false)
		if err != nil || got.TriageReason != "" {
			t.Fatalf("routed: %q %v", got.TriageReason, err)
		}
	})
}

// TestInboundMove: a letter filed on the wrong case (its reference
// misread) is moved by a caseworker of the case's unit to the right case
// and later back to triage, each time with a reason: it is taken off the
// old case with a note, filed on the new one as a new attachment, its
// moves kept and audited, and the scan unchanged. Filing by hand on a
// case whose person the letter does not name asks for confirmation.
func TestInboundMove(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		desk := newCaseDesk(
			CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"], Names: []string{"Jane Smith"}, Postcodes: []string{"NS1 4AB"}},
			CaseRef{ID: "case_2", Reference: "COMP-2026-000007", Title: "Missed bin", UnitID: e.units["Adults"], Names: []string{"Arthur Dent"}, Postcodes: []string{"NS4 2XY"}})
		in := e.inbound(desk, inbound.Reader{})
		// Jane Smith's letter quotes Arthur Dent's case: filed there by its reference.
		_, items, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{{Name: "smith.pdf", Content: letterFor("COMP-2026-000007")}}})
		noErr(t, err)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		id := items[0].ID
		it, err := in.Get(e.ctx, e.cas, id)
		noErr(t, err)
		if it.Status != InboundRouted || it.CaseID != "case_2" || len(desk.filed["case_2"]) != 1 {
			t.Fatalf("filed %+v", it)
		}
		first := desk.filed["case_2"][0].ID

		// Refusals change nothing.
		_, err = in.Move(e.ctx, e.sid, id, MoveTo{Reference: "ASC-2026-000042", Reason: "wrong case"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "ASC-2026-000042", Reason: "  "})
		wantField(t, err, "reason")
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "COMP-2026-000007", Reason: "x"})
		wantField(t, err, "reference")
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "HOUS-2026-000999", Reason: "x"})
		wantField(t, err, "reference")
		if len(desk.filed["case_2"]) != 1 || len(desk.filed["case_1"]) != 0 {
			t.Fatal("a refused move changed the cases")
		}

		// To the right case: the letter names Jane Smith, as the case does.
		moved, err := in.Move(e.ctx, e.cas, id, MoveTo{Reference: "asc-2026-000042", Reason: "The reference was misread: the letter is from Mrs Smith"})
		noErr(t, err)
		if moved.Status != InboundRouted || moved.CaseID != "case_1" || moved.CaseRef != "ASC-2026-000042" || moved.RoutedBy != e.cas.UserID {
			t.Fatalf("moved %+v", moved)
		}
		if len(desk.filed["case_2"]) != 0 || len(desk.removed["case_2"]) != 1 || !strings.Contains(desk.removed["case_2"][0], "moved to case ASC-2026-000042 by "+e.cas.Name+": The reference was misread") {
			t.Fatalf("old case: %d filed, notes %q", len(desk.filed["case_2"]), desk.removed["case_2"])
		}
		if f := desk.filed["case_1"]; len(f) != 1 || f[0].ID == first || !platform.ValidID("att", f[0].ID) ||
			!bytes.Equal(f[0].Content, letterFor("COMP-2026-000007")) || !strings.Contains(f[0].Note, "moved from case COMP-2026-000007") {
			t.Fatalf("new case: %+v", f)
		}
		if told := desk.told["case_1"]; len(told) != 1 || told[0] != "Post moved to ASC-2026-000042" {
			t.Fatalf("told %q", told)
		}

		// Back to triage.
		back, err := in.Move(e.ctx, e.cas, id, MoveTo{Reason: "Not about a case after all"})
		noErr(t, err)
		if back.Status != InboundTriage || back.CaseID != "" || back.UnitID != "" || len(desk.filed["case_1"]) != 0 ||
			back.TriageReason != "Moved back to triage from case ASC-2026-000042 by "+e.cas.Name+": Not about a case after all" {
			t.Fatalf("back %+v", back)
		}
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "ASC-2026-000042", Reason: "x"})
		wantCode(t, err, platform.CodeConflict)

		// By hand on Arthur Dent's case: Jane Smith's name and postcode
		// differ, so it asks first and files nothing.
		_, err = in.Route(e.ctx, e.cas, id, "COMP-2026-000007", false)
		var me *MismatchError
		if platform.CodeOf(err) != platform.CodeConflict || !errors.As(err, &me) || len(me.Differences) != 2 ||
			me.Differences[0] != "The letter names Mrs Jane Smith, but the case is for Arthur Dent." ||
			me.Differences[1] != "The letter's postcode is NS1 4AB, but the case's is NS4 2XY." {
			t.Fatalf("mismatch: %v %+v", err, me)
		}
		if len(desk.filed["case_2"]) != 0 {
			t.Fatal("filed without confirmation")
		}
		again, err := in.Route(e.ctx, e.cas, id, "COMP-2026-000007", true)
		noErr(t, err)
		if f := desk.filed["case_2"]; again.Status != InboundRouted || len(f) != 1 || f[0].ID == first {
			t.Fatalf("confirmed: %+v %+v", again, f)
		}
		// Moving to a case that does not match asks too.
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "ASC-2026-000042", Reason: "x"})
		noErr(t, err) // Jane Smith's own case: no question
		_, err = in.Move(e.ctx, e.cas, id, MoveTo{Reference: "COMP-2026-000007", Reason: "x"})
		if !errors.As(err, &me) {
			t.Fatalf("move mismatch: %v", err)
		}

		moves, err := in.Moves(e.ctx, e.cas, id)
		noErr(t, err)
		if len(moves) != 3 || moves[0].FromCaseRef != "COMP-2026-000007" || moves[0].ToCaseRef != "ASC-2026-000042" || moves[0].MovedByName != e.cas.Name ||
			moves[1].ToCaseID != "" || moves[1].Reason != "Not about a case after all" {
			t.Fatalf("moves %+v", moves)
		}
		entries, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Limit: 500})
		noErr(t, err)
		audited := 0
		for _, en := range entries.Entries {
			if en.Action == "post.inbound_move" && en.ResourceID == id && en.ActorID == e.cas.UserID && strings.Contains(en.Detail, "The reference was misread") {
				audited++
			}
		}
		if audited != 1 {
			t.Fatalf("move audited %d times", audited)
		}
		// The scan is as it came.
		_, rc, err := in.Original(e.ctx, e.cas, id)
		noErr(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, letterFor("COMP-2026-000007")) {
			t.Fatal("original changed")
		}
	})
}
