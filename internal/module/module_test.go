package module_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"dbtp/internal/module"
)

type fake struct {
	module.Base
	name  string
	verbs []module.Verb
	fail  error
}

func (f *fake) Name() string                             { return f.name }
func (f *fake) Verbs() []module.Verb                     { return f.verbs }
func (f *fake) Init(context.Context, *module.Deps) error { return f.fail }

func TestCheckRefusesBadLists(t *testing.T) {
	run := func(context.Context, *module.Call) error { return nil }
	v := module.Verb{Name: "widgets list", Summary: "list widgets", Run: run}
	for _, c := range []struct {
		mods []module.Module
		want string
	}{
		{[]module.Module{&fake{name: "Widgets"}}, "lower-case"},
		{[]module.Module{&fake{name: "widgets"}, &fake{name: "widgets"}}, "listed twice"},
		{[]module.Module{&fake{name: "a1", verbs: []module.Verb{v}}, &fake{name: "b1", verbs: []module.Verb{v}}}, "claimed by modules a1 and b1"},
		{[]module.Module{&fake{name: "widgets", verbs: []module.Verb{{Name: "widgets x"}}}}, "needs a summary"},
		{[]module.Module{nil}, "is nil"},
	} {
		err := module.Check(c.mods)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Check = %v, want an error containing %q", err, c.want)
		}
	}
	if err := module.Check([]module.Module{&fake{name: "widgets", verbs: []module.Verb{v}}}); err != nil {
		t.Fatal(err)
	}
}

// A module that cannot start is named in the error; nothing panics.
func TestInitNamesTheModuleThatFailed(t *testing.T) {
	mods := []module.Module{&fake{name: "good"}, &fake{name: "broken", fail: errors.New("no such bucket")}}
	err := module.Init(context.Background(), mods, &module.Deps{Log: slog.New(slog.DiscardHandler)})
	if err == nil || err.Error() != "module broken: no such bucket" {
		t.Fatalf("Init = %v", err)
	}
}
