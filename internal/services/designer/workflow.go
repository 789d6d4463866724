package designer

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// stateEditPage is the data of designer/state.
type stateEditPage struct {
	editPage
	New       bool
	StateID   string
	Yes       []web.Option
	Roles     []web.Option
	To        []web.Option
	People    []web.Option // the person questions an assignment may give the case to
	Actions   []actionRow
	AddAction string
	Delete    string
}

type actionRow struct {
	Text   string
	Delete string
}

func roleOptions(none string) []web.Option {
	var out []web.Option
	if none != "" {
		out = append(out, option("", none))
	}
	for _, r := range platform.Roles {
		out = append(out, option(string(r), string(r)))
	}
	return out
}

func (d *Designer) stateForm(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	in := url.Values{}
	if id := r.PathValue("stid"); id != "" {
		st := dr.Def.State(id)
		if st == nil {
			return platform.NotFound("state")
		}
		in = stateValues(st)
	}
	in.Set("to", definition.RecipientApplicant)
	return d.renderState(w, r, dr, &web.Form{Input: in}, nil)
}

func stateValues(st *definition.State) url.Values {
	in := url.Values{"id": {st.ID}, "label": {st.Label}}
	if st.Terminal {
		in.Set("terminal", "yes")
	}
	if st.SLADays > 0 {
		in.Set("sla_days", strconv.Itoa(st.SLADays))
	}
	if st.AtRiskDays > 0 {
		in.Set("at_risk_days", strconv.Itoa(st.AtRiskDays))
	}
	if e := st.Escalation; e != nil {
		in.Set("notify_role", string(e.NotifyRole))
		in.Set("queue", e.Queue)
	}
	return in
}

func (d *Designer) renderState(w http.ResponseWriter, r *http.Request, dr Draft, form *web.Form, err error) error {
	id := r.PathValue("stid")
	action := draftURL(dr.ServiceID, "new-state")
	p := &stateEditPage{New: id == "", StateID: id, Yes: []web.Option{option("yes", "Yes")}, Roles: roleOptions("Nobody")}
	if id != "" {
		action = draftURL(dr.ServiceID, "states", id)
		p.AddAction, p.Delete = draftURL(dr.ServiceID, "states", id, "actions"), draftURL(dr.ServiceID, "states", id, "delete")
		if st := dr.Def.State(id); st != nil {
			for i, a := range st.OnEnter {
				p.Actions = append(p.Actions, actionRow{Text: describeAction(dr.Def, a), Delete: draftURL(dr.ServiceID, "states", id, "actions", strconv.Itoa(i), "delete")})
			}
		}
	}
	p.editPage = newEdit(dr, form, action)
	p.To = []web.Option{option(definition.RecipientApplicant, "The person who made the request"), option(definition.RecipientAssignee, "The member of staff the case is assigned to")}
	for _, ro := range platform.Roles {
		p.To = append(p.To, option(string(ro), "Everyone with the role "+string(ro)))
	}
	for _, f := range dr.Def.Fields {
		if f.Type == definition.TypePerson {
			if p.People == nil {
				p.People = []web.Option{option("", "Nobody: it waits in the queue")}
			}
			p.People = append(p.People, option(f.ID, "The person answered in "+f.Label))
		}
	}
	return render(w, r, err, "designer/state", p)
}

// saveState adds or changes a state and its clock; a changed ID is changed
// in the workflow's start and in every transition.
func (d *Designer) saveState(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	old := r.PathValue("stid")
	in := r.PostForm
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	st := definition.State{ID: strings.TrimSpace(in.Get("id")), Label: strings.TrimSpace(in.Get("label")), Terminal: in.Get("terminal") == "yes"}
	if e := checkID("id", st.ID); e != nil {
		bad = append(bad, *e)
	} else if def.State(st.ID) != nil && st.ID != old {
		add("id", "Another state already has the ID "+st.ID)
	}
	if st.Label == "" {
		add("label", "Enter the name staff and residents see, e.g. Investigating")
	}
	days := func(key string) int {
		v := strings.TrimSpace(in.Get(key))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			add(key, "Enter a whole number of working days, like 10")
		}
		return n
	}
	st.SLADays, st.AtRiskDays = days("sla_days"), days("at_risk_days")
	role, queue := in.Get("notify_role"), strings.TrimSpace(in.Get("queue"))
	if role != "" {
		if _, ok := platform.ParseRole(role); !ok {
			add("notify_role", "Choose a role from the list")
		}
	}
	if role != "" || queue != "" {
		st.Escalation = &definition.Escalate{NotifyRole: platform.Role(role), Queue: queue}
	}
	if len(bad) > 0 {
		err := invalid(bad...)
		return d.renderState(w, r, dr, web.FormErrors(r, err), err)
	}
	if old == "" {
		def.Workflow.States = append(def.Workflow.States, st)
		if def.Workflow.Initial == "" {
			def.Workflow.Initial = st.ID
		}
		return d.commit(w, r, sub, dr, def, fmt.Sprintf("state %q added", st.ID), draftURL(dr.ServiceID, "states", st.ID))
	}
	cur := def.State(old)
	if cur == nil {
		return platform.NotFound("state")
	}
	st.OnEnter = cur.OnEnter
	*cur = st
	if st.ID != old {
		renameState(def, old, st.ID)
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("state %q changed", st.ID), draftURL(dr.ServiceID)+"#workflow")
}

