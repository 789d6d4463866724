package definition

import (
	"fmt"
	"strings"

	"dbtp/internal/platform"
)

func (c *checker) checkWorkflow() {
	w := &c.d.Workflow
	c.states = map[string]int{}
	if len(w.States) == 0 {
		c.add("workflow.states", "missing; list the states a case moves through")
		return
	}
	if len(w.States) > maxStates || len(w.Transitions) > maxTransitions {
		c.add("workflow", "at most %d states and %d transitions are allowed; split the service", maxStates, maxTransitions)
		return
	}
	for i := range w.States {
		c.checkState(i)
	}
	if c.identifier("workflow.initial", w.Initial, snakePattern, "a state ID") {
		if _, ok := c.states[w.Initial]; !ok {
			c.add("workflow.initial", "unknown state %q", w.Initial)
		}
	}
	ids := map[string]int{}
	out := make([][]int, len(w.States)) // state -> states its transitions lead to
	for i := range w.Transitions {
		t := &w.Transitions[i]
		p := fmt.Sprintf("workflow.transitions[%d]", i)
		if c.identifier(p+".id", t.ID, snakePattern, "lower-case words joined by underscores, like start_stage2") {
			if j, dup := ids[t.ID]; dup {
				c.add(p+".id", "transition %q is already defined at workflow.transitions[%d]", t.ID, j)
			} else {
				ids[t.ID] = i
			}
		}
		c.required(p+".label", t.Label)
		to, toOK := c.states[t.To]
		switch {
		case t.To == "":
			c.add(p+".to", "missing; name the state this transition leads to")
		case !toOK:
			c.add(p+".to", "unknown state %q", t.To)
		}
		if len(t.From) == 0 {
			c.add(p+".from", "missing; list the states this transition may be made from")
		}
		seen := map[string]bool{}
		for j, from := range t.From {
			fp := fmt.Sprintf("%s.from[%d]", p, j)
			k, ok := c.states[from]
			switch {
			case !ok:
				c.add(fp, "unknown state %q", from)
			case seen[from]:
				c.add(fp, "%q is listed twice", from)
			case w.States[k].Terminal:
				c.add(fp, "%q is terminal: a closed case has no transitions out", from)
			case toOK:
				out[k] = append(out[k], to)
			}
			seen[from] = true
		}
		c.checkGuards(p, t)
	}
	c.checkStateGraph(out)
	c.checkDeadline(ids)
}

// maxCalendarMonths bounds a deadline: a year is more than any statute gives.
const maxCalendarMonths = 12

// checkDeadline checks the whole-case clock; ids are the transitions by ID.
func (c *checker) checkDeadline(ids map[string]int) {
	w := &c.d.Workflow
	dl := w.Deadline
	if dl == nil {
		return
	}
	const p = "workflow.deadline"
	switch {
	case dl.CalendarMonths == 0 && dl.WorkingDays == 0:
		c.add(p, "say how long the case may take: calendar_months or working_days")
	case dl.CalendarMonths != 0 && dl.WorkingDays != 0:
		c.add(p, "give calendar_months or working_days, not both")
	case dl.CalendarMonths < 0 || dl.CalendarMonths > maxCalendarMonths:
		c.add(p+".calendar_months", "want between 1 and %d", maxCalendarMonths)
	case dl.WorkingDays < 0 || dl.WorkingDays > maxWorkingDays:
		c.add(p+".working_days", "want between 1 and %d", maxWorkingDays)
	case dl.AtRiskDays < 0:
		c.add(p+".at_risk_days", "want 0 or more")
	case dl.WorkingDays > 0 && dl.AtRiskDays >= dl.WorkingDays:
		c.add(p+".at_risk_days", "want fewer than working_days (%d), or every case would be at risk from the start", dl.WorkingDays)
	case dl.CalendarMonths > 0 && dl.AtRiskDays > 20*dl.CalendarMonths:
		c.add(p+".at_risk_days", "want at most %d working days for %d calendar months", 20*dl.CalendarMonths, dl.CalendarMonths)
	}
	for i, s := range w.States {
		if s.SLADays > 0 {
			// Two clocks would disagree about when the case is late.
			c.add(fmt.Sprintf("workflow.states[%d].sla_days", i), "the workflow has a deadline for the whole case; a state of it cannot have its own clock")
		}
	}
	if e := dl.Escalation; e != nil {
		if e.NotifyRole == "" && strings.TrimSpace(e.Queue) == "" {
			c.add(p+".escalate", "say what happens on a breach: notify_role, queue or both")
		}
		if _, ok := platform.ParseRole(string(e.NotifyRole)); e.NotifyRole != "" && !ok {
			c.add(p+".escalate.notify_role", "unknown role %q; want one of %s", e.NotifyRole, roleNames())
		}
	}
	x := dl.Extension
	if x == nil {
		return
	}
	i, ok := ids[x.Transition]
	switch {
	case x.Transition == "":
		c.add(p+".extension.transition", "missing; name the transition that extends the deadline")
	case !ok:
		c.add(p+".extension.transition", "unknown transition %q", x.Transition)
	default:
		if k, ok := c.states[w.Transitions[i].To]; ok && w.States[k].Terminal {
			c.add(p+".extension.transition", "%q closes the case; an extension leads to a state where the work goes on", x.Transition)
		}
	}
	switch {
	case dl.CalendarMonths > 0 && (x.WorkingDays != 0 || x.CalendarMonths < 1 || dl.CalendarMonths+x.CalendarMonths > maxCalendarMonths):
		c.add(p+".extension.calendar_months", "want calendar_months, like the deadline, from 1 to %d in all", maxCalendarMonths)
	case dl.WorkingDays > 0 && (x.CalendarMonths != 0 || x.WorkingDays < 1 || dl.WorkingDays+x.WorkingDays > maxWorkingDays):
		c.add(p+".extension.working_days", "want working_days, like the deadline, from 1 to %d in all", maxWorkingDays)
	}
}

