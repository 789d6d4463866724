// Package chart draws simple, accessible bar charts as inline SVG on the
// server, so dashboards need no JavaScript. A chart is never the only way to
// read the figures: Table gives the same data for a table beside it, and the
// SVG carries a title and description for screen readers.
package chart

import (
	"fmt"
	"html/template"
	"math"
	"strconv"
	"strings"
)

// Palette colours all contrast at least 4.5:1 with white (WCAG 1.4.11 needs
// 3:1 for graphics), taken from the GOV.UK colour palette.
var Palette = []string{"#1d70b8", "#00703c", "#d4351c", "#4c2c92", "#003078", "#505a5f"}

// Series is one set of values, one per category.
type Series struct {
	Label  string
	Values []float64
}

// Chart is a grouped bar chart: categories down the side (horizontal bars,
// so long labels such as workflow states fit) or along the bottom (columns,
// for time series).
type Chart struct {
	ID          string // unique on the page; used for aria-labelledby
	Title       string
	Description string // one sentence saying what the chart shows
	Categories  []string
	Series      []Series
	Unit        string // appended to values in labels and the table, e.g. "%" or " days"
	Columns     bool   // vertical columns instead of horizontal bars
	Decimals    int
}

// Table is the chart's data as rows of cells, first row the header.
func (c Chart) Table() [][]string {
	head := []string{""}
	for _, s := range c.Series {
		head = append(head, s.Label)
	}
	rows := [][]string{head}
	for i, cat := range c.Categories {
		row := []string{cat}
		for _, s := range c.Series {
			row = append(row, c.format(value(s, i)))
		}
		rows = append(rows, row)
	}
	return rows
}

func value(s Series, i int) float64 {
	if i < len(s.Values) && !math.IsNaN(s.Values[i]) && !math.IsInf(s.Values[i], 0) {
		return s.Values[i]
	}
	return 0
}

func (c Chart) format(v float64) string {
	return strconv.FormatFloat(v, 'f', c.Decimals, 64) + c.Unit
}

func (c Chart) max() float64 {
	m := 0.0
	for _, s := range c.Series {
		for i := range c.Categories {
			m = max(m, value(s, i))
		}
	}
	if m == 0 {
		return 1
	}
	return niceCeil(m)
}

// midTick is the middle gridline's value: half the top, rounded down to
// what the chart's decimals can say, and the line drawn at that value.
// Half of 25 was drawn at 12.5 and labelled "12" (and half of 2.5 at 1.25,
// labelled "1.2"), so the line and its label disagreed.
func (c Chart) midTick(top float64) float64 {
	p := math.Pow(10, float64(c.Decimals))
	return math.Floor(top/2*p) / p
}

// niceCeil rounds up to 1, 2, 2.5 or 5 times a power of ten, for a clean axis.
func niceCeil(v float64) float64 {
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, f := range []float64{1, 2, 2.5, 5, 10} {
		if v <= f*p {
			return f * p
		}
	}
	return 10 * p
}

const (
	width     = 640.0
	barH      = 18.0
	groupGap  = 10.0
	legendH   = 28.0
	axisH     = 24.0
	colAreaH  = 220.0
	colLabelH = 48.0
)

// SVG renders the chart. Text is escaped; colours come from Palette.
func (c Chart) SVG() template.HTML {
	var b strings.Builder
	if c.Columns {
		c.columns(&b)
	} else {
		c.bars(&b)
	}
	return template.HTML(b.String())
}

func (c Chart) open(b *strings.Builder, h float64) {
	id := template.HTMLEscapeString(c.ID)
	fmt.Fprintf(b, `<svg class="dbtp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" role="img" aria-labelledby="%s-title %s-desc" focusable="false">`, width, h, id, id)
	fmt.Fprintf(b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(c.Title), id, esc(c.Description))
	c.legend(b)
}

func (c Chart) legend(b *strings.Builder) {
	x := 0.0
	for i, s := range c.Series {
		fmt.Fprintf(b, `<rect x="%.0f" y="6" width="14" height="14" fill="%s"/><text x="%.0f" y="18" font-size="14" fill="#0b0c0c">%s</text>`,
			x, Palette[i%len(Palette)], x+20, esc(s.Label))
		x += 32 + 8*float64(len([]rune(s.Label)))
	}
}

// bars draws each category's label on a line of its own above its bars,
// across the chart's whole width: beside the bars a long label ("Make a
// complaint: Stage 1: investigating") was cut off on a narrow screen.
func (c Chart) bars(b *strings.Builder) {
	n := max(1, len(c.Series))
	const labelLine = 20.0
	groupH := labelLine + float64(n)*barH + groupGap
	h := legendH + float64(len(c.Categories))*groupH + axisH
	c.open(b, h)
	scale := (width - 60) / c.max()
	for i, cat := range c.Categories {
		y := legendH + float64(i)*groupH
		fmt.Fprintf(b, `<text x="0" y="%.1f" font-size="14" fill="#0b0c0c">%s</text>`, y+15, esc(truncate(cat, 70)))
		for j, s := range c.Series {
			v := value(s, i)
			w := v * scale
			by := y + labelLine + float64(j)*barH
			fmt.Fprintf(b, `<rect x="0" y="%.1f" width="%.1f" height="%.0f" fill="%s"/>`, by, w, barH-2, Palette[j%len(Palette)])
			fmt.Fprintf(b, `<text x="%.1f" y="%.1f" font-size="14" fill="#0b0c0c">%s</text>`, w+4, by+barH-4, esc(c.format(v)))
		}
	}
	fmt.Fprintf(b, `<line x1="0" y1="%.0f" x2="0" y2="%.0f" stroke="#505a5f"/>`, legendH, h-axisH)
	b.WriteString(`</svg>`)
}

func (c Chart) columns(b *strings.Builder) {
	n := max(1, len(c.Series))
	h := legendH + colAreaH + colLabelH
	c.open(b, h)
	left := 48.0
	slot := (width - left) / float64(max(1, len(c.Categories)))
	colW := max(2, (slot-6)/float64(n))
	top := c.max()
	scale := colAreaH / top
	base := legendH + colAreaH
	for _, tick := range []float64{0, c.midTick(top), top} {
		y := base - tick*scale
		fmt.Fprintf(b, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#b1b4b6"/><text x="%.0f" y="%.1f" font-size="14" text-anchor="end" fill="#0b0c0c">%s</text>`,
			left, y, width, y, left-4, y+4, esc(c.format(tick)))
	}
	// Label at most six columns: twenty working days labelled every
	// other one ran their "Mon 16 Nov"s into each other, and the labels
	// are 14 units high, as the rest of the chart's text, so that a
	// chart drawn narrower than its 640 units stays readable.
	every := max(1, (len(c.Categories)+5)/6)
	for i, cat := range c.Categories {
		x := left + float64(i)*slot + 3
		for j, s := range c.Series {
			v := value(s, i)
			fmt.Fprintf(b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>`, x+float64(j)*colW, base-v*scale, colW-1, v*scale, Palette[j%len(Palette)])
		}
		if i%every == 0 {
			fmt.Fprintf(b, `<text x="%.1f" y="%.0f" font-size="14" text-anchor="middle" fill="#0b0c0c">%s</text>`, x+slot/2-3, base+20, esc(truncate(cat, 10)))
		}
	}
	b.WriteString(`</svg>`)
}

func esc(s string) string { return template.HTMLEscapeString(s) }

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
