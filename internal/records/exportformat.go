package records

import (
	_ "embed"
	"regexp"
	"strings"
	"time"
)

// The open export format: a ZIP archive of JSON files and the content
// files, described field by field in docs/records.md ("Open export
// format") and in plain words in the README.txt every archive carries.
// The types below are the format itself, kept apart from the engine's own
// types so that a change inside dbtp can never change the format silently:
// a change here is a new FormatVersion.
//
// The naming follows MoReq2010's model: classes with disposal schedules,
// records with components (here versions), holds and events.

// Format names and versions the archive. Version 2 fills what version 1
// reserved: legal holds (holds.json), each record's disposal history and
// extensions, and its retain_until. An import reads both versions: a
// version 1 archive has no holds and no disposal history to carry.
const (
	FormatName       = "dbtp-records-export"
	FormatVersion    = 2
	minFormatVersion = 1
)

// Fixed names inside the archive.
const (
	manifestName = "manifest.json"
	readmeName   = "README.txt"
	filePlanName = "fileplan.json"
	holdsName    = "holds.json"
	recordsDir   = "records/"
	metadataName = "metadata.json"
	eventsName   = "audit.json"
)

//go:embed export_readme.txt
var exportReadme string

// Counts say what an archive holds; the manifest carries them and an
// import checks them against what it finds.
type Counts struct {
	Classes      int   `json:"classes"`
	Records      int   `json:"records"`
	Declared     int   `json:"declared"`
	Tombstones   int   `json:"tombstones"` // destroyed or transferred: metadata only
	Versions     int   `json:"versions"`
	Files        int   `json:"content_files"`
	ContentBytes int64 `json:"content_bytes"`
	Events       int   `json:"events"`
	Holds        int   `json:"holds"`
}

type fmtManifest struct {
	Format        string    `json:"format"`
	FormatVersion int       `json:"format_version"`
	ExportID      string    `json:"export_id"`
	Organisation  fmtOrg    `json:"organisation"`
	CreatedAt     time.Time `json:"created_at"`
	ExportedBy    fmtAgent  `json:"exported_by"`
	Scope         fmtScope  `json:"scope"`
	Counts        Counts    `json:"counts"`
	Files         []fmtFile `json:"files"`
}

type fmtOrg struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

type fmtAgent struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

type fmtScope struct {
	ClassCode string `json:"class_code,omitempty"` // empty: the whole file plan
	CaseID    string `json:"case_id,omitempty"`
}

type fmtFile struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

type fmtFilePlan struct {
	Classes []fmtClass `json:"classes"`
}

type fmtSchedule struct {
	PeriodMonths int    `json:"period_months"`
	Trigger      string `json:"trigger"`
	Action       string `json:"action"`
	TwoStage     bool   `json:"two_stage"`
}

type fmtClass struct {
	ID           string `json:"id"`
	Code         string `json:"code"`
	ParentCode   string `json:"parent_code,omitempty"`
	Level        string `json:"level"`
	Title        string `json:"title"`
	Description  string `json:"description,omitempty"`
	RetentionKey string `json:"retention_key,omitempty"`
	Closed       bool   `json:"closed"`
	// DisposalSchedule is the class's own; null means it inherits its
	// parent's. Effective is the one that applies, for readers; an import
	// works it out again from the classes.
	DisposalSchedule *fmtSchedule `json:"disposal_schedule"`
	Effective        *fmtSchedule `json:"effective_disposal_schedule"`
	Events           []fmtEvent   `json:"events"`
}

// fmtHolds is holds.json: the legal holds that name an exported record,
// an exported class or the case of an exported record, active or lifted,
// each with what it names cut down to what the archive holds.
type fmtHolds struct {
	Holds []fmtHold `json:"holds"`
}

