package definition

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// pothole is a small valid definition; each rule's test breaks one thing in
// it. The broken line carries the comment "# HERE", so the expected line is
// found rather than counted by hand.
func pothole(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/pothole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// edit applies old->new replacements, each of which must match exactly once.
func edit(t *testing.T, src string, pairs ...string) string {
	t.Helper()
	for i := 0; i+1 < len(pairs); i += 2 {
		if n := strings.Count(src, pairs[i]); n != 1 {
			t.Fatalf("%q occurs %d times in the base definition", pairs[i], n)
		}
		src = strings.Replace(src, pairs[i], pairs[i+1], 1)
	}
	return src
}

func markedLine(t *testing.T, src string) int {
	t.Helper()
	for i, l := range strings.Split(src, "\n") {
		if strings.Contains(l, "# HERE") {
			return i + 1
		}
	}
	t.Fatal("no # HERE marker")
	return 0
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("want a *ValidationError, got %T %v", err, err)
	}
	return ve.Problems
}

func TestBaseDefinitionIsValid(t *testing.T) {
	d, err := Parse([]byte(pothole(t)), "pothole.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if d.Classification != "OFFICIAL" {
		t.Errorf("classification defaults to OFFICIAL, got %q", d.Classification)
	}
	if !d.Start.AllowsAssistedDigital() {
		t.Error("residents' services allow assisted digital by default")
	}
}

