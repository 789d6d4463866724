package post

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unicode"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
)

// Inbound post's statuses: a new item waits for OCR (reading), then is
// either filed on its case (routed) or waits for a person (triage).
const (
	InboundReading = "reading"
	InboundTriage  = "triage"
	InboundRouted  = "routed"
)

// Where inbound post came from.
const (
	SourceUpload = "upload"
	SourceEmail  = "email" // dbtp's own SMTP port
	SourceIMAP   = "imap"  // collected from a mailbox
)

// JobInboundRead reads one item (args {"id": item id}) with OCR and
// routes it; the upload enqueues it in the write that keeps the item, so
// the upload returns at once and nothing waits unread after a crash.
const JobInboundRead = "post.inbound_read"

// InboundItem is one scanned letter (or a page bundle) and what became of it.
type InboundItem struct {
	ID        string           `json:"id"`
	OrgID     string           `json:"org_id"`
	BatchID   string           `json:"batch_id"`
	Source    string           `json:"source"`
	Sender    string           `json:"sender,omitempty"`
	Name      string           `json:"name"`
	MediaType string           `json:"media_type"`
	Size      int64            `json:"size"`
	BlobID    string           `json:"-"`
	Status    string           `json:"status"`
	OCRText   string           `json:"ocr_text"`
	OCRNote   string           `json:"ocr_note,omitempty"`
	Findings  inbound.Findings `json:"findings"`
	CaseID    string           `json:"case_id,omitempty"`
	CaseRef   string           `json:"case_reference,omitempty"`
	UnitID    string           `json:"unit_id,omitempty"`    // the case's unit, once routed
	RoutedHow string           `json:"routed_how,omitempty"` // auto | hand
	RoutedBy  string           `json:"routed_by,omitempty"`
	RoutedAt  time.Time        `json:"routed_at,omitzero"`
	// TriageReason says why a letter waits in triage, as found when it was
	// read and routed ("The reference it quotes, ..., matches no case").
	TriageReason string `json:"triage_reason,omitempty"`
	// AttachmentID is the attachment it is filed as on its case now;
	// Filings counts its filings (each a new attachment, so the records
	// module keeps a record on each case it was filed on).
	AttachmentID string    `json:"-"`
	Filings      int       `json:"-"`
	ReceivedBy   string    `json:"received_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// CaseDesk is the services engine as inbound post needs it: finding the
// case a letter is about, filing the letter on it (where the records
// module keeps it as a record) and telling whoever works on it.
// cmd/dbtp adapts the services module to it.
type CaseDesk interface {
	// FindCase returns the case with reference that sub may read, or a
	// not-found error.
	FindCase(ctx context.Context, sub *platform.Subject, reference string) (CaseRef, error)
	// SearchCases finds open and closed cases sub may read by words of
	// their reference or summary, for routing by hand, each with its
	// person's names (Names) so the list can say whose case it is.
	SearchCases(ctx context.Context, sub *platform.Subject, text string, limit int) ([]CaseRef, error)
	// FileOnCase keeps doc with the case as the platform. It is
	// idempotent on doc.ID: filing the same item twice files it once.
	FileOnCase(ctx context.Context, orgID, caseID string, doc CaseDocument) error
	// TellCaseworker tells the case's assignee (or, while nobody has it,
	// its queue) that post has arrived.
	TellCaseworker(ctx context.Context, orgID, caseID, subject, body string) error
	// RemoveFromCase takes a scan filed on the wrong case off it, as the
	// platform, with an internal note saying why. It is idempotent: a
	// scan no longer there is not an error. Records already made of it
	// stay (a record is never lost).
	RemoveFromCase(ctx context.Context, orgID, caseID, docID, note string) error
}

// CaseRef is a case as routing shows and files on it. Names and
// Postcodes are the case's person as the case knows them (FindCase fills
// both; SearchCases the names), for warning when a letter seems to be
// someone else's and for saying whose case a found one is.
type CaseRef struct {
	ID, Reference, Title, State, UnitID, AssigneeID string
	Names, Postcodes                                []string
}

// Person is the case's person as a list of cases names them: the first
// name the case knows (its applicant's, if any), or "".
func (c CaseRef) Person() string {
	if len(c.Names) == 0 {
		return ""
	}
	return c.Names[0]
}

// CaseDocument is a scan filed on a case.
type CaseDocument struct {
	ID        string // att_...: the item's own ID under the attachment prefix
	Name      string
	MediaType string
	Content   []byte
	Note      string // said on the case: where the post came from and how it was routed
}

// InboundOptions shape inbound post.
type InboundOptions struct {
	Cases    CaseDesk       // nil: nothing is routed; everything waits in triage
	Reader   inbound.Reader // the OCR tools
	MaxBytes int64          // one scan; default 10 MiB (a case attachment's limit)
	MaxBatch int            // files in one batch; default 50
}

// Inbound is inbound post: receiving, reading and routing scans.
type Inbound struct {
	s    *Store
	opts InboundOptions
	mu   sync.RWMutex // guards opts.Cases, which UseCases may set after start
}

// UseCases sets (or replaces) the case desk post is routed through.
func (in *Inbound) UseCases(c CaseDesk) {
	in.mu.Lock()
	in.opts.Cases = c
	in.mu.Unlock()
}

func (in *Inbound) cases() CaseDesk {
	in.mu.RLock()
	defer in.mu.RUnlock()
	return in.opts.Cases
}

// NewInbound returns inbound post kept in s.
func NewInbound(s *Store, opts InboundOptions) *Inbound {
	if opts.MaxBytes <= 0 {
		opts.MaxBytes = 10 << 20
	}
	if opts.MaxBatch <= 0 {
		opts.MaxBatch = 50
	}
	return &Inbound{s: s, opts: opts}
}

// MaxBytes is the largest scan taken.
func (in *Inbound) MaxBytes() int64 { return in.opts.MaxBytes }

// MaxBatch is the most files one batch takes.
func (in *Inbound) MaxBatch() int { return in.opts.MaxBatch }

// OCRAvailable reports whether scans will be read.
func (in *Inbound) OCRAvailable() bool { return in.opts.Reader.Available() }

// inboundResource is inbound post as the access point sees it: the
// council's post room, owned by no business unit until it is routed.
func inboundResource(orgID, id string) access.Resource {
	return access.Resource{Type: ResourceType, ID: id, OrgID: orgID}
}

// itemResource is an item: once filed on a case, it belongs to the
// case's unit, and only that unit's staff (and records managers) read it.
// A letter to the council is personal correspondence: OFFICIAL-SENSITIVE,
// so the access point audits each look at one.
func itemResource(it InboundItem) access.Resource {
	return access.Resource{Type: ResourceType, ID: it.ID, OrgID: it.OrgID, BusinessUnit: it.UnitID, Classification: platform.OfficialSensitive}
}

// unitScope narrows a query of items to those sub may read: the post
// room's (not yet routed) and those of sub's units, unless sub reads
// every unit's post (the policy's records managers, admins, the platform).
func unitScope(sub *platform.Subject) (string, []any) {
	if sub.Kind == platform.SubjectSystem || sub.HasRole(platform.RoleAdmin) || sub.HasRole(platform.RoleRecords) {
		return "", nil
	}
	clause, args := " AND (unit_id = ''", []any{}
	if len(sub.BusinessUnits) > 0 {
		clause += " OR unit_id IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(sub.BusinessUnits)), ", ") + ")"
		for _, u := range sub.BusinessUnits {
			args = append(args, u)
		}
	}
	return clause + ")", args
}

// Upload is one file given to Receive.
type Upload struct {
	Name    string
	Content []byte
}

// Arrival is what arrives together: one upload (a file or a batch) or
// one email.
type Arrival struct {
	Source    string // SourceUpload, SourceEmail or SourceIMAP
	SourceRef string // email: the message ID (each scan is keyed "<ref>#<n>")
	Sender    string
	Files     []Upload
}

// Receive keeps every file of d and queues each to be read, in one
// write: all of them are kept or, when one is refused, none is (the
// error names the file). It returns the batch's ID and the items, in
// order; an email received twice returns the items it made the first time.
func (in *Inbound) Receive(ctx context.Context, sub *platform.Subject, d Arrival) (string, []InboundItem, error) {
	if err := in.check(d); err != nil {
		return "", nil, err
	}
	if in.s.opts.Files == nil {
		return "", nil, platform.Internal(fmt.Errorf("post: no file store: scans cannot be kept"))
	}
	if err := in.s.access.Check(ctx, sub, access.Create, inboundResource(sub.OrgID, "")); err != nil {
		return "", nil, err
	}
	now := in.s.now()
	batch := platform.NewID("pib")
	items := make([]InboundItem, len(d.Files))
	refs := make([]string, len(d.Files))
	for i, f := range d.Files {
		// The original goes into the file store first: the row that names
		// it is written only once it is safely there.
		info, err := in.s.opts.Files.Put(ctx, bytes.NewReader(f.Content))
		if err != nil {
			return "", nil, platform.AsError(err)
		}
		items[i] = InboundItem{ID: platform.NewID("pin"), OrgID: sub.OrgID, BatchID: batch, Source: d.Source, Sender: d.Sender,
			Name: cleanName(f.Name, i), MediaType: inbound.MediaType(f.Content), Size: int64(len(f.Content)), BlobID: info.ID,
			Status: InboundReading, ReceivedBy: sub.UserID, CreatedAt: now, UpdatedAt: now}
		if d.SourceRef != "" {
			refs[i] = fmt.Sprintf("%s#%d", d.SourceRef, i+1)
		}
	}
	err := in.s.db.Write(ctx, func(tx *store.Tx) error {
		if d.SourceRef != "" {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM post_inbound WHERE org_id = ? AND source_ref = ? AND source_ref <> ''", sub.OrgID, refs[0]).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return errAlreadyReceived
			}
		}
		for i, it := range items {
			if _, err := tx.Exec(ctx, `INSERT INTO post_inbound (id, org_id, batch_id, source, source_ref, sender, name, media_type, size, blob_id, status, received_by, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.ID, it.OrgID, it.BatchID, it.Source, refs[i], it.Sender, it.Name, it.MediaType, it.Size,
				it.BlobID, it.Status, it.ReceivedBy, store.Millis(now), store.Millis(now)); err != nil {
				return err
			}
			if in.s.opts.Jobs != nil {
				if _, err := in.s.opts.Jobs.Enqueue(ctx, tx, jobsEnqueued(it)); err != nil {
					return err
				}
			}
			e := audit.For(sub, "post.inbound_receive", "post_inbound", it.ID, audit.Success)
			e.Detail = fmt.Sprintf("%s by %s: %s (%d bytes)", it.Name, it.Source, it.MediaType, it.Size)
			if err := in.s.audit.Record(tx, e); err != nil {
				return err
			}
		}
		return nil
	})
	if errors.Is(err, errAlreadyReceived) {
		return in.sourceBatch(ctx, sub.OrgID, refs[0])
	}
	if err != nil {
		return "", nil, platform.AsError(err)
	}
	return batch, items, nil
}