type fmtHold struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Reason        string    `json:"reason"`
	PlacedAt      time.Time `json:"placed_at"`
	PlacedBy      fmtAgent  `json:"placed_by"`
	ReleasedAt    time.Time `json:"released_at,omitzero"`
	ReleasedBy    fmtAgent  `json:"released_by,omitzero"`
	ReleaseReason string    `json:"release_reason,omitempty"`
	// What the hold covers: records by ID, classes by code (with every
	// class under them), cases by ID.
	RecordIDs  []string   `json:"record_ids"`
	ClassCodes []string   `json:"class_codes"`
	CaseIDs    []string   `json:"case_ids"`
	Events     []fmtEvent `json:"events"`
}

type fmtRecord struct {
	ID             string       `json:"id"`
	Title          string       `json:"title"`
	Class          fmtClassRef  `json:"class"`
	Classification string       `json:"classification"`
	BusinessUnitID string       `json:"business_unit_id,omitempty"`
	Author         fmtAgent     `json:"author"`
	Subjects       []fmtPerson  `json:"subjects"`
	Case           fmtCase      `json:"case,omitzero"`
	Tags           []string     `json:"tags"`
	Source         string       `json:"source"`
	SourceRef      string       `json:"source_ref,omitempty"`
	CreatedAt      time.Time    `json:"created_at"`
	UpdatedAt      time.Time    `json:"updated_at"`
	Declaration    *fmtDeclared `json:"declaration"` // null: a document, not yet a record
	Retention      fmtRetention `json:"retention"`
	Versions       []fmtVersion `json:"versions"`
}

type fmtClassRef struct {
	ID   string `json:"id"`
	Code string `json:"code"`
}

type fmtPerson struct {
	Name      string `json:"name"`
	BirthDate string `json:"birth_date,omitempty"`
	PersonID  string `json:"person_id,omitempty"`
}

type fmtCase struct {
	ID        string `json:"id,omitempty"`
	Reference string `json:"reference,omitempty"`
}

type fmtDeclared struct {
	At time.Time `json:"at"`
	By string    `json:"by"`
}

type fmtRetention struct {
	State      string    `json:"state"` // active | destroyed | transferred
	TriggerAt  time.Time `json:"trigger_at,omitzero"`
	DueAt      time.Time `json:"due_at,omitzero"`
	DisposedAt time.Time `json:"disposed_at,omitzero"`
	// RetainUntil is the floor extensions set: the due date never falls
	// before it, whatever the schedule.
	RetainUntil time.Time      `json:"retain_until,omitzero"`
	Extensions  []fmtExtension `json:"extensions"`
	// Disposal is every item the record had in the disposal queue, oldest
	// first, as it stood at the export.
	Disposal []fmtDisposal `json:"disposal"`
}

// fmtExtension is one decision to keep the record longer.
type fmtExtension struct {
	Until      time.Time `json:"until"`
	Reason     string    `json:"reason"`
	DisposalID string    `json:"disposal_id,omitempty"` // the queue item a rejection kept it from
	By         fmtAgent  `json:"by"`
	At         time.Time `json:"at"`
}

// fmtDisposal is one item of the disposal queue: when the record fell
// due, under which schedule, the decisions on it and, once carried out,
// the certificate.
type fmtDisposal struct {
	ID         string        `json:"id"`
	QueuedAt   time.Time     `json:"queued_at"`
	DueAt      time.Time     `json:"due_at"`
	Action     string        `json:"action"`   // destroy | review | transfer
	Schedule   string        `json:"schedule"` // the schedule in words, when queued
	TwoStage   bool          `json:"two_stage"`
	Stage      int           `json:"stage"`
	State      string        `json:"state"` // pending | held | approved | disposing | done | rejected | withdrawn
	Approvals  []fmtApproval `json:"approvals"`
	HoldID     string        `json:"hold_id,omitempty"`
	Reason     string        `json:"reason,omitempty"`
	ExtendedTo time.Time     `json:"extended_to,omitzero"`
	DecidedAt  time.Time     `json:"decided_at,omitzero"`
	DecidedBy  fmtAgent      `json:"decided_by,omitzero"`
	UpdatedAt  time.Time     `json:"updated_at"`
	// Certificate is the proof of a disposal carried out, with this
	// record's entry only; Records says how many it covered in all.
	Certificate *fmtCertificate `json:"certificate,omitempty"`
}

