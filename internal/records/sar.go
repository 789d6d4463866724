package records

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/store"
)

// A subject access request (SAR) is a case of the services module; the
// records module keeps the workspace in which it is answered: whom it is
// about, everything found about them in records and cases, what the
// officer decided about each item (include, or exclude with a reason),
// the redacted copies, and the release. The request's clock and state live
// on the case; the web layer moves the case when the bundle is released.

// SARResourceType is the access point's name for a SAR workspace.
const SARResourceType = "subject_access"

// SARPolicy decides who works on a subject access request: records
// managers, and the caseworkers and managers of the unit answering it.
// Everyone else is refused, residents and partners first (the person who
// asked sees only the case and, at the end, the bundle).
func SARPolicy(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
	switch {
	case !s.IsStaff():
		return access.Decision{Reason: "subject access requests are answered by the council's staff"}
	case s.HasRole(platform.RoleRecords):
		return access.Decision{Allowed: true, Reason: "records manager"}
	case (s.HasRole(platform.RoleCaseworker) || s.HasRole(platform.RoleManager)) && r.BusinessUnit != "" && s.InUnit(r.BusinessUnit):
		return access.Decision{Allowed: true, Reason: "caseworker of the unit answering the request"}
	}
	return access.Decision{Reason: "only records managers and the unit answering a subject access request work on it"}
}

// SARPerson is whom a request is about, as the officer searches for them.
type SARPerson struct {
	Names       []string `json:"names"`                 // the name on the request first, then other names used
	BirthDate   string   `json:"birth_date,omitempty"`  // YYYY-MM-DD: tells them from others of the same name
	Identifiers []string `json:"identifiers,omitempty"` // case references, an email address, a phone or NHS number
	UserID      string   `json:"user_id,omitempty"`     // their account, when they made the request signed in
}

// clean normalises p and lists what is wrong with it.
func (p *SARPerson) clean() []platform.FieldError {
	var bad []platform.FieldError
	trim := func(xs []string, max int) []string {
		var out []string
		for _, x := range xs {
			if x = strings.Join(strings.Fields(x), " "); x != "" && len(out) < max && len(x) <= 200 {
				out = append(out, x)
			}
		}
		return out
	}
	p.Names, p.Identifiers = trim(p.Names, 10), trim(p.Identifiers, 20)
	if len(p.Names) == 0 {
		bad = append(bad, platform.FieldError{Field: "names", Message: "Enter the person's name"})
	}
	if p.BirthDate = strings.TrimSpace(p.BirthDate); p.BirthDate != "" && !dateRE(p.BirthDate) {
		bad = append(bad, platform.FieldError{Field: "birth_date", Message: "Enter the date of birth as a real date, like 1985-03-27"})
	}
	for _, id := range p.Identifiers {
		if len([]rune(id)) < 4 {
			// A short identifier would match half the file plan.
			bad = append(bad, platform.FieldError{Field: "identifiers", Message: fmt.Sprintf("%q is too short to search for: give identifiers of 4 characters or more", id)})
		}
	}
	return bad
}

// SAR is a request's workspace.
type SAR struct {
	CaseID        string    `json:"case_id"`
	OrgID         string    `json:"org_id"`
	Reference     string    `json:"reference"`
	UnitID        string    `json:"unit_id,omitempty"`
	Person        SARPerson `json:"person"`
	SearchedAt    time.Time `json:"searched_at,omitzero"`
	SearchedBy    string    `json:"searched_by,omitempty"`
	ReleasedAt    time.Time `json:"released_at,omitzero"`
	ReleasedBy    string    `json:"released_by,omitempty"`
	BundleSHA256  string    `json:"bundle_sha256,omitempty"`
	BundleRecord  string    `json:"bundle_record,omitempty"`
	ReleasedItems int       `json:"released_items"`
}

// Released reports whether the bundle has gone out.
func (r *SAR) Released() bool { return !r.ReleasedAt.IsZero() }

func (r *SAR) resource() access.Resource {
	return access.Resource{Type: SARResourceType, ID: r.CaseID, OrgID: r.OrgID, BusinessUnit: r.UnitID, Classification: platform.OfficialSensitive}
}

// Item kinds and decisions.
const (
	ItemRecord = "record"
	ItemCase   = "case"

	DecisionPending = "pending"
	DecisionInclude = "include"
	DecisionExclude = "exclude"
)

// SARItem is one thing found about the person.
type SARItem struct {
	ID             string                  `json:"id"`
	CaseID         string                  `json:"sar_case_id"`
	Kind           string                  `json:"kind"`
	RefID          string                  `json:"ref_id"`
	RefLabel       string                  `json:"ref_label,omitempty"`
	Title          string                  `json:"title"`
	Source         string                  `json:"source"`
	Date           time.Time               `json:"date,omitzero"`
	Why            string                  `json:"why"`
	UnitID         string                  `json:"unit_id,omitempty"`
	Classification platform.Classification `json:"classification"`
	OwnerID        string                  `json:"-"`
	Version        int                     `json:"version,omitempty"`
	ContentBlob    string                  `json:"content_sha256"`
	ContentSize    int64                   `json:"content_size"`
	MediaType      string                  `json:"media_type"`
	Decision       string                  `json:"decision"`
	Reason         string                  `json:"reason,omitempty"`
	DecidedBy      string                  `json:"decided_by,omitempty"`
	DecidedAt      time.Time               `json:"decided_at,omitzero"`
	Boxes          []pdfs.Box              `json:"redactions"`
	RedactedBlob   string                  `json:"redacted_sha256,omitempty"`
	RedactedSize   int64                   `json:"redacted_size,omitempty"`
	FoundAt        time.Time               `json:"found_at"`
	Missing        bool                    `json:"missing,omitempty"` // not found by the latest search
}

