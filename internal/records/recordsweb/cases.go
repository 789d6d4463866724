package recordsweb

import (
	"context"
	"encoding/json"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/events"
	"dbtp/internal/platform"
	"dbtp/internal/records"
)

// Case files become records of the case's retention class by themselves:
// the module listens to the services module's case events and files each
// new attachment as a declared record in the class whose retention key is
// the service's retention class (the general class when none claims it).
// The content is not copied: the record names the same content in the
// encrypted store, which neither module deletes while the other needs it.

// CaseFiles is the digital services engine as the records module needs
// it; cmd/dbtp adapts the services module to it.
type CaseFiles interface {
	CaseFiles(ctx context.Context, orgID, caseID string) (CaseFileSet, error)
	// FileInUse reports whether a case still names the content.
	FileInUse(ctx context.Context, blobID string) (bool, error)
}

// CaseFileSet is a case as far as filing its files needs.
type CaseFileSet struct {
	Reference      string
	Retention      string // the service's retention class, e.g. complaints-6y
	UnitID         string
	Classification platform.Classification
	ClosedAt       time.Time // zero while the case is open
	Files          []CaseFile
}

// CaseFile is one attachment, its content already in the file store.
type CaseFile struct {
	ID, Name, MediaType, BlobID string
	Size                        int64
}

// caseEvents are the services events after which a case may have files to
// file or may have closed.
var caseEvents = []string{"case.submitted", "case.file_added", "case.transitioned"}

func (m *Module) subscribe(bus *events.Bus) error {
	if m.Cases == nil || bus == nil {
		return nil
	}
	return bus.SubscribeWhen("records.case_files", caseEvents, mayHaveFiles, func(ctx context.Context, e events.Event) error {
		_, err := m.FileCase(ctx, e.OrgID, e.Subject)
		if platform.CodeOf(err) == platform.CodeNotFound {
			return nil // the case is gone or was never this organisation's: nothing to file
		}
		return err
	})
}

// mayHaveFiles asks the case to be read only after an event that can
// bring something to file or start a retention clock: a file added, a
// submission that came with files, a move into a final state. Most
// submissions and transitions do neither, and each would otherwise cost
// a delivery job and a read of the whole case.
func mayHaveFiles(_ context.Context, e events.Event) (bool, error) {
	if e.Type == "case.file_added" {
		return true, nil
	}
	var d struct {
		Files    int  `json:"files"`
		Terminal bool `json:"terminal"`
	}
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return true, nil // not the engine's shape: let FileCase look
	}
	return d.Files > 0 || d.Terminal, nil
}

// FileCase files a case's attachments not yet filed and returns how many
// it filed. It is idempotent (capture is keyed by attachment ID), so an
// event delivered twice files nothing twice.
func (m *Module) FileCase(ctx context.Context, orgID, caseID string) (filed int, err error) {
	set, err := m.Cases.CaseFiles(ctx, orgID, caseID)
	if err != nil {
		return 0, err
	}
	sys := platform.System(orgID)
	if !set.ClosedAt.IsZero() {
		// Whatever is filed about the case now counts its retention from
		// its closing (a reopened case counts from its last closing).
		defer func() {
			if cerr := m.rs.CaseClosed(ctx, orgID, caseID, set.ClosedAt); err == nil {
				err = cerr
			}
		}()
	}
	if len(set.Files) == 0 {
		return 0, nil
	}
	class, err := m.classFor(ctx, sys, set.Retention)
	if err != nil {
		return 0, err
	}
	for _, f := range set.Files {
		title := titleFromFileName(f.Name) + " (" + set.Reference + ")"
		_, cerr := m.rs.Create(ctx, sys, records.NewDocument{
			Metadata: records.Metadata{ClassID: class, Title: title, UnitID: set.UnitID, Classification: set.Classification,
				CaseID: caseID, CaseRef: set.Reference},
			Name: f.Name, MediaType: f.MediaType, BlobID: f.BlobID, Size: f.Size, Source: records.SourceCase, SourceRef: f.ID,
			Declare: true, TriggerAt: set.ClosedAt, Note: "Filed from case " + set.Reference,
		})
		if platform.CodeOf(cerr) == platform.CodeConflict {
			continue // filed already
		}
		if cerr != nil {
			return filed, cerr
		}
		filed++
	}
	return filed, nil
}

// classFor is the class that receives files of a retention class.
func (m *Module) classFor(ctx context.Context, sys *platform.Subject, retention string) (string, error) {
	classes, err := m.rs.Classes(ctx, sys)
	if err != nil {
		return "", err
	}
	general := ""
	for _, c := range classes {
		if retention != "" && c.RetentionKey == retention && !c.Closed {
			return c.ID, nil
		}
		if c.Code == records.GeneralClass {
			general = c.ID
		}
	}
	if general == "" {
		return "", platform.NotFound("the general class " + records.GeneralClass)
	}
	return general, nil
}

// titleFromFileName makes a record's title of a case file's name: without
// its extension, and a name written with hyphens or underscores instead of
// spaces ("care-needs-assessment.pdf") read as words ("Care needs
// assessment"). A name with spaces is kept as its author wrote it.
func titleFromFileName(name string) string {
	t := name
	// Only a short extension of letters and digits is one ("Minutes
	// 2024.03.01" keeps its date).
	if ext := path.Ext(name); len(ext) >= 2 && len(ext) <= 6 && strings.IndexFunc(ext[1:], func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) < 0 && !allDigits(ext[1:]) {
		t = strings.TrimSuffix(name, ext)
	}
	if !strings.ContainsRune(t, ' ') {
		t = strings.Join(strings.FieldsFunc(t, func(r rune) bool { return r == '-' || r == '_' }), " ")
		if r, n := utf8.DecodeRuneInString(t); n > 0 {
			t = string(unicode.ToUpper(r)) + t[n:]
		}
	}
	if strings.TrimSpace(t) == "" {
		return name
	}
	return t
}

func allDigits(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return !unicode.IsDigit(r) }) < 0
}
