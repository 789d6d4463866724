package workplaceweb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/workplace"
)

// demo fits occupancy sensors to about half of Sessions House's desks
// and to each meeting room, an environment sensor to each floor's first
// zone, and gives them the past working week of readings: quiet Monday
// and Friday, busy Tuesday to Thursday, and some booked desks nobody
// came to. It runs after the places and bookings demos; with no desks it
// does nothing.
func (p *sensorsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	sys.Name, sys.Addr = "dbtp demo", "demo seed"
	bs, err := p.ws.Buildings(ctx, sys)
	if err != nil || len(bs) == 0 {
		return err
	}
	building := bs[0]
	for _, b := range bs {
		if b.Name == "Sessions House" {
			building = b
		}
	}
	floors, err := p.ws.Floors(ctx, sys, building.ID)
	if err != nil {
		return err
	}
	onFloor := map[string]bool{}
	for _, f := range floors {
		onFloor[f.ID] = true
	}
	all, err := p.ws.Resources(ctx, sys, workplace.ResourceFilter{})
	if err != nil {
		return err
	}
	loc := p.ws.Location()
	now := p.d.Clock.Now().In(loc)
	// The past working week, as the demo's bookings have it.
	monday := pastWorkingWeek(now)
	busy := map[time.Weekday]float64{time.Monday: 0.35, time.Tuesday: 0.85, time.Wednesday: 0.9, time.Thursday: 0.75, time.Friday: 0.25}
	rng := rand.New(rand.NewPCG(7, 2026)) // the same story every time
	booked, err := p.demoBookings(ctx, org.ID, monday)
	if err != nil {
		return err
	}
	desks := 0
	for _, r := range all {
		if !onFloor[r.FloorID] || (r.Kind != workplace.KindDesk && r.Kind != workplace.KindRoom) {
			continue
		}
		if r.Kind == workplace.KindDesk {
			desks++
			if desks%2 == 0 {
				continue // about half the desks have a sensor
			}
		}
		s, _, err := p.ws.CreateSensor(ctx, sys, workplace.SensorInput{Name: r.Name + " sensor", Kind: workplace.SensorOccupancy, TargetKind: workplace.TargetResource, TargetID: r.ID})
		if err != nil {
			return err
		}
		var rs []workplace.PastReading
		for d := 0; d < 5; d++ {
			day := monday.AddDate(0, 0, d)
			status, has := booked[[2]string{r.ID, day.Format(time.DateOnly)}]
			var here bool
			switch {
			case has:
				here = status != workplace.StatusReleased // a no-show stays empty
			case r.Kind == workplace.KindRoom:
				here = rng.Float64() < busy[day.Weekday()]
			default:
				here = rng.Float64() < 0.05 // now and then someone sits down without booking
			}
			rs = append(rs, dayReadings(day, here, r.Kind == workplace.KindRoom, rng)...)
		}
		if _, err := p.ws.BackfillReadings(ctx, sys, s.ID, rs); err != nil {
			return err
		}
	}
	// Air quality in each floor's first zone.
	for _, f := range floors {
		zs, err := p.ws.Zones(ctx, sys, f.ID)
		if err != nil || len(zs) == 0 {
			if err != nil {
				return err
			}
			continue
		}
		s, _, err := p.ws.CreateSensor(ctx, sys, workplace.SensorInput{Name: zs[0].Name + " air", Kind: workplace.SensorEnvironment, TargetKind: workplace.TargetZone, TargetID: zs[0].ID})
		if err != nil {
			return err
		}
		var rs []workplace.PastReading
		for d := 0; d < 5; d++ {
			day := monday.AddDate(0, 0, d)
			for h := 8; h <= 18; h++ {
				t, hum := 19.5+float64(h-8)*0.25+rng.Float64(), 38+rng.Float64()*8
				co2 := 450 + int(busy[day.Weekday()]*float64(min(h-7, 6))*90)
				rs = append(rs, workplace.PastReading{At: day.Add(time.Duration(h) * time.Hour), Temperature: &t, Humidity: &hum, CO2: &co2})
			}
		}
		if _, err := p.ws.BackfillReadings(ctx, sys, s.ID, rs); err != nil {
			return err
		}
	}
	// About 56 people work from Sessions House: more than its desks, as
	// hot desking means.
	return p.ws.SetBuildingPeople(ctx, sys, building.ID, 56)
}

// dayReadings is one day of an occupancy sensor: a reading every half
// hour from 8 to 18, occupied from a random arrival to a random leaving
// when someone came (for a room, a few meetings).
func dayReadings(day time.Time, here, room bool, rng *rand.Rand) []workplace.PastReading {
	arrive, leave := 8*60+rng.IntN(90), 15*60+30+rng.IntN(150)
	var out []workplace.PastReading
	for m := 8 * 60; m <= 18*60; m += 30 {
		v := 0
		if here && m >= arrive && m <= leave && (!room || (m/60)%3 != 0) {
			v = 1
		}
		out = append(out, workplace.PastReading{At: day.Add(time.Duration(m) * time.Minute), Occupied: &v})
	}
	return out
}

// demoBookings reads the bookings demo's bookings of the week (the
// bookings part writes them; this only reads), so that sensors agree
// with them: a released booking is a no-show and its desk stays empty.
func (p *sensorsPart) demoBookings(ctx context.Context, orgID string, monday time.Time) (map[[2]string]string, error) {
	out := map[[2]string]string{}
	rows, err := p.ws.DB().Query(ctx, `SELECT resource_id, start_at, status FROM workplace_bookings WHERE org_id = ? AND start_at >= ? AND start_at < ?
		AND status IN ('confirmed', 'checked_in', 'released')`, orgID, store.Millis(monday), store.Millis(monday.AddDate(0, 0, 5)))
	if err != nil {
		return nil, fmt.Errorf("demo bookings: %w", err)
	}
	defer rows.Close()
	loc := p.ws.Location()
	for rows.Next() {
		var id, status string
		var at int64
		if err := rows.Scan(&id, &at, &status); err != nil {
			return nil, err
		}
		out[[2]string{id, store.Time(at).In(loc).Format(time.DateOnly)}] = status
	}
	return out, rows.Err()
}
