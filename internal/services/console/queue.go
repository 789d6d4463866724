package console

import (
	"html"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// queuePage is the data of console/queue.
type queuePage struct {
	*web.Form
	Filter     url.Values // the filters as typed, for the filter form
	Tabs       []tab
	Rows       []queueRow
	Pages      web.Pagination
	Services   []web.Option
	StatesHTML template.HTML // grouped by service (see optionsHTML)
	Units      []web.Option
	Assign     []web.Option
	// AssignHTML and BulkHTML are Assign drawn for the filter and for
	// the bulk reassignment (see optionsHTML).
	AssignHTML, BulkHTML template.HTML
	SLA                  []web.Option
	Return               string // this queue's address, where the bulk form comes back to
	Filtered             bool
}

type tab struct {
	Text    string
	Href    string
	Current bool
}

type queueRow struct {
	ID, Reference, Service, Applicant, State, Assignee, Summary string
	Tag                                                         slaTag
}

// queueFilter reads the queue's query parameters. Every mistake is
// reported at once, on the field it belongs to.
func queueFilter(sub *platform.Subject, q url.Values) (services.CaseFilter, error) {
	f := services.CaseFilter{
		Service: q.Get("service"), State: q.Get("state"), Unit: q.Get("unit"), Queue: strings.TrimSpace(q.Get("queue")),
		Text: strings.TrimSpace(q.Get("q")), SLA: services.SLAStatus(q.Get("sla")), Sort: services.SortDue,
	}
	// A status chosen from the list of every service's statuses names its
	// service too ("complaints/stage1"), so the two are filtered together.
	if sv, st, ok := strings.Cut(f.State, "/"); ok && (f.Service == "" || f.Service == sv) {
		f.Service, f.State = sv, st
	}
	switch a := q.Get("assignee"); a {
	case "":
	case "me":
		f.Mine = true
	default:
		f.Assignee = a
	}
	// Open cases unless a closed state is asked for by name.
	f.OpenOnly = f.State == ""
	var bad []platform.FieldError
	for _, p := range []struct {
		name string
		into *time.Time
		add  int
	}{{"from", &f.SubmittedFrom, 0}, {"to", &f.SubmittedTo, 1}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation("2006-01-02", v, london)
		if err != nil {
			bad = append(bad, platform.FieldError{Field: p.name, Message: "Enter a real date, for example 2026-03-27"})
			continue
		}
		// "to" is inclusive on the page and exclusive in the engine.
		*p.into = d.AddDate(0, 0, p.add)
	}
	if !f.SubmittedFrom.IsZero() && !f.SubmittedTo.IsZero() && !f.SubmittedTo.After(f.SubmittedFrom) {
		bad = append(bad, platform.FieldError{Field: "to", Message: "The end date must be the same as or after the start date"})
	}
	switch f.SLA {
	case services.SLANone, services.SLAOnTrack, services.SLAAtRisk, services.SLABreached:
	default:
		bad = append(bad, platform.FieldError{Field: "sla", Message: "Choose a deadline status from the list"})
	}
	if len(bad) > 0 {
		return f, platform.Invalid("Check the filters", bad...)
	}
	return f, nil
}

func (c *console) queue(w http.ResponseWriter, r *http.Request) error {
	return c.renderQueue(w, r, r.URL.Query(), nil, http.StatusOK)
}

// renderQueue shows the queue for the filters q; form carries the bulk
// reassignment's errors when it failed.
func (c *console) renderQueue(w http.ResponseWriter, r *http.Request, q url.Values, form *web.Form, status int) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	defs, err := c.svc.ListDefinitions(ctx, sub)
	if err != nil {
		return err
	}
	units, err := c.opts.People.Units(ctx, sub)
	if err != nil {
		return err
	}
	staff, err := c.opts.People.StaffIn(ctx, sub)
	if err != nil {
		return err
	}
	p := &queuePage{Form: form, Filter: q, Return: queueURL(q)}
	if p.Form == nil {
		p.Form = &web.Form{}
	}
	p.Form.Input = mergeValues(q, p.Form.Input)
	byID := map[string]*definition.Definition{}
	p.Services = []web.Option{{Value: "", Text: "All services"}}
	// Statuses are grouped by service, then listed in workflow order: the
	// same word means different things in different services.
	var states strings.Builder
	states.WriteString(string(optionsHTML([]web.Option{{Value: "", Text: "All open cases"}}, p.Form, "state")))
	for _, d := range defs {
		byID[d.Def.ID] = d.Def
		p.Services = append(p.Services, web.Option{Value: d.Def.ID, Text: d.Def.Title})
		sv := q.Get("service")
		if sv != "" && sv != d.Def.ID {
			continue
		}
		var opts []web.Option
		for _, st := range d.Def.Workflow.States {
			v := d.Def.ID + "/" + st.ID
			if sv != "" {
				v = st.ID
			}
			opts = append(opts, web.Option{Value: v, Text: st.Label})
		}
		if sv != "" {
			states.WriteString(string(optionsHTML(opts, p.Form, "state")))
			continue
		}
		states.WriteString("\n    <optgroup label=\"" + html.EscapeString(d.Def.Title) + "\">")
		states.WriteString(string(optionsHTML(opts, p.Form, "state")))
		states.WriteString("\n    </optgroup>")
	}
	p.StatesHTML = template.HTML(states.String())
	p.Units = []web.Option{{Value: "", Text: "All business units"}}
	for _, u := range units {
		p.Units = append(p.Units, web.Option{Value: u.ID, Text: u.Name})
	}
	p.Assign = []web.Option{{Value: "", Text: "Anyone"}, {Value: "me", Text: "Me"}}
	for _, s := range staff {
		p.Assign = append(p.Assign, web.Option{Value: s.ID, Text: s.Name})
	}
	p.AssignHTML = optionsHTML(p.Assign, p.Form, "assignee")
	p.SLA = []web.Option{{Value: "", Text: "Any"}, {Value: string(services.SLAOnTrack), Text: "On track"},
		{Value: string(services.SLAAtRisk), Text: "At risk"}, {Value: string(services.SLABreached), Text: "Breached"}}
	p.Tabs = queueTabs(q, defs, units)
	for _, k := range []string{"service", "state", "unit", "queue", "assignee", "sla", "from", "to", "q"} {
		if q.Get(k) != "" {
			p.Filtered = true
		}
	}

	f, ferr := queueFilter(sub, q)
	if ferr != nil {
		e := platform.AsError(ferr)
		p.Form.Errors = append(p.Form.Errors, e.Fields...)
		return web.Render(w, r, http.StatusBadRequest, "console/queue", p)
	}
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	res, err := c.svc.Search(ctx, sub, f, q.Get("cursor"), limit)
	if err != nil {
		return err
	}
	people := make([]string, 0, 2*len(res.Cases))
	for i := range res.Cases {
		people = append(people, res.Cases[i].AssigneeID, res.Cases[i].ApplicantID)
	}
	name := c.names(ctx, sub, people...)
	now := c.opts.Now()
	for i := range res.Cases {
		cs := &res.Cases[i]
		row := queueRow{ID: cs.ID, Reference: cs.Reference, Service: cs.Title, State: cs.State,
			Assignee: name(cs.AssigneeID), Summary: cs.Summary, Tag: c.tagFor(cs, now)}
		if d := byID[cs.ServiceID]; d != nil {
			if st := d.State(cs.State); st != nil && st.Label != "" {
				row.State = st.Label
			}
		}
		row.Applicant = name(cs.ApplicantID)
		if row.Applicant == "" {
			row.Applicant = cs.ApplicantEmail
		}
		if row.Assignee == "" {
			row.Assignee = "Unassigned"
			if cs.Queue != "" {
				row.Assignee = "Unassigned (" + queueLabel(cs.Queue) + " queue)"
			}
		}
		p.Rows = append(p.Rows, row)
	}
	// The bulk reassignment offers those who could work on at least one
	// of the cases shown; the engine names any chosen case they cannot.
	bulk := append([]web.Option{{Value: "", Text: "Choose a person"}}, c.workers(r.Context(), sub.OrgID, staff, res.Cases...)...)
	p.BulkHTML = optionsHTML(bulk, p.Form, "bulk_assignee")
	if res.Next != "" {
		p.Pages.Next = pageURL(q, res.Next)
	}
	if q.Get("cursor") != "" {
		// Keyset cursors know only the way forward; back to the start is
		// the one other page a queue can name.
		p.Pages.Prev = pageURL(q, "")
	}
	return web.Render(w, r, status, "console/queue", p)
}