func renameState(def *definition.Definition, from, to string) {
	if def.Workflow.Initial == from {
		def.Workflow.Initial = to
	}
	for i := range def.Workflow.Transitions {
		t := &def.Workflow.Transitions[i]
		if t.To == from {
			t.To = to
		}
		for j := range t.From {
			if t.From[j] == from {
				t.From[j] = to
			}
		}
	}
}

// deleteState removes a state and drops it from the states transitions
// start from; a transition that led to it stays and the checker names it.
// A state open cases are in cannot be deleted; publishing refuses a
// version without one too (a renamed state is caught there).
func (d *Designer) deleteState(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PathValue("stid")
	if def.State(id) == nil {
		return platform.NotFound("state")
	}
	// Refused at once when open cases sit in the state: publishing would be
	// refused anyway (see Stranded), and the author learns it here.
	inUse, err := d.svc.OpenCaseStates(r.Context(), sub, dr.ServiceID)
	if err != nil {
		return err
	}
	if stranded := slices.DeleteFunc(inUse, func(s services.StateInUse) bool { return s.State != id }); len(stranded) > 0 {
		return strandedError(stranded)
	}
	def.Workflow.States = slices.DeleteFunc(def.Workflow.States, func(s definition.State) bool { return s.ID == id })
	for i := range def.Workflow.Transitions {
		def.Workflow.Transitions[i].From = slices.DeleteFunc(def.Workflow.Transitions[i].From, func(s string) bool { return s == id })
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("state %q deleted", id), draftURL(dr.ServiceID)+"#workflow")
}

// addAction adds what happens when a case enters the state: a
// notification, a task or a queue.
func (d *Designer) addAction(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	st := def.State(r.PathValue("stid"))
	if st == nil {
		return platform.NotFound("state")
	}
	in := r.PostForm
	var a definition.Action
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	switch in.Get("kind") {
	case "notify":
		n := &definition.Notify{To: in.Get("to"), Subject: strings.TrimSpace(in.Get("subject")), Body: strings.TrimSpace(in.Get("body")), Template: strings.TrimSpace(in.Get("template"))}
		if n.To == "" {
			add("to", "Choose who is told")
		}
		if n.Template == "" && (n.Subject == "" || n.Body == "") {
			add("subject", "Enter the subject and the message, or a template ID")
		}
		a.Notify = n
	case "task":
		t := &definition.Task{Title: strings.TrimSpace(in.Get("task_title"))}
		if t.Title == "" {
			add("task_title", "Enter what the task is")
		}
		if v := strings.TrimSpace(in.Get("due_days")); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				add("due_days", "Enter a whole number of working days, like 5")
			}
			t.DueDays = n
		}
		a.Task = t
	case "assign":
		as := &definition.Assign{Queue: strings.TrimSpace(in.Get("assign_queue")), Unit: strings.TrimSpace(in.Get("assign_unit")),
			Person: in.Get("assign_person")}
		if as.Queue == "" {
			add("assign_queue", "Enter the queue the case goes to")
		}
		if f := def.Field(as.Person); as.Person != "" && (f == nil || f.Type != definition.TypePerson) {
			add("assign_person", "Choose a person question from the list")
		}
		a.Assign = as
	default:
		return platform.Invalid("Choose what happens", platform.FieldError{Field: "kind", Message: "must be notify, task or assign"})
	}
	if len(bad) > 0 {
		// The state's own form is shown again as saved, beside the
		// action's form with what to fix.
		err := invalid(bad...)
		form := web.FormErrors(r, err)
		for k, v := range stateValues(st) {
			form.Input[k] = v
		}
		return d.renderState(w, r, dr, form, err)
	}
	st.OnEnter = append(st.OnEnter, a)
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("state %q: %s", st.ID, describeAction(def, a)), draftURL(dr.ServiceID, "states", st.ID))
}

func (d *Designer) deleteAction(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	st := def.State(r.PathValue("stid"))
	if st == nil {
		return platform.NotFound("state")
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(st.OnEnter) {
		return platform.NotFound("action")
	}
	what := describeAction(def, st.OnEnter[n])
	st.OnEnter = slices.Delete(st.OnEnter, n, n+1)
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("state %q: removed %s", st.ID, what), draftURL(dr.ServiceID, "states", st.ID))
}

// saveInitial chooses the state new cases enter.
func (d *Designer) saveInitial(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PostFormValue("initial")
	if def.State(id) == nil {
		return platform.Invalid("Choose the state new cases start in", platform.FieldError{Field: "initial", Message: "must be one of the states"})
	}
	def.Workflow.Initial = id
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("new cases start in %q", id), draftURL(dr.ServiceID)+"#workflow")
}

