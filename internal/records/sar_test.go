package records

import (
	"bytes"
	"image"
	"image/png"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"

	"github.com/go-pdf/fpdf"
)

// sarCase is the ID of the request case the tests answer; the services
// module is not here, so the case is only its ID, reference and unit.
const sarCase = "case_01j0sar000000000000000000z"

var chris = SARPerson{Names: []string{"Chris Walker"}, BirthDate: "1980-05-01", Identifiers: []string{"COMP-2026-000123"}}

// sarEnv is env with the SAR policy and a set of documents about Chris
// Walker and about other people, in several classes and units.
type sarEnv struct {
	*env
	care, transport, namesake, other, note, fromCase, word, lookalike *Document
	carePDF                                                           []byte
	officer                                                           *platform.Subject // records manager and caseworker of Adults, which answers the request
}

func newSAR(t *testing.T, db *store.DB) *sarEnv {
	e := &sarEnv{env: newEnv(t, db)}
	noErr(t, e.rs.access.Register(SARResourceType, SARPolicy))
	u, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: "reid@northshire.example", Name: "Rosa Reid",
		Roles: []platform.Role{platform.RoleRecords, platform.RoleCaseworker}, BusinessUnits: []string{e.units["Adults"]}})
	noErr(t, err)
	e.officer = &platform.Subject{Kind: platform.SubjectUser, UserID: u.ID, Name: u.Name, OrgID: u.OrgID, Roles: u.Roles, BusinessUnits: u.BusinessUnits}
	e.carePDF = pdfWith(t, "ALPHAWORD care plan for Chris Walker", "Neighbour DANASMITH was present")
	e.care = e.fileAs(e.rosa, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.02").ID, Title: "Care plan", UnitID: e.units["Adults"],
		Classification: platform.OfficialSensitive, Subjects: []Person{{Name: "Chris Walker", BirthDate: "1980-05-01"}}},
		Name: "care-plan.pdf", MediaType: "application/pdf", Content: bytes.NewReader(e.carePDF)})
	e.transport = e.file(e.rosa, "CHI.01.01", "School transport for Chris Walker", "Children's", platform.OfficialSensitive, "Route 12")
	e.namesake = e.fileAs(e.rosa, NewDocument{Metadata: Metadata{ClassID: e.class("FIN.01.01").ID, Title: "Refund letter", UnitID: e.units["Finance"],
		Classification: platform.Official, Subjects: []Person{{Name: "Chris Walker", BirthDate: "1999-09-09"}}},
		Name: "refund.txt", MediaType: "text/plain", Content: strings.NewReader("Refund to another Chris Walker")})
	e.other = e.fileAs(e.rosa, NewDocument{Metadata: Metadata{ClassID: e.class("FIN.01.01").ID, Title: "Invoice", UnitID: e.units["Finance"],
		Classification: platform.Official, Subjects: []Person{{Name: "Dana Smith"}}}, Name: "invoice.txt", MediaType: "text/plain", Content: strings.NewReader("Invoice")})
	e.note = e.file(e.rosa, "ADM.01.01", "Visit note", "Adults", platform.Official, "Visited at home.")
	noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `INSERT INTO records_text (document_id, org_id, body) VALUES (?, ?, ?)`, e.note.ID, e.org.ID, "We met CHRIS  WALKER at home on Tuesday.")
		return err
	}))
	e.fromCase = e.fileAs(e.rosa, NewDocument{Metadata: Metadata{ClassID: e.class("CUS.01.01").ID, Title: "Photo of the fence", UnitID: e.units["Adults"],
		Classification: platform.Official, CaseRef: "COMP-2026-000123"}, Name: "fence.png", MediaType: "image/png", Content: bytes.NewReader(pngOf(t))})
	e.word = e.fileAs(e.rosa, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.01").ID, Title: "Assessment form", UnitID: e.units["Adults"],
		Classification: platform.Official, Subjects: []Person{{Name: "Chris Walker"}}},
		Name: "assessment.docx", MediaType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", Content: strings.NewReader("PK not really")})
	e.lookalike = e.file(e.rosa, "ADM.01.01", "Notes on Chris Walkerson", "Adults", platform.Official, "Not him")
	return e
}

func (e *sarEnv) fileAs(sub *platform.Subject, in NewDocument) *Document {
	e.t.Helper()
	d, err := e.rs.Create(e.ctx, sub, in)
	noErr(e.t, err)
	return d
}

