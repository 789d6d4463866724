package recordsweb

import (
	"context"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestDemoDocumentsAreReadForSearch: the demo files most of its documents
// back-dated, through a store with another clock; their text is read all
// the same, so a word only in a document's content finds it (the cloud
// migration plan's "backbone", say), as it would on a real system.
func TestDemoDocumentsAreReadForSearch(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		units := []string{e.units["Adults"], e.units["Finance"]}
		for _, n := range []string{"Democratic Services", "Children's", "Infrastructure", "Customer Services"} {
			u, err := e.id.CreateUnit(e.ctx, e.sys, n)
			noErr(t, err)
			units = append(units, u.ID)
		}
		rosa := e.subject("Rosa")
		env := &module.DemoEnv{
			Org: func(context.Context, string) (platform.Org, error) { return e.org, nil },
			Person: func(_ context.Context, _ platform.Org, email string) (*platform.Subject, error) {
				s := *rosa
				s.BusinessUnits = units
				return &s, nil
			},
		}
		noErr(t, e.m.Demo(e.ctx, env))
		e.runJobs()
		p, err := e.m.Store().List(e.ctx, rosa, records.Filter{State: "all", Limit: 100})
		noErr(t, err)
		if len(p.Documents) < 9 {
			t.Fatalf("the demo filed %d documents", len(p.Documents))
		}
		for _, d := range p.Documents {
			if d.TextStatus != records.TextStatusDone {
				t.Errorf("%q: text %s, want it read", d.Title, d.TextStatus)
			}
		}
		res, err := e.m.Store().Search(e.ctx, rosa, records.Query{Text: "backbone"})
		noErr(t, err)
		if res.Total != 1 || res.Hits[0].Title != "Cloud migration plan: moving the remaining 50% of services to Azure" {
			t.Fatalf("searching the plan's text found %+v", res)
		}
	})
}

// The demo's file names are ones any system accepts.
func TestDemoFileName(t *testing.T) {
	for title, want := range map[string]string{
		"Care needs assessment: Margaret Walker":                       "care-needs-assessment-margaret-walker",
		"Public question from Chris Walker, Maidstone area panel":      "public-question-from-chris-walker-maidstone-area-panel",
		"GP referral: Margaret Walker":                                 "gp-referral-margaret-walker",
		"Letter to Chris Walker about missed garden waste collections": "letter-to-chris-walker-about-missed-garden-waste-collections",
	} {
		if got := demoFileName(title); got != want {
			t.Errorf("%q: %q, want %q", title, got, want)
		}
	}
}
