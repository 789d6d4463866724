package services

import (
	"context"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// entryPlan is everything that entering a state will do, worked out before
// the write: the clock from the working-day calendar, the business units
// named by assign actions (a lookup in another module), the tasks' due dates.
// Inside the write only SQL remains, which keeps group commits short.
type entryPlan struct {
	state    definition.State
	at       time.Time
	dueAt    time.Time // zero: no clock
	atRiskAt time.Time
	// escalated carries a whole-case deadline's escalation across states,
	// so a breach is escalated once, not again in every state it visits.
	escalated bool
	assign    *assignPlan
	assigned  bool // apply gave the case to assign.person
	tasks     []plannedTask
	notify    []definition.Notify
}

type assignPlan struct {
	queue  string
	unitID string // "" keeps the case's unit
	// person is who the case is given to when nobody holds it: the person
	// named in the action's person answer, already checked to be someone
	// who could work on it; "" for nobody.
	person string
	field  string // the person question's label, for the timeline
}

type plannedTask struct {
	title string
	due   time.Time
}

// planEntry works out entering stateID at at for c, the case as it is
// before (with the answers it will have).
func (s *Service) planEntry(ctx context.Context, c *Case, def *definition.Definition, stateID string, at time.Time) (entryPlan, error) {
	orgID := c.OrgID
	st, ok := findState(def, stateID)
	if !ok {
		return entryPlan{}, platform.Internal(fmt.Errorf("services: %s v%d has no state %q", def.ID, def.Version, stateID))
	}
	p := entryPlan{state: st, at: at}
	if dl := def.Workflow.Deadline; dl != nil && !st.Terminal {
		// A new case: the deadline counts from now, its receipt. A move
		// keeps the case's clock instead (keepDeadline).
		p.dueAt, p.atRiskAt = s.deadlineAt(dl, at, false)
	} else if !st.Terminal && st.SLADays > 0 {
		p.dueAt = s.workingDays(at, st.SLADays)
		switch {
		case st.AtRiskDays <= 0:
			p.atRiskAt = p.dueAt
		case st.AtRiskDays >= st.SLADays:
			p.atRiskAt = at
		default:
			p.atRiskAt = s.workingDays(at, st.SLADays-st.AtRiskDays)
		}
	}
	for _, a := range st.OnEnter {
		switch {
		case a.Assign != nil:
			unitID, err := s.unitID(ctx, orgID, a.Assign.Unit)
			if err != nil {
				return entryPlan{}, err
			}
			p.assign = &assignPlan{queue: a.Assign.Queue, unitID: unitID}
			if err := s.planPerson(ctx, c, def, a.Assign, p.assign); err != nil {
				return entryPlan{}, err
			}
		case a.Task != nil:
			t := plannedTask{title: a.Task.Title}
			if a.Task.DueDays > 0 {
				t.due = s.workingDays(at, a.Task.DueDays)
			}
			p.tasks = append(p.tasks, t)
		case a.Notify != nil:
			p.notify = append(p.notify, *a.Notify)
		}
	}
	return p, nil
}

func (s *Service) workingDays(t time.Time, n int) time.Time {
	return s.opts.Calendar.AddWorkingDays(t, n).UTC().Truncate(time.Millisecond)
}

// deadlineAt is a whole-case deadline counted from the case's receipt,
// with its extension when extended, and the moment it turns at risk.
func (s *Service) deadlineAt(dl *definition.Deadline, received time.Time, extended bool) (due, atRisk time.Time) {
	months, days := dl.CalendarMonths, dl.WorkingDays
	if extended && dl.Extension != nil {
		// Counted from receipt, not from the first due date: a due date
		// moved off a weekend must not push the extension later too.
		months, days = months+dl.Extension.CalendarMonths, days+dl.Extension.WorkingDays
	}
	if months > 0 {
		due = s.calendarMonths(received, months)
	} else {
		due = s.workingDays(received, days)
	}
	atRisk = due
	if dl.AtRiskDays > 0 {
		atRisk = s.workingDays(due, -dl.AtRiskDays)
	}
	return due, atRisk
}

// keepDeadline makes a move keep the case's whole-case deadline (and
// whether it was escalated), or, on the extension's transition, extend it.
func (s *Service) keepDeadline(p *entryPlan, def *definition.Definition, c *Case, transitionID string) {
	dl := def.Workflow.Deadline
	if dl == nil || p.state.Terminal {
		return
	}
	if x := dl.Extension; x != nil && x.Transition == transitionID {
		p.dueAt, p.atRiskAt = s.deadlineAt(dl, c.SubmittedAt, true)
		p.escalated = c.Escalated && p.dueAt.Before(p.at)
		return
	}
	p.dueAt, p.atRiskAt, p.escalated = c.DueAt, c.AtRiskAt, c.Escalated
}

// calendarMonths is the deadline n calendar months after t: the calendar's
// own rule (calendar.AddCalendarMonths: London dates and bank holidays)
// when it has one; otherwise the same rule in t's zone with Monday to
// Friday as the working days.
func (s *Service) calendarMonths(t time.Time, n int) time.Time {
	if c, ok := s.opts.Calendar.(interface {
		AddCalendarMonths(time.Time, int) time.Time
	}); ok {
		return c.AddCalendarMonths(t, n).UTC().Truncate(time.Millisecond)
	}
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, 0, 0, 0, 0, t.Location())
	last := first.AddDate(0, 1, -1).Day()
	due := time.Date(first.Year(), first.Month(), min(d, last), 23, 59, 59, 999_000_000, t.Location())
	for due.Weekday() == time.Saturday || due.Weekday() == time.Sunday {
		due = due.AddDate(0, 0, 1)
	}
	return due.UTC()
}