// pdfWith is a one-page PDF with two lines of text.
func pdfWith(t *testing.T, line1, line2 string) []byte {
	f := fpdf.New("P", "pt", "A4", "")
	f.SetFont("Helvetica", "", 20)
	f.AddPage()
	f.Text(72, 100, line1)
	f.Text(72, 300, line2)
	var b bytes.Buffer
	noErr(t, f.Output(&b))
	return b.Bytes()
}

// pngOf is a small picture.
func pngOf(t *testing.T) []byte {
	img := image.NewGray(image.Rect(0, 0, 40, 30))
	var b bytes.Buffer
	noErr(t, png.Encode(&b, img))
	return b.Bytes()
}

func (e *sarEnv) caseFound(t *testing.T) FoundCase {
	pdf, err := pdfs.CasePDF(pdfs.CaseRecord{Council: "Northshire Council", Reference: "COMP-2026-000123", Service: "Make a complaint", Status: "Resolved",
		Submitted: start, Answers: []pdfs.CaseAnswer{{Label: "Your full name", Lines: []string{"Chris Walker"}}}})
	noErr(t, err)
	return FoundCase{ID: "case_01j0c0mp000000000000000000", Reference: "COMP-2026-000123", Title: "Make a complaint", Why: "made by them",
		UnitID: e.units["Adults"], Classification: platform.OfficialSensitive, Submitted: start, PDF: pdf}
}

func (e *sarEnv) open(sub *platform.Subject) *SAR {
	e.t.Helper()
	r, err := e.rs.OpenSAR(e.ctx, sub, sarCase, "SAR-2026-000001", e.units["Adults"], chris)
	noErr(e.t, err)
	return r
}

func refs(items []*SARItem) map[string]*SARItem {
	out := map[string]*SARItem{}
	for _, it := range items {
		out[it.RefID] = it
	}
	return out
}

func (e *sarEnv) count(action string) int {
	e.t.Helper()
	p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Limit: 500})
	noErr(e.t, err)
	n := 0
	for _, en := range p.Entries {
		if en.Action == action && en.ResourceID == sarCase && en.Outcome == audit.Success {
			n++
		}
	}
	return n
}

// The finder finds the person's records (named as a subject with their
// date of birth or none, mentioned in a title or in the text read from a
// document, filed from a case they named) and the cases the services
// engine found, and nothing about anyone else: not a namesake born on
// another day, not "Chris Walkerson", not the request itself. An officer
// sees only the items they may read, whoever found them.
func TestSARFindsThePersonAndNobodyElse(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newSAR(t, db)
		for _, who := range []*platform.Subject{e.rita, e.cal, e.mel} {
			_, err := e.rs.OpenSAR(e.ctx, who, sarCase, "SAR-2026-000001", e.units["Adults"], chris)
			wantCode(t, err, platform.CodeForbidden)
		}
		e.open(e.officer)
		found := e.caseFound(t)
		self := found
		self.ID = sarCase
		added, err := e.rs.FindForSAR(e.ctx, e.officer, sarCase, chris, []FoundCase{found, self})
		noErr(t, err)
		_, items, err := e.rs.SAR(e.ctx, e.officer, sarCase)
		noErr(t, err)
		got := refs(items)
		want := map[string]string{e.care.ID: "named as a subject, same date of birth", e.transport.ID: "title mentions Chris Walker",
			e.note.ID: "text mentions Chris Walker", e.fromCase.ID: "filed from case COMP-2026-000123",
			e.word.ID: "named as a subject (no date of birth to confirm it)", found.ID: "made by them"}
		if added != len(want) || len(got) != len(want) {
			t.Fatalf("found %d (%d new), want %d: %v", len(got), added, len(want), items)
		}
		for id, why := range want {
			if got[id] == nil || got[id].Why != why || got[id].Decision != DecisionPending {
				t.Errorf("%s: %+v, want found because %q", id, got[id], why)
			}
		}
		if c := got[found.ID]; c.Kind != ItemCase || c.MediaType != "application/pdf" || c.Source != "Case COMP-2026-000123" {
			t.Errorf("the case item: %+v", c)
		}
		if r := got[e.care.ID]; r.Source != "Record · ADM.01.02 Care and support plans" || r.Version != 1 || r.RefLabel != "ADM.01.02" {
			t.Errorf("the record item: %+v", r)
		}
		// Ann works for Adults: she never sees the children's record.
		_, items, err = e.rs.SAR(e.ctx, e.ann, sarCase)
		noErr(t, err)
		if seen := refs(items); len(seen) != len(want)-1 || seen[e.transport.ID] != nil {
			t.Fatalf("Ann sees %v", seen)
		}
		// Searching again as Ann finds less; Rosa still sees it all, the
		// item Ann could not find marked missing, nothing duplicated.
		added, err = e.rs.FindForSAR(e.ctx, e.ann, sarCase, chris, []FoundCase{found})
		noErr(t, err)
		_, items, err = e.rs.SAR(e.ctx, e.officer, sarCase)
		noErr(t, err)
		if got := refs(items); added != 0 || len(got) != len(want) || !got[e.transport.ID].Missing || got[e.care.ID].Missing {
			t.Fatalf("after Ann's search: %d new, %v", added, got)
		}
		// A records manager who cannot read cases sees every record but not the case.
		_, items, err = e.rs.SAR(e.ctx, e.rosa, sarCase)
		noErr(t, err)
		if seen := refs(items); len(seen) != len(want)-1 || seen[found.ID] != nil {
			t.Fatalf("Rosa, records manager only, sees %v", seen)
		}
		if n := e.count("records.sar_find"); n != 2 {
			t.Errorf("%d searches audited, want 2", n)
		}
		_, err = e.rs.FindForSAR(e.ctx, e.officer, sarCase, SARPerson{Names: []string{" "}}, nil)
		wantField(t, err, "names")
		_, err = e.rs.FindForSAR(e.ctx, e.officer, sarCase, SARPerson{Names: []string{"Chris Walker"}, Identifiers: []string{"C1"}}, nil)
		wantField(t, err, "identifiers")
	})
}

