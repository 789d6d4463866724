package records

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Document states.
const (
	StateActive      = "active"
	StateDestroyed   = "destroyed"
	StateTransferred = "transferred"
)

// Person is someone a document is about, as far as retention and subject
// access need: a name, and a date of birth when the schedule counts from it.
type Person struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date,omitempty"` // YYYY-MM-DD
	PersonID  string `json:"person_id,omitempty"`  // a user or resident record, when known
}

// Born is the date of birth as pages say it, "3 February 1951"; a
// date that does not parse is shown as kept.
func (p Person) Born() string {
	t, err := time.Parse(time.DateOnly, p.BirthDate)
	if err != nil {
		return p.BirthDate
	}
	return t.Format("2 January 2006")
}

// Document is a document or, once declared, a record.
type Document struct {
	ID             string                  `json:"id"`
	OrgID          string                  `json:"org_id"`
	ClassID        string                  `json:"class_id"`
	Title          string                  `json:"title"`
	AuthorID       string                  `json:"author_id,omitempty"`
	AuthorName     string                  `json:"author_name,omitempty"`
	UnitID         string                  `json:"business_unit_id,omitempty"`
	Classification platform.Classification `json:"classification"`
	Subjects       []Person                `json:"subjects"`
	CaseID         string                  `json:"case_id,omitempty"`
	CaseRef        string                  `json:"case_reference,omitempty"`
	Tags           []string                `json:"tags"`
	Source         string                  `json:"source"`
	SourceRef      string                  `json:"source_ref,omitempty"`
	Versions       int                     `json:"versions"`
	DeclaredAt     time.Time               `json:"declared_at,omitzero"`
	DeclaredBy     string                  `json:"declared_by,omitempty"`
	TriggerAt      time.Time               `json:"trigger_at,omitzero"`
	DueAt          time.Time               `json:"disposal_due_at,omitzero"`
	State          string                  `json:"state"`
	DisposedAt     time.Time               `json:"disposed_at,omitzero"`
	TextStatus     string                  `json:"text_status"`
	TextError      string                  `json:"text_error,omitempty"`
	CreatedAt      time.Time               `json:"created_at"`
	UpdatedAt      time.Time               `json:"updated_at"`

	// RetainUntil is a floor a records manager set on this document alone
	// (ExtendRetention, a rejected disposal): its due date never falls
	// before it, whatever its class's schedule says.
	RetainUntil time.Time `json:"retain_until,omitzero"`
}

// Declared reports whether the document is a record.
func (d *Document) Declared() bool { return !d.DeclaredAt.IsZero() }

