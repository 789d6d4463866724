package services

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Sort orders search results.
type Sort string

const (
	SortDue    Sort = "due"    // soonest due first, cases without a clock last (queues)
	SortNewest Sort = "newest" // most recently submitted first (a resident's cases, search)
)

// CaseFilter narrows a search. Empty fields do not filter.
type CaseFilter struct {
	Service       string    // service (definition) ID
	State         string    // state ID
	Reference     string    // exact reference
	Applicant     string    // applicant user ID
	Assignee      string    // assignee user ID
	Queue         string    // queue name
	Unit          string    // owning business unit ID
	Text          string    // words, each the start of a word of the reference or the list fields' answers (textsearch.go)
	SubmittedFrom time.Time // inclusive
	SubmittedTo   time.Time // exclusive
	DueBefore     time.Time // current state due before this
	SLA           SLAStatus // on_track, at_risk or breached, now
	OpenOnly      bool      // leave out cases in terminal states
	Mine          bool      // assigned to the subject
	Sort          Sort      // default SortDue
}

// CasePage is one page of results; Next is the cursor of the following page,
// empty on the last.
type CasePage struct {
	Cases []Case `json:"cases"`
	Next  string `json:"next,omitempty"`
}

const (
	defaultPage = 50
	maxPage     = 200
)

// Search lists the cases of the subject's organisation that match f and that
// the subject may read, a page at a time. The organisation and the access
// policy are applied in SQL (the policy's answer for each kind of case is
// worked out from access.Allowed, not restated), so a queue page reads about
// one page of rows whatever the queue's size; each row is then checked
// again with access.Allowed. Answers are not loaded.
func (s *Service) Search(ctx context.Context, sub *platform.Subject, f CaseFilter, cursor string, limit int) (CasePage, error) {
	if err := needOrg(sub); err != nil {
		return CasePage{}, err
	}
	if limit <= 0 {
		limit = defaultPage
	}
	limit = min(limit, maxPage)
	if f.Sort == "" {
		f.Sort = SortDue
	}
	if f.Sort != SortDue && f.Sort != SortNewest {
		return CasePage{}, platform.Invalid("Choose how to sort", platform.FieldError{Field: "sort", Message: "must be due or newest"})
	}
	scope, scopeArgs, none := s.scopeSQL(sub)
	if none {
		return CasePage{}, nil
	}
	from, where := "cases", []string{"org_id = ?"}
	var mode any // how the driver runs the statement (textMatch), or nil
	args := []any{sub.OrgID}
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	eq := func(col, v string) {
		if v != "" {
			add(col+" = ?", v)
		}
	}
	eq("service_id", f.Service)
	eq("state", f.State)
	eq("reference", strings.TrimSpace(f.Reference))
	eq("applicant_id", f.Applicant)
	eq("assignee_id", f.Assignee)
	eq("queue", f.Queue)
	eq("unit_id", f.Unit)
	if f.Mine {
		add("assignee_id = ?", sub.UserID)
	}
	if f.OpenOnly {
		add("state_terminal = 0")
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		if len(t) > 200 {
			return CasePage{}, platform.Invalid("Search text is too long", platform.FieldError{Field: "text", Message: "must be at most 200 characters"})
		}
		m, err := s.textMatch(ctx, sub.OrgID, t)
		if err != nil {
			return CasePage{}, platform.Internal(err)
		}
		switch {
		case m.none:
			return CasePage{}, nil // no case has those words, or only punctuation was typed
		case m.from != "":
			from, args = m.from, append(m.fromArgs, args...)
		default:
			add(m.cond, m.arg)
		}
		mode = m.mode
	}
	if !f.SubmittedFrom.IsZero() {
		add("submitted_at >= ?", store.Millis(f.SubmittedFrom))
	}
	if !f.SubmittedTo.IsZero() {
		add("submitted_at < ?", store.Millis(f.SubmittedTo))
	}
	if !f.DueBefore.IsZero() {
		add("due_at < ?", store.Millis(f.DueBefore))
	}
	now := store.Millis(s.now())
	atRisk := false
	switch f.SLA {
	case SLANone:
	case SLABreached:
		add("state_terminal = 0 AND due_at < ?", now)
	case SLAAtRisk:
		add("state_terminal = 0 AND at_risk_at <= ? AND due_at >= ?", now, now)
		atRisk = true
	case SLAOnTrack:
		add("state_terminal = 0 AND at_risk_at > ? AND at_risk_at <> ?", now, noClock)
	default:
		return CasePage{}, platform.Invalid("Choose an SLA status", platform.FieldError{Field: "sla", Message: "must be on_track, at_risk or breached"})
	}
	if scope != "" {
		add(scope, scopeArgs...)
	}
	key, order := "due_at", "due_at, id"
	if atRisk && f.Sort != SortNewest {
		// Ordering by an expression stops the planner walking the due-date
		// index in order (which visits every open case when few are at
		// risk); it seeks cases_at_risk instead and sorts the few it finds.
		order = "due_at + 0, id"
	}
	if f.Sort == SortNewest {
		key, order = "submitted_at", "submitted_at DESC, id DESC"
	}
	if cursor != "" {
		k, id, err := decodeCursor(f.Sort, cursor)
		if err != nil {
			return CasePage{}, err
		}
		// The redundant range on the key alone lets both engines seek the
		// index instead of filtering from the start of the queue.
		if f.Sort == SortDue {
			add("due_at >= ? AND (due_at > ? OR id > ?)", k, k, id)
		} else {
			add("submitted_at <= ? AND (submitted_at < ? OR id < ?)", k, k, id)
		}
	}
	q := "SELECT " + caseColumns + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY " + order + " LIMIT ?"
	args = append(args, limit+1)
	if mode != nil {
		args = append([]any{mode}, args...)
	}
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return CasePage{}, platform.Internal(err)
	}
	defer rows.Close()
	page := CasePage{Cases: make([]Case, 0, limit)}
	n := 0
	var last Case
	for rows.Next() {
		c, err := scanCase(rows)
		if err != nil {
			return CasePage{}, platform.Internal(err)
		}
		n++
		if n > limit {
			page.Next = encodeCursor(f.Sort, key, last)
			break
		}
		last = c
		if s.ap.Allowed(sub, access.Read, c.resource()) {
			page.Cases = append(page.Cases, c)
		}
	}
	if err := rows.Err(); err != nil {
		return CasePage{}, platform.Internal(err)
	}
	return page, nil
}