func (c *checker) checkState(i int) {
	s := &c.d.Workflow.States[i]
	p := fmt.Sprintf("workflow.states[%d]", i)
	if c.identifier(p+".id", s.ID, snakePattern, "lower-case words joined by underscores, like stage1 or referred_to_ombudsman") {
		if j, dup := c.states[s.ID]; dup {
			c.add(p+".id", "state %q is already defined at workflow.states[%d]", s.ID, j)
		} else {
			c.states[s.ID] = i
		}
	}
	c.required(p+".label", s.Label)
	switch {
	case s.SLADays < 0 || s.SLADays > maxWorkingDays:
		c.add(p+".sla_days", "want between 0 (no clock) and %d working days", maxWorkingDays)
	case s.Terminal && s.SLADays > 0:
		c.add(p+".sla_days", "a terminal state has no clock: the case is closed")
	case s.AtRiskDays < 0:
		c.add(p+".at_risk_days", "want 0 or more")
	case s.SLADays == 0 && s.AtRiskDays > 0:
		c.add(p+".at_risk_days", "at_risk_days needs sla_days: there is no due date to be at risk of missing")
	case s.SLADays > 0 && s.AtRiskDays >= s.SLADays:
		c.add(p+".at_risk_days", "want fewer than sla_days (%d), or every case would be at risk from the start", s.SLADays)
	}
	if e := s.Escalation; e != nil {
		if s.SLADays == 0 {
			c.add(p+".escalate", "escalation happens when sla_days is breached, and this state has no sla_days")
		}
		if e.NotifyRole == "" && strings.TrimSpace(e.Queue) == "" {
			c.add(p+".escalate", "say what happens on a breach: notify_role, queue or both")
		}
		if _, ok := platform.ParseRole(string(e.NotifyRole)); e.NotifyRole != "" && !ok {
			c.add(p+".escalate.notify_role", "unknown role %q; want one of %s", e.NotifyRole, roleNames())
		}
	}
	for j := range s.OnEnter {
		c.checkAction(fmt.Sprintf("%s.on_enter[%d]", p, j), &s.OnEnter[j])
	}
}

func (c *checker) checkAction(p string, a *Action) {
	parts := 0
	for _, set := range []bool{a.Notify != nil, a.Task != nil, a.Assign != nil, a.Sign != nil} {
		if set {
			parts++
		}
	}
	if parts != 1 {
		c.add(p, "an action has exactly one of notify, task, assign or sign; this one has %d", parts)
	}
	if sg := a.Sign; sg != nil {
		c.checkSign(p+".sign", sg)
	}
	if n := a.Notify; n != nil {
		_, isRole := platform.ParseRole(n.To)
		switch {
		case n.To == "":
			c.add(p+".notify.to", "missing; want %s, %s or a role (%s)", RecipientApplicant, RecipientAssignee, roleNames())
		case n.To != RecipientApplicant && n.To != RecipientAssignee && !isRole:
			c.add(p+".notify.to", "unknown recipient %q; want %s, %s or a role (%s)", n.To, RecipientApplicant, RecipientAssignee, roleNames())
		}
		if strings.TrimSpace(n.Template) == "" && strings.TrimSpace(n.Body) == "" {
			c.add(p+".notify", "give the message: a body (and subject), or a template")
		}
		c.placeholders(p+".notify.subject", n.Subject)
		c.placeholders(p+".notify.body", n.Body)
	}
	if t := a.Task; t != nil {
		c.required(p+".task.title", t.Title)
		if t.DueDays < 0 || t.DueDays > maxWorkingDays {
			c.add(p+".task.due_days", "want between 0 and %d working days", maxWorkingDays)
		}
	}
	if as := a.Assign; as != nil {
		c.required(p+".assign.queue", as.Queue)
		if as.Person != "" {
			switch f := c.field(as.Person); {
			case f == nil:
				c.add(p+".assign.person", "unknown field %q", as.Person)
			case f.Type != TypePerson:
				c.add(p+".assign.person", "%q is a %s question; want a person question", as.Person, f.Type)
			}
		}
	}
}