// apply sets the case's own columns for the new state; the caller writes the
// row, then calls run for the actions that write rows of their own.
func (p *entryPlan) apply(c *Case) {
	c.State, c.Terminal, c.StateEnteredAt = p.state.ID, p.state.Terminal, p.at
	c.DueAt, c.AtRiskAt, c.Escalated = p.dueAt, p.atRiskAt, p.escalated
	c.ClosedAt = time.Time{}
	if p.state.Terminal {
		c.ClosedAt = p.at
	}
	if a := p.assign; a != nil {
		// Moving the case to another unit hands it to that unit's queue: the
		// person it was assigned to may not even be able to see it there.
		if a.unitID != "" && a.unitID != c.UnitID {
			c.UnitID, c.AssigneeID = a.unitID, ""
		}
		if a.queue != "" {
			c.Queue = a.queue
		}
		if a.person != "" && c.AssigneeID == "" {
			c.AssigneeID = a.person
			p.assigned = true
		}
	}
}

// planPerson finds who an assign action's person answer names, and keeps
// them in plan if the case, in the unit it will be in, could be given to
// them (CouldWorkOn: a disabled account, a resident or someone whose role
// does not work on cases is not given it, and it waits in the queue).
func (s *Service) planPerson(ctx context.Context, c *Case, def *definition.Definition, a *definition.Assign, plan *assignPlan) error {
	id, _ := c.Answers[a.Person].(string)
	if a.Person == "" || id == "" || s.opts.Person == nil || !platform.ValidID("usr", id) {
		return nil
	}
	p, err := s.opts.Person(ctx, c.OrgID, id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil {
		return platform.AsError(err)
	}
	next := *c
	if plan.unitID != "" {
		next.UnitID = plan.unitID
	}
	next.AssigneeID = ""
	if s.couldWorkOn(p, next, def) {
		plan.person = id
		if f := def.Field(a.Person); f != nil {
			plan.field = f.Label
		}
	}
	return nil
}

// run creates the state's tasks and sends its notifications inside tx.
func (s *Service) run(ctx context.Context, tx *store.Tx, sub *platform.Subject, def *definition.Definition, c *Case, p *entryPlan) error {
	if p.assigned {
		detail := "assigned to " + c.AssigneeID + " (named as " + lowerFirst(p.assign.field) + ")"
		if err := s.addEvent(ctx, tx, sub, c, p.at, EventAssigned, "", "", detail, false); err != nil {
			return err
		}
	}
	for _, t := range p.tasks {
		if _, err := insertTask(ctx, tx, c, NewTask{Title: t.title, DueAt: t.due}, c.State, actorID(sub), p.at, true); err != nil {
			return err
		}
	}
	for _, n := range p.notify {
		to, ok := recipient(n.To, c)
		if !ok {
			continue // e.g. "applicant" on a case submitted by the platform itself: nobody to tell
		}
		m := Message{ID: platform.NewID("msg"), OrgID: c.OrgID, CaseID: c.ID, Reference: c.Reference, To: to,
			Template: n.Template, Subject: render(n.Subject, def, c), Body: render(n.Body, def, c), CreatedAt: p.at}
		if err := s.opts.Notifier.Notify(ctx, tx, m); err != nil {
			return fmt.Errorf("services: notify: %w", err)
		}
	}
	return nil
}

// recipient resolves a notify action's "to" against the case.
func recipient(to string, c *Case) (Recipient, bool) {
	switch to {
	case "applicant":
		if c.ApplicantID != "" {
			return Recipient{Kind: ToUser, Value: c.ApplicantID}, true
		}
		if c.ApplicantEmail != "" {
			return Recipient{Kind: ToEmail, Value: c.ApplicantEmail}, true
		}
		return Recipient{}, false
	case "assignee":
		if c.AssigneeID != "" {
			return Recipient{Kind: ToUser, Value: c.AssigneeID}, true
		}
		// Nobody has picked it up yet: tell whoever watches the queue.
		return Recipient{Kind: ToQueue, Value: c.Queue, UnitID: c.UnitID}, true
	case "":
		return Recipient{}, false
	}
	return Recipient{Kind: ToRole, Value: to, UnitID: c.UnitID}, true
}

// render fills the placeholders a definition's message text may use, in
// one pass from left to right, so a value that itself reads like a
// placeholder is left as it is. It runs inside the submission's write (the
// reference is only known there): building a strings.Replacer for each
// message cost the single writer more than filling the text.
func render(text string, def *definition.Definition, c *Case) string {
	i := strings.Index(text, "{{")
	if i < 0 {
		return text
	}
	var b strings.Builder
	b.Grow(len(text) + len(c.Reference) + len(def.Title))
	for i >= 0 {
		b.WriteString(text[:i])
		text = text[i:]
		switch {
		case strings.HasPrefix(text, "{{reference}}"):
			b.WriteString(c.Reference)
			text = text[len("{{reference}}"):]
		case strings.HasPrefix(text, "{{title}}"):
			b.WriteString(def.Title)
			text = text[len("{{title}}"):]
		case strings.HasPrefix(text, "{{state}}"):
			b.WriteString(stateLabel(def, c.State))
			text = text[len("{{state}}"):]
		default: // not a placeholder here; one may start at the next brace
			b.WriteByte('{')
			text = text[1:]
		}
		i = strings.Index(text, "{{")
	}
	b.WriteString(text)
	return b.String()
}

func actorID(sub *platform.Subject) string {
	if sub == nil {
		return ""
	}
	return sub.UserID
}
