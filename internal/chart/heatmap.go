package chart

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
)

// HeatMap is a grid of counts, such as open risks by likelihood (rows) and
// impact (columns). Cells are shaded by the row-times-column score the grid
// stands for, not by the count, so the red corner is always where the worst
// risks are; the count is printed in each cell.
type HeatMap struct {
	ID          string
	Title       string
	Description string
	RowTitle    string   // e.g. "Likelihood"
	ColTitle    string   // e.g. "Impact"
	Rows        []string // top to bottom, e.g. "5" ... "1"
	Cols        []string // left to right, e.g. "1" ... "5"
	// Score gives the severity of cell (r, c) from 0 (low) to 1 (high).
	Score  func(r, c int) float64
	Counts [][]int // [row][col]
}

// Severity bands with text colours that keep 4.5:1 contrast on each fill.
var heatBands = []struct{ fill, text, label string }{
	{"#cce2d8", "#0b0c0c", "low"},    // light green
	{"#fff7bf", "#0b0c0c", "medium"}, // light yellow
	{"#fcd6c3", "#0b0c0c", "high"},   // light orange
	{"#d4351c", "#ffffff", "very high"},
}

func (h HeatMap) band(r, c int) int {
	s := 0.0
	if h.Score != nil {
		s = h.Score(r, c)
	}
	return min(len(heatBands)-1, max(0, int(s*float64(len(heatBands)))))
}

func (h HeatMap) count(r, c int) int {
	if r < len(h.Counts) && c < len(h.Counts[r]) {
		return h.Counts[r][c]
	}
	return 0
}

// Table is the grid as rows of cells, first row the column headings.
func (h HeatMap) Table() [][]string {
	head := []string{h.RowTitle + " \\ " + h.ColTitle}
	head = append(head, h.Cols...)
	rows := [][]string{head}
	for r, label := range h.Rows {
		row := []string{label}
		for c := range h.Cols {
			row = append(row, strconv.Itoa(h.count(r, c)))
		}
		rows = append(rows, row)
	}
	return rows
}

// SVG draws the grid with axis titles and a legend of the bands.
func (h HeatMap) SVG() template.HTML {
	const cell, left, top = 64.0, 70.0, 34.0
	w := left + cell*float64(len(h.Cols)) + 10
	ht := top + cell*float64(len(h.Rows)) + 70
	var b strings.Builder
	id := esc(h.ID)
	fmt.Fprintf(&b, `<svg class="dbtp-chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %.0f %.0f" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif" role="img" aria-labelledby="%s-title %s-desc" focusable="false">`, w, ht, id, id)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, id, esc(h.Title), id, esc(h.Description))
	fmt.Fprintf(&b, `<text x="%.0f" y="18" font-size="14" font-weight="bold" fill="#0b0c0c">%s</text>`, left, esc(h.RowTitle+" (rows) by "+h.ColTitle+" (columns)"))
	for r, rl := range h.Rows {
		y := top + float64(r)*cell
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="14" text-anchor="end" fill="#0b0c0c">%s</text>`, left-8, y+cell/2+5, esc(rl))
		for c := range h.Cols {
			x := left + float64(c)*cell
			band := heatBands[h.band(r, c)]
			fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="%.0f" height="%.0f" fill="%s" stroke="#ffffff" stroke-width="2"/>`, x, y, cell, cell, band.fill)
			if n := h.count(r, c); n > 0 {
				fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="18" font-weight="bold" text-anchor="middle" fill="%s">%d</text>`, x+cell/2, y+cell/2+6, band.text, n)
			}
		}
	}
	base := top + cell*float64(len(h.Rows))
	for c, cl := range h.Cols {
		fmt.Fprintf(&b, `<text x="%.0f" y="%.0f" font-size="14" text-anchor="middle" fill="#0b0c0c">%s</text>`, left+float64(c)*cell+cell/2, base+18, esc(cl))
	}
	x := left
	for _, band := range heatBands {
		fmt.Fprintf(&b, `<rect x="%.0f" y="%.0f" width="14" height="14" fill="%s" stroke="#505a5f"/><text x="%.0f" y="%.0f" font-size="12" fill="#0b0c0c">%s</text>`,
			x, base+40, band.fill, x+18, base+52, band.label)
		x += 24 + 7*float64(len(band.label))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}
