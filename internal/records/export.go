package records

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Scope says what to export.
type Scope struct {
	ClassID string // a class and every class under it; empty: the whole file plan
	CaseID  string // only the documents of this case (within ClassID when both are given)
	// OrgName is printed in the manifest for the archivist: the engine
	// knows organisations only by ID.
	OrgName string
}

// Summary says what an export wrote or an import stored.
type Summary struct {
	ExportID       string   `json:"export_id"`
	ImportID       string   `json:"import_id,omitempty"`
	ManifestSHA256 string   `json:"manifest_sha256"`
	Counts         Counts   `json:"counts"`
	ClassesCreated []string `json:"classes_created,omitempty"` // codes, on import
	ClassesReused  []string `json:"classes_reused,omitempty"`
	Notes          []string `json:"notes,omitempty"` // what the person importing should know
}

// MayMove is the rule for export and import ("export" or "import"):
// moving records out of or into the organisation is a records manager's or
// an admin's act. Anyone else is refused through the access point, which
// audits the refusal; for those allowed, the access point still applies
// the boundaries (the organisation, an API token's scope: read to export,
// write to import). Export and Import apply it themselves; the web layer
// asks first to refuse before reading a large upload.
func (s *Store) MayMove(ctx context.Context, sub *platform.Subject, what string) error {
	res := access.Resource{Type: ResourceType, ID: what, OrgID: sub.OrgID}
	if !CanKeepPlan(sub) {
		if err := s.access.Check(ctx, sub, access.Administer, res); err != nil {
			return err
		}
		return platform.Errorf(platform.CodeForbidden, "Only records managers and administrators export or import records")
	}
	action := access.Read
	if what == "import" {
		action = access.Create
	}
	return s.access.Check(ctx, sub, action, res)
}

// Export writes the records of sc to w as a ZIP archive in the open
// export format (exportformat.go, docs/records.md). It streams: content is
// copied from the encrypted store a buffer at a time, verified against its
// SHA-256 as it goes, and only one record's metadata and history are held
// at once (the manifest's list of files grows with the archive).
//
// Documents are read in ID order, a page at a time, each as it is when
// its turn comes (its metadata, versions and content together), so one
// filed or changed meanwhile is exported whole or not at all, never twice.
// The audit entry, written before the first byte leaves, has the counts
// at the start; the manifest has what was written. A destroyed or
// transferred document is exported as metadata and history only (a
// tombstone).
func (s *Store) Export(ctx context.Context, sub *platform.Subject, sc Scope, w io.Writer) (Summary, error) {
	if err := s.MayMove(ctx, sub, "export"); err != nil {
		return Summary{}, err
	}
	log, ok := s.audit.(auditLister)
	if !ok {
		return Summary{}, platform.Internal(errors.New("records: the audit recorder cannot list entries, so an export would lose the records' history"))
	}
	if s.opts.Files == nil {
		return Summary{}, platform.Errorf(platform.CodeInternal, "No file store is configured")
	}
	x := &exporter{s: s, sub: sub, log: log, at: s.now(), id: platform.NewID("rex"), caseID: strings.TrimSpace(sc.CaseID),
		written: map[string]bool{}, cases: map[string]bool{}, certs: map[string]*Certificate{}}
	x.manifest = fmtManifest{Format: FormatName, FormatVersion: FormatVersion, ExportID: x.id, Organisation: fmtOrg{ID: sub.OrgID, Name: sc.OrgName},
		CreatedAt: x.at, ExportedBy: agentOf(sub), Scope: fmtScope{CaseID: x.caseID}}
	if err := x.choose(ctx, sc.ClassID); err != nil {
		return Summary{}, err
	}
	want, err := x.count(ctx)
	if err != nil {
		return Summary{}, err
	}
	// Audited before anything leaves: an export cut short has still been
	// recorded, with what it was going to hold.
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		e := audit.For(sub, "records.export", exportResource, x.id, audit.Success)
		e.Detail = fmt.Sprintf("export of %s: %d classes, %d records (%d declared, %d destroyed or transferred), %d versions, %d content files (%s)",
			x.described(), want.Classes, want.Records, want.Declared, want.Tombstones, want.Versions, want.Files, humanBytes(want.ContentBytes))
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Summary{}, err
	}
	if err := x.write(ctx, w); err != nil {
		e := audit.For(sub, "records.export", exportResource, x.id, audit.Failure)
		e.Detail = fmt.Sprintf("export stopped after %d of %d records", x.manifest.Counts.Records, want.Records)
		if rerr := s.audit.RecordNow(context.WithoutCancel(ctx), e); rerr != nil {
			err = errors.Join(err, rerr)
		}
		return Summary{ExportID: x.id, Counts: x.manifest.Counts}, err
	}
	return Summary{ExportID: x.id, ManifestSHA256: x.manifestSum, Counts: x.manifest.Counts}, nil
}

