package workplaceweb

import (
	"context"
	"math/rand/v2"
	"slices"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/workplace"
)

// demo books Sessions House (made by the places demo) the way a week
// starts: Jo Baker has a desk tomorrow and a meeting room in the morning,
// Priya Shah a desk every weekday for the next week, and Kim Adeyemi a
// room tomorrow afternoon. Without desks or rooms there is nothing to book.
func (p *bookingsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	desks, err := m.ws.Resources(ctx, sys, workplace.ResourceFilter{Kind: workplace.KindDesk})
	if err != nil || len(desks) == 0 {
		return err
	}
	rooms, err := m.ws.Resources(ctx, sys, workplace.ResourceFilter{Kind: workplace.KindRoom})
	if err != nil {
		return err
	}
	loc := m.ws.Location()
	now := m.d.Clock.Now().In(loc)
	tomorrow := now.AddDate(0, 0, 1).Format("2006-01-02")
	person := func(email string) *platform.Subject {
		s, err := env.Person(ctx, org, email)
		if err != nil {
			return nil
		}
		return s
	}
	// bookAny books the first desk the rules let this person have.
	bookAny := func(sub *platform.Subject, in workplace.BookInput, from int) error {
		var last error
		for i := range desks {
			in.ResourceID = desks[(from+i)%len(desks)].ID
			if _, last = m.ws.Book(ctx, sub, in); last == nil {
				return nil
			}
		}
		return last
	}
	if jo := person("staff@kent.example"); jo != nil {
		if err := bookAny(jo, workplace.BookInput{Date: tomorrow}, 0); err != nil {
			return err
		}
		if len(rooms) > 0 {
			if _, err := m.ws.Book(ctx, jo, workplace.BookInput{ResourceID: rooms[0].ID, Date: tomorrow, From: "10:00", To: "11:00",
				Title: "Budget monitoring catch-up", Attendees: min(4, rooms[0].Capacity)}); err != nil {
				return err
			}
		}
	}
	if priya := person("manager@kent.example"); priya != nil {
		until := now.AddDate(0, 0, 7).Format("2006-01-02")
		if err := bookAny(priya, workplace.BookInput{Date: tomorrow, SkipClashes: true,
			Repeat: workplace.Repeat{Every: workplace.RepeatDaily, Until: until}}, len(desks)/2); err != nil {
			return err
		}
	}
	if err := p.demoLastWeek(ctx, m, org, desks, now); err != nil {
		return err
	}
	if kim := person("stores@kent.example"); kim != nil && len(rooms) > 0 {
		r := rooms[len(rooms)-1]
		if _, err := m.ws.Book(ctx, kim, workplace.BookInput{ResourceID: r.ID, Date: tomorrow, From: "14:00", To: "15:00",
			Title: "Sessions House desk review", Attendees: min(3, r.Capacity)}); err != nil && platform.CodeOf(err) != platform.CodeConflict {
			return err
		}
	}
	return nil
}

// demoLastWeek books last week's desks as the council's people used
// them: each working day a share of the directory's active staff came in
// (few on Monday and Friday, most from Tuesday to Thursday), each to a
// desk of their own, in their team's neighbourhood or outside any, and
// about one booking in eight was a no-show that was released. The people
// are the directory's (the demo's sign-ins and whatever other staff it
// holds), so each booking's person is someone who exists and can be
// looked up. The sensors' demo readings follow these bookings, so the
// utilisation page tells one story.
func (p *bookingsPart) demoLastWeek(ctx context.Context, m *Module, org platform.Org, desks []workplace.Resource, now time.Time) error {
	sys := platform.System(org.ID)
	people, err := demoStaff(ctx, m.d.Directory, sys)
	if err != nil || len(people) == 0 {
		return err
	}
	zones, err := m.ws.Zones(ctx, sys, "")
	if err != nil {
		return err
	}
	team := map[string]string{} // zone -> the business unit whose neighbourhood it is
	for _, z := range zones {
		team[z.ID] = z.UnitID
	}
	loc := m.ws.Location()
	monday := pastWorkingWeek(now.In(loc))
	share := map[time.Weekday]float64{time.Monday: 0.4, time.Tuesday: 0.85, time.Wednesday: 0.9, time.Thursday: 0.8, time.Friday: 0.3}
	rng := rand.New(rand.NewPCG(9, 2026)) // the same week every time
	var past []workplace.PastBooking
	for d := 0; d < 5; d++ {
		day := monday.AddDate(0, 0, d)
		if m.Holiday != nil {
			if _, shut := m.Holiday(day); shut {
				continue
			}
		}
		taken := make([]bool, len(desks))
		order := rng.Perm(len(desks)) // desks taken in a different order each day
		for _, i := range rng.Perm(len(people)) {
			if rng.Float64() >= share[day.Weekday()] {
				continue // not in the office that day
			}
			person := people[i]
			desk := -1
			for _, k := range order {
				if unit := team[desks[k].ZoneID]; !taken[k] && (unit == "" || slices.Contains(person.Units, unit)) {
					desk = k
					break
				}
			}
			if desk < 0 {
				continue // nowhere left they may sit
			}
			taken[desk] = true
			start, end := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc), time.Date(day.Year(), day.Month(), day.Day(), 18, 0, 0, 0, loc)
			b := workplace.PastBooking{ResourceID: desks[desk].ID, PersonID: person.ID, PersonName: person.Name, Start: start, End: end,
				Status: workplace.StatusCheckedIn, CheckedInAt: start.Add(time.Duration(30+rng.IntN(75)) * time.Minute)}
			if len(person.Units) > 0 {
				b.UnitID = person.Units[0]
			}
			if rng.Float64() < 0.12 {
				b.Status, b.CheckedInAt = workplace.StatusReleased, time.Time{}
			}
			past = append(past, b)
		}
	}
	if len(past) == 0 || !past[len(past)-1].End.Before(now) {
		return nil // last week has not ended (a clock far in the past): no history
	}
	return m.ws.BackfillBookings(ctx, sys, past)
}

// demoStaff are the organisation's active staff in the directory, by
// name, at most a thousand.
func demoStaff(ctx context.Context, dir platform.Directory, sys *platform.Subject) ([]platform.Person, error) {
	var out []platform.Person
	q := platform.PeopleQuery{Staff: true, Active: true, Limit: 200}
	for len(out) < 1000 {
		page, err := dir.SearchPeople(ctx, sys, q)
		if err != nil {
			return nil, err
		}
		out = append(out, page.People...)
		if page.Next == "" {
			break
		}
		q.After = page.Next
	}
	return out, nil
}

// pastWorkingWeek is the Monday of the last working week wholly past: the
// week before this one, or this one at a weekend (on a Sunday the week
// just ended, not the one before it, which left the latest week empty).
func pastWorkingWeek(now time.Time) time.Time {
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, -1)
	}
	if wd := now.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return monday
	}
	return monday.AddDate(0, 0, -7)
}
