package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// FoundCase is a case the services engine found about the person (under
// the officer's access), set out as a PDF for review and release.
type FoundCase struct {
	ID, Reference, Title, Why string
	UnitID                    string
	Classification            platform.Classification
	ApplicantID               string
	Submitted                 time.Time
	PDF                       []byte
}

// foundRecord is a document found about the person, and why.
type foundRecord struct {
	doc *Document
	why string
}

// maxFound bounds one search: past it the officer narrows the search.
const maxFound = 500

// recordsAbout finds the documents sub may read that are about p: those
// naming them among their subjects (by account, or by name with no other
// date of birth), and those whose title or text mentions one of their
// names as words or one of their identifiers. A document whose subject
// has their name but another date of birth is about someone else and is
// left out. The database narrows by the longest word of each name and by
// each identifier; Go then checks each candidate.
//
// This is the SAR workspace's one way into the records: when the module's
// search (records search over extracted text and people's names) arrives,
// this function is what changes.
func (s *Store) recordsAbout(ctx context.Context, sub *platform.Subject, p SARPerson) ([]foundRecord, error) {
	where, args := visibleSQL(sub)
	var match []string
	like := func(expr, v string) {
		match = append(match, "LOWER("+expr+`) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(strings.ToLower(v))+"%")
	}
	names := make([][]string, 0, len(p.Names))
	for _, n := range p.Names {
		w := words(n)
		if len(w) == 0 {
			continue
		}
		names = append(names, w)
		longest := slices.MaxFunc(w, func(a, b string) int { return len(a) - len(b) })
		like("d.subjects", longest)
		like("d.title", longest)
		like("COALESCE(t.body, '')", longest)
	}
	for _, id := range p.Identifiers {
		match = append(match, "LOWER(d.case_ref) = ?")
		args = append(args, strings.ToLower(id))
		like("d.title", id)
		like("COALESCE(t.body, '')", id)
	}
	if p.UserID != "" {
		like("d.subjects", `"person_id":"`+p.UserID+`"`)
	}
	if len(match) == 0 {
		return nil, nil
	}
	args = append(args, maxFound+1)
	rows, err := s.db.Query(ctx, `SELECT `+docColumns+`, COALESCE(t.body, '') FROM records_documents d LEFT JOIN records_text t ON t.document_id = d.id
		WHERE `+where+` AND d.state = 'active' AND (`+strings.Join(match, " OR ")+`) ORDER BY d.created_at, d.id LIMIT ?`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []foundRecord
	n := 0
	for rows.Next() {
		var body string
		d, err := scanDocument(scanWith{rows, &body})
		if err != nil {
			return nil, err
		}
		if n++; n > maxFound {
			return nil, platform.Invalid(fmt.Sprintf("More than %d records match: add a date of birth or remove a common identifier to narrow the search", maxFound))
		}
		if why := aboutPerson(d, body, p, names); why != "" {
			out = append(out, foundRecord{doc: d, why: why})
		}
	}
	return out, rows.Err()
}

// scanWith scans a document's columns and then extra columns.
type scanWith struct {
	rows  interface{ Scan(...any) error }
	extra *string
}

func (w scanWith) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra)...) }

// aboutPerson says why document d (with its extracted text) is about p,
// or "" when it is not.
func aboutPerson(d *Document, body string, p SARPerson, names [][]string) string {
	namesake := false
	for _, subj := range d.Subjects {
		if p.UserID != "" && subj.PersonID == p.UserID {
			return "named as a subject (their account)"
		}
		sw := words(subj.Name)
		if !slices.ContainsFunc(names, func(n []string) bool { return slices.Equal(n, sw) }) {
			continue
		}
		if p.BirthDate != "" && subj.BirthDate != "" && subj.BirthDate != p.BirthDate {
			namesake = true
			continue
		}
		if subj.BirthDate == "" || p.BirthDate == "" {
			return "named as a subject (no date of birth to confirm it)"
		}
		return "named as a subject, same date of birth"
	}
	if namesake {
		return "" // someone of the same name, born on another day
	}
	for i, n := range names {
		if containsRun(words(d.Title), n) {
			return "title mentions " + p.Names[i]
		}
		if containsRun(words(body), n) {
			return "text mentions " + p.Names[i]
		}
	}
	for _, id := range p.Identifiers {
		switch low := strings.ToLower(id); {
		case strings.EqualFold(d.CaseRef, id):
			return "filed from case " + d.CaseRef
		case strings.Contains(strings.ToLower(d.Title), low), strings.Contains(strings.ToLower(body), low):
			return "mentions " + id
		}
	}
	return ""
}

// words splits text into lower-case words of letters and digits, so
// "O'Brien,  Chris" and "o brien chris" compare alike.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// containsRun reports whether want appears in ws as consecutive words.
func containsRun(ws, want []string) bool {
	for i := 0; i+len(want) <= len(ws); i++ {
		if slices.Equal(ws[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// FindForSAR searches for everything about the request's person, as sub:
// the records sub may read (recordsAbout) and the cases the services
// engine found for sub (cases). New finds are added as items to review;
// items found before keep the officer's decisions and redactions, and take
// the content found now only while nothing has been decided about them.
// Items not found this time stay, marked missing. It returns how many
// items are new. The search is audited with what was looked for.
func (s *Store) FindForSAR(ctx context.Context, sub *platform.Subject, caseID string, person SARPerson, cases []FoundCase) (int, error) {
	if bad := person.clean(); len(bad) > 0 {
		return 0, platform.Invalid("Check who to look for", bad...)
	}
	r, err := s.sarFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return 0, err
	}
	if r.Released() {
		return 0, platform.Errorf(platform.CodeConflict, "This request was answered on %s: its search is closed", r.ReleasedAt.Format("2 January 2006"))
	}
	docs, err := s.recordsAbout(ctx, sub, person)
	if err != nil {
		return 0, err
	}
	classes, err := s.classes(ctx, s.db.Query, r.OrgID)
	if err != nil {
		return 0, err
	}
	classLabel := map[string]string{}
	for _, c := range classes {
		classLabel[c.ID] = c.Code + " " + c.Title
	}
	now := s.now()
	var found []SARItem
	for _, f := range docs {
		d := f.doc
		v, err := scanVersion(s.db.QueryRow(ctx, `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? AND number = ?`, d.ID, d.Versions))
		if err != nil {
			return 0, err
		}
		found = append(found, SARItem{Kind: ItemRecord, RefID: d.ID, RefLabel: strings.SplitN(classLabel[d.ClassID], " ", 2)[0], Title: d.Title,
			Source: "Record · " + classLabel[d.ClassID], Date: d.CreatedAt, Why: f.why, UnitID: d.UnitID, Classification: d.Classification,
			OwnerID: d.AuthorID, Version: v.Number, ContentBlob: v.BlobID, ContentSize: v.Size, MediaType: v.MediaType})
	}
	for _, c := range cases {
		// The request itself is not about itself; a case sub may not read
		// is never theirs to see (the caller found the cases as sub: this
		// holds the line should it not have).
		if c.ID == caseID || !s.access.Allowed(sub, access.Read, access.Resource{Type: "case", ID: c.ID, OrgID: sub.OrgID,
			BusinessUnit: c.UnitID, Classification: c.Classification, OwnerID: c.ApplicantID}) {
			continue
		}
		info, err := s.opts.Files.Put(ctx, bytes.NewReader(c.PDF))
		if err != nil {
			return 0, err
		}
		found = append(found, SARItem{Kind: ItemCase, RefID: c.ID, RefLabel: c.Reference, Title: c.Title, Source: "Case " + c.Reference,
			Date: c.Submitted, Why: c.Why, UnitID: c.UnitID, Classification: c.Classification, OwnerID: c.ApplicantID,
			ContentBlob: info.ID, ContentSize: info.Size, MediaType: "application/pdf"})
	}
	added := 0
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		added = 0
		ms := store.Millis(now)
		body, _ := json.Marshal(person)
		if _, err := tx.Exec(ctx, `UPDATE records_sars SET person = ?, searched_at = ?, searched_by = ?, updated_at = ? WHERE case_id = ?`,
			string(body), ms, declarer(sub), ms, r.CaseID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE records_sar_items SET missing = 1 WHERE case_id = ?`, r.CaseID); err != nil {
			return err
		}
		for _, it := range found {
			res, err := tx.Exec(ctx, `UPDATE records_sar_items SET title = ?, source = ?, item_date = ?, why = ?, unit_id = ?, classification = ?, owner_id = ?, missing = 0
				WHERE case_id = ? AND kind = ? AND ref_id = ?`, it.Title, it.Source, optMillis(it.Date), it.Why, it.UnitID, it.Classification, it.OwnerID,
				r.CaseID, it.Kind, it.RefID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				// Fresh content only for what nobody has reviewed yet.
				if _, err := tx.Exec(ctx, `UPDATE records_sar_items SET version = ?, content_blob = ?, content_size = ?, media_type = ?
					WHERE case_id = ? AND kind = ? AND ref_id = ? AND decision = 'pending' AND redacted_blob = ''`,
					it.Version, it.ContentBlob, it.ContentSize, it.MediaType, r.CaseID, it.Kind, it.RefID); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, `INSERT INTO records_sar_items (id, org_id, case_id, kind, ref_id, ref_label, title, source, item_date, why, unit_id,
				classification, owner_id, version, content_blob, content_size, media_type, found_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				platform.NewID("sit"), r.OrgID, r.CaseID, it.Kind, it.RefID, it.RefLabel, it.Title, it.Source, optMillis(it.Date), it.Why, it.UnitID,
				it.Classification, it.OwnerID, it.Version, it.ContentBlob, it.ContentSize, it.MediaType, ms); err != nil {
				return err
			}
			added++
		}
		detail := fmt.Sprintf("searched for %s", strings.Join(person.Names, " / "))
		if person.BirthDate != "" {
			detail += ", born " + person.BirthDate
		}
		if len(person.Identifiers) > 0 {
			detail += ", identifiers " + strings.Join(person.Identifiers, ", ")
		}
		detail += fmt.Sprintf(": %d records and %d cases found, %d new", len(docs), len(found)-len(docs), added)
		return s.sarEntry(tx, sub, "records.sar_find", r, detail)
	})
	return added, err
}
