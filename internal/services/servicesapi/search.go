package servicesapi

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/web"
)

var searchParams = append([]web.Param{
	{Name: "service", In: "query", Description: "Only cases of this service (its ID)."},
	{Name: "state", In: "query", Description: "Only cases in this workflow state (its ID)."},
	{Name: "reference", In: "query", Description: "Only the case with this reference, e.g. COMP-2026-000123."},
	{Name: "applicant", In: "query", Description: "Only cases of this applicant (user ID)."},
	{Name: "assignee", In: "query", Description: "Only cases assigned to this user (ID)."},
	{Name: "mine", In: "query", Description: "true: only cases assigned to you.", Schema: web.Schema{"type": "boolean"}},
	{Name: "queue", In: "query", Description: "Only cases in this queue."},
	{Name: "unit", In: "query", Description: "Only cases owned by this business unit (ID)."},
	{Name: "text", In: "query", Description: "Words, each the start of a word of the reference or of the service's list fields, in any order and any case; punctuation only separates words; a reference typed whole finds that case (at most 200 characters)."},
	{Name: "sla", In: "query", Description: "Only open cases whose state's clock is on_track (also written due), at_risk or breached now.",
		Schema: web.Schema{"type": "string", "enum": []string{"on_track", "due", "at_risk", "breached"}}},
	{Name: "submitted_from", In: "query", Description: "Submitted at or after this time (RFC 3339; escape + as %2B) or from the start of this day (YYYY-MM-DD, UK time)."},
	{Name: "submitted_to", In: "query", Description: "Submitted before this time (RFC 3339; escape + as %2B) or up to the end of this day (YYYY-MM-DD, UK time)."},
	{Name: "open", In: "query", Description: "true: leave out closed cases (those in terminal states).", Schema: web.Schema{"type": "boolean"}},
	{Name: "sort", In: "query", Description: "newest (default): most recently submitted first; due: soonest due first, cases without a clock last.",
		Schema: web.Schema{"type": "string", "enum": []string{"newest", "due"}}},
}, pageParams...)

func (a *api) search(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	f, pr, err := parseSearch(r)
	if err != nil {
		return err
	}
	cursor := ""
	if len(pr.Cursor) == 1 {
		cursor = pr.Cursor[0]
	} else if pr.Cursor != nil {
		return badCursor()
	}
	page, err := a.svc.Search(r.Context(), sub, f, cursor, pr.Limit)
	if err != nil {
		return err
	}
	out := web.List[CaseSummary]{Items: make([]CaseSummary, 0, len(page.Cases))}
	for _, c := range page.Cases {
		out.Items = append(out.Items, a.caseSummary(c))
	}
	if page.Next != "" {
		out.NextCursor = web.EncodeCursor(page.Next)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func badCursor() error {
	return platform.Invalid("The cursor is not valid; start again from the first page.",
		platform.FieldError{Field: "cursor", Message: "is not a cursor returned by this API"})
}

// parseSearch reads the search's query parameters, reporting every bad one.
func parseSearch(r *http.Request) (services.CaseFilter, web.PageRequest, error) {
	q := r.URL.Query()
	names := make([]string, 0, len(searchParams))
	for _, p := range searchParams {
		names = append(names, p.Name)
	}
	if err := onlyParams(q, names...); err != nil {
		return services.CaseFilter{}, web.PageRequest{}, err
	}
	f := services.CaseFilter{Service: q.Get("service"), State: q.Get("state"), Reference: q.Get("reference"),
		Applicant: q.Get("applicant"), Assignee: q.Get("assignee"), Queue: q.Get("queue"), Unit: q.Get("unit"),
		Text: q.Get("text"), Sort: services.SortNewest}
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	var ok bool
	if f.Mine, ok = parseBool(q, "mine"); !ok {
		add("mine", "must be true or false")
	}
	if f.OpenOnly, ok = parseBool(q, "open"); !ok {
		add("open", "must be true or false")
	}
	switch s := q.Get("sla"); s {
	case "":
	case "on_track", "due":
		f.SLA = services.SLAOnTrack
	case "at_risk", "breached":
		f.SLA = services.SLAStatus(s)
	default:
		add("sla", "must be on_track (or due), at_risk or breached")
	}
	switch s := q.Get("sort"); s {
	case "", "newest":
	case "due":
		f.Sort = services.SortDue
	default:
		add("sort", "must be newest or due")
	}
	if f.SubmittedFrom, ok = parseWhen(q.Get("submitted_from"), false); !ok {
		add("submitted_from", "must be a date (YYYY-MM-DD) or a time (RFC 3339)")
	}
	if f.SubmittedTo, ok = parseWhen(q.Get("submitted_to"), true); !ok {
		add("submitted_to", "must be a date (YYYY-MM-DD) or a time (RFC 3339)")
	}
	if len(f.Text) > 200 {
		add("text", "must be at most 200 characters")
	}
	pr, err := web.ParsePage(r)
	if err != nil {
		bad = append(bad, platform.AsError(err).Fields...)
	}
	if len(bad) > 0 {
		return services.CaseFilter{}, web.PageRequest{}, platform.Invalid("Check the search parameters.", bad...)
	}
	return f, pr, nil
}

func parseBool(q url.Values, name string) (bool, bool) {
	switch q.Get(name) {
	case "", "false":
		return false, true
	case "true":
		return true, true
	}
	return false, false
}

var (
	londonOnce sync.Once
	london     *time.Location
)

// ukDay is the council's calendar day, whatever the server's zone.
func ukDay() *time.Location {
	londonOnce.Do(func() {
		var err error
		if london, err = time.LoadLocation("Europe/London"); err != nil {
			london = time.UTC // a bare container without zone data: at most an hour out
		}
	})
	return london
}

// parseWhen reads a bound as a UK calendar day or an exact time. A day as
// an upper bound (end) includes the whole day, so the bound is the next
// midnight, exclusive as the engine expects.
func parseWhen(s string, end bool) (time.Time, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, true
	}
	d, err := time.ParseInLocation(time.DateOnly, s, ukDay())
	if err != nil {
		return time.Time{}, false
	}
	if end {
		d = d.AddDate(0, 0, 1)
	}
	return d, true
}
