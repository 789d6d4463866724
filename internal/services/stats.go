package services

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// StatsFilter chooses the cases a dashboard counts. Empty fields do not
// filter; Since is required and is the start of the first week counted.
type StatsFilter struct {
	Service string // service (definition) ID
	Unit    string // owning business unit ID
	Since   time.Time
}

// StateCount is the number of open cases of one service in one state.
type StateCount struct {
	ServiceID string `json:"service_id"`
	State     string `json:"state"`
	Label     string `json:"label"` // the state's label in the latest version that has it
	Open      int    `json:"open"`
	Breached  int    `json:"breached"` // of Open, past due now
}

// StateSpan is one stay of a case in one state, as the timeline records it.
type StateSpan struct {
	CaseID    string    `json:"case_id"`
	ServiceID string    `json:"service_id"`
	State     string    `json:"state"`
	Label     string    `json:"label"`
	Entered   time.Time `json:"entered"`
	Left      time.Time `json:"left,omitzero"` // zero: still there
	Due       time.Time `json:"due,omitzero"`  // zero: the state has no clock
}

// Stats are the figures behind the staff dashboards.
type Stats struct {
	// Weekly counts submissions per week from Since, oldest first.
	Weekly []int        `json:"weekly"`
	Open   []StateCount `json:"open"`
	// Spans are the stays in states of cases active since Since (entered,
	// left or still in a state after it), for SLA compliance and time in state.
	Spans []StateSpan `json:"spans"`
}

const week = 7 * 24 * time.Hour

// maxStatsCases bounds how many cases' timelines one dashboard reads.
const maxStatsCases = 20000

// Stats works out dashboard figures over the cases of the subject's
// organisation that match f and that the subject may read. The same access
// scope as Search is applied in SQL, so a dashboard never counts a case its
// viewer could not open. Only staff may ask: the figures describe the
// council's work, not a resident's own cases.
func (s *Service) Stats(ctx context.Context, sub *platform.Subject, f StatsFilter, weeks int) (Stats, error) {
	if err := needOrg(sub); err != nil {
		return Stats{}, err
	}
	if !isStaff(sub) {
		return Stats{}, s.denied(ctx, sub, "case.stats", "case", "", "not staff", "only staff can see dashboards")
	}
	if weeks < 1 || weeks > 104 || f.Since.IsZero() {
		return Stats{}, platform.Invalid("Choose a period", platform.FieldError{Field: "since", Message: "must be 1 to 104 weeks"})
	}
	out := Stats{Weekly: make([]int, weeks)}
	scope, scopeArgs, none := s.scopeSQL(sub)
	if none {
		return out, nil
	}
	where := []string{"org_id = ?"}
	args := []any{sub.OrgID}
	if f.Service != "" {
		where, args = append(where, "service_id = ?"), append(args, f.Service)
	}
	if f.Unit != "" {
		where, args = append(where, "unit_id = ?"), append(args, f.Unit)
	}
	if scope != "" {
		where, args = append(where, scope), append(args, scopeArgs...)
	}
	cond := strings.Join(where, " AND ")
	since := store.Millis(f.Since)

	// Weeks are counted in SQL with integer division, which both engines do
	// alike on BIGINT, so the rows read are one per week, not per case.
	rows, err := s.db.Query(ctx, `SELECT w, COUNT(*) FROM (SELECT (submitted_at - ?) / ? AS w FROM cases WHERE `+cond+
		` AND submitted_at >= ?) weeks GROUP BY w`,
		append(append([]any{since, week.Milliseconds()}, args...), since)...)
	if err != nil {
		return Stats{}, platform.Internal(err)
	}
	for rows.Next() {
		var w int64
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			rows.Close()
			return Stats{}, platform.Internal(err)
		}
		if w >= 0 && w < int64(weeks) {
			out.Weekly[w] += n
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, platform.Internal(err)
	}

	now := store.Millis(s.now())
	rows, err = s.db.Query(ctx, `SELECT service_id, service_version, state, COUNT(*), SUM(CASE WHEN due_at < ? THEN 1 ELSE 0 END)
		FROM cases WHERE `+cond+` AND state_terminal = 0 GROUP BY service_id, service_version, state ORDER BY service_id, state`,
		append([]any{now}, args...)...)
	if err != nil {
		return Stats{}, platform.Internal(err)
	}
	type verState struct {
		service string
		version int
		state   string
	}
	var open []StateCount
	var versions []verState
	for rows.Next() {
		var c StateCount
		var v int
		if err := rows.Scan(&c.ServiceID, &v, &c.State, &c.Open, &c.Breached); err != nil {
			rows.Close()
			return Stats{}, platform.Internal(err)
		}
		open = append(open, c)
		versions = append(versions, verState{c.ServiceID, v, c.State})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return Stats{}, platform.Internal(err)
	}
	// Cases on different versions of a service share a row per state.
	idx := map[[2]string]int{}
	for i, c := range open {
		label := c.State
		if def, err := s.definitionVersion(ctx, sub.OrgID, versions[i].service, versions[i].version); err == nil {
			label = stateLabel(def, c.State)
		}
		k := [2]string{c.ServiceID, c.State}
		if j, ok := idx[k]; ok {
			out.Open[j].Open += c.Open
			out.Open[j].Breached += c.Breached
			continue
		}
		c.Label = label
		idx[k] = len(out.Open)
		out.Open = append(out.Open, c)
	}

	spans, err := s.spans(ctx, sub.OrgID, cond, args, since)
	if err != nil {
		return Stats{}, err
	}
	out.Spans = spans
	return out, nil
}

