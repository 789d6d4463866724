package workplaceweb

import (
	"context"
	"encoding/csv"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"dbtp/internal/chart"
	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

func (p *sensorsPart) utilisationRoutes(srv *web.Server) {
	rt := srv.Router()
	rt.Handle("GET /utilisation", web.RequireSignedInFunc(p.utilisation))
	rt.Handle("GET /utilisation.csv", web.RequireSignedInFunc(p.utilisationCSV))
	rt.Handle("POST /utilisation/people", web.RequireSignedInFunc(p.setPeople))
	srv.API().HandleFunc("GET /api/v1/utilisation", web.Op{Summary: "Desk utilisation", OperationID: "getUtilisation", Tags: []string{"utilisation"},
		Scopes:      []string{platform.ScopeRead},
		Description: "Per working day and per building, floor and zone: desks, desks booked, desks used (by sensor, or check-in where no sensor is fitted), no-shows, the busiest day, people per desk and the desks needed for the busiest day to fill the target share. For workplace managers and managers.",
		Params: []web.Param{{Name: "building", In: "query", Description: "A building ID"}, {Name: "floor", In: "query", Description: "A floor ID"},
			{Name: "from", In: "query", Description: "First day, YYYY-MM-DD (default: four weeks ago)"}, {Name: "to", In: "query", Description: "Last day, YYYY-MM-DD (default: today)"},
			{Name: "target", In: "query", Description: "Target peak occupancy, per cent (default 85)", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 100}}},
		Responses: map[int]web.Response{200: {Description: "The figures.", Schema: web.SchemaOf(UtilisationJSON{})}},
	}, p.apiUtilisation)
}

// filter reads the page's (or the API's) query: building, floor, from,
// to (inclusive days) and target (per cent).
func (p *sensorsPart) filter(r *http.Request) (workplace.UtilisationFilter, error) {
	q := r.URL.Query()
	loc := p.ws.Location()
	today := p.d.Clock.Now().In(loc)
	f := workplace.UtilisationFilter{BuildingID: q.Get("building"), FloorID: q.Get("floor"), TargetPeak: 0.85, DirectoryPeople: p.directoryPeople(r)}
	to := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, loc)
	from := to.AddDate(0, 0, -27)
	var errs []platform.FieldError
	if v := q.Get("from"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			errs = append(errs, platform.FieldError{Field: "from", Message: "Enter the first day as YYYY-MM-DD, like 2026-03-02"})
		}
		from = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			errs = append(errs, platform.FieldError{Field: "to", Message: "Enter the last day as YYYY-MM-DD, like 2026-03-06"})
		}
		to = t
	}
	if v := q.Get("target"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			errs = append(errs, platform.FieldError{Field: "target", Message: "Enter the target peak occupancy as a per cent from 1 to 100"})
		}
		f.TargetPeak = float64(n) / 100
	}
	if errs != nil {
		return f, platform.Invalid("Check the filters", errs...)
	}
	f.From, f.To = from, to.AddDate(0, 0, 1)
	return f, nil
}

// directoryPeople counts the active staff of business units, each once.
// It asks as the organisation itself: the page shows only the number, to
// people who may see the utilisation, and a workplace manager may not
// read the people of every team with a neighbourhood in the building.
func (p *sensorsPart) directoryPeople(r *http.Request) func(ctx context.Context, units []string) (int, error) {
	sub := platform.System(web.SubjectOf(r).OrgID)
	return func(ctx context.Context, units []string) (int, error) {
		seen := map[string]bool{}
		for _, u := range units {
			q := platform.PeopleQuery{Unit: u, Staff: true, Active: true, Limit: 200}
			for pages := 0; pages < 100; pages++ {
				page, err := p.d.Directory.SearchPeople(ctx, sub, q)
				if err != nil {
					return 0, err
				}
				for _, person := range page.People {
					seen[person.ID] = true
				}
				if page.Next == "" {
					break
				}
				q.After = page.Next
			}
		}
		return len(seen), nil
	}
}