// Redacted reports whether the item has a redacted copy.
func (it *SARItem) Redacted() bool { return it.RedactedBlob != "" }

const sarColumns = `case_id, org_id, reference, unit_id, person, searched_at, searched_by, released_at, released_by, bundle_sha256, bundle_record, released_items`

func scanSAR(sc interface{ Scan(...any) error }) (*SAR, error) {
	var r SAR
	var person string
	var searched, released int64
	err := sc.Scan(&r.CaseID, &r.OrgID, &r.Reference, &r.UnitID, &person, &searched, &r.SearchedBy, &released, &r.ReleasedBy,
		&r.BundleSHA256, &r.BundleRecord, &r.ReleasedItems)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(person), &r.Person); err != nil {
		return nil, fmt.Errorf("SAR %s person: %w", r.CaseID, err)
	}
	r.SearchedAt, r.ReleasedAt = optTime(searched), optTime(released)
	return &r, nil
}

const itemColumns = `id, case_id, kind, ref_id, ref_label, title, source, item_date, why, unit_id, classification, owner_id, version,
	content_blob, content_size, media_type, decision, reason, decided_by, decided_at, boxes, redacted_blob, redacted_size, found_at, missing`

func scanItem(sc interface{ Scan(...any) error }) (*SARItem, error) {
	var it SARItem
	var date, decided, found int64
	var boxes string
	var missing int
	err := sc.Scan(&it.ID, &it.CaseID, &it.Kind, &it.RefID, &it.RefLabel, &it.Title, &it.Source, &date, &it.Why, &it.UnitID, &it.Classification,
		&it.OwnerID, &it.Version, &it.ContentBlob, &it.ContentSize, &it.MediaType, &it.Decision, &it.Reason, &it.DecidedBy, &decided,
		&boxes, &it.RedactedBlob, &it.RedactedSize, &found, &missing)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(boxes), &it.Boxes); err != nil {
		return nil, fmt.Errorf("SAR item %s boxes: %w", it.ID, err)
	}
	it.Date, it.DecidedAt, it.FoundAt, it.Missing = optTime(date), optTime(decided), store.Time(found), missing == 1
	return &it, nil
}

