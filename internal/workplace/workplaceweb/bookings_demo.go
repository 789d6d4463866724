package workplaceweb

import (
	"context"

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
	if kim := person("stores@kent.example"); kim != nil && len(rooms) > 0 {
		r := rooms[len(rooms)-1]
		if _, err := m.ws.Book(ctx, kim, workplace.BookInput{ResourceID: r.ID, Date: tomorrow, From: "14:00", To: "15:00",
			Title: "Sessions House desk review", Attendees: min(3, r.Capacity)}); err != nil && platform.CodeOf(err) != platform.CodeConflict {
			return err
		}
	}
	return nil
}
