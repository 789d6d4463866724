package workplaceweb

import (
	"context"
	"math/rand/v2"
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

// demoColleagues book the desks of the demo's last week: people of the
// council who are not demo sign-ins, so their history stays out of the
// demo people's own bookings.
var demoColleagues = []string{"Aisha Begum", "Ben Taylor", "Chloe Evans", "Daniel Price", "Ella Hughes", "Finley Ward", "Grace Kaur",
	"Harry Wilson", "Isla Roberts", "Jack Cooper", "Kiran Patel", "Lily Morgan", "Mohammed Ali", "Nia Davies", "Oliver Brown",
	"Poppy Green", "Ravi Sharma", "Sophie Hall", "Tom Clarke", "Uma Singh", "Victor Lewis", "Willow King", "Yusuf Khan",
	"Zara Ahmed", "Adam Scott", "Beth Turner", "Callum Reid", "Dina Osei", "Ethan Moore", "Freya Bell", "George Hill",
	"Hannah Wood", "Ian Baker", "Jess Carter", "Kyle Young", "Leah Jones", "Max Harris", "Nadia Rahman", "Owen Fisher", "Priti Das"}

// demoLastWeek books last week's desks as people really used them: quiet
// Monday and Friday, busy Tuesday to Thursday, and about one booking in
// eight a no-show that was released. The sensors' demo readings follow
// these bookings, so the utilisation page tells one story.
func (p *bookingsPart) demoLastWeek(ctx context.Context, m *Module, org platform.Org, desks []workplace.Resource, now time.Time) error {
	loc := m.ws.Location()
	monday := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	for monday.Weekday() != time.Monday {
		monday = monday.AddDate(0, 0, -1)
	}
	monday = monday.AddDate(0, 0, -7)
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
		who := 0
		for _, desk := range desks {
			if who == len(demoColleagues) || rng.Float64() >= share[day.Weekday()] {
				continue
			}
			start, end := time.Date(day.Year(), day.Month(), day.Day(), 8, 0, 0, 0, loc), time.Date(day.Year(), day.Month(), day.Day(), 18, 0, 0, 0, loc)
			b := workplace.PastBooking{ResourceID: desk.ID, PersonName: demoColleagues[who], Start: start, End: end, Status: workplace.StatusCheckedIn,
				CheckedInAt: start.Add(time.Duration(30+rng.IntN(75)) * time.Minute)}
			if rng.Float64() < 0.12 {
				b.Status, b.CheckedInAt = workplace.StatusReleased, time.Time{}
			}
			past = append(past, b)
			who++
		}
	}
	if len(past) == 0 || !past[len(past)-1].End.Before(now) {
		return nil // last week has not ended (a clock far in the past): no history
	}
	return m.ws.BackfillBookings(ctx, platform.System(org.ID), past)
}
