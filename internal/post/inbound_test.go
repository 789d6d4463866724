package post

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func letterFor(ref string) []byte {
	return inbound.TypedLetter("Mrs Jane Smith\n12 Mill Lane\nNorthshire\nNS1 4AB\n\nYour reference: " + ref +
		"\n\nDear Sir or Madam,\n\nPlease find my reply about the assessment enclosed.\n\nYours sincerely,\n\nJane Smith")
}

// TestInboundRoutesByReference: a batch of two scanned letters is kept
// at once and read in the background with the real tesseract; the one
// naming a known case is filed on it and its caseworker told, the other
// waits in triage until a caseworker routes it by hand.
func TestInboundRoutesByReference(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		desk := newCaseDesk(CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"]},
			CaseRef{ID: "case_2", Reference: "COMP-2026-000007", Title: "Missed bin", UnitID: e.units["Adults"]})
		in := e.inbound(desk, inbound.Reader{})
		batch, items, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{
			{Name: `C:\scans\smith.pdf`, Content: letterFor("ASC-2026-000042")}, {Name: "unknown.pdf", Content: letterFor("HOUS-2026-000999")}}})
		if err != nil {
			t.Fatalf("%v: %v", err, platform.AsError(err).Err)
		}
		if len(items) != 2 || items[0].Status != InboundReading || items[0].Name != "smith.pdf" || items[0].BatchID != batch {
			t.Fatalf("items %+v", items)
		}
		if n, err := e.jobs.RunDue(e.ctx); err != nil || n != 2 {
			t.Fatalf("jobs %d %v", n, err)
		}
		got, err := in.Get(e.ctx, e.cas, items[0].ID)
		noErr(t, err)
		if got.Status != InboundRouted || got.CaseRef != "ASC-2026-000042" || got.RoutedHow != "auto" || !strings.Contains(got.OCRText, "ASC-2026-000042") ||
			len(got.Findings.Postcodes) == 0 || got.Findings.Postcodes[0] != "NS1 4AB" {
			t.Fatalf("routed %+v", got)
		}
		if f := desk.filed["case_1"]; len(f) != 1 || f[0].ID != "att_"+strings.TrimPrefix(got.ID, "pin_") || !bytes.Equal(f[0].Content, letterFor("ASC-2026-000042")) {
			t.Fatalf("filed %d documents", len(f))
		}
		if len(desk.told["case_1"]) != 1 {
			t.Fatalf("told %+v", desk.told)
		}
		other, err := in.Get(e.ctx, e.cas, items[1].ID)
		noErr(t, err)
		if other.Status != InboundTriage || other.Findings.References[0] != "HOUS-2026-000999" {
			t.Fatalf("triage %+v", other)
		}
		// Reading again changes nothing.
		noErr(t, in.Read(e.ctx, e.org.ID, items[0].ID))
		if len(desk.filed["case_1"]) != 1 {
			t.Fatal("filed twice")
		}
		// By hand: Sid (Finance staff) may read the post room but not
		// route; Cas routes to a case she can see.
		_, err = in.Route(e.ctx, e.sid, other.ID, "COMP-2026-000007", false)
		wantCode(t, err, platform.CodeForbidden)
		_, err = in.Route(e.ctx, e.cas, other.ID, "HOUS-2026-000999", false)
		wantField(t, err, "reference")
		_, err = in.Route(e.ctx, e.cas, other.ID, " ", false)
		wantField(t, err, "reference")
		routed, err := in.Route(e.ctx, e.cas, other.ID, "comp-2026-000007", false)
		noErr(t, err)
		if routed.Status != InboundRouted || routed.RoutedHow != "hand" || routed.RoutedBy != e.cas.UserID || routed.UnitID != e.units["Adults"] || len(desk.filed["case_2"]) != 1 {
			t.Fatalf("by hand %+v", routed)
		}
		_, err = in.Route(e.ctx, e.cas, other.ID, "ASC-2026-000042", false)
		wantCode(t, err, platform.CodeConflict)
		// The original is kept as it came.
		_, rc, err := in.Original(e.ctx, e.cas, items[1].ID)
		noErr(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(b, letterFor("HOUS-2026-000999")) {
			t.Fatal("original changed")
		}
		// Each look at a letter is on record.
		entries, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Limit: 500})
		noErr(t, err)
		looked := false
		for _, en := range entries.Entries {
			looked = looked || en.Action == "post.read" && en.ResourceID == items[1].ID && en.ActorID == e.cas.UserID
		}
		if !looked {
			t.Fatal("reading a letter was not audited")
		}
		counts, err := in.Counts(e.ctx, e.cas, batch)
		noErr(t, err)
		if counts[InboundRouted] != 2 {
			t.Fatalf("counts %v", counts)
		}
		// Once filed on an Adults case, the letters are Adults' post:
		// Sid (Finance) no longer sees them.
		_, err = in.Get(e.ctx, e.sid, items[1].ID)
		wantCode(t, err, platform.CodeForbidden)
		if counts, err := in.Counts(e.ctx, e.sid, batch); err != nil || counts[InboundRouted] != 0 {
			t.Fatalf("sid's counts %v %v", counts, err)
		}
		list, err := in.List(e.ctx, e.cas, InboundFilter{Status: InboundRouted, Limit: 1})
		noErr(t, err)
		more, err := in.List(e.ctx, e.cas, InboundFilter{Status: InboundRouted, AfterAt: list[0].CreatedAt, AfterID: list[0].ID})
		noErr(t, err)
		if len(list) != 1 || len(more) != 1 || more[0].ID == list[0].ID {
			t.Fatalf("pages %v %v", list, more)
		}
		_, err = in.List(e.ctx, e.rita, InboundFilter{})
		wantCode(t, err, platform.CodeForbidden)
		_, err = in.Get(e.ctx, e.other, items[0].ID)
		if platform.CodeOf(err) != platform.CodeForbidden && platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("another organisation: %v", err)
		}
	})
}