// Reviewing and releasing: excluding needs a reason; an item the bundle
// cannot hold cannot be included; a redaction is a copy, the original
// record byte for byte as it was, and the copy (and so the bundle) holds
// no text of the page at all; the bundle holds every included item; it is
// filed as a declared record of the request; and after the release
// nothing changes. Each step is audited.
func TestSARReviewRedactAndRelease(t *testing.T) {
	needPDFTools(t)
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newSAR(t, db)
		e.open(e.officer)
		found := e.caseFound(t)
		_, err := e.rs.FindForSAR(e.ctx, e.officer, sarCase, chris, []FoundCase{found})
		noErr(t, err)
		_, items, err := e.rs.SAR(e.ctx, e.officer, sarCase)
		noErr(t, err)
		it := refs(items)
		decide := func(sub *platform.Subject, doc, decision, reason string) error {
			_, err := e.rs.DecideSARItem(e.ctx, sub, sarCase, it[doc].ID, decision, reason)
			return err
		}
		wantField(t, decide(e.officer, e.fromCase.ID, DecisionExclude, "  "), "reason")
		noErr(t, decide(e.officer, e.fromCase.ID, DecisionExclude, "A photo of a fence: no personal data"))
		wantField(t, decide(e.officer, e.word.ID, DecisionInclude, ""), "decision")
		noErr(t, decide(e.officer, e.word.ID, DecisionExclude, "Duplicate of the care plan"))
		wantCode(t, decide(e.rita, e.care.ID, DecisionInclude, ""), platform.CodeForbidden)
		for _, id := range []string{e.care.ID, e.note.ID, found.ID} {
			noErr(t, decide(e.ann, id, DecisionInclude, ""))
		}

		// Redact the neighbour's name on the care plan.
		box := pdfs.Box{Page: 1, X: 60 / 595.28, Y: (300 - 22) / 841.89, W: 400 / 595.28, H: 32 / 841.89}
		_, err = e.rs.RedactSARItem(e.ctx, e.ann, sarCase, it[e.care.ID].ID, []pdfs.Box{{Page: 2, X: 0.1, Y: 0.1, W: 0.1, H: 0.1}})
		wantCode(t, err, platform.CodeInvalid)
		red, err := e.rs.RedactSARItem(e.ctx, e.ann, sarCase, it[e.care.ID].ID, []pdfs.Box{box})
		noErr(t, err)
		if !red.Redacted() || red.RedactedBlob == red.ContentBlob {
			t.Fatalf("redacted %+v", red)
		}
		rc, _, err := e.rs.Open(e.ctx, e.officer, e.care.ID, 0)
		noErr(t, err)
		orig, _ := io.ReadAll(rc)
		rc.Close()
		if !bytes.Equal(orig, e.carePDF) {
			t.Fatal("the redaction changed the original record")
		}
		copyPDF, mt, err := e.rs.SARItemContent(e.ctx, e.ann, sarCase, it[e.care.ID].ID, true)
		noErr(t, err)
		if txt := strings.TrimSpace(pdfText(t, copyPDF)); mt != "application/pdf" || txt != "" {
			t.Fatalf("the redacted copy (%s) still has text: %q", mt, txt)
		}

		// Ann cannot release what she cannot see; Rosa must first decide it.
		_, err = e.rs.BuildSARBundle(e.ctx, e.ann, sarCase, "Your information", "Northshire Council", start)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.rs.BuildSARBundle(e.ctx, e.officer, sarCase, "Your information", "Northshire Council", start)
		wantCode(t, err, platform.CodeInvalid)
		noErr(t, decide(e.officer, e.transport.ID, DecisionInclude, "Part of the request"))
		// A draft included and then deleted cannot go out: it is counted.
		noErr(t, e.rs.Delete(e.ctx, e.rosa, e.note.ID))
		b, err := e.rs.BuildSARBundle(e.ctx, e.officer, sarCase, "Your information", "Northshire Council", start)
		noErr(t, err)
		if b.Items != 3 || b.Redacted != 1 || b.Gone != 1 {
			t.Fatalf("bundle of %d items, %d redacted, %d gone; want 3, 1 and 1", b.Items, b.Redacted, b.Gone)
		}
		all := pdfText(t, b.PDF)
		for _, want := range []string{"Care plan", "School transport for Chris Walker", "Route 12", "COMP-2026-000123"} {
			if !strings.Contains(strings.Join(strings.Fields(all), " "), want) {
				t.Errorf("the bundle lacks %q", want)
			}
		}
		for _, gone := range []string{"DANASMITH", "ALPHAWORD", "Refund", "Invoice", "fence", "Visited at home"} {
			if strings.Contains(all, gone) {
				t.Errorf("the bundle holds %q", gone)
			}
		}

		blobID, size, err := e.rs.PutSARBundle(e.ctx, e.officer, sarCase, b.PDF)
		noErr(t, err)
		filing := BundleFiling{BlobID: blobID, Size: size, Name: "SAR-2026-000001.pdf", AttachmentID: platform.NewID("att"), Retention: "subject-access-2y"}
		doc, err := e.rs.FileSARBundle(e.ctx, e.officer, sarCase, filing)
		noErr(t, err)
		again, err := e.rs.FileSARBundle(e.ctx, e.officer, sarCase, filing)
		noErr(t, err)
		cls, err := e.rs.Class(e.ctx, e.officer, doc.ClassID)
		noErr(t, err)
		if again.ID != doc.ID || !doc.Declared() || cls.Code != "GOV.02.01" || doc.CaseID != sarCase || doc.CaseRef != "SAR-2026-000001" ||
			len(doc.Subjects) != 1 || doc.Subjects[0].Name != "Chris Walker" || doc.Classification != platform.OfficialSensitive || doc.DueAt.IsZero() {
			t.Fatalf("filed %+v in %s (again %s)", doc, cls.Code, again.ID)
		}
		noErr(t, e.rs.MarkSARReleased(e.ctx, e.officer, sarCase, b, blobID, doc.ID))
		noErr(t, e.rs.MarkSARReleased(e.ctx, e.officer, sarCase, b, blobID, doc.ID))
		r, _, err := e.rs.SAR(e.ctx, e.officer, sarCase)
		noErr(t, err)
		if !r.Released() || r.BundleSHA256 != blobID || r.BundleRecord != doc.ID || r.ReleasedItems != 3 {
			t.Fatalf("released %+v", r)
		}
		wantCode(t, decide(e.officer, e.care.ID, DecisionExclude, "Too late"), platform.CodeConflict)
		_, err = e.rs.FindForSAR(e.ctx, e.officer, sarCase, chris, nil)
		wantCode(t, err, platform.CodeConflict)
		for action, want := range map[string]int{"records.sar_open": 1, "records.sar_find": 1, "records.sar_include": 4, "records.sar_exclude": 2,
			"records.sar_redact": 1, "records.sar_read": 1, "records.sar_release": 1} {
			if n := e.count(action); n != want {
				t.Errorf("%s audited %d times, want %d", action, n, want)
			}
		}
	})
}

// needPDFTools skips without poppler-utils and qpdf, unless CI=true.
func needPDFTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"pdfinfo", "pdftoppm", "pdftotext", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") == "true" {
				t.Fatalf("%s is not installed; CI=true requires it", tool)
			}
			t.Skipf("%s is not installed: install poppler-utils and qpdf", tool)
		}
	}
}

// pdfText is what pdftotext reads from a PDF.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	in := filepath.Join(t.TempDir(), "in.pdf")
	noErr(t, os.WriteFile(in, pdf, 0o600))
	out, err := exec.Command("pdftotext", "-layout", "-enc", "UTF-8", in, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	return string(out)
}