type fmtApproval struct {
	Stage int       `json:"stage"`
	By    fmtAgent  `json:"by"`
	Role  string    `json:"role"`
	At    time.Time `json:"at"`
	Note  string    `json:"note,omitempty"`
}

type fmtCertificate struct {
	ID         string        `json:"id"`
	Number     string        `json:"number"`
	Action     string        `json:"action"` // destroy | transfer
	IssuedAt   time.Time     `json:"issued_at"`
	Schedule   string        `json:"schedule"`
	Note       string        `json:"note,omitempty"`
	ExecutedBy string        `json:"executed_by"`
	Approvals  []fmtApproval `json:"approvals"`
	Records    int           `json:"records"`
	Item       fmtCertItem   `json:"item"`
}

// fmtCertItem is what a certificate says of one record.
type fmtCertItem struct {
	Title    string    `json:"title"`
	Class    string    `json:"class"` // code and title
	CaseRef  string    `json:"case_reference,omitempty"`
	Declared bool      `json:"declared"`
	Schedule string    `json:"schedule"`
	DueAt    time.Time `json:"due_at"`
	Versions int       `json:"versions"`
	SHA256   []string  `json:"sha256"`
	Bytes    int64     `json:"bytes"`
	Verified bool      `json:"verified"` // every SHA-256 above was checked gone from the store
	Kept     []string  `json:"kept"`     // content kept as other live records hold the same bytes
	Note     string    `json:"note,omitempty"`
}

type fmtVersion struct {
	Number    int       `json:"number"`
	Name      string    `json:"name"`
	MediaType string    `json:"media_type"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	Note      string    `json:"note,omitempty"`
	CreatedBy fmtAgent  `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
	// Path is the content file in the archive; empty when the content is
	// not there (the record was destroyed or transferred).
	Path string `json:"path,omitempty"`
}

type fmtEvents struct {
	RecordID string     `json:"record_id"`
	Events   []fmtEvent `json:"events"`
}

// fmtEvent is one audit event about a record or class, oldest first.
// Origin names the log that first recorded it, so anyone holding that
// log can check the event there with an inclusion proof.
type fmtEvent struct {
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	Outcome     string    `json:"outcome"`
	ActorID     string    `json:"actor_id,omitempty"`
	ActorName   string    `json:"actor_name,omitempty"`
	ActingFor   string    `json:"acting_for,omitempty"`
	Detail      string    `json:"detail,omitempty"`
	OriginOrgID string    `json:"origin_organisation_id,omitempty"`
	OriginIndex int64     `json:"origin_log_index"` // -1: not known
}

// Paths inside the archive are plain, portable and safe to unpack on any
// system: parts of letters, digits, dots, hyphens and underscores, none
// starting with a dot, so no "..", no absolute path, no drive letter, no
// backslash.
var pathPartRE = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$`)

const maxPathLen = 400

// safePath reports whether p is a path this format may contain.
func safePath(p string) bool {
	if p == "" || len(p) > maxPathLen {
		return false
	}
	for part := range strings.SplitSeq(p, "/") {
		if !pathPartRE.MatchString(part) {
			return false
		}
	}
	return true
}

// contentPart turns a version's file name into a path part: the real name
// is kept in metadata.json, the path only has to be safe and recognisable,
// so other characters become "_" and a long name keeps its extension.
func contentPart(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if len(out) > 100 {
		ext := ""
		if i := strings.LastIndexByte(out, '.'); i > 0 && len(out)-i <= 16 {
			ext = out[i:]
		}
		out = out[:100-len(ext)] + ext
	}
	if out == "" {
		out = "content"
	}
	return out
}

func schedOf(s Schedule) *fmtSchedule {
	if !s.Set() {
		return nil
	}
	return &fmtSchedule{PeriodMonths: s.PeriodMonths, Trigger: s.Trigger, Action: s.Action, TwoStage: s.TwoStage}
}

func (f *fmtSchedule) schedule() Schedule {
	if f == nil {
		return Schedule{}
	}
	return Schedule{PeriodMonths: f.PeriodMonths, Trigger: f.Trigger, Action: f.Action, TwoStage: f.TwoStage}
}