// transitionEditPage is the data of designer/transition.
type transitionEditPage struct {
	editPage
	New      bool
	From, To []web.Option
	Roles    []web.Option
	Units    []web.Option
	Requires []web.Option
	Yes      []web.Option
	Delete   string
}

func (d *Designer) transitionForm(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	in := url.Values{}
	if id := r.PathValue("tid"); id != "" {
		t := dr.Def.Transition(id)
		if t == nil {
			return platform.NotFound("transition")
		}
		in = url.Values{"id": {t.ID}, "label": {t.Label}, "from": t.From, "to": {t.To}, "units": t.Units, "requires": t.Requires,
			"applicant_reason": {t.ApplicantReason}}
		for _, ro := range t.Roles {
			in.Add("roles", string(ro))
		}
		if t.Applicant {
			in.Set("applicant", "yes")
		}
		if d.opts.Units == nil {
			in["units"] = []string{strings.Join(t.Units, ", ")}
		}
	}
	return d.renderTransition(w, r, dr, &web.Form{Input: in}, nil)
}

func (d *Designer) renderTransition(w http.ResponseWriter, r *http.Request, dr Draft, form *web.Form, err error) error {
	id := r.PathValue("tid")
	action := draftURL(dr.ServiceID, "new-transition")
	p := &transitionEditPage{New: id == "", Yes: []web.Option{option("yes", "Yes")}, Roles: roleOptions("")}
	if id != "" {
		action = draftURL(dr.ServiceID, "transitions", id)
		p.Delete = draftURL(dr.ServiceID, "transitions", id, "delete")
	}
	p.editPage = newEdit(dr, form, action)
	p.To = []web.Option{option("", "Choose a state")}
	for _, st := range dr.Def.Workflow.States {
		p.To = append(p.To, option(st.ID, nameOr(st.Label, st.ID)))
		if !st.Terminal {
			p.From = append(p.From, option(st.ID, nameOr(st.Label, st.ID)))
		}
	}
	for _, f := range dr.Def.Fields {
		if f.Internal {
			p.Requires = append(p.Requires, option(f.ID, nameOr(f.Label, f.ID)))
		}
	}
	if d.opts.Units != nil {
		names, uerr := d.opts.Units(r.Context(), web.SubjectOf(r))
		if uerr != nil {
			return uerr
		}
		for _, n := range names {
			p.Units = append(p.Units, option(n, n))
		}
	}
	return render(w, r, err, "designer/transition", p)
}

// saveTransition adds or changes a transition and its guards.
func (d *Designer) saveTransition(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	old := r.PathValue("tid")
	in := r.PostForm
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	t := definition.Transition{ID: strings.TrimSpace(in.Get("id")), Label: strings.TrimSpace(in.Get("label")), To: in.Get("to"), Applicant: in.Get("applicant") == "yes",
		ApplicantReason: strings.TrimSpace(in.Get("applicant_reason"))}
	if e := checkID("id", t.ID); e != nil {
		bad = append(bad, *e)
	} else if def.Transition(t.ID) != nil && t.ID != old {
		add("id", "Another transition already has the ID "+t.ID)
	}
	if t.Label == "" {
		add("label", "Enter the button's text, e.g. Close the case")
	}
	for _, s := range in["from"] {
		if def.State(s) == nil {
			add("from", "Choose states of this workflow")
			break
		}
		t.From = append(t.From, s)
	}
	if len(t.From) == 0 {
		add("from", "Choose the states it can be made from")
	}
	if def.State(t.To) == nil {
		add("to", "Choose the state it leads to")
	}
	for _, ro := range in["roles"] {
		if _, ok := platform.ParseRole(ro); !ok {
			add("roles", "Choose roles from the list")
			break
		}
		t.Roles = append(t.Roles, platform.Role(ro))
	}
	if d.opts.Units == nil {
		t.Units = splitList(in.Get("units"))
	} else {
		t.Units = in["units"]
	}
	for _, f := range in["requires"] {
		if fd := def.Field(f); fd == nil || !fd.Internal {
			add("requires", "Choose fields staff fill in")
			break
		}
		t.Requires = append(t.Requires, f)
	}
	if len(bad) > 0 {
		err := invalid(bad...)
		return d.renderTransition(w, r, dr, web.FormErrors(r, err), err)
	}
	if old == "" {
		def.Workflow.Transitions = append(def.Workflow.Transitions, t)
	} else {
		cur := def.Transition(old)
		if cur == nil {
			return platform.NotFound("transition")
		}
		*cur = t
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("transition %q saved", t.ID), draftURL(dr.ServiceID)+"#workflow")
}

func (d *Designer) deleteTransition(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PathValue("tid")
	if def.Transition(id) == nil {
		return platform.NotFound("transition")
	}
	def.Workflow.Transitions = slices.DeleteFunc(def.Workflow.Transitions, func(t definition.Transition) bool { return t.ID == id })
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("transition %q deleted", id), draftURL(dr.ServiceID)+"#workflow")
}
