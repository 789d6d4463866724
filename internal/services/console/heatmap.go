package console

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"dbtp/internal/chart"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// heatMapLimit bounds how many open cases one heat map reads; a register
// bigger than this is counted in part and says so.
const heatMapLimit = 2000

// scoredFields reports whether a service scores its cases on a five-point
// likelihood and impact scale (as the built-in risk register does); those
// services get a heat map on the dashboard.
func scoredFields(def *definition.Definition) bool {
	five := func(id string) bool {
		f := def.Field(id)
		if f == nil || f.Type != definition.TypeChoice || len(f.Options) != 5 {
			return false
		}
		for i, o := range f.Options {
			if o.Value != strconv.Itoa(i+1) {
				return false
			}
		}
		return true
	}
	return five("likelihood") && five("impact")
}

// heatMapPanel counts the open cases of a scored service by likelihood and
// impact, reading only cases the subject may read.
func (c *console) heatMapPanel(ctx context.Context, sub *platform.Subject, serviceID, unit string) (panel, error) {
	counts := make([][]int, 5)
	for i := range counts {
		counts[i] = make([]int, 5)
	}
	total, cursor := 0, ""
	for total < heatMapLimit {
		page, err := c.svc.Search(ctx, sub, services.CaseFilter{Service: serviceID, Unit: unit, OpenOnly: true}, cursor, 200)
		if err != nil {
			return panel{}, err
		}
		for _, sc := range page.Cases {
			full, err := c.svc.GetCase(ctx, sub, sc.ID)
			if err != nil {
				return panel{}, err
			}
			l, _ := strconv.Atoi(fmt.Sprint(full.Answers["likelihood"]))
			i, _ := strconv.Atoi(fmt.Sprint(full.Answers["impact"]))
			if l >= 1 && l <= 5 && i >= 1 && i <= 5 {
				counts[5-l][i-1]++
				total++
			}
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	h := chart.HeatMap{ID: "heatmap", Title: "Open risks by likelihood and impact", RowTitle: "Likelihood", ColTitle: "Impact",
		Description: fmt.Sprintf("%d open risks placed by likelihood (5 most likely, top) and impact (5 most severe, right); the darker the cell, the higher the score.", total),
		Rows:        []string{"5", "4", "3", "2", "1"}, Cols: []string{"1", "2", "3", "4", "5"},
		Score:  func(r, col int) float64 { return float64((5-r)*(col+1)) / 25.01 },
		Counts: counts}
	p := panel{ID: h.ID, Title: h.Title, Description: h.Description, Empty: total == 0}
	if p.Empty {
		return p, nil
	}
	p.SVG = h.SVG()
	rows := h.Table()
	p.Table.Caption = h.Title
	for i, v := range rows[0] {
		p.Table.Head = append(p.Table.Head, web.Cell{Text: v, Numeric: i > 0})
	}
	for _, row := range rows[1:] {
		cells := make([]web.Cell, len(row))
		for i, v := range row {
			cells[i] = web.Cell{Text: v, Numeric: i > 0}
		}
		p.Table.Rows = append(p.Table.Rows, cells)
	}
	return p, nil
}

// withHeatMap puts the heat map first when the chosen service is scored.
func (c *console) withHeatMap(ctx context.Context, sub *platform.Subject, defs []services.Published, f services.StatsFilter, panels []panel) ([]panel, error) {
	i := slices.IndexFunc(defs, func(d services.Published) bool { return d.Def.ID == f.Service })
	if i < 0 || !scoredFields(defs[i].Def) {
		return panels, nil
	}
	hp, err := c.heatMapPanel(ctx, sub, f.Service, f.Unit)
	if err != nil {
		return nil, err
	}
	return append([]panel{hp}, panels...), nil
}