// OpenSAR returns the workspace of the request case caseID, creating it
// (with the person as the request names them) the first time; unitID is
// the unit answering the request. The caller has loaded the case as sub,
// so sub may read it; the SAR policy decides whether sub may work on it.
func (s *Store) OpenSAR(ctx context.Context, sub *platform.Subject, caseID, reference, unitID string, person SARPerson) (*SAR, error) {
	if !platform.ValidID("case", caseID) {
		return nil, platform.NotFound("subject access request")
	}
	r := &SAR{CaseID: caseID, OrgID: sub.OrgID, Reference: reference, UnitID: unitID, Person: person}
	if err := s.access.Check(ctx, sub, access.Read, r.resource()); err != nil {
		return nil, err
	}
	existing, err := s.loadSAR(ctx, s.db.QueryRow, sub.OrgID, caseID)
	if err == nil && existing.UnitID != unitID {
		// The case moved to another unit: its people answer it now.
		err = s.db.Write(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE records_sars SET unit_id = ?, updated_at = ? WHERE case_id = ?`, unitID, store.Millis(s.now()), caseID)
			return err
		})
		existing.UnitID = unitID
	}
	if err == nil {
		return existing, nil
	}
	if platform.CodeOf(err) != platform.CodeNotFound {
		return nil, err
	}
	if bad := r.Person.clean(); len(bad) > 0 {
		r.Person = SARPerson{Names: []string{reference}, UserID: person.UserID} // the officer corrects it on the page
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		body, _ := json.Marshal(r.Person)
		now := store.Millis(s.now())
		_, err := tx.Exec(ctx, `INSERT INTO records_sars (case_id, org_id, reference, unit_id, person, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (case_id) DO NOTHING`, r.CaseID, r.OrgID, r.Reference, r.UnitID, string(body), now, now)
		if err != nil {
			return err
		}
		return s.sarEntry(tx, sub, "records.sar_open", r, "workspace opened for "+strings.Join(r.Person.Names, " / "))
	})
	if err != nil {
		return nil, err
	}
	return s.loadSAR(ctx, s.db.QueryRow, sub.OrgID, caseID)
}

func (s *Store) loadSAR(ctx context.Context, q func(ctx context.Context, query string, args ...any) *sql.Row, orgID, caseID string) (*SAR, error) {
	r, err := scanSAR(q(ctx, `SELECT `+sarColumns+` FROM records_sars WHERE org_id = ? AND case_id = ?`, orgID, caseID))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("subject access request")
	}
	return r, err
}

// SAR returns a request's workspace and the items found that sub may
// read: a record sub may not read and a case sub may not read are left
// out, whoever found them.
func (s *Store) SAR(ctx context.Context, sub *platform.Subject, caseID string) (*SAR, []*SARItem, error) {
	r, err := s.sarFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, nil, err
	}
	items, err := s.sarItems(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	var out []*SARItem
	for _, it := range items {
		if ok, err := s.itemVisible(ctx, sub, it); err != nil {
			return nil, nil, err
		} else if ok {
			out = append(out, it)
		}
	}
	return r, out, nil
}

// sarFor loads a workspace and checks sub may do a on it.
func (s *Store) sarFor(ctx context.Context, sub *platform.Subject, caseID string, a access.Action) (*SAR, error) {
	if !platform.ValidID("case", caseID) {
		return nil, platform.NotFound("subject access request")
	}
	r, err := s.loadSAR(ctx, s.db.QueryRow, sub.OrgID, caseID)
	if err != nil {
		return nil, err
	}
	if err := s.access.Check(ctx, sub, a, r.resource()); err != nil {
		return nil, err
	}
	return r, nil
}

// sarItems lists every item of a request, oldest first.
func (s *Store) sarItems(ctx context.Context, r *SAR) ([]*SARItem, error) {
	rows, err := s.db.Query(ctx, `SELECT `+itemColumns+` FROM records_sar_items WHERE org_id = ? AND case_id = ? ORDER BY item_date, id`, r.OrgID, r.CaseID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*SARItem
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// itemVisible reports whether sub may read what an item is: the record as
// it is now, or the case as it was found.
func (s *Store) itemVisible(ctx context.Context, sub *platform.Subject, it *SARItem) (bool, error) {
	if it.Kind == ItemCase {
		return s.access.Allowed(sub, access.Read, access.Resource{Type: "case", ID: it.RefID, OrgID: sub.OrgID,
			BusinessUnit: it.UnitID, Classification: it.Classification, OwnerID: it.OwnerID}), nil
	}
	d, err := loadDocument(ctx, s.db.QueryRow, it.RefID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return false, nil // a draft deleted since: nothing left to release
	}
	if err != nil {
		return false, err
	}
	return d.OrgID == sub.OrgID && s.access.Allowed(sub, access.Read, d.resource()), nil
}

// sarItem loads one item of a request that sub may read.
func (s *Store) sarItem(ctx context.Context, sub *platform.Subject, r *SAR, itemID string) (*SARItem, error) {
	if !platform.ValidID("sit", itemID) {
		return nil, platform.NotFound("item")
	}
	it, err := scanItem(s.db.QueryRow(ctx, `SELECT `+itemColumns+` FROM records_sar_items WHERE org_id = ? AND case_id = ? AND id = ?`, r.OrgID, r.CaseID, itemID))
	if store.IsNoRows(err) {
		return nil, platform.NotFound("item")
	}
	if err != nil {
		return nil, err
	}
	if ok, err := s.itemVisible(ctx, sub, it); err != nil {
		return nil, err
	} else if !ok {
		return nil, platform.NotFound("item")
	}
	return it, nil
}

// SARSummary is how far a request's workspace has got, for lists.
type SARSummary struct {
	SearchedAt time.Time
	Items      int
	Pending    int
	ReleasedAt time.Time
}

// SARSummaries tells, for each request case listed that has a workspace,
// how far it has got (counting every item, as a count shows no content).
func (s *Store) SARSummaries(ctx context.Context, sub *platform.Subject, caseIDs []string) (map[string]SARSummary, error) {
	out := map[string]SARSummary{}
	if len(caseIDs) == 0 {
		return out, nil
	}
	args := []any{sub.OrgID}
	for _, id := range caseIDs {
		args = append(args, id)
	}
	rows, err := s.db.Query(ctx, `SELECT r.case_id, r.searched_at, r.released_at,
		(SELECT COUNT(*) FROM records_sar_items i WHERE i.case_id = r.case_id),
		(SELECT COUNT(*) FROM records_sar_items i WHERE i.case_id = r.case_id AND i.decision = 'pending')
		FROM records_sars r WHERE r.org_id = ? AND r.case_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(caseIDs)), ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var searched, released int64
		var sum SARSummary
		if err := rows.Scan(&id, &searched, &released, &sum.Items, &sum.Pending); err != nil {
			return nil, err
		}
		sum.SearchedAt, sum.ReleasedAt = optTime(searched), optTime(released)
		out[id] = sum
	}
	return out, rows.Err()
}

// sarEntry writes an audit entry about a request's workspace.
func (s *Store) sarEntry(tx *store.Tx, sub *platform.Subject, action string, r *SAR, detail string) error {
	e := audit.For(sub, action, SARResourceType, r.CaseID, audit.Success)
	if e.OrgID == "" {
		e.OrgID = r.OrgID
	}
	e.Detail = r.Reference + ": " + detail
	return s.audit.Record(tx, e)
}