// TestInboundWithoutTesseract: without tesseract the scan is still kept,
// waits in triage and says why it was not read; once tesseract is
// installed, staff have it read again and it goes to its case.
func TestInboundWithoutTesseract(t *testing.T) {
	needOCR(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tess := filepath.Join(t.TempDir(), "tesseract")
		desk := newCaseDesk(CaseRef{ID: "case_1", Reference: "ASC-2026-000042", Title: "Care assessment", UnitID: e.units["Adults"]})
		in := e.inbound(desk, inbound.Reader{Tesseract: tess})
		_, items, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: []Upload{{Name: "a.pdf", Content: letterFor("ASC-2026-000042")}}})
		noErr(t, err)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		got, err := in.Get(e.ctx, e.cas, items[0].ID)
		noErr(t, err)
		if got.Status != InboundTriage || !strings.Contains(got.OCRNote, "tesseract is not installed") || got.OCRText != "" {
			t.Fatalf("item %+v", got)
		}
		_, err = in.ReadAgain(e.ctx, e.sid, got.ID)
		wantCode(t, err, platform.CodeForbidden)
		real, err := exec.LookPath("tesseract")
		noErr(t, err)
		noErr(t, os.Symlink(real, tess)) // installed
		_, err = in.ReadAgain(e.ctx, e.cas, got.ID)
		noErr(t, err)
		_, err = in.ReadAgain(e.ctx, e.cas, got.ID)
		wantCode(t, err, platform.CodeConflict)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		got, err = in.Get(e.ctx, e.cas, items[0].ID)
		noErr(t, err)
		if got.Status != InboundRouted || got.CaseRef != "ASC-2026-000042" || got.OCRNote != "" {
			t.Fatalf("read again %+v", got)
		}
	})
}

// TestInboundBadInput: each bad delivery is refused with a 4xx code that
// names the file, and nothing of the batch is kept.
func TestInboundBadInput(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.inbound(newCaseDesk(), inbound.Reader{})
		good := Upload{Name: "good.pdf", Content: letterFor("ASC-2026-000042")}
		for _, c := range []struct {
			name  string
			files []Upload
			code  platform.Code
			says  string
		}{
			{"empty batch", nil, platform.CodeInvalid, "Choose one or more"},
			{"not a scan", []Upload{good, {Name: "notes.docx", Content: []byte("PK\x03\x04 word")}}, platform.CodeInvalid, "notes.docx is not a PDF or an image"},
			{"empty file", []Upload{good, {Name: "blank.png"}}, platform.CodeInvalid, "blank.png is empty"},
			{"oversized", []Upload{good, {Name: "huge.pdf", Content: append([]byte("%PDF-1.4\n"), make([]byte, 2<<20)...)}}, platform.CodeTooLarge, "huge.pdf is larger than 1 MB"},
			{"encrypted", []Upload{good, {Name: "locked.pdf", Content: []byte("%PDF-1.6\n1 0 obj<<>>endobj\ntrailer<</Root 1 0 R/Encrypt 2 0 R>>")}}, platform.CodeInvalid, "locked.pdf is an encrypted PDF"},
			{"too many", []Upload{good, good, good, good}, platform.CodeInvalid, "3 files or fewer"},
		} {
			_, _, err := in.Receive(e.ctx, e.cas, Arrival{Source: SourceUpload, Files: c.files})
			if platform.CodeOf(err) != c.code || !strings.Contains(platform.AsError(err).Message, c.says) {
				t.Errorf("%s: %v", c.name, err)
			}
			wantField(t, err, "files")
		}
		_, _, err := in.Receive(e.ctx, e.rita, Arrival{Source: SourceUpload, Files: []Upload{good}})
		wantCode(t, err, platform.CodeForbidden)
		if n := e.countInbound(); n != 0 {
			t.Fatalf("%d items kept from bad input", n)
		}
	})
}

// TestInboundMailOnce: an email is kept once however often it arrives
// (an IMAP poll after a crash, a relay's retry), and a bad one is
// rejected for the sender to hear about.
func TestInboundMailOnce(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := e.inbound(newCaseDesk(), inbound.Reader{})
		m := inbound.Mail{From: "scanner@northshire.example", MessageID: "scan-9@northshire.example",
			Scans: []inbound.Scan{{Name: "p1.pdf", Content: letterFor("A")}, {Name: "p2.pdf", Content: letterFor("B")}}}
		noErr(t, in.ReceiveMail(e.ctx, e.org.ID, SourceIMAP, m))
		noErr(t, in.ReceiveMail(e.ctx, e.org.ID, SourceIMAP, m))
		if n := e.countInbound(); n != 2 {
			t.Fatalf("%d items", n)
		}
		bad := inbound.Mail{MessageID: "x@y", Scans: []inbound.Scan{{Name: "locked.pdf", Content: []byte("%PDF-1.6 trailer<</Encrypt<</Filter/Standard>>>>")}}}
		if err := in.ReceiveMail(e.ctx, e.org.ID, SourceEmail, bad); !inbound.IsRejected(err) {
			t.Fatalf("encrypted by email: %v", err)
		}
		list, err := in.List(e.ctx, e.cas, InboundFilter{})
		noErr(t, err)
		if len(list) != 2 || list[0].Sender != "scanner@northshire.example" || list[0].Source != SourceIMAP {
			t.Fatalf("list %+v", list)
		}
	})
}
