package console

import (
	"html/template"
	"net/http"
	"slices"
	"strings"
	"time"

	"dbtp/internal/chart"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/web"
)

// dashboardWeeks is how far back the volume chart and the SLA figures go.
const dashboardWeeks = 12

// dashboardPage is the data of console/dashboard.
type dashboardPage struct {
	*web.Form
	Services []web.Option
	Units    []web.Option
	Scope    string // what the figures cover, in words
	// LeftOut names the business units whose cases the viewer may not
	// read, which the figures therefore leave out.
	LeftOut  string
	Since    string
	Breached int
	Panels   []panel
	// Timelines link the services drawn as timelines (the roadmap).
	Timelines []web.Option
}

// panel is one chart with its data table beside it.
type panel struct {
	ID, Title, Description string
	SVG                    template.HTML
	Table                  web.Table
	Empty                  bool
}

func (c *console) dashboard(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r, platform.RoleManager, platform.RoleAdmin)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	defs, err := c.svc.ListDefinitions(ctx, sub)
	if err != nil {
		return err
	}
	units, err := c.opts.People.Units(ctx, sub)
	if err != nil {
		return err
	}
	p := &dashboardPage{Form: web.NewForm(q), Scope: "all services and business units"}
	p.Services = []web.Option{{Value: "", Text: "All services"}}
	title := map[string]string{}
	for _, d := range defs {
		if tl := d.Def.Timeline; tl != nil {
			p.Timelines = append(p.Timelines, web.Option{Value: "/timelines/" + d.Def.ID, Text: tl.Title})
		}
		title[d.Def.ID] = d.Def.Title
		p.Services = append(p.Services, web.Option{Value: d.Def.ID, Text: d.Def.Title})
	}
	p.Units = []web.Option{{Value: "", Text: "All business units"}}
	unitName := map[string]string{}
	for _, u := range units {
		unitName[u.ID] = u.Name
		p.Units = append(p.Units, web.Option{Value: u.ID, Text: u.Name})
	}
	f := services.StatsFilter{Service: q.Get("service"), Unit: q.Get("unit")}
	var bad []platform.FieldError
	if _, ok := title[f.Service]; f.Service != "" && !ok {
		bad = append(bad, platform.FieldError{Field: "service", Message: "Choose a service from the list"})
	}
	if _, ok := unitName[f.Unit]; f.Unit != "" && !ok {
		bad = append(bad, platform.FieldError{Field: "unit", Message: "Choose a business unit from the list"})
	}
	if len(bad) > 0 {
		p.Form.Errors = bad
		return web.Render(w, r, http.StatusBadRequest, "console/dashboard", p)
	}
	switch {
	case f.Service != "" && f.Unit != "":
		p.Scope = title[f.Service] + " in " + unitName[f.Unit]
	case f.Service != "":
		p.Scope = title[f.Service]
	case f.Unit != "":
		p.Scope = unitName[f.Unit]
	}
	var hidden []string
	for _, u := range units {
		if f.Unit == "" || f.Unit == u.ID {
			hidden = append(hidden, u.ID)
		}
	}
	var all, sensitive []string
	for _, id := range c.svc.UnitsOutOfSight(sub, hidden, platform.Official) {
		all = append(all, unitName[id])
	}
	for _, id := range c.svc.UnitsOutOfSight(sub, hidden, platform.OfficialSensitive) {
		if !slices.Contains(all, unitName[id]) {
			sensitive = append(sensitive, unitName[id])
		}
	}
	switch {
	case len(all) > 0 && len(sensitive) > 0:
		p.LeftOut = "cases owned by " + strings.Join(all, ", ") + ", and sensitive cases (such as complaints and risks) owned by " + strings.Join(sensitive, ", ")
	case len(all) > 0:
		p.LeftOut = "cases owned by " + strings.Join(all, ", ")
	case len(sensitive) > 0:
		p.LeftOut = "sensitive cases (such as complaints and risks) owned by " + strings.Join(sensitive, ", ")
	}
	if p.LeftOut != "" && c.svc.SeesCasesAssigned(sub) {
		p.LeftOut += ", other than those assigned to you"
	}
	now := c.opts.Now()
	f.Since = weekStart(now).AddDate(0, 0, -7*(dashboardWeeks-1))
	p.Since = shortDate(f.Since)
	st, err := c.svc.Stats(ctx, sub, f, dashboardWeeks)
	if err != nil {
		return err
	}
	label := func(service, state string) string {
		if f.Service == "" && len(defs) > 1 {
			return title[service] + ": " + state
		}
		return state
	}
	sla := c.slaPanels(st, label, now)
	p.Panels = []panel{volumePanel(st, f.Since), backlogPanel(st, label, &p.Breached), sla[0], sla[1]}
	if p.Panels, err = c.withHeatMap(ctx, sub, defs, f, p.Panels); err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "console/dashboard", p)
}

