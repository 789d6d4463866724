package definition

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestBuiltinsParseCleanly(t *testing.T) {
	defs, err := Builtins()
	if err != nil {
		t.Fatalf("a built-in definition is broken:\n%v", err)
	}
	want := []string{"adult-social-care-referral", "complaints", "equipment-collection", "key-decisions", "risk-register", "subject-access-request", "technology-roadmap"}
	if len(defs) != len(want) {
		t.Fatalf("%d built-ins, want %d", len(defs), len(want))
	}
	for i, d := range defs {
		if d.ID != want[i] {
			t.Errorf("built-in %d is %q, want %q", i, d.ID, want[i])
		}
		if d.Confirmation.Body == "" || len(d.ListFields) == 0 || d.OwnerUnit == "" || d.Retention == "" {
			t.Errorf("%s: every built-in has confirmation text, list fields, an owner and a retention class", d.ID)
		}
		clocks := 0
		for _, s := range d.Workflow.States {
			if s.SLADays > 0 {
				clocks++
			}
		}
		if clocks == 0 && d.Workflow.Deadline == nil {
			t.Errorf("%s: no state has an SLA and the case has no deadline", d.ID)
		}
	}
}

func builtin(t *testing.T, id string) *Definition {
	t.Helper()
	defs, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no built-in %q", id)
	return nil
}

// The complaints service follows the Ombudsman's two stages.
func TestComplaintsFollowTheOmbudsmansTwoStages(t *testing.T) {
	d := builtin(t, "complaints")
	if d.ReferencePrefix != "COMP" || !d.Start.MayStart(AudienceResidents) || !d.Start.MayStart(AudienceAnonymous) || !d.Start.AllowsAssistedDigital() {
		t.Errorf("complaints start: %+v prefix %s", d.Start, d.ReferencePrefix)
	}
	if s := d.State("stage1"); s == nil || s.SLADays != 10 {
		t.Errorf("stage 1: %+v", s)
	}
	if s := d.State("stage2"); s == nil || s.SLADays != 20 {
		t.Errorf("stage 2: %+v", s)
	}
	if s := d.State("referred_to_ombudsman"); s == nil || !s.Terminal {
		t.Errorf("referral: %+v", s)
	}
	if tr := d.Transition("escalate_stage2"); tr == nil || !tr.Applicant || tr.To != "stage2" {
		t.Errorf("the applicant may escalate to stage 2: %+v", tr)
	}
	for _, id := range []string{"stage1_response", "stage2_response", "outcome"} {
		if f := d.Field(id); f == nil || !f.Internal {
			t.Errorf("%s is an internal field: %+v", id, f)
		}
	}
	if f := d.Field("phone"); f == nil || f.Required {
		t.Errorf("phone is optional: %+v", f)
	}
	// Saying yes to "complained before" asks for the previous reference.
	p := d.Page("complained-before")
	if p == nil || p.Next[0].If == nil || p.Next[0].If.Equals != "yes" || p.Next[0].Goto != "previous-complaint" {
		t.Errorf("branch: %+v", p)
	}
	if d.FirstPage().ID != "name" || d.Page("nope") != nil || d.Field("nope") != nil || d.State("nope") != nil || d.Transition("nope") != nil {
		t.Error("lookups")
	}
	var from []string
	for _, tr := range d.TransitionsFrom("stage1_responded") {
		from = append(from, tr.ID)
	}
	if strings.Join(from, ",") != "resolve,escalate_stage2" {
		t.Errorf("transitions from stage1_responded: %v", from)
	}
}

func TestKeyDecisionsTakeTheSeedsReference(t *testing.T) {
	d := builtin(t, "key-decisions")
	f := d.Field("decision_reference")
	re := regexp.MustCompile(f.Pattern)
	if !re.MatchString("21/00097") || re.MatchString("2021/97") {
		t.Errorf("pattern %q", f.Pattern)
	}
	if d.OwnerUnit != "Infrastructure" || d.Start.AllowsAssistedDigital() {
		t.Errorf("key decisions are a staff service owned by Infrastructure: %+v", d)
	}
	if len(d.Field("key_decision_tests").Options) != 2 {
		t.Error("two key-decision tests")
	}
}

func TestRoadmapHasTheFourThemes(t *testing.T) {
	d := builtin(t, "technology-roadmap")
	if n := len(d.Field("theme").Options); n != 4 {
		t.Errorf("%d themes", n)
	}
	if n := len(d.Field("rag_status").Options); n != 3 {
		t.Errorf("%d RAG statuses", n)
	}
}

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadDirReportsEveryFile(t *testing.T) {
	good := pothole(t)
	dir := writeFiles(t, map[string]string{
		"a-good.yaml":     good,
		"b-bad.yaml":      edit(t, good, "version: 1", "version: 0"),
		"c-worse.yml":     edit(t, good, "id: pothole", "id: Pot", "reference_prefix: POT", "reference_prefix: p"),
		"d-same.yaml":     good,
		"notes.txt":       "not a definition",
		"e-version2.yaml": edit(t, good, "version: 1", "version: 2"),
	})
	defs, err := LoadDir(dir)
	if err == nil || defs != nil {
		t.Fatalf("want an error and nothing loaded, got %v, %v", defs, err)
	}
	msg := err.Error()
	for _, want := range []string{"b-bad.yaml:3:10: version", "c-worse.yml:2:5: id", "c-worse.yml:5:19: reference_prefix", "d-same.yaml:1:1: id: pothole v1 is also defined in a-good.yaml"} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Error("the joined error holds ValidationErrors")
	}

	dir = writeFiles(t, map[string]string{"a.yaml": good, "b.yaml": edit(t, good, "version: 1", "version: 2")})
	defs, err = LoadDir(dir)
	if err != nil || len(defs) != 2 || defs[1].Version != 2 {
		t.Fatalf("LoadDir: %v, %v", defs, err)
	}
	if defs, err := LoadDir(filepath.Join(dir, "missing")); err != nil || defs != nil {
		t.Fatalf("a missing folder is no definitions: %v, %v", defs, err)
	}
}

func TestSourcesCarryTheYAMLTheyWereParsedFrom(t *testing.T) {
	srcs, err := BuiltinSources()
	if err != nil || len(srcs) == 0 {
		t.Fatalf("BuiltinSources: %d, %v", len(srcs), err)
	}
	for _, s := range srcs {
		again, err := Parse(s.YAML, s.Def.ID)
		if err != nil || again.ID != s.Def.ID || again.Version != s.Def.Version {
			t.Fatalf("%s: source does not parse back to the same definition: %v", s.Def.ID, err)
		}
	}
}
