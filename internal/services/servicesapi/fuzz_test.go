package servicesapi

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// fuzzDefs are the built-in definitions, by ID, parsed once.
func fuzzDefs(f *testing.F) map[string]*definition.Definition {
	defs, err := definition.Builtins()
	if err != nil {
		f.Fatal(err)
	}
	out := map[string]*definition.Definition{}
	for _, d := range defs {
		out[d.ID] = d
	}
	return out
}

var fuzzOpts = forms.Options{Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }, Location: time.UTC,
	People: func(id string) (string, bool) { return "Pat", id == "usr_00000000000000000000000000" }}

// clientError fails unless err is something the API answers with a 4xx:
// the body or its content was wrong, never an internal error.
func clientError(t *testing.T, err error, what string) {
	t.Helper()
	if err == nil {
		return
	}
	e := platform.AsError(err)
	if e.Code != platform.CodeInvalid && e.Code != platform.CodeTooLarge {
		t.Fatalf("%s: %v gives code %s", what, err, e.Code)
	}
	if s := web.StatusOf(err); s < 400 || s > 499 {
		t.Fatalf("%s: status %d", what, s)
	}
	for _, f := range e.Fields {
		// Field may be "": a member named "" is a member like any other.
		if f.Message == "" {
			t.Fatalf("%s: an error says nothing: %+v", what, e.Fields)
		}
	}
}

// FuzzSubmitBody decodes submission bodies as POST /api/v1/cases does and
// normalises the answers against a built-in service: any input ends in
// canonical answers or a client error, and canonical answers are a fixed
// point (normalising them again changes nothing) that survives the JSON
// round trip through the store.
func FuzzSubmitBody(f *testing.F) {
	defs := fuzzDefs(f)
	f.Add([]byte(`{"service": "complaints", "answers": ` + complaint + `}`))
	f.Add([]byte(`{"service": "complaints", "answers": {"name": "Rita", "email": "not an email", "complained_before": "maybe"}}`))
	f.Add([]byte(`{"service": "complaints", "answers": {"address": {"line1": "1", "town": "T", "postcode": "sw1a 2aa", "uprn": "100023336956"}}, "on_behalf_of": "usr_x"}`))
	f.Add([]byte(`{"service": "risk-register", "answers": {"likelihood": 3, "impact": "5", "owner": "usr_00000000000000000000000000"}}`))
	f.Add([]byte(`{"service": "equipment-collection", "answers": {"items": ["laptop", "laptop"], "cost": 12.5}}`))
	f.Add([]byte(`{"service": "key-decisions", "answers": {"spend": 100000000, "decision_date": "2020-11-06"}}`))
	f.Add([]byte(`{"service": "complaints", "answers": {"details": null, "": "", "\u0000": 1}}`))
	f.Add([]byte("{\"service\": \"complaints\", \"answers\": {\"name\": \"\xff\"}}"))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in SubmitRequest
		if err := asMalformed(web.UnmarshalStrict(body, &in)); err != nil {
			clientError(t, err, "decode")
			return
		}
		def := defs[in.Service]
		if def == nil {
			def = defs["complaints"]
		}
		answers, err := submission(def, in.Answers, fuzzOpts)
		if err != nil {
			clientError(t, err, "normalise")
			for _, fe := range platform.AsError(err).Fields {
				if !strings.HasPrefix(fe.Field, "answers.") {
					t.Fatalf("error not under answers: %+v", fe)
				}
			}
			return
		}
		stored, err := json.Marshal(answers)
		if err != nil {
			t.Fatalf("canonical answers do not encode: %v", err)
		}
		var back definition.Answers
		if err := json.Unmarshal(stored, &back); err != nil {
			t.Fatal(err)
		}
		again, err := submission(def, back, fuzzOpts)
		if err != nil {
			t.Fatalf("canonical answers %s refused on the way back: %v", stored, err)
		}
		if b, _ := json.Marshal(again); string(b) != string(stored) {
			t.Fatalf("normalising twice changed the answers:\n%s\n%s", stored, b)
		}
	})
}

// FuzzTransitionBody decodes transition bodies as POST .../transitions does
// and normalises the fields: a client error or canonical fields, never a
// panic, and a version only when one was sent.
func FuzzTransitionBody(f *testing.F) {
	defs := fuzzDefs(f)
	f.Add([]byte(`{"transition": "send_stage1_response", "version": 2, "fields": {"stage1_response": "Sorry.", "outcome": "upheld"}}`))
	f.Add([]byte(`{"transition": "resolve", "version": 3, "fields": {"outcome": "perhaps", "name": "x"}}`))
	f.Add([]byte(`{"transition": "acknowledge", "version": "1"}`))
	f.Add([]byte(`{"transition": "acknowledge", "version": 9223372036854775808}`))
	f.Add([]byte(`{"transition": "acknowledge", "version": 1.5, "fields": []}`))
	f.Add([]byte(`{"transition": "acknowledge"}`))
	f.Add([]byte(`{"transition": "x", "version": 1, "fields": {"ombudsman_reference": "` + strings.Repeat("9", 80) + `"}, "force": true}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		var in TransitionRequest
		if err := asMalformed(web.UnmarshalStrict(body, &in)); err != nil {
			clientError(t, err, "decode")
			return
		}
		if in.Version != nil && !strings.Contains(string(body), "version") {
			t.Fatalf("a version from nowhere: %s", body)
		}
		fields, err := transitionFields(defs["complaints"], in.Fields, forms.Options{Now: fuzzOpts.Now, AllowInternal: true})
		if err != nil {
			clientError(t, err, "normalise")
			return
		}
		for id := range fields {
			if defs["complaints"].Field(id) == nil {
				t.Fatalf("field %q kept though the service has no such field", id)
			}
		}
		if _, err := json.Marshal(fields); err != nil {
			t.Fatalf("canonical fields do not encode: %v", err)
		}
	})
}

// TestMalformedIs400 pins the rule the fuzzers rely on: decoding errors that
// name a member are 400 here (the shell alone would say 422).
func TestMalformedIs400(t *testing.T) {
	var in TransitionRequest
	err := asMalformed(web.UnmarshalStrict([]byte(`{"transition": "x", "version": 1, "force": true}`), &in))
	var m *malformed
	if !errors.As(err, &m) || len(m.e.Fields) != 1 || m.e.Fields[0].Field != "force" {
		t.Fatalf("got %#v", err)
	}
}
