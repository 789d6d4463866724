package chart

import (
	"strings"
	"testing"
)

func riskGrid(counts [][]int) HeatMap {
	return HeatMap{ID: "risks", Title: "Open risks", Description: "Two risks are very high.", RowTitle: "Likelihood", ColTitle: "Impact",
		Rows: []string{"5", "4", "3", "2", "1"}, Cols: []string{"1", "2", "3", "4", "5"},
		Score:  func(r, c int) float64 { return float64((5-r)*(c+1)) / 25.01 },
		Counts: counts}
}

func TestHeatMapShadesBySeverityAndCountsEachCell(t *testing.T) {
	counts := [][]int{{0, 0, 0, 0, 2}, {0, 0, 0, 1, 0}, {0, 0, 1, 0, 0}, {0, 0, 0, 0, 0}, {3, 0, 0, 0, 0}}
	h := riskGrid(counts)
	svg := string(h.SVG())
	wellFormed(t, svg)
	if !strings.Contains(svg, `role="img"`) || strings.Contains(svg, "style=") {
		t.Fatal("heat map must be an accessible image without style attributes")
	}
	// Likelihood 5 x impact 5 is very high; 1 x 1 is low.
	if h.band(0, 4) != len(heatBands)-1 || h.band(4, 0) != 0 {
		t.Fatalf("bands: top right %d, bottom left %d", h.band(0, 4), h.band(4, 0))
	}
	tbl := h.Table()
	if len(tbl) != 6 || tbl[1][5] != "2" || tbl[5][1] != "3" || tbl[0][0] != "Likelihood \\ Impact" {
		t.Fatalf("table %v", tbl)
	}
	// Ragged or missing counts read as zero rather than panicking.
	short := riskGrid([][]int{{1}})
	wellFormed(t, string(short.SVG()))
	if short.Table()[5][5] != "0" {
		t.Fatal("missing cell should be 0")
	}
}
