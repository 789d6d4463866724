package console

import (
	"fmt"
	"html"
	"html/template"
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// A service with a timeline (definition.Timeline) is shown to staff as
// bars by group, coloured by RAG status: the technology roadmap by strategy
// theme. The SVG is a picture of the table under it; the table is what
// screen readers and narrow screens read.

// timelineLimit bounds the items drawn; a programme is dozens of projects.
const timelineLimit = 500

type roadmapItem struct {
	Href, Label, Start, End, RAG, RAGClass, State string
	from, to                                      time.Time
}

type timelineGroup struct {
	Title string
	Items []roadmapItem
	SVG   template.HTML
}

type timelinePage struct {
	Title   string
	Groups  []timelineGroup
	Partial bool // more items than timelineLimit
	Empty   bool
}

var ragClass = map[string]string{"red": "govuk-tag--red", "amber": "govuk-tag--orange", "green": "govuk-tag--green"}
var ragFill = map[string]string{"red": "#d4351c", "amber": "#f47738", "green": "#00703c"}

func (c *console) timeline(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	pub, err := c.svc.GetDefinition(ctx, sub, r.PathValue("service"), 0)
	if err != nil {
		return err
	}
	def, tl := pub.Def, pub.Def.Timeline
	if tl == nil {
		return platform.NotFound("timeline")
	}
	p := timelinePage{Title: tl.Title}
	groups := map[string]*timelineGroup{}
	var order []string
	if f := def.Field(tl.Group); f != nil {
		for _, o := range f.Options {
			groups[o.Value] = &timelineGroup{Title: o.Label}
			order = append(order, o.Value)
		}
	}
	cursor, n := "", 0
	for {
		page, err := c.svc.Search(ctx, sub, services.CaseFilter{Service: def.ID}, cursor, 200)
		if err != nil {
			return err
		}
		for _, sc := range page.Cases {
			if n >= timelineLimit {
				p.Partial = true
				break
			}
			cs, err := c.svc.GetCase(ctx, sub, sc.ID)
			if err != nil {
				continue // may no longer be readable
			}
			n++
			item, group := timelineItemOf(def, tl, cs)
			g := groups[group]
			if g == nil {
				g = &timelineGroup{Title: "Not grouped"}
				groups[group] = g
				order = append(order, group)
			}
			g.Items = append(g.Items, item)
		}
		if page.Next == "" || p.Partial {
			break
		}
		cursor = page.Next
	}
	for _, k := range order {
		if g := groups[k]; len(g.Items) > 0 {
			g.SVG = timelineSVG(g.Items)
			p.Groups = append(p.Groups, *g)
		}
	}
	p.Empty = len(p.Groups) == 0
	return web.Render(w, r, http.StatusOK, "console/timeline", p)
}

func timelineItemOf(def *definition.Definition, tl *definition.Timeline, cs services.Case) (roadmapItem, string) {
	str := func(id string) string { v, _ := cs.Answers[id].(string); return v }
	it := roadmapItem{Href: "/cases/" + cs.ID, Label: str(tl.Label), RAG: "Not set", RAGClass: "govuk-tag--grey", State: cs.State}
	if it.Label == "" {
		it.Label = cs.Reference
	}
	if st := def.State(cs.State); st != nil && st.Label != "" {
		it.State = st.Label
	}
	it.from, _ = time.Parse(time.DateOnly, str(tl.Start))
	it.to, _ = time.Parse(time.DateOnly, str(tl.End))
	if !it.from.IsZero() {
		it.Start = it.from.Format("Jan 2006")
	}
	if !it.to.IsZero() {
		it.End = it.to.Format("Jan 2006")
	}
	if rag := str(tl.RAG); rag != "" {
		it.RAGClass = ragClass[rag]
		if f := def.Field(tl.RAG); f != nil {
			for _, o := range f.Options {
				if o.Value == rag {
					it.RAG = o.Label
				}
			}
		}
	}
	return it, str(tl.Group)
}

// timelineSVG draws one group's bars against years. Text is in the SVG, so
// labels scale with it rather than being cut off on a narrow screen.
func timelineSVG(items []roadmapItem) template.HTML {
	var lo, hi time.Time
	for _, it := range items {
		if !it.from.IsZero() && (lo.IsZero() || it.from.Before(lo)) {
			lo = it.from
		}
		if !it.to.IsZero() && it.to.After(hi) {
			hi = it.to
		}
	}
	if lo.IsZero() || !hi.After(lo) {
		return ""
	}
	lo = time.Date(lo.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	hi = time.Date(hi.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
	const left, width, row = 260.0, 420.0, 28.0
	x := func(t time.Time) float64 { return left + width*t.Sub(lo).Hours()/hi.Sub(lo).Hours() }
	h := 30 + row*float64(len(items))
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="dbtp-timeline" viewBox="0 0 %.0f %.0f" role="img" aria-label="Timeline of the items in the table below" focusable="false">`, left+width+10, h)
	for y := lo.Year(); y <= hi.Year(); y++ {
		xx := x(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC))
		fmt.Fprintf(&b, `<line x1="%.1f" y1="18" x2="%.1f" y2="%.0f" stroke="#b1b4b6"/>`, xx, xx, h)
		if y < hi.Year() {
			fmt.Fprintf(&b, `<text x="%.1f" y="13" font-size="12" fill="#0b0c0c">%d</text>`, xx+2, y)
		}
	}
	for i, it := range items {
		y := 24 + row*float64(i)
		label := it.Label
		if len([]rune(label)) > 38 {
			label = string([]rune(label)[:37]) + "…"
		}
		fmt.Fprintf(&b, `<text x="0" y="%.1f" font-size="13" fill="#0b0c0c">%s</text>`, y+14, html.EscapeString(label))
		if it.from.IsZero() || it.to.IsZero() {
			continue
		}
		fill := ragFill[ragOf(it.RAGClass)]
		if fill == "" {
			fill = "#505a5f"
		}
		fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="18" fill="%s"/>`, x(it.from), y+2, max(x(it.to)-x(it.from), 2), fill)
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

func ragOf(class string) string {
	for k, v := range ragClass {
		if v == class {
			return k
		}
	}
	return ""
}
