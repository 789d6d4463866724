package workplace

import (
	"context"
	"math"
	"slices"
	"strconv"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// UtilisationFilter chooses what the utilisation covers.
type UtilisationFilter struct {
	BuildingID string // "" every building
	FloorID    string // "" every floor
	From, To   time.Time
	// TargetPeak is the share of desks the busiest day should fill, for
	// the desks needed (0.85 when 0).
	TargetPeak float64
	// DirectoryPeople counts the people in business units, for the
	// people-to-desk ratio when no one entered the building's number;
	// nil: only an entered number is used.
	DirectoryPeople func(ctx context.Context, unitIDs []string) (int, error)
}

// DayUse is one working day's use of the desks chosen.
type DayUse struct {
	Day      time.Time // local midnight
	Capacity int       // desks
	Booked   int       // desks booked (confirmed, checked in, or released as no-shows)
	Occupied int       // desks used: seen by a sensor, or checked in where none is fitted
	Released int       // booked but nobody came
	Peak     bool      // one of the busiest days of the period
}

// NoShowRate is the share of bookings nobody turned up for.
func (d DayUse) NoShowRate() float64 { return ratio(d.Released, d.Booked) }

// WeekdayUse is the average day of one weekday in the period.
type WeekdayUse struct {
	Weekday          time.Weekday
	Days             int
	Booked, Occupied float64 // averages
	PeakOccupied     int
}

// AreaUse is one building, floor or zone over the period.
type AreaUse struct {
	Level, ID, Name string // Level: building, floor or zone
	Capacity        int
	Booked          int // desk-days booked
	Occupied        int // desk-days used
	Released        int
	PeakOccupied    int
	Days            int
}

// Utilisation is the share of the period's desk-days used.
func (a AreaUse) Utilisation() float64 { return ratio(a.Occupied, a.Capacity*a.Days) }

// NoShowRate is the share of the area's bookings nobody came to.
func (a AreaUse) NoShowRate() float64 { return ratio(a.Released, a.Booked) }

// Utilisation is how the desks chosen were used over a period of working
// days (weekends and bank holidays are left out).
type Utilisation struct {
	From, To      time.Time // To is the day after the last
	Days          []DayUse
	Weekdays      []WeekdayUse
	Areas         []AreaUse
	Capacity      int
	Booked        int
	Occupied      int
	Released      int
	PeakOccupied  int
	PeakDay       time.Time
	People        int    // people using the building(s); 0 not known
	PeopleSource  string // "entered" or "directory"
	TargetPeak    float64
	DesksNeeded   int // for the busiest day to fill TargetPeak of them
	SensedDesks   int // desks with an occupancy sensor (the rest count check-ins)
	BuildingNames []string
}

// NoShowRate is released ÷ booked over the period.
func (u Utilisation) NoShowRate() float64 { return ratio(u.Released, u.Booked) }

// PeoplePerDesk is the people-to-desk ratio; 0 when not known.
func (u Utilisation) PeoplePerDesk() float64 { return ratio(u.People, u.Capacity) }

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}

// CanSeeUtilisation reports whether sub may see the estate's utilisation:
// workplace managers, administrators and managers.
func CanSeeUtilisation(sub *platform.Subject) bool {
	return CanKeep(sub) || sub.HasRole(platform.RoleManager)
}

type desk struct {
	id, floor, zone, building string
}

