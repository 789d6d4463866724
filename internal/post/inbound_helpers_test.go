package post

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
)

// caseDesk stands in for the services engine across the CaseDesk
// boundary (cmd/dbtp's tests route to the real one): cases by reference,
// what was filed on each and who was told. Staff of a case's unit find it;
// the platform finds every case.
type caseDesk struct {
	mu      sync.Mutex
	cases   []CaseRef
	filed   map[string][]CaseDocument
	told    map[string][]string
	removed map[string][]string // notes of documents taken off each case
}

func newCaseDesk(cases ...CaseRef) *caseDesk {
	return &caseDesk{cases: cases, filed: map[string][]CaseDocument{}, told: map[string][]string{}, removed: map[string][]string{}}
}

func (d *caseDesk) FindCase(_ context.Context, sub *platform.Subject, ref string) (CaseRef, error) {
	for _, c := range d.cases {
		if c.Reference == ref && (sub.Kind == platform.SubjectSystem || sub.InUnit(c.UnitID)) {
			return c, nil
		}
	}
	return CaseRef{}, platform.NotFound("case")
}

func (d *caseDesk) SearchCases(_ context.Context, sub *platform.Subject, text string, _ int) ([]CaseRef, error) {
	var out []CaseRef
	for _, c := range d.cases {
		if strings.Contains(strings.ToLower(c.Title+" "+c.Reference), strings.ToLower(text)) && sub.InUnit(c.UnitID) {
			out = append(out, c)
		}
	}
	return out, nil
}

// FileOnCase keeps doc on the case once; an attachment ID is unique
// across cases, as the services engine's are.
func (d *caseDesk) FileOnCase(_ context.Context, _, caseID string, doc CaseDocument) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	for c, fs := range d.filed {
		for _, f := range fs {
			if f.ID == doc.ID && c == caseID {
				return nil
			}
			if f.ID == doc.ID {
				return platform.Errorf(platform.CodeConflict, "filed on another case")
			}
		}
	}
	d.filed[caseID] = append(d.filed[caseID], doc)
	return nil
}

// RemoveFromCase takes a document off a case, noting why.
func (d *caseDesk) RemoveFromCase(_ context.Context, _, caseID, docID, note string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	fs := d.filed[caseID]
	for i, f := range fs {
		if f.ID == docID {
			d.filed[caseID] = append(fs[:i:i], fs[i+1:]...)
			d.removed[caseID] = append(d.removed[caseID], note)
		}
	}
	return nil
}

func (d *caseDesk) TellCaseworker(_ context.Context, _, caseID, subject, _ string) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.told[caseID] = append(d.told[caseID], subject)
	return nil
}

// inbound is inbound post over the env's store and jobs with desk, reading
// with the real tesseract (reader's zero value) unless told otherwise.
func (e *env) inbound(desk CaseDesk, reader inbound.Reader) *Inbound {
	e.t.Helper()
	in := NewInbound(e.ps, InboundOptions{Cases: desk, Reader: reader, MaxBytes: 1 << 20, MaxBatch: 3})
	noErr(e.t, in.Register(e.jobs))
	return in
}

// needOCR skips without tesseract and pdftoppm, except in CI (where
// .ci/run installs them and their absence fails).
func needOCR(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
}

// countInbound is how many items the organisation's post room holds.
func (e *env) countInbound() int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_inbound").Scan(&n))
	return n
}
