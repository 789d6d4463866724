package recordsweb

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

// Search: a GET form (words and filters), facets as links, results with
// their snippets, and pages; the same as JSON at /api/v1/records/search.
// Everything works without JavaScript, and a search's address can be kept
// and shared. Snippets and titles come from the engine as plain text with
// the matching words marked; the template escapes the text and wraps the
// marked words in <mark>, so nothing from a document is ever markup.

// london is where the council's days begin and end: dates typed and the
// years offered are days in London.
var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

// searchParams are the query parameters of a search, on the page and in
// the API.
var searchParams = []string{"q", "class", "unit", "classification", "records", "from", "to", "author", "tag", "source", "order"}

// searchQuery reads a search from the address: dates are whole days in
// London, the "to" day included; author "me" is the person searching.
func searchQuery(sub *platform.Subject, q url.Values) (records.Query, error) {
	out := records.Query{Text: q.Get("q"), ClassID: q.Get("class"), UnitID: q.Get("unit"), Classification: platform.Classification(q.Get("classification")),
		Records: q.Get("records"), AuthorID: q.Get("author"), Tag: q.Get("tag"), Source: q.Get("source"), Order: q.Get("order"), After: q.Get("cursor")}
	if out.AuthorID == "me" {
		out.AuthorID = sub.UserID
	}
	var bad []platform.FieldError
	for _, p := range []struct {
		name string
		into *time.Time
		add  int
	}{{"from", &out.From, 0}, {"to", &out.To, 1}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		d, err := time.ParseInLocation(time.DateOnly, v, london)
		if err != nil {
			bad = append(bad, platform.FieldError{Field: p.name, Message: "Enter a real date, for example 2026-03-27"})
			continue
		}
		*p.into = d.AddDate(0, 0, p.add)
	}
	if len(bad) > 0 {
		return out, platform.Invalid("Check the search", bad...)
	}
	return out, nil
}

// labelUnits names the units of the business unit facet.
func (h *handlers) labelUnits(ctx context.Context, sub *platform.Subject, res *records.Results) map[string]string {
	names := h.unitNames(ctx, sub)
	for i, u := range res.Facets.Units {
		res.Facets.Units[i].Label = names[u.Value]
		if u.Value == "" {
			res.Facets.Units[i].Label = "Whole organisation"
		}
	}
	return names
}

type searchPage struct {
	*web.Form
	Here      string // this search's address, for the documents' back links
	Searched  bool   // words or a filter were given
	Results   records.Results
	TotalText string // the total with thousands separated
	Words     bool   // the search has words (its results are of a pool)
	Hits      []searchHit
	Facets    []facetGroup
	Active    []activeFilter
	Classes   []web.Option
	Units     []web.Option
	Marks     []web.Option
	Kinds     []web.Option
	Sources   []web.Option
	Orders    []web.Option
	Mine      []web.Option
	Pages     web.Pagination
}

// searchHit is a result as the page shows it.
type searchHit struct {
	records.Hit
	ClassLabel string
	UnitName   string
}

// facetGroup is one facet's values as links that narrow the search.
type facetGroup struct {
	Title  string
	Values []facetLink
}

type facetLink struct {
	Text   string
	Count  int
	Href   string // "" when it cannot narrow further (it is the filter already, or a value no filter names)
	Indent int
}

// activeFilter is a filter in use, with the address without it.
type activeFilter struct {
	Text   string
	Remove string
}

func (h *handlers) searchPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	q := r.URL.Query()
	p := &searchPage{Form: web.NewForm(q), Here: r.URL.RequestURI()}
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return err
	}
	units := h.unitNames(ctx, sub)
	h.searchOptions(ctx, p, classes, sub)
	for _, k := range searchParams {
		if k != "order" && strings.TrimSpace(q.Get(k)) != "" {
			p.Searched = true
		}
	}
	if !p.Searched {
		return web.Render(w, r, http.StatusOK, "records/search", p)
	}
	rq, err := searchQuery(sub, q)
	if err == nil {
		p.Results, err = h.rs.Search(ctx, sub, rq)
	}
	if err != nil {
		if e := platform.AsError(err); e.Code == platform.CodeInvalid {
			p.Form.Errors = e.Fields
			if len(e.Fields) == 0 {
				p.Form.Message = e.Message
			}
			return web.Render(w, r, http.StatusBadRequest, "records/search", p)
		}
		return err
	}
	h.labelUnits(ctx, sub, &p.Results)
	p.TotalText, p.Words = thousands(p.Results.Total), strings.TrimSpace(q.Get("q")) != ""
	byID := map[string]records.Class{}
	for _, c := range classes {
		byID[c.ID] = c
	}
	for _, hit := range p.Results.Hits {
		c := byID[hit.ClassID]
		p.Hits = append(p.Hits, searchHit{Hit: hit, ClassLabel: c.Code + " " + c.Title, UnitName: units[hit.UnitID]})
	}
	p.Facets, p.Active = facetLinks(q, p.Results.Facets, byID, units)
	if p.Results.Next != "" {
		p.Pages.Next = web.CursorURL(r, p.Results.Next)
	}
	if q.Get("cursor") != "" {
		// Cursors know only the way forward; the first page is the one
		// other page a search can name.
		p.Pages.Prev = web.CursorURL(r, "")
	}
	return web.Render(w, r, http.StatusOK, "records/search", p)
}