type utilisationPage struct {
	*web.Form
	U          workplace.Utilisation
	Buildings  []web.Option
	Floors     []web.Option
	Charts     []chartPanel
	Areas      web.Table
	CSVHref    string
	Keep       bool
	BuildingID string
	NoShow     string
	Ratio      string
	Target     string
}

type chartPanel struct {
	ID, Title, Description string
	SVG                    template.HTML
	Table                  web.Table
	Empty                  bool
}

// utilisationCSVHref is the address of the CSV of the figures the page
// shows, its filters included. It is built whole here: a query string
// written after a literal "?" in the template was escaped as one value,
// its "=" and "&" too, and the CSV then ignored the filters.
func utilisationCSVHref(q url.Values) string {
	keep := url.Values{}
	for _, k := range []string{"building", "floor", "from", "to", "target"} {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	if len(keep) == 0 {
		return "/utilisation.csv"
	}
	return "/utilisation.csv?" + keep.Encode()
}

func pct(v float64) string { return strconv.FormatFloat(v*100, 'f', 0, 64) + "%" }

func (p *sensorsPart) utilisation(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	form := web.NewForm(r.URL.Query())
	f, ferr := p.filter(r)
	pg := utilisationPage{Form: form, Keep: workplace.CanKeep(sub), BuildingID: f.BuildingID, CSVHref: utilisationCSVHref(r.URL.Query())}
	bs, err := p.ws.Buildings(r.Context(), sub)
	if err != nil {
		return err
	}
	pg.Buildings = []web.Option{{Value: "", Text: "All buildings"}}
	for _, b := range bs {
		pg.Buildings = append(pg.Buildings, web.Option{Value: b.ID, Text: b.Name})
	}
	fl, err := p.ws.Floors(r.Context(), sub, f.BuildingID)
	if err != nil {
		return err
	}
	pg.Floors = []web.Option{{Value: "", Text: "All floors"}}
	for _, x := range fl {
		pg.Floors = append(pg.Floors, web.Option{Value: x.ID, Text: x.Name})
	}
	if ferr == nil {
		pg.U, ferr = p.ws.Utilisation(r.Context(), sub, f)
	}
	if ferr != nil {
		if platform.CodeOf(ferr) != platform.CodeInvalid {
			return ferr
		}
		pg.Form = web.FormErrors(r, ferr)
		return web.Render(w, r, http.StatusBadRequest, "workplace/utilisation_index", pg)
	}
	u := pg.U
	pg.NoShow, pg.Ratio, pg.Target = pct(u.NoShowRate()), strconv.FormatFloat(u.PeoplePerDesk(), 'f', 2, 64), pct(u.TargetPeak)
	daily := chart.Chart{ID: "daily", Title: "Desks booked and used each working day", Columns: true,
		Description: fmt.Sprintf("Of %d desks: how many were booked and how many were used, each working day from %s.", u.Capacity, u.From.Format("2 January 2006"))}
	booked, used := chart.Series{Label: "Booked"}, chart.Series{Label: "Used"}
	for _, d := range u.Days {
		daily.Categories = append(daily.Categories, d.Day.Format("Mon 2 Jan"))
		booked.Values = append(booked.Values, float64(d.Booked))
		used.Values = append(used.Values, float64(d.Occupied))
	}
	daily.Series = []chart.Series{booked, used}
	week := chart.Chart{ID: "weekdays", Title: "The average day of the week", Columns: true, Decimals: 1,
		Description: "Desks booked and used on an average Monday, Tuesday and so on over the period: the peak days stand out."}
	wb, wu := chart.Series{Label: "Booked"}, chart.Series{Label: "Used"}
	for _, d := range u.Weekdays {
		week.Categories = append(week.Categories, d.Weekday.String())
		wb.Values = append(wb.Values, d.Booked)
		wu.Values = append(wu.Values, d.Occupied)
	}
	week.Series = []chart.Series{wb, wu}
	pg.Charts = []chartPanel{panel(daily, "Day", len(u.Days) == 0 || u.Capacity == 0), panel(week, "Weekday", len(u.Days) == 0 || u.Capacity == 0)}
	pg.Areas = areaTable(u)
	return web.Render(w, r, http.StatusOK, "workplace/utilisation_index", pg)
}

// panel draws a chart and gives its data as the table beside it.
func panel(ch chart.Chart, first string, empty bool) chartPanel {
	p := chartPanel{ID: ch.ID, Title: ch.Title, Description: ch.Description, Empty: empty}
	if empty {
		return p
	}
	p.SVG = ch.SVG()
	rows := ch.Table()
	p.Table.Caption, p.Table.CaptionHidden = ch.Title, true // the heading above says it
	for i, h := range rows[0] {
		if i == 0 {
			h = first
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

func areaTable(u workplace.Utilisation) web.Table {
	t := web.Table{Caption: "By building, floor and zone, over the period", CaptionHidden: true}
	for i, h := range []string{"Area", "Desks", "Desk-days booked", "Desk-days used", "Busiest day (desks used)", "Utilisation", "No-shows"} {
		t.Head = append(t.Head, web.Cell{Text: h, Numeric: i > 0})
	}
	for _, a := range u.Areas {
		name := a.Name
		switch a.Level {
		case "floor":
			name = "Floor: " + name
		case "zone":
			name = "Zone: " + name
		}
		t.Rows = append(t.Rows, []web.Cell{{Text: name}, {Text: strconv.Itoa(a.Capacity), Numeric: true}, {Text: strconv.Itoa(a.Booked), Numeric: true},
			{Text: strconv.Itoa(a.Occupied), Numeric: true}, {Text: strconv.Itoa(a.PeakOccupied), Numeric: true}, {Text: pct(a.Utilisation()), Numeric: true},
			{Text: pct(a.NoShowRate()), Numeric: true}})
	}
	return t
}

// utilisationCSV gives the page's numbers: one row per day, then one per
// area, with a column saying which.
func (p *sensorsPart) utilisationCSV(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	f, err := p.filter(r)
	if err != nil {
		return err
	}
	u, err := p.ws.Utilisation(r.Context(), sub, f)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="utilisation-`+u.From.Format(time.DateOnly)+`.csv"`)
	cw := csv.NewWriter(w)
	cw.Write([]string{"row", "day_or_area", "name", "desks", "booked", "used", "released", "no_show_rate", "peak_used", "utilisation"})
	for _, d := range u.Days {
		cw.Write([]string{"day", d.Day.Format(time.DateOnly), d.Day.Weekday().String(), strconv.Itoa(d.Capacity), strconv.Itoa(d.Booked), strconv.Itoa(d.Occupied),
			strconv.Itoa(d.Released), ftoa(d.NoShowRate()), strconv.FormatBool(d.Peak), ftoa(ratioOf(d.Occupied, d.Capacity))})
	}
	for _, a := range u.Areas {
		cw.Write([]string{a.Level, a.ID, csvSafe(a.Name), strconv.Itoa(a.Capacity), strconv.Itoa(a.Booked), strconv.Itoa(a.Occupied),
			strconv.Itoa(a.Released), ftoa(a.NoShowRate()), strconv.Itoa(a.PeakOccupied), ftoa(a.Utilisation())})
	}
	cw.Write([]string{"total", u.From.Format(time.DateOnly) + "/" + u.To.AddDate(0, 0, -1).Format(time.DateOnly), "people " + strconv.Itoa(u.People) + " per desk " + ftoa(u.PeoplePerDesk()) +
		" desks needed " + strconv.Itoa(u.DesksNeeded) + " at " + pct(u.TargetPeak),
		strconv.Itoa(u.Capacity), strconv.Itoa(u.Booked), strconv.Itoa(u.Occupied), strconv.Itoa(u.Released), ftoa(u.NoShowRate()), strconv.Itoa(u.PeakOccupied), ""})
	cw.Flush()
	return nil
}

func ratioOf(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func ftoa(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }

// csvSafe keeps a name from being read as a formula by a spreadsheet.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}

func (p *sensorsPart) setPeople(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b := r.PostFormValue("building")
	n, err := strconv.Atoi(r.PostFormValue("people"))
	if err != nil {
		n = -1
	}
	if err := p.ws.SetBuildingPeople(r.Context(), sub, b, n); err != nil {
		return err
	}
	web.SetFlash(w, r, "Number of people saved")
	http.Redirect(w, r, "/utilisation?building="+b, http.StatusSeeOther)
	return nil
}

// UtilisationJSON is the utilisation in the API.
type UtilisationJSON struct {
	From          string     `json:"from"`
	To            string     `json:"to"` // the last day
	Desks         int        `json:"desks"`
	SensedDesks   int        `json:"sensed_desks"`
	Booked        int        `json:"booked"`
	Used          int        `json:"used"`
	Released      int        `json:"released"`
	NoShowRate    float64    `json:"no_show_rate"`
	PeakUsed      int        `json:"peak_used"`
	PeakDay       string     `json:"peak_day,omitempty"`
	People        int        `json:"people"`
	PeopleSource  string     `json:"people_source,omitempty"`
	PeoplePerDesk float64    `json:"people_per_desk"`
	TargetPeak    float64    `json:"target_peak"`
	DesksNeeded   int        `json:"desks_needed"`
	Days          []DayJSON  `json:"days"`
	Areas         []AreaJSON `json:"areas"`
}

// DayJSON is one working day.
type DayJSON struct {
	Day      string `json:"day"`
	Desks    int    `json:"desks"`
	Booked   int    `json:"booked"`
	Used     int    `json:"used"`
	Released int    `json:"released"`
	Peak     bool   `json:"peak"`
}

// AreaJSON is one building, floor or zone.
type AreaJSON struct {
	Level       string  `json:"level"`
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Desks       int     `json:"desks"`
	Booked      int     `json:"booked"`
	Used        int     `json:"used"`
	Released    int     `json:"released"`
	PeakUsed    int     `json:"peak_used"`
	Utilisation float64 `json:"utilisation"`
}

func (p *sensorsPart) apiUtilisation(w http.ResponseWriter, r *http.Request) error {
	f, err := p.filter(r)
	if err != nil {
		return err
	}
	u, err := p.ws.Utilisation(r.Context(), web.SubjectOf(r), f)
	if err != nil {
		return err
	}
	out := UtilisationJSON{From: u.From.Format(time.DateOnly), To: u.To.AddDate(0, 0, -1).Format(time.DateOnly), Desks: u.Capacity, SensedDesks: u.SensedDesks,
		Booked: u.Booked, Used: u.Occupied, Released: u.Released, NoShowRate: u.NoShowRate(), PeakUsed: u.PeakOccupied, People: u.People, PeopleSource: u.PeopleSource,
		PeoplePerDesk: u.PeoplePerDesk(), TargetPeak: u.TargetPeak, DesksNeeded: u.DesksNeeded, Days: []DayJSON{}, Areas: []AreaJSON{}}
	if !u.PeakDay.IsZero() {
		out.PeakDay = u.PeakDay.Format(time.DateOnly)
	}
	for _, d := range u.Days {
		out.Days = append(out.Days, DayJSON{Day: d.Day.Format(time.DateOnly), Desks: d.Capacity, Booked: d.Booked, Used: d.Occupied, Released: d.Released, Peak: d.Peak})
	}
	for _, a := range u.Areas {
		out.Areas = append(out.Areas, AreaJSON{Level: a.Level, ID: a.ID, Name: a.Name, Desks: a.Capacity, Booked: a.Booked, Used: a.Occupied, Released: a.Released,
			PeakUsed: a.PeakOccupied, Utilisation: a.Utilisation()})
	}
	return web.WriteJSON(w, http.StatusOK, out)
}