// spans rebuilds each case's stays in states from its submitted and
// transition events: a stay starts when an event enters a state and ends at
// the next one.
func (s *Service) spans(ctx context.Context, orgID, cond string, args []any, since int64) ([]StateSpan, error) {
	rows, err := s.db.Query(ctx, `SELECT e.case_id, c.service_id, c.service_version, e.at, e.to_state
		FROM case_events e JOIN cases c ON c.org_id = e.org_id AND c.id = e.case_id
		WHERE e.org_id = ? AND e.kind IN ('submitted', 'transition') AND e.case_id IN (
			SELECT id FROM cases WHERE `+cond+` AND (state_terminal = 0 OR closed_at >= ?) ORDER BY updated_at DESC LIMIT ?)
		ORDER BY e.case_id, e.at, e.id`, append(append([]any{orgID}, args...), since, maxStatsCases)...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []StateSpan
	open := -1 // index in out of the current case's open stay
	for rows.Next() {
		var sp StateSpan
		var version int
		var at int64
		if err := rows.Scan(&sp.CaseID, &sp.ServiceID, &version, &at, &sp.State); err != nil {
			return nil, platform.Internal(err)
		}
		sp.Entered = store.Time(at)
		if open >= 0 && out[open].CaseID == sp.CaseID {
			out[open].Left = sp.Entered
		}
		def, err := s.definitionVersion(ctx, orgID, sp.ServiceID, version)
		if err != nil {
			return nil, err
		}
		st, ok := findState(def, sp.State)
		if !ok || st.Terminal {
			open = -1
			continue
		}
		sp.Label = stateLabel(def, sp.State)
		if st.SLADays > 0 {
			sp.Due = s.workingDays(sp.Entered, st.SLADays)
		}
		out = append(out, sp)
		open = len(out) - 1
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	// Stays that ended before the period are not part of it.
	kept := out[:0]
	for _, sp := range out {
		if sp.Left.IsZero() || store.Millis(sp.Left) >= since {
			kept = append(kept, sp)
		}
	}
	return kept, nil
}

// UnitsOutOfSight lists which of unitIDs own cases of classification c
// that sub may not read: the parts of the organisation a dashboard of
// sub's cannot count, so it can say so rather than look complete.
func (s *Service) UnitsOutOfSight(sub *platform.Subject, unitIDs []string, c platform.Classification) []string {
	var out []string
	for _, u := range unitIDs {
		r := access.Resource{Type: "case", OrgID: sub.OrgID, BusinessUnit: u, Classification: c}
		if !s.ap.Allowed(sub, access.Read, r) {
			out = append(out, u)
		}
	}
	return out
}

// SeesCasesAssigned reports whether sub may read the cases assigned to
// them wherever they are owned, OFFICIAL-SENSITIVE ones included (the case
// policy's rule for assignees): a dashboard that leaves out other units'
// cases then says that those given to the viewer are counted.
func (s *Service) SeesCasesAssigned(sub *platform.Subject) bool {
	r := access.Resource{Type: "case", OrgID: sub.OrgID, BusinessUnit: "\x00another unit", Classification: platform.OfficialSensitive, AssigneeID: sub.UserID}
	return sub.UserID != "" && s.ap.Allowed(sub, access.Read, r)
}