func agentOf(sub *platform.Subject) fmtAgent {
	if sub.Kind == platform.SubjectToken {
		return fmtAgent{ID: sub.TokenID, Name: sub.Name}
	}
	return fmtAgent{ID: sub.UserID, Name: sub.Name}
}

// exporter is one export under way.
type exporter struct {
	s      *Store
	sub    *platform.Subject
	log    auditLister
	at     time.Time
	id     string
	caseID string

	classes   []Class           // exported, in code order
	codeOf    map[string]string // class ID to code, for every class of the plan
	inClasses []string          // the classes whose documents go; nil: all

	zw          *zip.Writer
	manifest    fmtManifest
	manifestSum string

	// written and cases are the records written and their cases, which
	// the holds are cut down to; certs caches certificates, which cover
	// many records each.
	written map[string]bool
	cases   map[string]bool
	certs   map[string]*Certificate
}

// choose fixes the classes: the whole plan, or a class with the classes
// under it and those above it (so an import can rebuild the tree).
func (x *exporter) choose(ctx context.Context, classID string) error {
	all, err := x.s.classes(ctx, x.s.db.Query, x.sub.OrgID)
	if err != nil {
		return err
	}
	x.codeOf = map[string]string{}
	byID := map[string]Class{}
	for _, c := range all {
		x.codeOf[c.ID], byID[c.ID] = c.Code, c
	}
	if classID == "" {
		x.classes = all
		return nil
	}
	below, err := x.s.classAndBelow(ctx, x.sub.OrgID, classID)
	if err != nil {
		return err
	}
	x.inClasses = below
	keep := slices.Clone(below)
	for p := byID[classID].ParentID; p != "" && !slices.Contains(keep, p); p = byID[p].ParentID {
		keep = append(keep, p)
	}
	for _, c := range all {
		if slices.Contains(keep, c.ID) {
			x.classes = append(x.classes, c)
		}
	}
	x.manifest.Scope.ClassCode = byID[classID].Code
	return nil
}

func (x *exporter) described() string {
	var parts []string
	if x.manifest.Scope.ClassCode != "" {
		parts = append(parts, "class "+x.manifest.Scope.ClassCode)
	}
	if x.caseID != "" {
		parts = append(parts, "case "+x.caseID)
	}
	if len(parts) == 0 {
		return "everything"
	}
	return strings.Join(parts, ", ")
}

// where is the condition on records_documents d of the documents exported.
func (x *exporter) where() (string, []any) {
	conds := []string{"d.org_id = ?"}
	args := []any{x.sub.OrgID}
	if x.inClasses != nil {
		conds = append(conds, "d.class_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(x.inClasses)), ", ")+")")
		for _, id := range x.inClasses {
			args = append(args, id)
		}
	}
	if x.caseID != "" {
		conds = append(conds, "d.case_id = ?")
		args = append(args, x.caseID)
	}
	return strings.Join(conds, " AND "), args
}