// searchOptions fills the form's choices.
func (h *handlers) searchOptions(ctx context.Context, p *searchPage, classes []records.Class, sub *platform.Subject) {
	p.Classes = []web.Option{{Value: "", Text: "Anywhere in the file plan"}}
	for _, c := range classes {
		p.Classes = append(p.Classes, web.Option{Value: c.ID, Text: c.Code + " " + c.Title})
	}
	p.Units = []web.Option{{Value: "", Text: "All business units"}}
	us, err := h.dir.Units(ctx, platform.System(sub.OrgID))
	if err == nil {
		for _, u := range us {
			p.Units = append(p.Units, web.Option{Value: u.ID, Text: u.Name})
		}
	}
	p.Marks = []web.Option{{Value: "", Text: "Any"}, {Value: string(platform.Official), Text: "OFFICIAL"}, {Value: string(platform.OfficialSensitive), Text: "OFFICIAL-SENSITIVE"}}
	p.Kinds = []web.Option{{Value: "", Text: "Documents and records"}, {Value: "yes", Text: "Declared records only"}, {Value: "no", Text: "Documents not yet declared"}}
	p.Sources = []web.Option{{Value: "", Text: "Any"}}
	for _, s := range []string{records.SourceUpload, records.SourceAPI, records.SourceCase, records.SourceM365, records.SourceEmail, records.SourceImport} {
		p.Sources = append(p.Sources, web.Option{Value: s, Text: sourceNames[s]})
	}
	p.Orders = []web.Option{{Value: records.OrderRelevance, Text: "Best match"}, {Value: records.OrderNewest, Text: "Newest first"}}
	if p.Form.Value("order") == "" {
		p.Form.Input.Set("order", records.OrderRelevance)
	}
	p.Mine = []web.Option{{Value: "me", Text: "Only documents I filed"}}
}

var sourceNames = map[string]string{records.SourceUpload: "Uploaded in the page", records.SourceAPI: "Filed through the API",
	records.SourceCase: "A case's file", records.SourceM365: "Microsoft 365", records.SourceEmail: "Email", records.SourceImport: "Imported"}