// queueTabs are the shortcuts above the queue: everything, my cases, each
// business unit and each service.
func queueTabs(q url.Values, defs []services.Published, units []Unit) []tab {
	cur := func(k, v string) bool {
		for _, other := range []string{"assignee", "unit", "service"} {
			if other != k && q.Get(other) != "" {
				return false
			}
		}
		return q.Get(k) == v
	}
	tabs := []tab{
		{Text: "All open cases", Href: "/cases", Current: cur("", "")},
		{Text: "My cases", Href: "/cases?assignee=me", Current: cur("assignee", "me")},
	}
	for _, u := range units {
		tabs = append(tabs, tab{Text: u.Name, Href: "/cases?unit=" + url.QueryEscape(u.ID), Current: cur("unit", u.ID)})
	}
	for _, d := range defs {
		tabs = append(tabs, tab{Text: d.Def.Title, Href: "/cases?service=" + url.QueryEscape(d.Def.ID), Current: cur("service", d.Def.ID)})
	}
	return tabs
}

func pageURL(q url.Values, cursor string) string {
	v := url.Values{}
	for k, vs := range q {
		v[k] = vs
	}
	if cursor == "" {
		v.Del("cursor")
	} else {
		v.Set("cursor", cursor)
	}
	return queueURL(v)
}

