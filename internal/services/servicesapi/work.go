package servicesapi

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// TransitionRequest moves a case along its workflow.
type TransitionRequest struct {
	Transition string `json:"transition"` // a transition ID of the case's service, e.g. acknowledge
	// Version is the case's version as last read: if the case changed
	// since, nothing happens and the answer is 409.
	Version *int64 `json:"version"`
	// Fields are internal fields given with the move, by field ID.
	Fields definition.Answers `json:"fields,omitempty"`
	// Reason is the applicant's answer to the move's applicant_reason
	// question, required when the applicant makes such a move; it reaches
	// staff as their message on the case.
	Reason string `json:"reason,omitempty"`
}

// NoteRequest adds a note to a case.
type NoteRequest struct {
	Text string `json:"text"`
	// Visibility is internal (staff only, the default) or applicant (a
	// message the applicant reads). An applicant's own note is always a
	// message to staff.
	Visibility services.Visibility `json:"visibility,omitempty"`
}

func (a *api) routeWork(api *web.API) {
	tr := web.SchemaOf(TransitionRequest{})
	tr["required"] = []string{"transition", "version"}
	api.Handle("POST /api/v1/cases/{id}/transitions", web.Op{
		Summary: "Move a case along its workflow", OperationID: "transitionCase", Tags: tagCases, Scopes: []string{platform.ScopeWrite},
		Description: "Makes one of the case's transitions (GET the case to see those you may make). version must be the case's version as you read it. " +
			"403 if you may not make this transition; 409 if the case is not in a state it can be made from, or changed since you read it " +
			"(read it again and retry with its new version); 422 if fields needed for it are missing or invalid (errors name fields.<field ID>).",
		Params:    []web.Param{caseParam},
		Request:   tr,
		Responses: map[int]web.Response{200: {Description: "The case after the move.", Schema: web.SchemaOf(CaseView{})}},
	}, a.route(a.transition))
	api.Handle("POST /api/v1/cases/{id}/notes", web.Op{
		Summary: "Add a note to a case", OperationID: "addCaseNote", Tags: tagCases, Scopes: []string{platform.ScopeWrite},
		Description: "Staff who may work on the case write internal notes or messages to the applicant; the applicant writes messages to staff.",
		Params:      []web.Param{caseParam},
		Request:     web.SchemaOf(NoteRequest{}),
		Responses:   map[int]web.Response{201: {Description: "The note.", Schema: web.SchemaOf(services.Note{})}},
	}, a.route(a.addNote))
	api.Handle("GET /api/v1/cases/{id}/notes", web.Op{
		Summary: "A case's notes", OperationID: "listCaseNotes", Tags: tagCases, Scopes: []string{platform.ScopeRead},
		Description: "The case's notes, oldest first; an applicant sees the messages, not internal notes.",
		Params:      []web.Param{caseParam},
		Responses:   map[int]web.Response{200: {Description: "The notes, in one page.", Schema: web.SchemaOf(web.List[services.Note]{})}},
	}, a.route(a.listNotes))
}

func (a *api) transition(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	var in TransitionRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	var bad []platform.FieldError
	if in.Transition == "" {
		bad = append(bad, platform.FieldError{Field: "transition", Message: "is required"})
	}
	if in.Version == nil {
		bad = append(bad, platform.FieldError{Field: "version", Message: "is required: the case's version as you last read it"})
	}
	if len(bad) > 0 {
		return platform.Invalid("Say which transition to make, and on which version of the case.", bad...)
	}
	c, err := a.svc.GetCase(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	def, err := a.svc.PinnedDefinition(r.Context(), c)
	if err != nil {
		return err
	}
	t := def.Transition(in.Transition)
	if t == nil {
		return platform.Invalid("This case's service has no such transition.", platform.FieldError{Field: "transition",
			Message: fmt.Sprintf("%q is not a transition of %s version %d", trimID(in.Transition), def.ID, def.Version)})
	}
	fields, err := transitionFields(def, in.Fields, a.formOptions(r.Context(), sub, true))
	if err != nil {
		return err
	}
	var next services.Case
	if len(fields) == 0 && in.Reason != "" {
		next, err = a.svc.ApplicantMove(r.Context(), sub, c.ID, t.ID, *in.Version, in.Reason)
	} else {
		next, err = a.svc.Transition(r.Context(), sub, c.ID, t.ID, *in.Version, fields)
	}
	if err != nil {
		if platform.CodeOf(err) == platform.CodeConflict {
			return conflict(def, c, t, *in.Version, err)
		}
		return under("fields", err, isField(def))
	}
	return a.writeCase(w, r, sub, http.StatusOK, next)
}

// conflict explains a refused transition from the case as read just
// before: the state it is in and where the transition starts, or the
// version to read again. If neither explains it, the case changed in the
// moment between, and the engine's own message says so.
func conflict(def *definition.Definition, c services.Case, t *definition.Transition, version int64, err error) error {
	state := func(id string) string {
		if st := def.State(id); st != nil && st.Label != "" {
			return fmt.Sprintf("%q (%s)", id, st.Label)
		}
		return strconv.Quote(id)
	}
	switch {
	case !slices.Contains(t.From, c.State):
		from := make([]string, len(t.From))
		for i, id := range t.From {
			from[i] = state(id)
		}
		return &platform.Error{Code: platform.CodeConflict, Err: err,
			Message: fmt.Sprintf("The case is in state %s; %q (%s) can be made only from %s.", state(c.State), t.ID, t.Label, strings.Join(from, " or ")),
			Fields:  []platform.FieldError{{Field: "transition", Message: "cannot be made in the case's current state"}}}
	case version != c.Version:
		return &platform.Error{Code: platform.CodeConflict, Err: err,
			Message: fmt.Sprintf("The case has changed since you read it: it is at version %d, not %d. Read it again, check, and retry with version %d.", c.Version, version, c.Version),
			Fields:  []platform.FieldError{{Field: "version", Message: "is not the case's current version, " + strconv.FormatInt(c.Version, 10)}}}
	}
	return err
}

func (a *api) addNote(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	var in NoteRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Visibility == "" {
		in.Visibility = services.Internal
	}
	n, err := a.svc.AddNote(r.Context(), sub, r.PathValue("id"), in.Text, in.Visibility)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, n)
}

func (a *api) listNotes(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	notes, err := a.svc.ListNotes(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if notes == nil {
		notes = []services.Note{}
	}
	return web.WriteJSON(w, http.StatusOK, web.List[services.Note]{Items: notes})
}

// transitionFields puts the fields given with a transition into canonical
// form; the engine then checks they are internal fields and that the
// transition's required ones have values.
func transitionFields(def *definition.Definition, in definition.Answers, opts forms.Options) (definition.Answers, error) {
	fields, perr := forms.Normalise(def, in, opts)
	if perr != nil {
		return nil, under("fields", perr, nil)
	}
	return fields, nil
}