var errAlreadyReceived = fmt.Errorf("post: already received")

// sourceBatch returns the items an email made when it was first received.
func (in *Inbound) sourceBatch(ctx context.Context, orgID, firstRef string) (string, []InboundItem, error) {
	var batch string
	if err := in.s.db.QueryRow(ctx, "SELECT batch_id FROM post_inbound WHERE org_id = ? AND source_ref = ? AND source_ref <> ''", orgID, firstRef).Scan(&batch); err != nil {
		return "", nil, platform.AsError(err)
	}
	items, err := in.query(ctx, "WHERE org_id = ? AND batch_id = ? ORDER BY created_at, id", orgID, batch)
	return batch, items, err
}

// check refuses a delivery with a file that is not a scan, too large, an
// encrypted PDF, or no file at all, before anything is kept.
func (in *Inbound) check(d Arrival) error {
	switch d.Source {
	case SourceUpload, SourceEmail, SourceIMAP:
	default:
		return platform.Invalid("Unknown source of post: want upload, email or imap")
	}
	if len(d.Files) == 0 {
		return platform.Invalid("Choose one or more scanned letters (PDF, PNG, JPEG or TIFF) to upload",
			platform.FieldError{Field: "files", Message: "Choose one or more scanned letters to upload"})
	}
	if len(d.Files) > in.opts.MaxBatch {
		return platform.Invalid(fmt.Sprintf("Upload %d files or fewer at a time", in.opts.MaxBatch),
			platform.FieldError{Field: "files", Message: fmt.Sprintf("Upload %d files or fewer at a time (this batch has %d)", in.opts.MaxBatch, len(d.Files))})
	}
	for i, f := range d.Files {
		name := cleanName(f.Name, i)
		field := func(code platform.Code, msg string) error {
			return &platform.Error{Code: code, Message: msg, Fields: []platform.FieldError{{Field: "files", Message: msg}}}
		}
		switch {
		case len(f.Content) == 0:
			return field(platform.CodeInvalid, name+" is empty")
		case int64(len(f.Content)) > in.opts.MaxBytes:
			return field(platform.CodeTooLarge, fmt.Sprintf("%s is larger than %d MB: scan it at a lower resolution or split it", name, in.opts.MaxBytes>>20))
		}
		mt := inbound.MediaType(f.Content)
		switch {
		case mt == "":
			return field(platform.CodeInvalid, name+" is not a PDF or an image (PNG, JPEG or TIFF)")
		case mt == inbound.PDF && inbound.Encrypted(f.Content):
			return field(platform.CodeInvalid, name+" is an encrypted PDF, which cannot be read or kept as a record: save it without a password and upload it again")
		}
	}
	return nil
}