// weekStart is the Monday 00:00 London time of t's week.
func weekStart(t time.Time) time.Time {
	l := t.In(london)
	d := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, london)
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -off)
}

func volumePanel(st services.Stats, since time.Time) panel {
	ch := chart.Chart{ID: "volume", Title: "Cases submitted per week", Columns: true,
		Description: "Cases submitted in each of the last 12 weeks, by the Monday each week starts on."}
	s := chart.Series{Label: "Cases submitted"}
	total := 0
	for i, n := range st.Weekly {
		ch.Categories = append(ch.Categories, since.AddDate(0, 0, 7*i).Format("2 Jan"))
		s.Values = append(s.Values, float64(n))
		total += n
	}
	ch.Series = []chart.Series{s}
	return panelOf(ch, "Week starting", total == 0)
}

func backlogPanel(st services.Stats, label func(string, string) string, breached *int) panel {
	ch := chart.Chart{ID: "backlog", Title: "Open cases by status",
		Description: "How many cases are open in each status, and how many of those are past their deadline."}
	open, late := chart.Series{Label: "Open"}, chart.Series{Label: "Past deadline"}
	for _, c := range st.Open {
		ch.Categories = append(ch.Categories, label(c.ServiceID, c.Label))
		open.Values = append(open.Values, float64(c.Open))
		late.Values = append(late.Values, float64(c.Breached))
		*breached += c.Breached
	}
	ch.Series = []chart.Series{open, late}
	return panelOf(ch, "Status", len(st.Open) == 0)
}

// slaPanels are SLA compliance (of the stays that ended, the share that
// ended by the deadline) and the average working days a stay lasts, open
// stays counted up to now.
func (c *console) slaPanels(st services.Stats, label func(string, string) string, now time.Time) [2]panel {
	type agg struct {
		label              string
		ended, onTime      int
		stays, workingDays int
	}
	var order []string
	by := map[string]*agg{}
	for _, sp := range st.Spans {
		k := sp.ServiceID + "\x00" + sp.State
		a := by[k]
		if a == nil {
			a = &agg{label: label(sp.ServiceID, sp.Label)}
			by[k] = a
			order = append(order, k)
		}
		end := sp.Left
		if end.IsZero() {
			end = now
		} else if !sp.Due.IsZero() {
			a.ended++
			if !sp.Left.After(sp.Due) {
				a.onTime++
			}
		}
		a.stays++
		a.workingDays += max(0, c.opts.Calendar.WorkingDaysBetween(sp.Entered, end))
	}
	sla := chart.Chart{ID: "sla", Title: "Cases that left each status within its deadline", Unit: "%",
		Description: "Of the cases that left a status with a deadline in the last 12 weeks, the percentage that left it on time."}
	pct := chart.Series{Label: "Within deadline"}
	avg := chart.Chart{ID: "time-in-status", Title: "Average time in each status", Unit: " working days", Decimals: 1,
		Description: "The average number of working days cases spend in each status, counting open cases up to today."}
	days := chart.Series{Label: "Average working days"}
	for _, k := range order {
		a := by[k]
		if a.ended > 0 {
			sla.Categories = append(sla.Categories, a.label)
			pct.Values = append(pct.Values, float64(100*a.onTime)/float64(a.ended))
		}
		avg.Categories = append(avg.Categories, a.label)
		days.Values = append(days.Values, float64(a.workingDays)/float64(a.stays))
	}
	sla.Series, avg.Series = []chart.Series{pct}, []chart.Series{days}
	return [2]panel{panelOf(sla, "Status", len(sla.Categories) == 0), panelOf(avg, "Status", len(avg.Categories) == 0)}
}

// panelOf draws a chart and turns its data into the table beside it.
func panelOf(ch chart.Chart, firstColumn string, empty bool) panel {
	p := panel{ID: ch.ID, Title: ch.Title, Description: ch.Description, Empty: empty}
	if empty {
		return p
	}
	p.SVG = ch.SVG()
	rows := ch.Table()
	p.Table.Caption, p.Table.CaptionHidden = ch.Title, true // the heading above says it
	for i, h := range rows[0] {
		if i == 0 {
			h = firstColumn
		}
		p.Table.Head = append(p.Table.Head, web.Cell{Text: h, Numeric: i > 0})
	}
	for _, row := range rows[1:] {
		var cells []web.Cell
		for i, v := range row {
			cells = append(cells, web.Cell{Text: v, Numeric: i > 0})
		}
		p.Table.Rows = append(p.Table.Rows, cells)
	}
	return p
}
