package servicesapi

import (
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// CaseSummary is a case as search lists it: without answers.
type CaseSummary struct {
	services.Case
	// SLA is where the case stands against its state's clock now:
	// on_track, at_risk or breached; absent without a clock.
	SLA  services.SLAStatus `json:"sla,omitempty"`
	Href string             `json:"href"`
}

// CaseView is one case with its answers and the transitions the token may
// make on it now (pass one with the case's version to transitions).
type CaseView struct {
	CaseSummary
	Transitions []TransitionView `json:"transitions"`
}

// TransitionView is a move the token may make.
type TransitionView struct {
	ID       string   `json:"id"`
	Label    string   `json:"label"`
	To       string   `json:"to"`
	Requires []string `json:"requires,omitempty"` // internal fields that must have values, given in fields if the case lacks them
}

// SubmitRequest starts a case.
type SubmitRequest struct {
	Service string             `json:"service"` // the service's ID; its latest version is used
	Answers definition.Answers `json:"answers"` // by field ID, as the definition's field types describe
	// OnBehalfOf is the resident (user ID) a member of staff submits for.
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

var (
	tagCases  = []string{"cases"}
	caseParam = web.Param{Name: "id", In: "path", Required: true, Description: "The case's ID (case_...)."}
)

func (a *api) routeCases(api *web.API) {
	api.Handle("POST /api/v1/cases", web.Op{
		Summary: "Submit a case", OperationID: "submitCase", Tags: tagCases, Scopes: []string{platform.ScopeWrite},
		Description: "Starts a case of the latest version of a service with the applicant's answers, keyed by field ID. " +
			"Answers are normalised as the forms would (postcodes upper-cased and spaced, money in whole pence, dates YYYY-MM-DD) " +
			"and must make a complete submission on the path the answers take through the service's pages. " +
			"Problems with answers are 422 with errors naming each as answers.<field ID>. " +
			"Staff may submit for a resident with on_behalf_of (assisted digital), where the service allows it.",
		Request:   web.SchemaOf(SubmitRequest{}),
		Responses: map[int]web.Response{201: {Description: "The new case with its reference; Location names it.", Schema: web.SchemaOf(CaseView{})}},
	}, a.route(a.submit))
	api.Handle("GET /api/v1/cases", web.Op{
		Summary: "Search cases", OperationID: "searchCases", Tags: tagCases, Scopes: []string{platform.ScopeRead},
		Description: "Cases of your organisation that you may read and that match every filter given, without their answers. " +
			"Unknown or repeated parameters are refused with 400. A page may hold fewer items than limit; follow next_cursor until it is absent.",
		Params:    searchParams,
		Responses: map[int]web.Response{200: {Description: "One page of cases.", Schema: web.SchemaOf(web.List[CaseSummary]{})}},
	}, a.route(a.search))
	api.Handle("GET /api/v1/cases/{id}", web.Op{
		Summary: "Get a case", OperationID: "getCase", Tags: tagCases, Scopes: []string{platform.ScopeRead},
		Description: "A case with its answers and the transitions you may make on it now. The path takes the case's ID or its reference " +
			"(e.g. COMP-2026-000123; escape a / as %2F). A case you may not see, or of another organisation, is 404 by reference and 403 or 404 by ID.",
		Params:    []web.Param{{Name: "id", In: "path", Required: true, Description: "The case's ID (case_...) or reference."}},
		Responses: map[int]web.Response{200: {Description: "The case.", Schema: web.SchemaOf(CaseView{})}},
	}, a.route(a.getCase))
	api.Handle("GET /api/v1/cases/{id}/timeline", web.Op{
		Summary: "A case's timeline", OperationID: "getCaseTimeline", Tags: tagCases, Scopes: []string{platform.ScopeRead},
		Description: "Every event on the case, oldest first; an applicant sees the events meant for them.",
		Params:      []web.Param{caseParam},
		Responses:   map[int]web.Response{200: {Description: "The events, in one page.", Schema: web.SchemaOf(web.List[services.Event]{})}},
	}, a.route(a.timeline))
}

func (a *api) submit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	var in SubmitRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Service == "" {
		return platform.Invalid("Name the service to submit.", platform.FieldError{Field: "service", Message: "is required"})
	}
	def, err := a.svc.LatestDefinition(r.Context(), sub, in.Service)
	if err != nil {
		return err
	}
	answers, err := a.normaliseAnswers(r, sub, def, in.Answers)
	if err != nil {
		return err
	}
	c, err := a.svc.Submit(r.Context(), sub, def.ID, answers, services.SubmitOptions{OnBehalfOf: in.OnBehalfOf})
	if err != nil {
		return under("answers", err, isField(def))
	}
	w.Header().Set("Location", caseHref(c.ID))
	return a.writeCase(w, r, sub, http.StatusCreated, c)
}

// normaliseAnswers puts JSON answers into canonical form and checks they
// make a whole submission, as the portal's check-your-answers page would;
// the engine's own validator then runs on the same canonical answers.
func (a *api) normaliseAnswers(r *http.Request, sub *platform.Subject, def *definition.Definition, in definition.Answers) (definition.Answers, error) {
	return submission(def, in, a.formOptions(r.Context(), sub, false))
}

// submission is the pure part of normaliseAnswers, which the fuzz tests
// drive with whatever JSON decodes.
func submission(def *definition.Definition, in definition.Answers, opts forms.Options) (definition.Answers, error) {
	answers, perr := forms.Normalise(def, in, opts)
	if perr != nil {
		return nil, under("answers", perr, nil)
	}
	if err := formError(forms.ValidateAll(def, answers, opts)); err != nil {
		return nil, under("answers", err, nil)
	}
	return answers, nil
}

func (a *api) getCase(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	id := r.PathValue("id")
	var c services.Case
	var err error
	if platform.ValidID("case", id) {
		c, err = a.svc.GetCase(r.Context(), sub, id)
	} else {
		c, err = a.svc.FindByReference(r.Context(), sub, id)
	}
	if err != nil {
		return err
	}
	return a.writeCase(w, r, sub, http.StatusOK, c)
}

func (a *api) timeline(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	events, err := a.svc.Timeline(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if events == nil {
		events = []services.Event{}
	}
	return web.WriteJSON(w, http.StatusOK, web.List[services.Event]{Items: events})
}

// writeCase answers with the case and the transitions sub may make now.
func (a *api) writeCase(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, c services.Case) error {
	ts, err := a.svc.AllowedTransitions(r.Context(), sub, c)
	if err != nil {
		return err
	}
	v := CaseView{CaseSummary: a.caseSummary(c), Transitions: make([]TransitionView, 0, len(ts))}
	for _, t := range ts {
		v.Transitions = append(v.Transitions, TransitionView{ID: t.ID, Label: t.Label, To: t.To, Requires: t.Requires})
	}
	return web.WriteJSON(w, status, v)
}

func (a *api) caseSummary(c services.Case) CaseSummary {
	return CaseSummary{Case: c, SLA: c.SLA(a.opts.Now()), Href: caseHref(c.ID)}
}

func caseHref(id string) string { return "/api/v1/cases/" + url.PathEscape(id) }