func (c *checker) checkGuards(p string, t *Transition) {
	if t.ApplicantReason != "" && !t.Applicant {
		c.add(p+".applicant_reason", "applies only to moves the applicant may make (applicant: true)")
	}
	if len(t.ApplicantReason) > 200 {
		c.add(p+".applicant_reason", "want a question of at most 200 characters")
	}
	for j, r := range t.Roles {
		if _, ok := platform.ParseRole(string(r)); !ok {
			c.add(fmt.Sprintf("%s.roles[%d]", p, j), "unknown role %q; want one of %s", r, roleNames())
		}
	}
	for j, u := range t.Units {
		if strings.TrimSpace(u) == "" {
			c.add(fmt.Sprintf("%s.units[%d]", p, j), "an empty business unit name")
		}
	}
	seen := map[string]bool{}
	for j, id := range t.Requires {
		rp := fmt.Sprintf("%s.requires[%d]", p, j)
		f := c.field(id)
		dup := seen[id]
		seen[id] = true
		switch {
		case f == nil:
			c.add(rp, "unknown field %q", id)
		case !f.Internal:
			c.add(rp, "%q is asked of the applicant; requires lists internal fields that staff fill in", id)
		case dup:
			c.add(rp, "%q is listed twice", id)
		}
	}
}

// checkStateGraph makes sure a case can always move on: every state is
// reachable from the initial one, every non-terminal state has a way out, and
// some terminal state can be reached, so no case is stranded.
func (c *checker) checkStateGraph(out [][]int) {
	w := &c.d.Workflow
	start, ok := c.states[w.Initial]
	if !ok {
		return
	}
	reached := make([]bool, len(w.States))
	stack := []int{start}
	reached[start] = true
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, k := range out[i] {
			if !reached[k] {
				reached[k] = true
				stack = append(stack, k)
			}
		}
	}
	anyTerminal := false
	for i, s := range w.States {
		if s.ID == "" || c.states[s.ID] != i {
			continue
		}
		p := fmt.Sprintf("workflow.states[%d]", i)
		if !reached[i] {
			c.add(p+".id", "state %q cannot be reached from the initial state %q", s.ID, w.Initial)
		}
		if s.Terminal && reached[i] {
			anyTerminal = true
		}
		if !s.Terminal && len(out[i]) == 0 {
			c.add(p+".id", "no transition leaves %q, so cases there would be stuck; add one or mark it terminal: true", s.ID)
		}
	}
	if !anyTerminal {
		c.add("workflow.states", "no terminal state can be reached from %q, so no case could ever be closed", w.Initial)
	}
}

func roleNames() string {
	names := make([]string, len(platform.Roles))
	for i, r := range platform.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ", ")
}

func (c *checker) checkSign(p string, sg *Sign) {
	c.required(p+".template", sg.Template)
	c.placeholders(p+".title", sg.Title)
	if len(sg.Signers) == 0 {
		c.add(p+".signers", "name at least one signer")
	}
	for i, sn := range sg.Signers {
		sp := fmt.Sprintf("%s.signers[%d]", p, i)
		if sn.Role != "" && sn.Role != "signer" && sn.Role != "approver" {
			c.add(sp+".role", "want signer or approver, not %q", sn.Role)
		}
		switch {
		case sn.Person != "" && (sn.Name != "" || sn.Email != ""):
			c.add(sp, "a signer is a person answer, or name and email answers, not both")
		case sn.Person != "":
			if f := c.field(sn.Person); f == nil || f.Type != TypePerson {
				c.add(sp+".person", "want a person question, not %q", sn.Person)
			}
		default:
			if f := c.field(sn.Name); f == nil || f.Type != TypeText {
				c.add(sp+".name", "want a text question holding the signer's name, not %q", sn.Name)
			}
			if f := c.field(sn.Email); f == nil || f.Type != TypeEmail {
				c.add(sp+".email", "want an email question holding the signer's address, not %q", sn.Email)
			}
		}
	}
	known := map[string]bool{}
	for _, t := range c.d.Workflow.Transitions {
		known[t.ID] = true
	}
	if c.required(p+".completed", sg.Completed) && !known[sg.Completed] {
		c.add(p+".completed", "unknown transition %q", sg.Completed)
	}
	if sg.Declined != "" && !known[sg.Declined] {
		c.add(p+".declined", "unknown transition %q", sg.Declined)
	}
}