// facetLinks turns the facets into links that add a filter to the search
// (from its first page), and lists the filters in use with links that
// take each away.
func facetLinks(q url.Values, f records.Facets, classes map[string]records.Class, units map[string]string) ([]facetGroup, []activeFilter) {
	with := func(kv ...string) string {
		n := url.Values{}
		for k, v := range q {
			n[k] = v
		}
		n.Del("cursor")
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				n.Del(kv[i])
			} else {
				n.Set(kv[i], kv[i+1])
			}
		}
		return "/records/search?" + n.Encode()
	}
	link := func(param, value string, kv ...string) string {
		if q.Get(param) == value {
			return ""
		}
		return with(append([]string{param, value}, kv...)...)
	}
	var groups []facetGroup
	g := facetGroup{Title: "File plan"}
	for _, v := range f.Classes {
		g.Values = append(g.Values, facetLink{Text: v.Label, Count: v.Count, Href: link("class", v.Value), Indent: strings.Count(classes[v.Value].Code, ".")})
	}
	groups = append(groups, g)
	g = facetGroup{Title: "Business unit"}
	for _, v := range f.Units {
		href := ""
		if v.Value != "" {
			href = link("unit", v.Value)
		}
		g.Values = append(g.Values, facetLink{Text: v.Label, Count: v.Count, Href: href})
	}
	groups = append(groups, g)
	g = facetGroup{Title: "Classification"}
	for _, v := range f.Classifications {
		g.Values = append(g.Values, facetLink{Text: v.Value, Count: v.Count, Href: link("classification", v.Value)})
	}
	groups = append(groups, g)
	g = facetGroup{Title: "Declared"}
	for _, v := range f.Records {
		g.Values = append(g.Values, facetLink{Text: v.Label, Count: v.Count, Href: link("records", v.Value)})
	}
	groups = append(groups, g)
	g = facetGroup{Title: "Year filed"}
	for _, v := range f.Years {
		from, to := v.Value+"-01-01", v.Value+"-12-31"
		href := ""
		if q.Get("from") != from || q.Get("to") != to {
			href = with("from", from, "to", to)
		}
		g.Values = append(g.Values, facetLink{Text: v.Value, Count: v.Count, Href: href})
	}
	groups = append(groups, g)

	var active []activeFilter
	add := func(text string, params ...string) {
		kv := make([]string, 0, 2*len(params))
		for _, p := range params {
			kv = append(kv, p, "")
		}
		active = append(active, activeFilter{Text: text, Remove: with(kv...)})
	}
	if v := q.Get("class"); v != "" {
		c := classes[v]
		add("In "+c.Code+" "+c.Title, "class")
	}
	if v := q.Get("unit"); v != "" {
		add("Business unit: "+or(units[v], v), "unit")
	}
	if v := q.Get("classification"); v != "" {
		add(v, "classification")
	}
	switch q.Get("records") {
	case "yes":
		add("Declared records only", "records")
	case "no":
		add("Documents not yet declared", "records")
	}
	if from, to := q.Get("from"), q.Get("to"); from != "" || to != "" {
		text := "Filed"
		if from != "" {
			text += " from " + from
		}
		if to != "" {
			text += " to " + to
		}
		add(text, "from", "to")
	}
	switch q.Get("author") {
	case "":
	case "me":
		add("Filed by you", "author")
	default:
		add("Filed by one person", "author")
	}
	if v := q.Get("tag"); v != "" {
		add("Tagged "+v, "tag")
	}
	if v := q.Get("source"); v != "" {
		add("From: "+or(sourceNames[v], v), "source")
	}
	return groups, active
}

// thousands writes n as people read it: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (h *handlers) apiSearch(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	rq, err := searchQuery(sub, q)
	if err != nil {
		return err
	}
	if s := q.Get("limit"); s != "" {
		if rq.Limit, err = strconv.Atoi(s); err != nil || rq.Limit < 1 || rq.Limit > 100 {
			return platform.Invalid("Check the query", platform.FieldError{Field: "limit", Message: "must be a whole number from 1 to 100"})
		}
	}
	res, err := h.rs.Search(r.Context(), sub, rq)
	if err != nil {
		return err
	}
	h.labelUnits(r.Context(), sub, &res)
	return web.WriteJSON(w, http.StatusOK, res)
}

func (h *handlers) routeSearch(rt *web.Router, api *web.API) {
	rt.Handle("GET /records/search", web.RequireSignedInFunc(h.searchPage))
	read := []string{platform.ScopeRead}
	q := func(name, desc string) web.Param { return web.Param{Name: name, In: "query", Description: desc} }
	api.HandleFunc("GET /api/v1/records/search", web.Op{Summary: "Search documents and records", OperationID: "searchRecords", Tags: tagRecords, Scopes: read,
		Description: "Full-text search of the documents you may read (their text, title, people, case reference, tags and file names), with filters and counts by " +
			"class, business unit, classification, declaration and year. Every word is matched as the start of a word, in any order; words in double quotes, or " +
			"joined by punctuation, are a phrase. Nothing you may not read is returned, counted or quoted. A search with words reads at most the 1,000 most " +
			"recently filed matches: its total, counts, order and pages are of those, and total_is_lower_bound says there are more. A search by filters " +
			"alone counts exactly up to 1,000 and pages through every match.",
		Params: []web.Param{q("q", "The words to find."), q("class", "A class ID (rcl_...): that class and the classes under it."), q("unit", "A business unit ID."),
			q("classification", "OFFICIAL or OFFICIAL-SENSITIVE."), q("records", "yes: declared records only; no: documents not yet declared."),
			q("from", "Filed on or after this day (YYYY-MM-DD, London)."), q("to", "Filed on or before this day (YYYY-MM-DD, London)."),
			q("author", "Filed by this user ID; me: by you."), q("tag", "Has this tag."), q("source", "upload, api, case, m365, email or import."),
			q("order", "relevance (the default with words) or newest."), q("cursor", "The next_cursor of the page before."),
			{Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 100}}},
		Responses: map[int]web.Response{200: {Description: "One page of results, with the total and the facets.", Schema: web.SchemaOf(records.Results{})}},
	}, h.apiSearch)
}
