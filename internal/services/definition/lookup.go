package definition

import "slices"

// Lookups scan the slices: a definition has tens of fields and states, and
// keeping no index means a Definition built in Go (in a test) needs no
// constructor. Each returns nil when the ID is unknown.

// Field returns the field with this ID.
func (d *Definition) Field(id string) *Field {
	for i := range d.Fields {
		if d.Fields[i].ID == id {
			return &d.Fields[i]
		}
	}
	return nil
}

// Page returns the page with this ID.
func (d *Definition) Page(id string) *Page {
	for i := range d.Pages {
		if d.Pages[i].ID == id {
			return &d.Pages[i]
		}
	}
	return nil
}

// State returns the workflow state with this ID.
func (d *Definition) State(id string) *State {
	for i := range d.Workflow.States {
		if d.Workflow.States[i].ID == id {
			return &d.Workflow.States[i]
		}
	}
	return nil
}

// Transition returns the workflow transition with this ID.
func (d *Definition) Transition(id string) *Transition {
	for i := range d.Workflow.Transitions {
		if d.Workflow.Transitions[i].ID == id {
			return &d.Workflow.Transitions[i]
		}
	}
	return nil
}

// FirstPage is where the questions start: the first page listed.
func (d *Definition) FirstPage() *Page {
	if len(d.Pages) == 0 {
		return nil
	}
	return &d.Pages[0]
}

// TransitionsFrom lists the transitions that may be made from a state, in
// the order the definition gives them (the order of the buttons).
func (d *Definition) TransitionsFrom(state string) []*Transition {
	var out []*Transition
	for i := range d.Workflow.Transitions {
		if slices.Contains(d.Workflow.Transitions[i].From, state) {
			out = append(out, &d.Workflow.Transitions[i])
		}
	}
	return out
}

// AssignsToPerson reports whether the workflow gives cases to a person
// named in an answer (an assign action with a person): such a service's
// cases go to people outside the owning unit, such as a risk's owner.
func (d *Definition) AssignsToPerson() bool {
	for _, st := range d.Workflow.States {
		for _, a := range st.OnEnter {
			if a.Assign != nil && a.Assign.Person != "" {
				return true
			}
		}
	}
	return false
}

// AllowsAssistedDigital reports whether staff may submit this service on a
// resident's behalf: as set, or by default when residents or anonymous
// people may start it.
func (s Start) AllowsAssistedDigital() bool {
	if s.AssistedDigital != nil {
		return *s.AssistedDigital
	}
	return slices.Contains(s.Who, AudienceResidents) || slices.Contains(s.Who, AudienceAnonymous)
}

// MayStart reports whether an audience may start the service.
func (s Start) MayStart(a Audience) bool { return slices.Contains(s.Who, a) }