// Utilisation measures the use of desks over [f.From, f.To) (local days).
func (s *Store) Utilisation(ctx context.Context, sub *platform.Subject, f UtilisationFilter) (Utilisation, error) {
	if err := s.mayRead(ctx, sub); err != nil {
		return Utilisation{}, err
	}
	if !CanSeeUtilisation(sub) {
		return Utilisation{}, platform.Errorf(platform.CodeForbidden, "Utilisation is for workplace managers and managers")
	}
	loc := s.opts.Location
	from, to := dayStart(f.From, loc), dayStart(f.To, loc)
	if !from.Before(to) || to.Sub(from) > 400*24*time.Hour {
		return Utilisation{}, platform.Invalid("Check the dates", platform.FieldError{Field: "from", Message: "Enter a start date before the end date, at most 400 days apart"})
	}
	if f.TargetPeak <= 0 || f.TargetPeak > 1 {
		f.TargetPeak = 0.85
	}
	u := Utilisation{From: from, To: to, TargetPeak: f.TargetPeak}
	desks, names, err := s.desksFor(ctx, sub.OrgID, f)
	if err != nil {
		return u, err
	}
	u.Capacity = len(desks)
	byID := map[string]desk{}
	for _, d := range desks {
		byID[d.id] = d
	}
	// The working days of the period.
	var days []time.Time
	index := map[string]int{}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
			continue
		}
		if s.opts.Holiday != nil {
			if _, ok := s.opts.Holiday(d); ok {
				continue
			}
		}
		index[d.Format(time.DateOnly)] = len(days)
		days = append(days, d)
	}
	dayOf := func(ms int64) (int, bool) {
		i, ok := index[store.Time(ms).In(loc).Format(time.DateOnly)]
		return i, ok
	}
	type key struct {
		desk string
		day  int
	}
	booked, released, checkedIn := map[key]bool{}, map[key]bool{}, map[key]bool{}
	rows, err := s.db.Query(ctx, `SELECT resource_id, start_at, status FROM workplace_bookings
		WHERE org_id = ? AND start_at >= ? AND start_at < ? AND status IN ('confirmed', 'checked_in', 'released')`,
		sub.OrgID, store.Millis(from), store.Millis(to))
	if err != nil {
		return u, err
	}
	for rows.Next() {
		var id, status string
		var at int64
		if err := rows.Scan(&id, &at, &status); err != nil {
			rows.Close()
			return u, err
		}
		i, ok := dayOf(at)
		if _, isDesk := byID[id]; !ok || !isDesk {
			continue
		}
		k := key{id, i}
		booked[k] = true
		switch status {
		case StatusReleased:
			released[k] = true
		case StatusCheckedIn:
			checkedIn[k] = true
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return u, err
	}
	// Sensors: desks with their own occupancy sensor are judged by it;
	// a zone's people counter adds what it saw beyond the desks' own.
	sensed := map[string]bool{}
	counters := map[string]bool{} // zones with a counter
	srows, err := s.db.Query(ctx, `SELECT target_kind, target_id FROM workplace_sensors WHERE org_id = ? AND kind = 'occupancy' AND target_id <> ''`, sub.OrgID)
	if err != nil {
		return u, err
	}
	for srows.Next() {
		var kind, id string
		if err := srows.Scan(&kind, &id); err != nil {
			srows.Close()
			return u, err
		}
		if kind == TargetResource {
			sensed[id] = true
		} else {
			counters[id] = true
		}
	}
	srows.Close()
	if err := srows.Err(); err != nil {
		return u, err
	}
	seen := map[key]bool{}
	zoneCount := map[[2]string]int{} // zone, day -> most people counted
	brows, err := s.db.Query(ctx, `SELECT target_id, bucket_start, occupied_samples, max_count FROM workplace_sensor_buckets
		WHERE org_id = ? AND bucket_start >= ? AND bucket_start < ? AND (occupied_samples > 0 OR max_count > 0)`,
		sub.OrgID, store.Millis(from), store.Millis(to))
	if err != nil {
		return u, err
	}
	for brows.Next() {
		var target string
		var at int64
		var occ, count int
		if err := brows.Scan(&target, &at, &occ, &count); err != nil {
			brows.Close()
			return u, err
		}
		i, ok := dayOf(at)
		if !ok {
			continue
		}
		if _, isDesk := byID[target]; isDesk {
			seen[key{target, i}] = true
		} else if counters[target] {
			zk := [2]string{target, days[i].Format(time.DateOnly)}
			zoneCount[zk] = max(zoneCount[zk], count)
		}
	}
	brows.Close()
	if err := brows.Err(); err != nil {
		return u, err
	}
	for _, d := range desks {
		if sensed[d.id] {
			u.SensedDesks++
		}
	}
	occupied := func(k key) bool {
		if sensed[k.desk] {
			return seen[k]
		}
		return checkedIn[k]
	}

	// Totals per day and per area.
	areas := map[string]*AreaUse{}
	area := func(level, id, name string) *AreaUse {
		a := areas[level+" "+id]
		if a == nil {
			a = &AreaUse{Level: level, ID: id, Name: name, Days: len(days)}
			areas[level+" "+id] = a
		}
		return a
	}
	for _, d := range desks {
		for _, a := range []*AreaUse{area("building", d.building, names[d.building]), area("floor", d.floor, names[d.floor]), area("zone", d.zone, names[d.zone])} {
			if a.ID != "" {
				a.Capacity++
			}
		}
	}
	for i, day := range days {
		du := DayUse{Day: day, Capacity: len(desks)}
		perArea := map[*AreaUse]int{}
		zoneDesks := map[string]int{}
		for _, d := range desks {
			k := key{d.id, i}
			as := []*AreaUse{area("building", d.building, ""), area("floor", d.floor, ""), area("zone", d.zone, "")}
			if booked[k] {
				du.Booked++
				for _, a := range as {
					a.Booked++
				}
			}
			if released[k] {
				du.Released++
				for _, a := range as {
					a.Released++
				}
			}
			if occupied(k) {
				du.Occupied++
				zoneDesks[d.zone]++
				for _, a := range as {
					perArea[a]++
				}
			}
		}
		// A zone's counter may have seen more people than the desks' own
		// sensors and check-ins: count them, up to the zone's desks.
		for z := range counters {
			za := areas["zone "+z]
			if za == nil {
				continue
			}
			extra := min(zoneCount[[2]string{z, day.Format(time.DateOnly)}], za.Capacity) - zoneDesks[z]
			if extra <= 0 {
				continue
			}
			du.Occupied += extra
			for _, d := range desks {
				if d.zone == z {
					perArea[area("building", d.building, "")] += extra
					perArea[area("floor", d.floor, "")] += extra
					perArea[za] += extra
					break
				}
			}
		}
		for a, n := range perArea {
			a.Occupied += n
			a.PeakOccupied = max(a.PeakOccupied, n)
		}
		u.Days = append(u.Days, du)
		u.Booked += du.Booked
		u.Occupied += du.Occupied
		u.Released += du.Released
		if du.Occupied > u.PeakOccupied {
			u.PeakOccupied, u.PeakDay = du.Occupied, day
		}
	}
	// Peak days: within a tenth of the busiest.
	for i := range u.Days {
		u.Days[i].Peak = u.PeakOccupied > 0 && float64(u.Days[i].Occupied) >= 0.9*float64(u.PeakOccupied)
	}
	u.DesksNeeded = int(math.Ceil(float64(u.PeakOccupied) / u.TargetPeak))
	u.Weekdays = weekdays(u.Days)
	for _, a := range areas {
		if a.ID != "" {
			u.Areas = append(u.Areas, *a)
		}
	}
	order := map[string]int{"building": 0, "floor": 1, "zone": 2}
	slices.SortFunc(u.Areas, func(a, b AreaUse) int {
		if order[a.Level] != order[b.Level] {
			return order[a.Level] - order[b.Level]
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
	for _, a := range u.Areas {
		if a.Level == "building" {
			u.BuildingNames = append(u.BuildingNames, a.Name)
		}
	}
	if err := s.people(ctx, sub.OrgID, f, desks, &u); err != nil {
		return u, err
	}
	return u, nil
}

func weekdays(days []DayUse) []WeekdayUse {
	var out []WeekdayUse
	for wd := time.Monday; wd <= time.Friday; wd++ {
		w := WeekdayUse{Weekday: wd}
		var b, o int
		for _, d := range days {
			if d.Day.Weekday() == wd {
				w.Days++
				b += d.Booked
				o += d.Occupied
				w.PeakOccupied = max(w.PeakOccupied, d.Occupied)
			}
		}
		if w.Days > 0 {
			w.Booked, w.Occupied = float64(b)/float64(w.Days), float64(o)/float64(w.Days)
		}
		out = append(out, w)
	}
	return out
}

func dayStart(t time.Time, loc *time.Location) time.Time {
	y, m, d := t.In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, loc)
}

// desksFor lists the active desks chosen, with the names of their
// buildings, floors and zones.
func (s *Store) desksFor(ctx context.Context, orgID string, f UtilisationFilter) ([]desk, map[string]string, error) {
	q := `SELECT r.id, r.floor_id, r.zone_id, f.building_id, f.name, b.name, COALESCE(z.name, '')
		FROM workplace_resources r
		JOIN workplace_floors f ON f.id = r.floor_id
		JOIN workplace_buildings b ON b.id = f.building_id
		LEFT JOIN workplace_zones z ON z.id = r.zone_id
		WHERE r.org_id = ? AND r.kind = 'desk' AND r.active = 1`
	args := []any{orgID}
	if f.BuildingID != "" {
		q, args = q+` AND f.building_id = ?`, append(args, f.BuildingID)
	}
	if f.FloorID != "" {
		q, args = q+` AND r.floor_id = ?`, append(args, f.FloorID)
	}
	rows, err := s.db.Query(ctx, q+` ORDER BY r.id`, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out []desk
	names := map[string]string{}
	for rows.Next() {
		var d desk
		var floor, building, zone string
		if err := rows.Scan(&d.id, &d.floor, &d.zone, &d.building, &floor, &building, &zone); err != nil {
			return nil, nil, err
		}
		names[d.floor], names[d.building] = floor, building
		if d.zone != "" {
			names[d.zone] = zone
		}
		out = append(out, d)
	}
	return out, names, rows.Err()
}

// people fills in how many people use the buildings chosen: the numbers
// workplace managers entered, or else the directory's count of the
// people in the business units whose team neighbourhoods are there.
func (s *Store) people(ctx context.Context, orgID string, f UtilisationFilter, desks []desk, u *Utilisation) error {
	buildings := map[string]bool{}
	for _, d := range desks {
		buildings[d.building] = true
	}
	entered, all := 0, len(buildings) > 0
	for b := range buildings {
		var n int
		err := s.db.QueryRow(ctx, `SELECT people FROM workplace_building_people WHERE building_id = ? AND org_id = ?`, b, orgID).Scan(&n)
		if store.IsNoRows(err) {
			all = false
			continue
		}
		if err != nil {
			return err
		}
		entered += n
	}
	if all {
		u.People, u.PeopleSource = entered, "entered"
		return nil
	}
	if f.DirectoryPeople == nil {
		return nil
	}
	rows, err := s.db.Query(ctx, `SELECT DISTINCT z.unit_id, f.building_id FROM workplace_zones z JOIN workplace_floors f ON f.id = z.floor_id
		WHERE z.org_id = ? AND z.unit_id <> ''`, orgID)
	if err != nil {
		return err
	}
	var units []string
	for rows.Next() {
		var unit, b string
		if err := rows.Scan(&unit, &b); err != nil {
			rows.Close()
			return err
		}
		if buildings[b] && !slices.Contains(units, unit) {
			units = append(units, unit)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(units) == 0 {
		return err
	}
	n, err := f.DirectoryPeople(ctx, units)
	if err != nil {
		return err
	}
	u.People, u.PeopleSource = n, "directory"
	return nil
}

// SetBuildingPeople records how many people use a building, for the
// people-to-desk ratio; 0 forgets the number (the directory's count is
// then used).
func (s *Store) SetBuildingPeople(ctx context.Context, sub *platform.Subject, buildingID string, people int) error {
	if people < 0 || people > 1_000_000 {
		return platform.Invalid("Check the number of people", platform.FieldError{Field: "people", Message: "Enter the number of people as a whole number from 0 to 1000000"})
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.mayKeep(tx, sub); err != nil {
			return err
		}
		if err := inOrg(tx, "workplace_buildings", buildingID, sub.OrgID, "building_id", "Choose one of the buildings"); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM workplace_building_people WHERE building_id = ?`, buildingID); err != nil {
			return err
		}
		if people > 0 {
			if _, err := tx.Exec(ctx, `INSERT INTO workplace_building_people (building_id, org_id, people, updated_at) VALUES (?, ?, ?, ?)`,
				buildingID, sub.OrgID, people, store.Millis(s.now())); err != nil {
				return err
			}
		}
		e := audit.For(sub, "workplace.building_people", "building", buildingID, audit.Success)
		e.Detail = "people using the building: " + strconv.Itoa(people)
		return s.audit.Record(tx, e)
	})
}
