package access_test

import (
	"context"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func newPoint(t *testing.T, db *store.DB) (*access.Point, *audit.Log) {
	log := audittest.NewLog(t, db)
	return access.New(log), log
}

func entries(t *testing.T, log *audit.Log, org string) []audit.Entry {
	page, err := log.List(context.Background(), audit.Filter{OrgID: org, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return page.Entries
}

// Denials and OFFICIAL-SENSITIVE reads reach the real audit log; ordinary
// permitted actions add nothing (their own write audits them).
func TestCheckAuditsDenialsAndSensitiveReads(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations}, func(t *testing.T, db *store.DB) {
		ap, log := newPoint(t, db)
		ctx := context.Background()
		staff := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_staff", Name: "Jo", OrgID: "org_kent", Roles: []platform.Role{platform.RoleStaff}, Addr: "198.51.100.7"}
		cw := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_cw", OrgID: "org_kent", Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{"adults"}}
		official := access.Resource{Type: "policy", ID: "pol_1", OrgID: "org_kent"}
		sensitive := access.Resource{Type: "case", ID: "cas_1", OrgID: "org_kent", BusinessUnit: "adults", Classification: platform.OfficialSensitive}

		if err := ap.Check(ctx, staff, access.Read, official); err != nil {
			t.Fatalf("staff read OFFICIAL: %v", err)
		}
		if n := len(entries(t, log, "org_kent")); n != 0 {
			t.Fatalf("a plain permitted read wrote %d entries", n)
		}
		err := ap.Check(ctx, staff, access.Read, sensitive)
		if platform.CodeOf(err) != platform.CodeForbidden {
			t.Fatalf("staff read sensitive: %v", err)
		}
		if err := ap.Check(ctx, cw, access.Read, sensitive); err != nil {
			t.Fatalf("caseworker in unit: %v", err)
		}
		got := entries(t, log, "org_kent")
		if len(got) != 2 {
			t.Fatalf("want a denial and a sensitive read, got %+v", got)
		}
		read, denial := got[0], got[1] // newest first
		if denial.Outcome != audit.Denied || denial.ActorID != "usr_staff" || denial.ResourceID != "cas_1" || denial.Addr != "198.51.100.7" || denial.Detail == "" {
			t.Fatalf("denial entry %+v", denial)
		}
		if read.Outcome != audit.Success || read.ActorID != "usr_cw" || read.Action != "case.read" {
			t.Fatalf("sensitive read entry %+v", read)
		}

		// Another organisation's resource is "not found", and the probe is
		// recorded in the prober's organisation, not the target's.
		foreign := access.Resource{Type: "case", ID: "cas_9", OrgID: "org_nhs"}
		if err := ap.Check(ctx, staff, access.Read, foreign); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("cross-org: %v", err)
		}
		if n := len(entries(t, log, "org_nhs")); n != 0 {
			t.Fatalf("the target organisation's log gained %d entries", n)
		}
		if n := len(entries(t, log, "org_kent")); n != 3 {
			t.Fatalf("the probe was not audited: %d entries", n)
		}
		anon := &platform.Subject{Kind: platform.SubjectAnonymous}
		if err := ap.Check(ctx, anon, access.Read, official); platform.CodeOf(err) != platform.CodeUnauthorized {
			t.Fatalf("anonymous: %v", err)
		}
	})
}