func TestEachRuleReportsLineAndPath(t *testing.T) {
	cases := []struct {
		name  string
		edits []string
		path  string
		msg   string
	}{
		{"id slug", []string{"id: pothole", "id: Pot Hole # HERE"}, "id", "not a valid ID"},
		{"id reserved", []string{"id: pothole", "id: requests # HERE"}, "id", "reserved for the service pages"},
		{"version", []string{"version: 1", "version: 0 # HERE"}, "version", "want 1 or more"},
		{"version type", []string{"version: 1", "version: one # HERE"}, "version", "want a whole number"},
		{"title", []string{"title: Report a pothole", `title: "" # HERE`}, "title", "missing"},
		{"reference prefix", []string{"reference_prefix: POT", "reference_prefix: Pot # HERE"}, "reference_prefix", "2 to 6 capital letters"},
		{"classification", []string{"owner_unit: Highways", "owner_unit: Highways\nclassification: SECRET # HERE"}, "classification", `got "SECRET"`},
		{"retention", []string{"owner_unit: Highways", "owner_unit: Highways\nretention: Six Years # HERE"}, "retention", "retention class"},
		{"unknown key", []string{"owner_unit: Highways", "owner_unit: Highways\ntitel: x # HERE"}, "titel", `did you mean "title"`},
		{"duplicate key", []string{"owner_unit: Highways", "owner_unit: Highways\ntitle: Again # HERE"}, "title", "given twice"},
		{"anchors", []string{"owner_unit: Highways", "owner_unit: &u Highways # HERE"}, "owner_unit", "anchors"},
		{"want mapping", []string{"start:\n  who: [residents]", "start: [residents] # HERE"}, "start", "want a mapping"},
		{"want list", []string{"who: [residents]", "who: residents # HERE"}, "start.who", "want a list"},
		{"audience", []string{"who: [residents]", "who: [residents, aliens] # HERE"}, "start.who[1]", `unknown audience "aliens"`},
		{"assisted digital for staff", []string{"who: [residents]", "who: [staff]\n  assisted_digital: true # HERE"}, "start.assisted_digital", "residents"},
		{"field id", []string{"  - id: depth", "  - id: Depth # HERE"}, "fields[3].id", "not a valid ID"},
		{"duplicate field", []string{"  - id: depth", "  - id: location # HERE"}, "fields[3].id", "already defined"},
		{"field type", []string{"type: number", "type: integer # HERE"}, "fields[3].type", `unknown field type "integer"`},
		{"field label", []string{"label: A photo", `label: "" # HERE`}, "fields[2].label", "missing"},
		{"options on file", []string{"label: A photo", "label: A photo\n    options: [{value: a, label: A}] # HERE"}, "fields[2].options", "applies only to choice and checkboxes"},
		{"choice needs options", []string{"    options:\n      - {value: small, label: Small}\n      - {value: large, label: Large}", "    options: [] # HERE"}, "fields[1].options", "at least 2"},
		{"option values unique", []string{"{value: large, label: Large}", "{value: small, label: Large} # HERE"}, "fields[1].options[1].value", "already the value"},
		{"min on text", []string{"required: true", "required: true\n    min: 3 # HERE"}, "fields[0].min", "applies only to number and money"},
		{"before on number", []string{"min: 0", "min: 0\n    before: today # HERE"}, "fields[3].before", "applies only to date"},
		{"date bound", []string{"before: tomorrow", "before: next week # HERE"}, "fields[4].before", "YYYY-MM-DD"},
		{"impossible dates", []string{"before: tomorrow", "before: today # HERE\n    after: today"}, "fields[4].before", "no date is both"},
		{"pattern", []string{"required: true", "required: true\n    pattern: '[a-z' # HERE"}, "fields[0].pattern", "not a valid regular expression"},
		{"public without register", []string{"    label: Where is it?\n", "    label: Where is it?\n    public: true # HERE\n"}, "fields[0].public", "needs a public_register"},
		{"register needs a public field", []string{"owner_unit: Highways", "owner_unit: Highways\npublic_register: {title: Potholes} # HERE"}, "public_register", "at least one field public"},
		{"register hides unknown state", []string{"owner_unit: Highways", "owner_unit: Highways\npublic_register: {title: Potholes, hide_states: [nowhere]} # HERE"}, "public_register.hide_states[0]", `unknown state "nowhere"`},
		{"register label not public", []string{"owner_unit: Highways", "owner_unit: Highways\npublic_register: {title: Potholes, label: location} # HERE"}, "public_register.label", "must be a public text field"},
		{"sensitive register", []string{"owner_unit: Highways", "owner_unit: Highways\nclassification: OFFICIAL-SENSITIVE\npublic_register: {title: Potholes} # HERE"}, "public_register", "OFFICIAL-SENSITIVE"},
		{"shared but not internal", []string{"    label: Where is it?\n", "    label: Where is it?\n    shared_with_applicant: true # HERE\n"}, "fields[0].shared_with_applicant", "only to internal fields"},
		{"from account on a choice", []string{"    label: How big is it?\n", "    label: How big is it?\n    from_account: name # HERE\n"}, "fields[1].from_account", "only text fields"},
		{"applicant reason without applicant", []string{"      label: Inspect\n", "      label: Inspect\n      applicant_reason: Why? # HERE\n"}, "workflow.transitions[0].applicant_reason", "applicant: true"},
		{"pattern message alone", []string{"required: true", "required: true\n    pattern_message: Wrong # HERE"}, "fields[0].pattern_message", "no pattern"},
		{"max length", []string{"required: true", "required: true\n    max_length: 1000000 # HERE"}, "fields[0].max_length", "want between 1 and 2000"},
		{"min above max", []string{"min: 0", "min: 10 # HERE\n    max: 5"}, "fields[3].min", "more than max"},
		{"page id", []string{"  - id: photo\n    fields", "  - id: Photo! # HERE\n    fields"}, "pages[2].id", "not a valid ID"},
		{"duplicate page", []string{"  - id: photo\n    fields", "  - id: size # HERE\n    fields"}, "pages[2].id", "already defined"},
		{"reserved page", []string{"  - id: photo\n    fields", "  - id: check-answers # HERE\n    fields"}, "pages[2].id", "reserved"},
		{"field asked twice", []string{"fields: [depth, seen_on]", "fields: [depth, seen_on, location] # HERE"}, "pages[3].fields[2]", "already asked"},
		{"unknown field on page", []string{"fields: [depth, seen_on]", "fields: [depth, seen_on, colour] # HERE"}, "pages[3].fields[2]", `unknown field "colour"`},
		{"internal field on page", []string{"fields: [depth, seen_on]", "fields: [depth, seen_on, inspection_notes] # HERE"}, "pages[3].fields[2]", "internal"},
		{"field on no page", []string{"fields: [depth, seen_on]", "fields: [depth]", "  - id: seen_on", "  - id: seen_on # HERE"}, "fields[4].id", "asked on no page"},
		{"page title for several", []string{"  - id: details\n    title: About the pothole\n", "  - id: details # HERE\n"}, "pages[3].title", "heading"},
		{"goto unknown", []string{"      - goto: details", "      - goto: detials # HERE"}, "pages[1].next[1].goto", `unknown page "detials"`},
		{"rule never used", []string{"      - goto: details", "      - goto: details\n      - goto: photo # HERE"}, "pages[1].next[2]", "never used"},
		{"condition field later", []string{"if: {field: size, equals: large}", "if: {field: depth, equals: '3'} # HERE"}, "pages[1].next[0].if.field", "not answered on this page"},
		{"condition on a branch", []string{"    fields: [depth, seen_on]", "    fields: [depth, seen_on]\n    next: [{if: {field: photo, answered: true}, goto: check-answers}] # HERE"}, "pages[3].next[0].if.field", "every path"},
		{"condition internal", []string{"if: {field: size, equals: large}", "if: {field: inspection_notes, equals: x} # HERE"}, "pages[1].next[0].if.field", "internal"},
		{"condition value", []string{"if: {field: size, equals: large}", "if: {field: size, equals: huge} # HERE"}, "pages[1].next[0].if.equals", `"huge" is not a value`},
		{"condition two tests", []string{"if: {field: size, equals: large}", "if: {field: size, equals: large, answered: true} # HERE"}, "pages[1].next[0].if", "only one"},
		{"condition no test", []string{"if: {field: size, equals: large}", "if: {field: size} # HERE"}, "pages[1].next[0].if", "say what to test"},
		{"loop", []string{"next: [{goto: details}]", "next: [{goto: size}] # HERE"}, "pages[2].next[0].goto", "making a loop"},
		{"unreachable page", []string{"        goto: photo", "        goto: details", "  - id: photo\n    fields", "  - id: photo # HERE\n    fields"}, "pages[2].id", "cannot be reached"},
		{"list fields", []string{"check_answers: true", "check_answers: true\nlist_fields: [location, colour] # HERE"}, "list_fields[1]", `unknown field "colour"`},
		{"placeholder", []string{"body: Your reference is {{reference}}.", "body: Your reference is {{refrence}}. # HERE"}, "confirmation.body", "unknown placeholder {{refrence}}"},
		{"initial", []string{"initial: reported", "initial: new # HERE"}, "workflow.initial", `unknown state "new"`},
		{"duplicate state", []string{"    - id: inspected", "    - id: reported # HERE"}, "workflow.states[1].id", "already defined"},
		{"sla negative", []string{"sla_days: 5", "sla_days: -1 # HERE"}, "workflow.states[0].sla_days", "want between 0"},
		{"at risk", []string{"at_risk_days: 1", "at_risk_days: 5 # HERE"}, "workflow.states[0].at_risk_days", "fewer than sla_days"},
		{"at risk without sla", []string{"      label: Inspected", "      label: Inspected\n      at_risk_days: 2 # HERE"}, "workflow.states[1].at_risk_days", "needs sla_days"},
		{"escalate without sla", []string{"      label: Inspected", "      label: Inspected\n      escalate: {queue: x} # HERE"}, "workflow.states[1].escalate", "no sla_days"},
		{"escalate role", []string{"at_risk_days: 1", "at_risk_days: 1\n      escalate: {notify_role: boss} # HERE"}, "workflow.states[0].escalate.notify_role", `unknown role "boss"`},
		{"terminal sla", []string{"      terminal: true", "      terminal: true\n      sla_days: 3 # HERE"}, "workflow.states[2].sla_days", "terminal"},
		{"action parts", []string{`body: Thanks.}`, "body: Thanks.} # HERE\n          task: {title: Look}"}, "workflow.states[0].on_enter[0]", "exactly one of notify, task, assign or sign"},
		{"notify to", []string{"notify: {to: applicant,", "notify: {to: mayor, # HERE\n"}, "workflow.states[0].on_enter[0].notify.to", `unknown recipient "mayor"`},
		{"assign person unknown", []string{"      label: Inspected", "      label: Inspected\n      on_enter: [{assign: {queue: roads, person: inspector}}] # HERE"}, "workflow.states[1].on_enter[0].assign.person", `unknown field "inspector"`},
		{"assign person not a person", []string{"      label: Inspected", "      label: Inspected\n      on_enter: [{assign: {queue: roads, person: location}}] # HERE"}, "workflow.states[1].on_enter[0].assign.person", "want a person question"},
		{"notify body", []string{`subject: "Report {{reference}}", body: Thanks.}`, `subject: "Report"} # HERE`}, "workflow.states[0].on_enter[0].notify", "give the message"},
		{"stuck state", []string{"      terminal: true", "      terminal: true\n    - id: limbo # HERE\n      label: Limbo"}, "workflow.states[3].id", "stuck"},
		{"duplicate transition", []string{"    - id: fix\n", "    - id: inspect # HERE\n"}, "workflow.transitions[1].id", "already defined"},
		{"transition to", []string{"      to: fixed", "      to: stage3 # HERE"}, "workflow.transitions[1].to", `unknown state "stage3"`},
		{"transition from", []string{"from: [inspected]", "from: [inspectd] # HERE"}, "workflow.transitions[1].from[0]", `unknown state "inspectd"`},
		{"from terminal", []string{"      to: fixed", "      to: fixed\n    - id: reopen\n      label: Reopen\n      from: [fixed] # HERE\n      to: reported"}, "workflow.transitions[2].from[0]", "terminal"},
		{"requires internal", []string{"requires: [inspection_notes]", "requires: [location] # HERE"}, "workflow.transitions[0].requires[0]", "requires lists internal fields"},
		{"role", []string{"roles: [caseworker]", "roles: [inspector] # HERE"}, "workflow.transitions[0].roles[0]", `unknown role "inspector"`},
		{"no terminal reachable", []string{"      to: fixed", "      to: reported", "    - id: reported", "    - id: reported # HERE"}, "workflow.states", "no terminal state"},
		{"who missing", []string{"who: [residents]", "who: [] # HERE"}, "start.who", "list who may start"},
		{"who twice", []string{"who: [residents]", "who: [residents, residents] # HERE"}, "start.who[1]", "listed twice"},
		{"option label", []string{"{value: large, label: Large}", "{value: large} # HERE"}, "fields[1].options[1].label", "missing"},
		{"option value spaces", []string{"{value: large, label: Large}", "{value: ' large', label: Large} # HERE"}, "fields[1].options[1].value", "no spaces"},
		{"accept", []string{"label: A photo", "label: A photo\n    accept: [pdf] # HERE"}, "fields[2].accept[0]", "media type"},
		{"max bytes", []string{"label: A photo", "label: A photo\n    max_bytes: -1 # HERE"}, "fields[2].max_bytes", "want between 1"},
		{"in empty", []string{"if: {field: size, equals: large}", "if: {field: size, in: []} # HERE"}, "pages[1].next[0].if.in", "never matches"},
		{"in value", []string{"if: {field: size, equals: large}", "if: {field: size, in: [large, huge]} # HERE"}, "pages[1].next[0].if.in[1]", `"huge" is not a value`},
		{"task due", []string{`body: Thanks.}`, "body: Thanks.}\n        - task: {title: Look, due_days: 400} # HERE"}, "workflow.states[0].on_enter[1].task.due_days", "want between 0 and 365"},
		{"assign queue", []string{`body: Thanks.}`, "body: Thanks.}\n        - assign: {unit: Highways} # HERE"}, "workflow.states[0].on_enter[1].assign.queue", "missing"},
		{"escalate empty", []string{"at_risk_days: 1", "at_risk_days: 1\n      escalate: {} # HERE"}, "workflow.states[0].escalate", "say what happens"},
		{"from twice", []string{"from: [inspected]", "from: [inspected, inspected] # HERE"}, "workflow.transitions[1].from[1]", "listed twice"},
		{"requires unknown", []string{"requires: [inspection_notes]", "requires: [notes] # HERE"}, "workflow.transitions[0].requires[0]", `unknown field "notes"`},
		{"units empty", []string{"roles: [caseworker]", "roles: [caseworker]\n      units: [''] # HERE"}, "workflow.transitions[0].units[0]", "empty business unit"},
		{"transition label", []string{"      label: Mark fixed", "      label: '' # HERE"}, "workflow.transitions[1].label", "missing"},
		{"unreachable state", []string{"    - id: fixed", "    - id: fixed # HERE", "      to: fixed", "      to: reported\n    - id: close\n      label: Close\n      from: [fixed]\n      to: fixed"}, "workflow.states[2].id", "cannot be reached"},
	}
	base := pothole(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			src := edit(t, base, tc.edits...)
			line := markedLine(t, src)
			_, err := Parse([]byte(src), "pothole.yaml")
			if err == nil {
				t.Fatal("no error")
			}
			for _, p := range problemsOf(t, err) {
				if p.Path == tc.path && strings.Contains(p.Message, tc.msg) {
					if p.Line != line {
						t.Errorf("%s: reported on line %d, want %d", tc.path, p.Line, line)
					}
					return
				}
			}
			t.Errorf("no problem at %s containing %q; got:\n%v", tc.path, tc.msg, err)
		})
	}
}
