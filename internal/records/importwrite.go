package records

import (
	"context"
	"fmt"
	"strings"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// checkTarget finds what in this database would stop the archive: a
// record ID already used (by any organisation: IDs are unique across the
// database), a capture reference already filed, or a new class whose
// parent exists here at another level. The write checks again inside its
// transaction; this earlier look keeps content out of the store when the
// answer is already no.
func (s *Store) checkTarget(ctx context.Context, orgID string, a *archive) error {
	return s.targetProblems(ctx, s.db.Query, orgID, a)
}

func (s *Store) targetProblems(ctx context.Context, query queryFunc, orgID string, a *archive) error {
	const batch = 500
	for i := 0; i < len(a.records); i += batch {
		part := a.records[i:min(i+batch, len(a.records))]
		args := make([]any, len(part))
		for j, r := range part {
			args[j] = r.id
		}
		rows, err := query(ctx, `SELECT id FROM records_documents WHERE id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(part)), ", ")+`) ORDER BY id LIMIT 1`, args...)
		if err != nil {
			return err
		}
		var taken string
		if rows.Next() {
			err = rows.Scan(&taken)
		}
		rows.Close()
		if err != nil {
			return err
		}
		if taken != "" {
			return platform.Errorf(platform.CodeConflict, "The archive was not imported and nothing was stored: record %s is already in this database "+
				"(the archive, or part of it, was imported before). Records keep their IDs, so it cannot be imported twice", taken)
		}
	}
	for _, r := range a.records {
		if r.sourceRef == "" {
			continue
		}
		rows, err := query(ctx, `SELECT id FROM records_documents WHERE org_id = ? AND source = ? AND source_ref = ? AND source_ref <> ''`, orgID, r.source, r.sourceRef)
		if err != nil {
			return err
		}
		found := rows.Next()
		rows.Close()
		if found {
			return platform.Errorf(platform.CodeConflict, "The archive was not imported and nothing was stored: record %s was captured from %s %q, "+
				"which is already filed here", r.id, r.source, clip(r.sourceRef))
		}
	}
	here, err := s.classes(ctx, query, orgID)
	if err != nil {
		return err
	}
	byCode := map[string]Class{}
	for _, c := range here {
		byCode[c.Code] = c
	}
	for _, c := range a.plan.Classes {
		if _, ok := byCode[c.Code]; ok || c.ParentCode == "" {
			continue
		}
		if p, ok := byCode[c.ParentCode]; ok && p.Level != a.classes[c.ParentCode].Level {
			return refused("class %s would go under %s, which is a %s in this file plan but a %s in the archive", c.Code, p.Code, p.Level, a.classes[c.ParentCode].Level)
		}
	}
	return nil
}

// putContent copies every content file into the encrypted store. The
// store names content by its SHA-256, so a file that changed since it was
// checked is caught here too.
func (s *Store) putContent(ctx context.Context, a *archive) error {
	for _, lf := range a.content {
		rc, err := a.files[lf.Path].Open()
		if err != nil {
			return refused("%s cannot be read: %v", lf.Path, err)
		}
		info, err := s.opts.Files.Put(ctx, &limitReader{r: rc, n: s.opts.MaxBytes})
		rc.Close()
		if err != nil {
			return err
		}
		if info.ID != lf.SHA256 || info.Size != lf.Size {
			return platform.Errorf(platform.CodeInvalid, "The archive was not imported: %s changed while it was being read. No record was stored; "+
				"content already copied into the file store is referenced by nothing", lf.Path)
		}
	}
	return nil
}

// writeImport writes the whole archive in one transaction.
func (s *Store) writeImport(ctx context.Context, sub *platform.Subject, a *archive) (Summary, error) {
	var sum Summary
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		sum = Summary{ExportID: a.manifest.ExportID, ImportID: platform.NewID("rim"), ManifestSHA256: a.manifestSum, Counts: a.counts}
		if err := s.targetProblems(ctx, tx.Query, sub.OrgID, a); err != nil {
			return err
		}
		classIDs, err := s.importClasses(ctx, tx, sub, a, &sum)
		if err != nil {
			return err
		}
		plan, err := s.classes(ctx, tx.Query, sub.OrgID)
		if err != nil {
			return err
		}
		effective := map[string]Schedule{}
		for _, c := range plan {
			effective[c.ID] = c.Effective
		}
		recomputed := map[string]int{}
		for i := range a.records {
			code, err := s.importRecord(ctx, tx, sub, a, &a.records[i], classIDs, effective, sum.ImportID)
			if err != nil {
				return err
			}
			if code != "" {
				recomputed[code]++
			}
		}
		for _, c := range a.plan.Classes {
			if n := recomputed[c.Code]; n > 0 {
				sum.Notes = append(sum.Notes, fmt.Sprintf("%d records in %s have disposal dates worked out from this file plan's schedule, which differs from the archive's", n, c.Code))
			}
		}
		if err := s.importHolds(ctx, tx, sub, a, classIDs, &sum); err != nil {
			return err
		}
		e := audit.For(sub, "records.import", importResource, sum.ImportID, audit.Success)
		e.Detail = fmt.Sprintf("imported export %s of organisation %s (manifest SHA-256 %s): %d classes (%d created), %d records (%d declared, %d destroyed or transferred), %d versions, %d content files (%s), %d events carried",
			a.manifest.ExportID, clip(a.manifest.Organisation.ID), a.manifestSum, a.counts.Classes, len(sum.ClassesCreated), a.counts.Records, a.counts.Declared,
			a.counts.Tombstones, a.counts.Versions, a.counts.Files, humanBytes(a.counts.ContentBytes), a.counts.Events)
		if a.counts.Holds > 0 {
			e.Detail += fmt.Sprintf(", %d legal holds", a.counts.Holds)
		}
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return Summary{}, err
	}
	return sum, nil
}

// importClasses matches the archive's classes to this file plan by code,
// creating the missing ones (parents first) with the archive's ID when it
// is free. It returns the class ID here of every code in the archive.
func (s *Store) importClasses(ctx context.Context, tx *store.Tx, sub *platform.Subject, a *archive, sum *Summary) (map[string]string, error) {
	here, err := s.classes(ctx, tx.Query, sub.OrgID)
	if err != nil {
		return nil, err
	}
	byCode := map[string]Class{}
	for _, c := range here {
		byCode[c.Code] = c
	}
	ids := map[string]string{}
	now := store.Millis(s.now())
	for _, level := range []string{LevelFunction, LevelActivity, LevelTransaction} {
		for _, c := range a.plan.Classes {
			if c.Level != level {
				continue
			}
			if ex, ok := byCode[c.Code]; ok {
				ids[c.Code] = ex.ID
				sum.ClassesReused = append(sum.ClassesReused, c.Code)
				if ex.Schedule != c.DisposalSchedule.schedule() || ex.Title != c.Title {
					sum.Notes = append(sum.Notes, fmt.Sprintf("%s was already here as %q (%s) and was kept; the archive had %q (%s)",
						c.Code, ex.Title, ex.Schedule.Describe(), c.Title, c.DisposalSchedule.schedule().Describe()))
				}
				if len(c.Events) > 0 {
					sum.Notes = append(sum.Notes, fmt.Sprintf("the %d events of %s in the archive were not carried, as the class here has its own history", len(c.Events), c.Code))
				}
				continue
			}
			id := c.ID
			var taken int
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM records_classes WHERE id = ?`, id).Scan(&taken); err != nil {
				return nil, err
			}
			if taken > 0 {
				id = platform.NewID("rcl")
				sum.Notes = append(sum.Notes, fmt.Sprintf("%s was given a new ID, as its ID is used by another class in this database", c.Code))
			}
			sc := c.DisposalSchedule.schedule()
			if _, err := tx.Exec(ctx, `INSERT INTO records_classes (`+classColumns+`, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				id, sub.OrgID, ids[c.ParentCode], c.Level, c.Code, c.Title, c.Description, c.RetentionKey,
				sc.PeriodMonths, sc.Trigger, sc.Action, b2i(sc.TwoStage), b2i(c.Closed), now, now); err != nil {
				return nil, err
			}
			if err := carry(ctx, tx, sub.OrgID, classResource, id, sum.ImportID, c.Events); err != nil {
				return nil, err
			}
			e := audit.For(sub, "records.class_import", classResource, id, audit.Success)
			e.Detail = fmt.Sprintf("%s %s: %s (from export %s)", c.Code, c.Title, sc.Describe(), a.manifest.ExportID)
			if err := s.audit.Record(tx, e); err != nil {
				return nil, err
			}
			ids[c.Code] = id
			sum.ClassesCreated = append(sum.ClassesCreated, c.Code)
		}
	}
	return ids, nil
}

// importRecord writes one record, read again from the archive. It returns
// the class code when the record's disposal date had to be worked out
// again because the schedule here differs from the archive's.
func (s *Store) importRecord(ctx context.Context, tx *store.Tx, sub *platform.Subject, a *archive, ar *archRecord,
	classIDs map[string]string, effective map[string]Schedule, importID string) (string, error) {
	rec, events, err := a.readRecord(ar, s.opts.MaxBytes)
	if err != nil {
		return "", err
	}
	m, _ := rec.metadata()
	d := &Document{ID: rec.ID, OrgID: sub.OrgID, ClassID: classIDs[rec.Class.Code], Title: m.Title, AuthorID: rec.Author.ID, AuthorName: rec.Author.Name,
		UnitID: m.UnitID, Classification: m.Classification, Subjects: m.Subjects, CaseID: m.CaseID, CaseRef: m.CaseRef, Tags: m.Tags,
		Source: rec.Source, SourceRef: rec.SourceRef, Versions: len(rec.Versions), TriggerAt: rec.Retention.TriggerAt, DueAt: rec.Retention.DueAt,
		State: rec.Retention.State, DisposedAt: rec.Retention.DisposedAt, RetainUntil: rec.Retention.RetainUntil, TextStatus: "none",
		CreatedAt: rec.CreatedAt, UpdatedAt: rec.UpdatedAt}
	if rec.Declaration != nil {
		d.DeclaredAt, d.DeclaredBy = rec.Declaration.At, rec.Declaration.By
	}
	if d.State == StateActive {
		d.TextStatus = "pending" // the text is read again here, by this system's extractors
	}
	recomputed := ""
	if here := effective[d.ClassID]; here != a.effective(rec.Class.Code) {
		// The archive's date follows the archive's schedule; this file
		// plan's schedule is the one that now applies.
		var last = d.CreatedAt
		if n := len(rec.Versions); n > 0 {
			last = rec.Versions[n-1].CreatedAt
		}
		d.DueAt, recomputed = DueAt(here, d, last), rec.Class.Code
	}
	if err := s.insertDocument(ctx, tx, d); err != nil {
		return "", err
	}
	for _, v := range rec.Versions {
		if err := insertVersion(ctx, tx, d.OrgID, Version{DocumentID: d.ID, Number: v.Number, BlobID: v.SHA256, Size: v.Size, Name: v.Name,
			MediaType: v.MediaType, Note: v.Note, CreatedBy: v.CreatedBy.ID, CreatedByName: v.CreatedBy.Name, CreatedAt: v.CreatedAt}); err != nil {
			return "", err
		}
	}
	if err := carry(ctx, tx, d.OrgID, ResourceType, d.ID, importID, events); err != nil {
		return "", err
	}
	if err := carryRetention(ctx, tx, d, rec.Retention, importID); err != nil {
		return "", err
	}
	detail := fmt.Sprintf("imported %q into %s with %d versions and %d events of history, from export %s of organisation %s",
		d.Title, rec.Class.Code, d.Versions, len(events), a.manifest.ExportID, clip(a.manifest.Organisation.ID))
	if n, x := len(rec.Retention.Extensions), len(rec.Retention.Disposal); n+x > 0 {
		detail += fmt.Sprintf("; %d extensions and %d disposal queue items carried as history", n, x)
	}
	if err := s.recordDocEntry(tx, sub, "records.import", d, detail); err != nil {
		return "", err
	}
	if d.State == StateActive {
		if err := s.extracted(ctx, tx, d); err != nil {
			return "", err
		}
	}
	return recomputed, nil
}

// effective is the schedule that applied to a class in the archive: its
// own or its nearest ancestor's.
func (a *archive) effective(code string) Schedule {
	for range 16 {
		c, ok := a.classes[code]
		if !ok {
			return Schedule{}
		}
		if sc := c.DisposalSchedule.schedule(); sc.Set() {
			return sc
		}
		code = c.ParentCode
	}
	return Schedule{}
}
