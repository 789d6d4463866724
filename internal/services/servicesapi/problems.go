package servicesapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// malformed marks a request the client built wrongly (an unknown or
// mistyped JSON member): 400, with errors still naming the member. The
// shell answers 422 for any field error, which this API keeps for content
// to correct (answers, transition fields, a definition's problems).
type malformed struct{ e *platform.Error }

func (m *malformed) Error() string { return m.e.Error() }
func (m *malformed) Unwrap() error { return m.e }

// badDefinition carries every problem of an uploaded definition, so the
// problem document can list them with line and column as well as in errors.
type badDefinition struct {
	e        *platform.Error
	problems []definition.Problem
}

func (b *badDefinition) Error() string { return b.e.Error() }
func (b *badDefinition) Unwrap() error { return b.e }

// DefinitionProblem is the 422 answer to an invalid definition: a problem
// document whose errors name each field path ("line N: message") and whose
// problems give line, column, path and message separately for tools.
type DefinitionProblem struct {
	web.ProblemDetails
	Problems []definition.Problem `json:"problems"`
}

// writeSpecial writes the two kinds of error the shell cannot shape and
// passes every other error back to it.
func writeSpecial(w http.ResponseWriter, r *http.Request, err error) error {
	var m *malformed
	var b *badDefinition
	switch {
	case err == nil:
		return nil
	case errors.As(err, &b):
		writeProblem(w, DefinitionProblem{ProblemDetails: details(r, http.StatusUnprocessableEntity, b.e), Problems: b.problems})
		return nil
	case errors.As(err, &m):
		writeProblem(w, details(r, http.StatusBadRequest, m.e))
		return nil
	}
	return err
}

func details(r *http.Request, status int, e *platform.Error) web.ProblemDetails {
	return web.ProblemDetails{Type: "about:blank", Title: http.StatusText(status), Status: status, Detail: e.Message,
		Instance: r.URL.Path, Code: e.Code, RequestID: web.RequestID(r), Errors: e.Fields}
}

func writeProblem(w http.ResponseWriter, p any) {
	b, _ := json.MarshalIndent(p, "", "  ")
	status := http.StatusBadRequest
	switch v := p.(type) {
	case web.ProblemDetails:
		status = v.Status
	case DefinitionProblem:
		status = v.Status
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}

// decode reads a JSON body strictly. Field errors from decoding (unknown
// member, wrong type) make the request malformed: 400 naming the member.
func decode(r *http.Request, v any) error {
	return asMalformed(web.DecodeJSON(r, v))
}

func asMalformed(err error) error {
	if err == nil {
		return nil
	}
	if e := platform.AsError(err); e.Code == platform.CodeInvalid && len(e.Fields) > 0 {
		return &malformed{e}
	}
	return err
}

// under names answer errors by where they are in the request body
// ("answers.postcode"), leaving the request's own members alone. known
// says which fields are answers: those of the service's definition.
func under(prefix string, err error, known func(string) bool) error {
	if err == nil {
		return nil
	}
	e := platform.AsError(err)
	if len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]platform.FieldError, len(e.Fields))
	for i, f := range e.Fields {
		if known == nil || known(f.Field) {
			f.Field = prefix + "." + f.Field
		}
		out.Fields[i] = f
	}
	return &out
}

// formError turns forms' *platform.Error into an error, keeping nil nil
// (a nil *platform.Error in an error interface is not nil).
func formError(e *platform.Error) error {
	if e == nil {
		return nil
	}
	return e
}

// isField reports whether id is a field of def, for under.
func isField(def *definition.Definition) func(string) bool {
	return func(id string) bool { return def.Field(id) != nil }
}

// definitionProblems turns Parse's error into a badDefinition listing every
// problem; any other error (none are expected) passes through.
func definitionProblems(err error) error {
	var ve *definition.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	return &badDefinition{e: platform.AsError(ve), problems: ve.Problems}
}

// trimID shortens untrusted text echoed in a message.
func trimID(s string) string {
	if len(s) > 64 {
		s = strings.ToValidUTF8(s[:64], "") + "…"
	}
	return s
}
