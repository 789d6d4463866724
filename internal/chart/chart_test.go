package chart

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"testing"
)

func wellFormed(t *testing.T, svg string) {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(svg))
	for {
		_, err := d.Token()
		if err == io.EOF {
			return
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v\n%s", err, svg)
		}
	}
}

func TestBarsAndColumnsAreAccessibleWellFormedAndEscaped(t *testing.T) {
	for _, columns := range []bool{false, true} {
		c := Chart{ID: "backlog", Title: "Open cases by state", Description: "Stage 1 has the most open cases.",
			Categories: []string{"Submitted", "Stage 1 <review>", "Stage 2"},
			Series:     []Series{{Label: "Complaints", Values: []float64{3, 12, 1}}, {Label: "Equipment & kit", Values: []float64{5, 0}}},
			Columns:    columns}
		svg := string(c.SVG())
		wellFormed(t, svg)
		for _, want := range []string{`role="img"`, `aria-labelledby="backlog-title backlog-desc"`, `<title id="backlog-title">Open cases by state</title>`,
			"Stage 1 &lt;review&gt;", "Equipment &amp; kit"} {
			if !strings.Contains(svg, want) && !(columns && want == "Stage 1 &lt;review&gt;") {
				t.Errorf("columns=%v: SVG lacks %q", columns, want)
			}
		}
		if strings.Contains(svg, "style=") || strings.Contains(svg, "<script") {
			t.Errorf("SVG must carry no style attributes or scripts under the CSP")
		}
	}
}

func TestTableMatchesData(t *testing.T) {
	c := Chart{Categories: []string{"Adults", "Finance"}, Series: []Series{{Label: "Within SLA", Values: []float64{92.5, 100}}}, Unit: "%", Decimals: 1}
	got := c.Table()
	want := [][]string{{"", "Within SLA"}, {"Adults", "92.5%"}, {"Finance", "100.0%"}}
	if len(got) != len(want) {
		t.Fatalf("table %v", got)
	}
	for i := range want {
		if strings.Join(got[i], "|") != strings.Join(want[i], "|") {
			t.Fatalf("row %d = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestScaleAndEmptyData(t *testing.T) {
	for in, want := range map[float64]float64{0.3: 0.5, 7: 10, 12: 20, 22: 25, 99: 100, 100: 100, 101: 200, 4500: 5000} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
	empty := Chart{ID: "e", Title: "Nothing yet"}
	wellFormed(t, string(empty.SVG()))
	if rows := empty.Table(); len(rows) != 1 {
		t.Fatalf("empty table %v", rows)
	}
}

// A bar chart's category labels are whole: on a line above their bars, not
// squeezed beside them where a narrow screen cut them off.
func TestBarLabelsAreWhole(t *testing.T) {
	label := "Make a complaint: Stage 1: investigating"
	c := Chart{ID: "b", Title: "t", Description: "d", Categories: []string{label, "Make a complaint: Received"},
		Series: []Series{{Label: "Open", Values: []float64{3, 5}}}}
	if svg := string(c.SVG()); !strings.Contains(svg, ">"+label+"<") {
		t.Fatalf("label cut: %s", svg)
	}
}

// A column chart labels at most six columns, so that labels as long as
// "Mon 16 Nov", at the chart's text size, do not run into each other.
func TestColumnLabelsAtMostSix(t *testing.T) {
	for _, n := range []int{1, 8, 9, 20, 23, 60} {
		c := Chart{ID: "c", Title: "t", Description: "d", Columns: true}
		s := Series{Label: "Used"}
		for i := range n {
			c.Categories = append(c.Categories, fmt.Sprintf("Day %d", i))
			s.Values = append(s.Values, float64(i))
		}
		c.Series = []Series{s}
		labels := strings.Count(string(c.SVG()), `text-anchor="middle"`)
		if labels > 6 || labels < min(n, 4) {
			t.Errorf("%d columns: %d labels", n, labels)
		}
	}
}

// A column chart's middle gridline is drawn at the value it is labelled
// with: half of 25 was drawn at 12.5 and labelled "12".
func TestColumnMiddleGridlineMatchesItsLabel(t *testing.T) {
	for _, tc := range []struct {
		max      float64
		decimals int
		label    string
	}{{22, 0, "12"}, {2.2, 1, "1.2"}, {9, 0, "5"}} {
		c := Chart{ID: "c", Title: "t", Description: "d", Columns: true, Decimals: tc.decimals,
			Categories: []string{"a", "b"}, Series: []Series{{Label: "n", Values: []float64{0, tc.max}}}}
		svg := string(c.SVG())
		top := niceCeil(tc.max)
		mid, _ := strconv.ParseFloat(tc.label, 64)
		// The line's y is the area's foot less the label's value to scale.
		y := fmt.Sprintf(`y1="%.1f"`, legendH+colAreaH-mid*colAreaH/top)
		if !strings.Contains(svg, y+` x2="640" `) || !strings.Contains(svg, `>`+tc.label+`</text>`) {
			t.Errorf("max %v: want the middle line at %s labelled %s in\n%s", tc.max, y, tc.label, svg)
		}
	}
}
