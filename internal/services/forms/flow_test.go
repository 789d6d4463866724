package forms

import (
	"reflect"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

func TestNextFollowsRulesInOrder(t *testing.T) {
	def := branching()
	cases := []struct {
		page    string
		answers definition.Answers
		want    string
	}{
		{"p-kind", definition.Answers{"kind": "complaint"}, "p-complaint"},
		{"p-kind", definition.Answers{"kind": "compliment"}, "p-compliment"},
		{"p-kind", definition.Answers{}, CheckAnswers}, // no rule holds: the questions end (ValidateAll then asks for kind)
		{"p-complaint", definition.Answers{}, "p-stage"},
		{"p-stage", definition.Answers{"stage": "2"}, "p-previous"},
		{"p-stage", definition.Answers{"stage": "1"}, "p-contact"},
		{"p-contact", definition.Answers{}, CheckAnswers},
	}
	for _, c := range cases {
		got, err := Next(def, c.page, c.answers)
		if err != nil || got != c.want {
			t.Errorf("Next(%s, %v) = %q, %v; want %q", c.page, c.answers, got, err, c.want)
		}
	}
	if _, err := Next(def, "nowhere", nil); platform.CodeOf(err) != platform.CodeNotFound {
		t.Errorf("unknown page: %v", err)
	}
	def.Pages[1].Next[0].Goto = "missing"
	if _, err := Next(def, "p-complaint", nil); platform.CodeOf(err) != platform.CodeInternal {
		t.Errorf("goto an unknown page: %v", err)
	}
}

func TestConditions(t *testing.T) {
	no := false
	cases := []struct {
		name string
		c    definition.Condition
		v    any
		want bool
	}{
		{"equals", definition.Condition{Equals: "yes"}, "yes", true},
		{"equals other", definition.Condition{Equals: "yes"}, "no", false},
		{"equals unanswered", definition.Condition{Equals: "yes"}, nil, false},
		{"in", definition.Condition{In: []string{"a", "b"}}, "b", true},
		{"in misses", definition.Condition{In: []string{"a", "b"}}, "c", false},
		{"checkboxes contain", definition.Condition{Equals: "tax"}, []string{"bins", "tax"}, true},
		{"checkboxes from JSON", definition.Condition{In: []string{"parking"}}, []any{"bins", "parking"}, true},
		{"money as pounds", definition.Condition{Equals: "12.50"}, int64(1250), true},
		{"money from JSON", definition.Condition{Equals: "12.50"}, float64(1250), true},
		{"answered", definition.Condition{Answered: yes()}, "x", true},
		{"answered blank", definition.Condition{Answered: yes()}, "  ", false},
		{"not answered", definition.Condition{Answered: &no}, nil, true},
		{"not answered but is", definition.Condition{Answered: &no}, []string{"bins"}, false},
		{"address has no text", definition.Condition{Equals: "x"}, definition.Address{Line1: "x"}, false},
	}
	for _, c := range cases {
		c.c.Field = "f"
		a := definition.Answers{}
		if c.v != nil {
			a["f"] = c.v
		}
		if got := holds(&c.c, a); got != c.want {
			t.Errorf("%s: holds = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPathTakesEachBranch(t *testing.T) {
	def := branching()
	cases := []struct {
		answers definition.Answers
		want    []string
	}{
		{definition.Answers{}, []string{"p-kind"}},
		{definition.Answers{"kind": "complaint", "what": "x", "stage": "1"}, []string{"p-kind", "p-complaint", "p-stage", "p-contact"}},
		{definition.Answers{"kind": "complaint", "what": "x", "stage": "2"}, []string{"p-kind", "p-complaint", "p-stage", "p-previous", "p-contact"}},
		{definition.Answers{"kind": "compliment"}, []string{"p-kind", "p-compliment", "p-contact"}},
		// A stage answer left over from the complaint branch cannot steer the
		// compliment path, even if a later rule were to look at it.
		{definition.Answers{"kind": "compliment", "stage": "2"}, []string{"p-kind", "p-compliment", "p-contact"}},
	}
	for _, c := range cases {
		if got := Path(def, c.answers); !reflect.DeepEqual(got, c.want) {
			t.Errorf("Path(%v) = %v, want %v", c.answers, got, c.want)
		}
	}
}

func TestPathStopsOnALoop(t *testing.T) {
	def := branching()
	def.Pages[5].Next = []definition.Rule{{Goto: "p-kind"}} // contact -> back to the start
	got := Path(def, definition.Answers{"kind": "compliment"})
	if want := []string{"p-kind", "p-compliment", "p-contact"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Path = %v, want %v", got, want)
	}
}

func TestChangingAnEarlierAnswerPrunesTheOldBranch(t *testing.T) {
	def := branching()
	opts := testOpts()
	// The person first goes down the complaint branch to stage 2...
	saved := definition.Answers{}
	for _, step := range []struct {
		page string
		in   map[string][]string
	}{
		{"p-kind", map[string][]string{"kind": {"complaint"}}},
		{"p-complaint", map[string][]string{"what": {"The bins were not collected."}}},
		{"p-stage", map[string][]string{"stage": {"2"}}},
		{"p-previous", map[string][]string{"previous_ref": {"COMP-2026-000001"}}},
		{"p-contact", map[string][]string{"email": {"ann@example.com"}}},
	} {
		page := pageByID(def, step.page)
		a, _, err := Decode(def, page, step.in, nil, opts)
		if err != nil {
			t.Fatalf("%s: %v", step.page, err.Fields)
		}
		saved = Merge(page, saved, a)
	}
	if err := ValidateAll(def, saved, opts); err != nil {
		t.Fatalf("complete complaint refused: %v", err.Fields)
	}
	// ...then goes back and says stage 1: the stage-2 reference is stale.
	page := pageByID(def, "p-stage")
	a, _, _ := Decode(def, page, map[string][]string{"stage": {"1"}}, nil, opts)
	saved = Merge(page, saved, a)
	if got := fieldErrors(t, ValidateAll(def, saved, opts)); got["previous_ref"] == "" || len(got) != 1 {
		t.Fatalf("stale answer not refused: %v", got)
	}
	pruned := Prune(def, saved)
	if _, ok := pruned["previous_ref"]; ok {
		t.Fatal("Prune kept the stage 2 reference")
	}
	if _, ok := saved["previous_ref"]; !ok {
		t.Fatal("Prune changed its argument")
	}
	if err := ValidateAll(def, pruned, opts); err != nil {
		t.Fatalf("pruned stage 1 complaint refused: %v", err.Fields)
	}
	// And changing the first answer drops the whole complaint branch.
	page = pageByID(def, "p-kind")
	a, _, _ = Decode(def, page, map[string][]string{"kind": {"compliment"}}, nil, opts)
	saved = Merge(page, pruned, a)
	if Resume(def, saved) != "p-compliment" {
		t.Fatalf("Resume = %s", Resume(def, saved))
	}
	saved["praise"] = "Ann at the library"
	saved["outcome"] = "kept: internal fields are on no page"
	pruned = Prune(def, saved)
	want := definition.Answers{"kind": "compliment", "praise": "Ann at the library", "email": "ann@example.com", "outcome": "kept: internal fields are on no page"}
	if !reflect.DeepEqual(pruned, want) {
		t.Fatalf("Prune = %v, want %v", pruned, want)
	}
	delete(pruned, "outcome")
	if err := ValidateAll(def, pruned, opts); err != nil {
		t.Fatalf("compliment refused: %v", err.Fields)
	}
	if Resume(def, pruned) != CheckAnswers {
		t.Fatalf("Resume of a complete case = %s", Resume(def, pruned))
	}
}

func TestMergeClearsFieldsLeftEmpty(t *testing.T) {
	def := branching()
	page := pageByID(def, "p-contact")
	got := Merge(page, definition.Answers{"kind": "compliment", "email": "old@example.com"}, definition.Answers{})
	if want := (definition.Answers{"kind": "compliment"}); !reflect.DeepEqual(got, want) {
		t.Fatalf("Merge = %v", got)
	}
	if got := Merge(page, nil, definition.Answers{"email": "a@example.com"}); got["email"] != "a@example.com" {
		t.Fatalf("Merge into nil = %v", got)
	}
}
