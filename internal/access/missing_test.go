package access_test

import (
	"context"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A lookup that finds nothing in the subject's organisation is audited as a
// denial when the ID belongs to another organisation, and answered with the
// lookup's own not-found error whether it does or not.
func TestMissingAuditsForeignIDs(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations}, func(t *testing.T, db *store.DB) {
		ap, log := newPoint(t, db)
		ctx := context.Background()
		nhs := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_nurse", OrgID: "org_nhs", Roles: []platform.Role{platform.RoleStaff}}
		if err := log.RecordNow(ctx, audit.For(nhs, "case.create", "case", "cas_1", audit.Success)); err != nil {
			t.Fatal(err)
		}
		foreign := entries(t, log, "org_nhs")[0].Index
		kent := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_admin", OrgID: "org_kent", Roles: []platform.Role{platform.RoleAdmin}}
		notFound := platform.NotFound("audit entry")
		probe := func(sub *platform.Subject, idx int64) error {
			return ap.Missing(ctx, sub, access.Read, access.Resource{Type: "audit", ID: "probe"}, access.RowOrg(db, "audit_entries", "idx", idx), notFound)
		}

		if err := probe(kent, foreign+100); err != notFound {
			t.Fatalf("an ID that exists nowhere: %v", err)
		}
		if n := len(entries(t, log, "org_kent")); n != 0 {
			t.Fatalf("a missing ID was audited: %d entries", n)
		}
		if err := probe(nhs, foreign); err != notFound {
			t.Fatalf("own organisation: %v", err)
		}
		if n := len(entries(t, log, "org_nhs")); n != 1 {
			t.Fatalf("a lookup in the subject's own organisation was audited as a denial: %d entries", n)
		}
		if err := probe(kent, foreign); err != notFound {
			t.Fatalf("another organisation's ID: %v", err)
		}
		got := entries(t, log, "org_kent")
		if len(got) != 1 || got[0].Outcome != audit.Denied || got[0].Action != "audit.read" || got[0].ActorID != "usr_admin" || got[0].ResourceID != "probe" {
			t.Fatalf("want one denial in the prober's log, got %+v", got)
		}
		if n := len(entries(t, log, "org_nhs")); n != 1 {
			t.Fatalf("the target organisation's log changed: %d entries", n)
		}
	})
}