func queueURL(q url.Values) string {
	if len(q) == 0 {
		return "/cases"
	}
	return "/cases?" + q.Encode()
}

// mergeValues is a with b's values laid over it.
func mergeValues(a, b url.Values) url.Values {
	out := url.Values{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// bulkReassign gives the ticked cases to one person, all or none, and
// goes back to the queue the form was on.
func (c *console) bulkReassign(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	ret := web.SafeReturn(r.PostFormValue("return"))
	if ret != "/cases" && !strings.HasPrefix(ret, "/cases?") {
		ret = "/cases"
	}
	back, _ := url.Parse(ret)
	ids := r.PostForm["case_ids"]
	assignee := r.PostFormValue("bulk_assignee")
	var bad []platform.FieldError
	if len(ids) == 0 {
		bad = append(bad, platform.FieldError{Field: "case_ids", Message: "Select the cases to reassign"})
	}
	if assignee == "" {
		bad = append(bad, platform.FieldError{Field: "bulk_assignee", Message: "Select who to give the cases to"})
	}
	if len(bad) == 0 {
		var n int
		n, err = c.svc.BulkReassign(r.Context(), sub, ids, services.Assignment{AssigneeID: assignee})
		if err == nil {
			msg := "1 case reassigned to " + c.name(r.Context(), sub, assignee)
			if n != 1 {
				msg = itoa(n) + " cases reassigned to " + c.name(r.Context(), sub, assignee)
			}
			web.SetFlash(w, r, msg)
			http.Redirect(w, r, ret, http.StatusSeeOther)
			return nil
		}
		if code := platform.CodeOf(err); code != platform.CodeInvalid && code != platform.CodeConflict {
			return err
		}
		if platform.CodeOf(err) == platform.CodeConflict {
			err = platform.Invalid("", platform.FieldError{Field: "case_ids", Message: "Someone else changed one of these cases. Nothing was reassigned: check the queue and try again"})
		}
	} else {
		err = platform.Invalid("Check the form", bad...)
	}
	form := web.FormErrors(r, err)
	for i := range form.Errors {
		if form.Errors[i].Field == "assignee_id" {
			form.Errors[i].Field = "bulk_assignee"
		}
	}
	return c.renderQueue(w, r, back.Query(), form, http.StatusUnprocessableEntity)
}