// Version is one version of a document's content.
type Version struct {
	DocumentID    string    `json:"document_id"`
	Number        int       `json:"number"`
	BlobID        string    `json:"sha256"`
	Size          int64     `json:"size"`
	Name          string    `json:"name"`
	MediaType     string    `json:"media_type"`
	Note          string    `json:"note,omitempty"`
	CreatedBy     string    `json:"created_by,omitempty"`
	CreatedByName string    `json:"created_by_name,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

const docColumns = `d.id, d.org_id, d.class_id, d.title, d.author_id, d.author_name, d.unit_id, d.classification, d.subjects, d.case_id, d.case_ref,
	d.tags, d.source, d.source_ref, d.versions, d.declared_at, d.declared_by, d.trigger_at, d.due_at, d.state, d.disposed_at,
	d.text_status, d.text_error, d.created_at, d.updated_at, d.retain_until`

func scanDocument(sc interface{ Scan(...any) error }) (*Document, error) {
	var d Document
	var subjects, tags string
	var declared, trigger, due, disposed, created, updated, retain int64
	err := sc.Scan(&d.ID, &d.OrgID, &d.ClassID, &d.Title, &d.AuthorID, &d.AuthorName, &d.UnitID, &d.Classification, &subjects,
		&d.CaseID, &d.CaseRef, &tags, &d.Source, &d.SourceRef, &d.Versions, &declared, &d.DeclaredBy, &trigger, &due, &d.State,
		&disposed, &d.TextStatus, &d.TextError, &created, &updated, &retain)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(subjects), &d.Subjects); err != nil {
		return nil, fmt.Errorf("document %s subjects: %w", d.ID, err)
	}
	if err := json.Unmarshal([]byte(tags), &d.Tags); err != nil {
		return nil, fmt.Errorf("document %s tags: %w", d.ID, err)
	}
	d.DeclaredAt, d.TriggerAt, d.DueAt, d.DisposedAt = optTime(declared), optTime(trigger), optTime(due), optTime(disposed)
	d.CreatedAt, d.UpdatedAt, d.RetainUntil = store.Time(created), store.Time(updated), optTime(retain)
	return &d, nil
}

func optTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

func optMillis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return store.Millis(t)
}

const versionColumns = `document_id, number, blob_id, size, name, media_type, note, created_by, created_by_name, created_at`

func scanVersion(sc interface{ Scan(...any) error }) (Version, error) {
	var v Version
	var at int64
	err := sc.Scan(&v.DocumentID, &v.Number, &v.BlobID, &v.Size, &v.Name, &v.MediaType, &v.Note, &v.CreatedBy, &v.CreatedByName, &at)
	v.CreatedAt = store.Time(at)
	return v, err
}

// loadDocument reads a document without any access check.
func loadDocument(ctx context.Context, q func(ctx context.Context, query string, args ...any) *sql.Row, id string) (*Document, error) {
	if !platform.ValidID("rec", id) {
		return nil, platform.NotFound("record")
	}
	d, err := scanDocument(q(ctx, `SELECT `+docColumns+` FROM records_documents d WHERE d.id = ?`, id))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("record")
	}
	return d, err
}

// Document returns a document sub may read. One that does not exist and
// one sub may not see look the same (not found), so an ID reveals nothing;
// the refusal is audited.
func (s *Store) Document(ctx context.Context, sub *platform.Subject, id string) (*Document, error) {
	d, err := loadDocument(ctx, s.db.QueryRow, id)
	if err != nil {
		return nil, err
	}
	if err := s.see(ctx, sub, d); err != nil {
		return nil, err
	}
	return d, nil
}

// see checks that sub may read d, hiding a refusal as not found.
func (s *Store) see(ctx context.Context, sub *platform.Subject, d *Document) error {
	err := s.access.Check(ctx, sub, access.Read, d.resource())
	if platform.CodeOf(err) == platform.CodeForbidden || platform.CodeOf(err) == platform.CodeUnauthorized {
		return platform.NotFound("record")
	}
	return err
}

// Versions lists a document's versions, newest first.
func (s *Store) Versions(ctx context.Context, sub *platform.Subject, id string) ([]Version, error) {
	if _, err := s.Document(ctx, sub, id); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? ORDER BY number DESC`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// Metadata is what a person says about a document.
type Metadata struct {
	ClassID        string
	Title          string
	UnitID         string
	Classification platform.Classification
	Subjects       []Person
	CaseID         string
	CaseRef        string
	Tags           []string
}

var dateRE = func(s string) bool { _, err := time.Parse(time.DateOnly, s); return err == nil }

// clean normalises m and lists what is wrong with it.
func (m *Metadata) clean() []platform.FieldError {
	var bad []platform.FieldError
	m.Title = strings.TrimSpace(m.Title)
	if m.Title == "" || utf8.RuneCountInString(m.Title) > 300 || strings.ContainsFunc(m.Title, unicode.IsControl) {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter a title of up to 300 characters"})
	}
	if m.ClassID == "" {
		bad = append(bad, platform.FieldError{Field: "class_id", Message: "Choose where the document belongs in the file plan"})
	}
	if m.Classification == "" {
		m.Classification = platform.Official
	}
	if _, ok := platform.ParseClassification(string(m.Classification)); !ok {
		bad = append(bad, platform.FieldError{Field: "classification", Message: "Choose OFFICIAL or OFFICIAL-SENSITIVE"})
	}
	var people []Person
	for i, p := range m.Subjects {
		p.Name, p.BirthDate = strings.TrimSpace(p.Name), strings.TrimSpace(p.BirthDate)
		if p.Name == "" && p.BirthDate == "" && p.PersonID == "" {
			continue
		}
		if p.Name == "" || len(p.Name) > 200 || strings.ContainsFunc(p.Name, unicode.IsControl) {
			bad = append(bad, platform.FieldError{Field: fmt.Sprintf("subjects.%d.name", i), Message: "Enter the person's name"})
		}
		if p.BirthDate != "" && !dateRE(p.BirthDate) {
			bad = append(bad, platform.FieldError{Field: fmt.Sprintf("subjects.%d.birth_date", i), Message: "Enter the date of birth as a real date, like 2014-03-27"})
		}
		people = append(people, p)
	}
	if len(people) > 50 {
		bad = append(bad, platform.FieldError{Field: "subjects", Message: "Name at most 50 people"})
	}
	m.Subjects = people
	var tags []string
	for _, t := range m.Tags {
		t = strings.ToLower(strings.TrimSpace(t))
		if t == "" || slices.Contains(tags, t) {
			continue
		}
		if len(t) > 50 || strings.ContainsFunc(t, unicode.IsControl) {
			bad = append(bad, platform.FieldError{Field: "tags", Message: "Keep each tag under 50 characters"})
			break
		}
		tags = append(tags, t)
	}
	if len(tags) > 30 {
		bad = append(bad, platform.FieldError{Field: "tags", Message: "Use at most 30 tags"})
	}
	m.Tags = tags
	if m.Subjects == nil {
		m.Subjects = []Person{}
	}
	if m.Tags == nil {
		m.Tags = []string{}
	}
	return bad
}

// CleanName makes an uploaded file's name safe to store and to offer back:
// the last part of any path, without control characters, at most 200
// bytes; "document" when nothing is left.
func CleanName(name string) string {
	name = path.Base(strings.ReplaceAll(strings.TrimSpace(name), `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, strings.ToValidUTF8(name, ""))
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == ".." || name == "/" {
		name = "document"
	}
	for len(name) > 200 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	return name
}

// cleanMediaType keeps a well-formed media type, or octet-stream.
func cleanMediaType(mt string) string {
	parsed, _, err := mime.ParseMediaType(mt)
	if err != nil || parsed == "" || len(parsed) > 100 {
		return "application/octet-stream"
	}
	return parsed
}

// classFor loads a class for filing, inside the write.
func classFor(ctx context.Context, tx *store.Tx, orgID, id string) (Class, error) {
	all, err := (&Store{}).classes(ctx, tx.Query, orgID)
	if err != nil {
		return Class{}, err
	}
	for _, c := range all {
		if c.ID == id {
			if c.Closed {
				return c, platform.Invalid("Check the document", platform.FieldError{Field: "class_id", Message: c.Code + " " + c.Title + " is closed to new documents: choose another class"})
			}
			return c, nil
		}
	}
	return Class{}, platform.Invalid("Check the document", platform.FieldError{Field: "class_id", Message: "Choose a class from the file plan"})
}

// DueAt is when a schedule's action falls due for a document: the
// trigger's date plus the period, or the document's own RetainUntil when
// that is later. Zero means not yet known (the case is still open, no date
// of birth was given): an extension alone does not make a document due.
func DueAt(sc Schedule, d *Document, lastVersion time.Time) time.Time {
	var from time.Time
	switch sc.Trigger {
	case TriggerCreated:
		from = d.CreatedAt
	case TriggerModified:
		from = lastVersion
	case TriggerCaseClosed, TriggerLastContact:
		from = d.TriggerAt
	case TriggerSubjectBirth:
		for _, p := range d.Subjects {
			if t, err := time.Parse(time.DateOnly, p.BirthDate); err == nil && (from.IsZero() || t.After(from)) {
				// The youngest person's birth date: the record is kept
				// until the period has passed for every one of them.
				from = t
			}
		}
	}
	if from.IsZero() || !sc.Set() {
		return time.Time{}
	}
	due := from.AddDate(0, sc.PeriodMonths, 0)
	if due.Before(d.RetainUntil) {
		return d.RetainUntil
	}
	return due
}

// recordDocEntry writes an audit entry about a document.
func (s *Store) recordDocEntry(tx *store.Tx, sub *platform.Subject, action string, d *Document, detail string) error {
	e := audit.For(sub, action, ResourceType, d.ID, audit.Success)
	if e.OrgID == "" {
		e.OrgID = d.OrgID
	}
	e.Detail = detail
	return s.audit.Record(tx, e)
}

// SizeText says a version's size for people: "2 MB".
func (v Version) SizeText() string {
	if v.Size < 1024 {
		return fmt.Sprintf("%d bytes", v.Size)
	}
	return humanBytes(v.Size)
}