// count is what the export will hold, for its audit entry.
func (x *exporter) count(ctx context.Context) (Counts, error) {
	c := Counts{Classes: len(x.classes)}
	where, args := x.where()
	err := x.s.db.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN d.declared_at > 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN d.state <> 'active' THEN 1 ELSE 0 END), 0) AS BIGINT) FROM records_documents d WHERE `+where, args...).
		Scan(&c.Records, &c.Declared, &c.Tombstones)
	if err != nil {
		return c, err
	}
	err = x.s.db.QueryRow(ctx, `SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN d.state = 'active' THEN 1 ELSE 0 END), 0) AS BIGINT),
		CAST(COALESCE(SUM(CASE WHEN d.state = 'active' THEN v.size ELSE 0 END), 0) AS BIGINT)
		FROM records_versions v JOIN records_documents d ON d.id = v.document_id WHERE `+where, args...).Scan(&c.Versions, &c.Files, &c.ContentBytes)
	return c, err
}

// write streams the archive: README.txt, fileplan.json, holds.json, each
// record's folder, and manifest.json last, once every hash is known.
func (x *exporter) write(ctx context.Context, w io.Writer) error {
	x.zw = zip.NewWriter(w)
	if err := x.entry(readmeName, x.at, true, func(w io.Writer) error {
		_, err := io.WriteString(w, exportReadme)
		return err
	}); err != nil {
		return err
	}
	plan := fmtFilePlan{Classes: []fmtClass{}}
	for _, c := range x.classes {
		ev, err := x.s.history(ctx, x.log, x.sub.OrgID, classResource, c.ID)
		if err != nil {
			return err
		}
		plan.Classes = append(plan.Classes, fmtClass{ID: c.ID, Code: c.Code, ParentCode: x.codeOf[c.ParentID], Level: c.Level, Title: c.Title,
			Description: c.Description, RetentionKey: c.RetentionKey, Closed: c.Closed, DisposalSchedule: schedOf(c.Schedule),
			Effective: schedOf(c.Effective), Events: nonNil(ev)})
		x.manifest.Counts.Events += len(ev)
	}
	x.manifest.Counts.Classes = len(plan.Classes)
	if err := x.json(filePlanName, plan); err != nil {
		return err
	}
	where, args := x.where()
	after := ""
	for {
		page, err := x.page(ctx, where, args, after)
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := x.record(ctx, d); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			break
		}
		after = page[len(page)-1].ID
	}
	// The holds come after the records, so that what they name is cut
	// down to exactly the records written.
	holds, err := x.holds(ctx)
	if err != nil {
		return err
	}
	if err := x.json(holdsName, holds); err != nil {
		return err
	}
	var sum hash.Hash
	err = x.entry(manifestName, x.at, true, func(w io.Writer) error {
		sum = sha256.New()
		enc := json.NewEncoder(io.MultiWriter(w, sum))
		enc.SetIndent("", "  ")
		return enc.Encode(x.manifest)
	})
	if err != nil {
		return err
	}
	x.manifestSum = hex.EncodeToString(sum.Sum(nil))
	return x.zw.Close()
}

const exportPage = 100

// page is the next documents after the ID after, in ID order, so a page
// boundary never skips or repeats one whatever changes meanwhile.
func (x *exporter) page(ctx context.Context, where string, args []any, after string) ([]*Document, error) {
	rows, err := x.s.db.Query(ctx, `SELECT `+docColumns+` FROM records_documents d WHERE `+where+` AND d.id > ? ORDER BY d.id LIMIT ?`,
		append(slices.Clone(args), after, exportPage)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDocument(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// record writes one record's folder: metadata.json, its versions' content
// (unless it is a tombstone) and audit.json.
func (x *exporter) record(ctx context.Context, d *Document) error {
	rows, err := x.s.db.Query(ctx, `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? ORDER BY number`, d.ID)
	if err != nil {
		return err
	}
	var vs []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			rows.Close()
			return err
		}
		vs = append(vs, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	tomb := d.State != StateActive
	if !tomb && len(vs) == 0 {
		return nil // deleted since its page was read
	}
	dir := recordsDir + d.ID + "/"
	rec := recordOf(d, x.codeOf[d.ClassID])
	if err := x.retention(ctx, d, &rec.Retention); err != nil {
		return err
	}
	for _, v := range vs {
		fv := fmtVersion{Number: v.Number, Name: v.Name, MediaType: v.MediaType, Size: v.Size, SHA256: v.BlobID, Note: v.Note,
			CreatedBy: fmtAgent{ID: v.CreatedBy, Name: v.CreatedByName}, CreatedAt: v.CreatedAt}
		if !tomb {
			fv.Path = fmt.Sprintf("%sv%d/%s", dir, v.Number, contentPart(v.Name))
		}
		rec.Versions = append(rec.Versions, fv)
	}
	if err := x.json(dir+metadataName, rec); err != nil {
		return err
	}
	for i, v := range rec.Versions {
		if v.Path == "" {
			continue
		}
		if err := x.content(ctx, d, vs[i], v.Path); err != nil {
			return err
		}
		x.manifest.Counts.Files++
		x.manifest.Counts.ContentBytes += v.Size
	}
	ev, err := x.s.history(ctx, x.log, d.OrgID, ResourceType, d.ID)
	if err != nil {
		return err
	}
	if err := x.json(dir+eventsName, fmtEvents{RecordID: d.ID, Events: nonNil(ev)}); err != nil {
		return err
	}
	x.written[d.ID] = true
	if d.CaseID != "" {
		x.cases[d.CaseID] = true
	}
	c := &x.manifest.Counts
	c.Records++
	c.Versions += len(vs)
	c.Events += len(ev)
	if d.Declared() {
		c.Declared++
	}
	if tomb {
		c.Tombstones++
	}
	return nil
}

func recordOf(d *Document, classCode string) fmtRecord {
	rec := fmtRecord{ID: d.ID, Title: d.Title, Class: fmtClassRef{ID: d.ClassID, Code: classCode}, Classification: string(d.Classification),
		BusinessUnitID: d.UnitID, Author: fmtAgent{ID: d.AuthorID, Name: d.AuthorName}, Subjects: []fmtPerson{},
		Case: fmtCase{ID: d.CaseID, Reference: d.CaseRef}, Tags: nonNil(d.Tags), Source: d.Source, SourceRef: d.SourceRef,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Versions: []fmtVersion{},
		Retention: fmtRetention{State: d.State, TriggerAt: d.TriggerAt, DueAt: d.DueAt, DisposedAt: d.DisposedAt, RetainUntil: d.RetainUntil,
			Extensions: []fmtExtension{}, Disposal: []fmtDisposal{}}}
	for _, p := range d.Subjects {
		rec.Subjects = append(rec.Subjects, fmtPerson(p))
	}
	if d.Declared() {
		rec.Declaration = &fmtDeclared{At: d.DeclaredAt, By: d.DeclaredBy}
	}
	return rec
}

// content copies one version from the encrypted store into the archive.
// The store checks every segment and the whole hash as it reads; the
// hash computed here for the manifest is compared with the version's too,
// so the archive can only ever hold the content that was filed.
func (x *exporter) content(ctx context.Context, d *Document, v Version, name string) error {
	rc, _, err := x.s.opts.Files.Open(ctx, v.BlobID)
	if err != nil {
		return contentError(d, v, err)
	}
	defer rc.Close()
	var got fmtFile
	err = x.entry(name, v.CreatedAt, compressible(v.MediaType), func(w io.Writer) error {
		_, err := io.Copy(w, rc)
		return err
	})
	if err != nil {
		return contentError(d, v, err)
	}
	got = x.manifest.Files[len(x.manifest.Files)-1]
	if got.SHA256 != v.BlobID || got.Size != v.Size {
		return contentError(d, v, fmt.Errorf("read %d bytes hashing to %s", got.Size, got.SHA256))
	}
	return nil
}

func contentError(d *Document, v Version, err error) error {
	code := platform.CodeOf(err)
	if code == platform.CodeNotFound || code == platform.CodeInvalid {
		code = platform.CodeInternal // the store's fault, not the request's
	}
	return &platform.Error{Code: code, Err: err, Message: fmt.Sprintf("Version %d of record %s (%q) could not be read intact from the file store, so the export stopped",
		v.Number, d.ID, d.Title)}
}

// compressible says whether deflating is worth the CPU: text is, while
// PDFs, office files and images are compressed already.
func compressible(mediaType string) bool {
	return strings.HasPrefix(mediaType, "text/") || strings.HasSuffix(mediaType, "json") || strings.HasSuffix(mediaType, "xml") || mediaType == "message/rfc822"
}

func (x *exporter) json(name string, v any) error {
	return x.entry(name, x.at, true, func(w io.Writer) error {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	})
}

// entry writes one file into the archive and lists it in the manifest
// with the size and SHA-256 of exactly the bytes written.
func (x *exporter) entry(name string, modified time.Time, deflate bool, fill func(io.Writer) error) error {
	h := &zip.FileHeader{Name: name, Method: zip.Store, Modified: modified.UTC()}
	if deflate {
		h.Method = zip.Deflate
	}
	h.SetMode(0o644)
	zf, err := x.zw.CreateHeader(h)
	if err != nil {
		return err
	}
	t := &tally{w: zf, h: sha256.New()}
	if err := fill(t); err != nil {
		return err
	}
	if name != manifestName {
		x.manifest.Files = append(x.manifest.Files, fmtFile{Path: name, Size: t.n, SHA256: hex.EncodeToString(t.h.Sum(nil))})
	}
	return nil
}

// tally passes writes on, counting and hashing them.
type tally struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (t *tally) Write(p []byte) (int, error) {
	n, err := t.w.Write(p)
	t.h.Write(p[:n])
	t.n += int64(n)
	return n, err
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