// cleanName keeps a file's own name without folders or control
// characters, at most 200 bytes.
func cleanName(name string, i int) string {
	name = strings.ReplaceAll(strings.TrimSpace(name), `\`, "/")
	if j := strings.LastIndexByte(name, '/'); j >= 0 {
		name = name[j+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if len(name) > 200 {
		name = strings.ToValidUTF8(name[:200], "")
	}
	if name == "" || name == "." || name == ".." {
		name = fmt.Sprintf("scan-%d", i+1)
	}
	return name
}

const inboundColumns = "id, org_id, batch_id, source, sender, name, media_type, size, blob_id, status, ocr_text, ocr_note, findings, case_id, case_ref, unit_id, routed_how, routed_by, routed_at, received_by, created_at, updated_at, triage_reason, attachment_id, filings"

func scanInbound(r rowScanner) (InboundItem, error) {
	var it InboundItem
	var findings string
	var routed, created, updated int64
	err := r.Scan(&it.ID, &it.OrgID, &it.BatchID, &it.Source, &it.Sender, &it.Name, &it.MediaType, &it.Size, &it.BlobID, &it.Status, &it.OCRText,
		&it.OCRNote, &findings, &it.CaseID, &it.CaseRef, &it.UnitID, &it.RoutedHow, &it.RoutedBy, &routed, &it.ReceivedBy, &created, &updated,
		&it.TriageReason, &it.AttachmentID, &it.Filings)
	if err != nil {
		return it, err
	}
	_ = json.Unmarshal([]byte(findings), &it.Findings) // written by this file only
	if routed > 0 {
		it.RoutedAt = store.Time(routed)
	}
	it.CreatedAt, it.UpdatedAt = store.Time(created), store.Time(updated)
	return it, nil
}

func (in *Inbound) query(ctx context.Context, where string, args ...any) ([]InboundItem, error) {
	rows, err := in.s.db.Query(ctx, "SELECT "+inboundColumns+" FROM post_inbound "+where, args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []InboundItem
	for rows.Next() {
		it, err := scanInbound(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

func (in *Inbound) load(ctx context.Context, orgID, id string) (InboundItem, error) {
	if !platform.ValidID("pin", id) {
		return InboundItem{}, platform.NotFound("inbound post")
	}
	it, err := scanInbound(in.s.db.QueryRow(ctx, "SELECT "+inboundColumns+" FROM post_inbound WHERE org_id = ? AND id = ?", orgID, id))
	if store.IsNoRows(err) {
		return InboundItem{}, platform.NotFound("inbound post")
	}
	return it, orNil(err)
}

// Get returns one item to staff who may read it.
func (in *Inbound) Get(ctx context.Context, sub *platform.Subject, id string) (InboundItem, error) {
	if err := in.s.access.Check(ctx, sub, access.Read, inboundResource(sub.OrgID, "")); err != nil {
		return InboundItem{}, err
	}
	it, err := in.load(ctx, sub.OrgID, id)
	if err != nil {
		return it, err
	}
	if err := in.s.access.Check(ctx, sub, access.Read, itemResource(it)); err != nil {
		return InboundItem{}, err
	}
	return it, nil
}

// Original returns an item's scan as it arrived.
func (in *Inbound) Original(ctx context.Context, sub *platform.Subject, id string) (InboundItem, io.ReadCloser, error) {
	it, err := in.Get(ctx, sub, id)
	if err != nil {
		return it, nil, err
	}
	if in.s.opts.Files == nil {
		return it, nil, platform.NotFound("scan")
	}
	rc, _, err := in.s.opts.Files.Open(ctx, it.BlobID)
	return it, rc, orNil(err)
}

// InboundFilter narrows a list of inbound post.
type InboundFilter struct {
	Status string // "" (all), reading, triage or routed
	Batch  string
	// After is the last item of the previous page (newest first).
	AfterAt time.Time
	AfterID string
	Limit   int // default 50
}

// List lists the post room's items, newest first.
func (in *Inbound) List(ctx context.Context, sub *platform.Subject, f InboundFilter) ([]InboundItem, error) {
	if err := in.s.access.Check(ctx, sub, access.Read, inboundResource(sub.OrgID, "")); err != nil {
		return nil, err
	}
	scope, scopeArgs := unitScope(sub)
	where, args := "WHERE org_id = ?"+scope, append([]any{sub.OrgID}, scopeArgs...)
	switch f.Status {
	case "":
	case InboundReading, InboundTriage, InboundRouted:
		where, args = where+" AND status = ?", append(args, f.Status)
	default:
		return nil, platform.Invalid("Unknown status", platform.FieldError{Field: "status", Message: "Choose reading, triage or routed"})
	}
	if f.Batch != "" {
		where, args = where+" AND batch_id = ?", append(args, f.Batch)
	}
	if f.AfterID != "" {
		at := store.Millis(f.AfterAt)
		where, args = where+" AND (created_at < ? OR created_at = ? AND id < ?)", append(args, at, at, f.AfterID)
	}
	if f.Limit <= 0 || f.Limit > 200 {
		f.Limit = 50
	}
	return in.query(ctx, where+fmt.Sprintf(" ORDER BY created_at DESC, id DESC LIMIT %d", f.Limit), args...)
}

// Counts returns how many items are in each status.
func (in *Inbound) Counts(ctx context.Context, sub *platform.Subject, batch string) (map[string]int, error) {
	if err := in.s.access.Check(ctx, sub, access.Read, inboundResource(sub.OrgID, "")); err != nil {
		return nil, err
	}
	scope, scopeArgs := unitScope(sub)
	where, args := "WHERE org_id = ?"+scope, append([]any{sub.OrgID}, scopeArgs...)
	if batch != "" {
		where, args = where+" AND batch_id = ?", append(args, batch)
	}
	rows, err := in.s.db.Query(ctx, "SELECT status, COUNT(*) FROM post_inbound "+where+" GROUP BY status", args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, platform.Internal(err)
		}
		out[st] = n
	}
	return out, rows.Err()
}

// FileInUse reports whether an item names the content, so a module that
// collects unused content in the shared store keeps it.
func (in *Inbound) FileInUse(ctx context.Context, blobID string) (bool, error) {
	var n int
	err := in.s.db.QueryRow(ctx, "SELECT COUNT(*) FROM post_inbound WHERE blob_id = ?", blobID).Scan(&n)
	return n > 0, err
}

// orNil is platform.AsError that keeps a nil error nil (not a nil *Error).
func orNil(err error) error {
	if err == nil {
		return nil
	}
	return platform.AsError(err)
}
