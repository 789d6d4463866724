package servicesweb_test

import (
	"context"
	"strings"
	"testing"

	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Submitting and moving a case raise case.submitted and case.transitioned
// in the same transaction; a subscriber gets them, with references and no
// personal details.
func TestCasesRaiseDomainEvents(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		nd := newNode(t, db, audittest.NewLog(t, db), platformtest.NewClock(t0), "a", nil)
		ids := identity.New(db, nd.deps.Audit, nd.deps.Access, identity.Options{})
		org, err := ids.CreateOrg(ctx, platform.System(""), identity.NewOrg{Slug: "kent", Name: "Kent County Council", Kind: platform.OrgCouncil})
		if err != nil {
			t.Fatal(err)
		}
		sys := platform.System(org.ID)
		unit, err := ids.CreateUnit(ctx, sys, "Customer Services")
		if err != nil {
			t.Fatal(err)
		}
		cw, err := ids.CreateUser(ctx, sys, identity.NewUser{Email: "cw@kent.example", Name: "Sam Okafor", Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{unit.ID}})
		if err != nil {
			t.Fatal(err)
		}
		if err := nd.mod.Publish(ctx); err != nil {
			t.Fatal(err)
		}
		var got []events.Event
		if err := nd.deps.Events.Subscribe("test", []string{"case.*"}, func(_ context.Context, e events.Event) error {
			got = append(got, e)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		svc := nd.mod.Engine()
		c, err := svc.Submit(ctx, sys, "complaints", definition.Answers{"name": "Chris Walker", "email": "chris@example.org", "service_area": "waste",
			"details": "Missed bins", "complained_before": "no", "desired_outcome": "An apology"}, services.SubmitOptions{})
		if err != nil {
			t.Fatal(err)
		}
		caseworker := &platform.Subject{Kind: platform.SubjectUser, UserID: cw.ID, Name: cw.Name, OrgID: org.ID, Roles: cw.Roles, BusinessUnits: cw.BusinessUnits}
		if _, err := svc.Transition(ctx, caseworker, c.ID, "acknowledge", c.Version, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := nd.deps.Jobs.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		types := map[string]events.Event{}
		for _, e := range got {
			types[e.Type] = e
		}
		sub, tr := types["case.submitted"], types["case.transitioned"]
		if sub.Subject != c.ID || tr.Subject != c.ID || sub.OrgID != org.ID {
			t.Fatalf("events %+v", got)
		}
		if s := string(tr.Data); !contains(s, `"reference":"`+c.Reference+`"`, `"from":"submitted"`, `"to":"stage1"`) || contains(string(sub.Data), "Chris") {
			t.Fatalf("event data: submitted %s, transitioned %s", sub.Data, tr.Data)
		}
	})
}

func contains(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