// scopeSQL turns the access policy into a WHERE clause for sub: for each
// classification it asks access.Allowed about a case in each of the
// subject's units, in no unit, and in some other unit, whether an
// applicant may read their own case, and whether the person a case is
// assigned to may read it, then admits exactly those kinds of rows. none
// means the subject may read no case at all.
func (s *Service) scopeSQL(sub *platform.Subject) (clause string, args []any, none bool) {
	const otherUnit = "\x00another unit"
	probe := func(unit string, class platform.Classification, owner string) bool {
		return s.ap.Allowed(sub, access.Read, access.Resource{Type: "case", ID: "case_probe", OrgID: sub.OrgID,
			BusinessUnit: unit, Classification: class, OwnerID: owner})
	}
	assigned := func(class platform.Classification) bool {
		return sub.UserID != "" && s.ap.Allowed(sub, access.Read, access.Resource{Type: "case", ID: "case_probe", OrgID: sub.OrgID,
			BusinessUnit: otherUnit, Classification: class, AssigneeID: sub.UserID})
	}
	var ors []string
	everything := true
	for _, class := range []platform.Classification{platform.Official, platform.OfficialSensitive} {
		orgWide, other := probe("", class, ""), probe(otherUnit, class, "")
		var in []any
		for _, u := range sub.BusinessUnits {
			if probe(u, class, "") {
				in = append(in, u)
			}
		}
		if orgWide && other && len(in) == len(sub.BusinessUnits) {
			ors = append(ors, "classification = ?")
			args = append(args, string(class))
			continue
		}
		everything = false
		var units []string
		var uargs []any
		if orgWide {
			units = append(units, "unit_id = ''")
		}
		if len(in) > 0 {
			units = append(units, "unit_id IN ("+placeholders(len(in))+")")
			uargs = append(uargs, in...)
		}
		if other {
			mine := make([]any, 0, len(sub.BusinessUnits))
			for _, u := range sub.BusinessUnits {
				mine = append(mine, u)
			}
			cond := "unit_id <> ''"
			if len(mine) > 0 {
				cond += " AND unit_id NOT IN (" + placeholders(len(mine)) + ")"
			}
			units = append(units, "("+cond+")")
			uargs = append(uargs, mine...)
		}
		if len(units) > 0 {
			ors = append(ors, "(classification = ? AND ("+strings.Join(units, " OR ")+"))")
			args = append(append(args, string(class)), uargs...)
		}
	}
	if everything {
		return "", nil, false
	}
	if sub.UserID != "" && probe(otherUnit, platform.OfficialSensitive, sub.UserID) && probe(otherUnit, platform.Official, sub.UserID) {
		ors = append(ors, "applicant_id = ?")
		args = append(args, sub.UserID)
	}
	// The cases given to the subject, of the classifications the policy
	// lets an assignee read (cases_assignee indexes them).
	switch off, sens := assigned(platform.Official), assigned(platform.OfficialSensitive); {
	case off && sens:
		ors = append(ors, "assignee_id = ?")
		args = append(args, sub.UserID)
	case off || sens:
		class := platform.Official
		if sens {
			class = platform.OfficialSensitive
		}
		ors = append(ors, "(classification = ? AND assignee_id = ?)")
		args = append(args, string(class), sub.UserID)
	}
	if len(ors) == 0 {
		return "", nil, true
	}
	return "(" + strings.Join(ors, " OR ") + ")", args, false
}

// Cursors are opaque to callers: the sort, the key of the last row read and
// its ID, so the next page starts exactly after it however rows change.
func encodeCursor(sort Sort, key string, c Case) string {
	k := clockMillis(c.DueAt)
	if key == "submitted_at" {
		k = store.Millis(c.SubmittedAt)
	}
	return base64.RawURLEncoding.EncodeToString([]byte(string(sort) + "|" + strconv.FormatInt(k, 10) + "|" + c.ID))
}

func decodeCursor(sort Sort, cursor string) (int64, string, error) {
	bad := platform.Invalid("The page link is not valid; start again from the first page", platform.FieldError{Field: "cursor", Message: "is not valid"})
	b, err := base64.RawURLEncoding.Strict().DecodeString(cursor)
	if err != nil || len(b) > 200 {
		return 0, "", bad
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != 3 || parts[0] != string(sort) || !platform.ValidID("case", parts[2]) {
		return 0, "", bad
	}
	k, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil || strconv.FormatInt(k, 10) != parts[1] {
		return 0, "", bad
	}
	return k, parts[2], nil
}
