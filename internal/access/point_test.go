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

// A denial made inside a write is recorded in that write's transaction and
// survives the refusal; a module's registered policy governs its own type
// but cannot loosen the organisation boundary.
func TestCheckTxAndRegisteredPolicies(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations}, func(t *testing.T, db *store.DB) {
		ap, log := newPoint(t, db)
		ctx := context.Background()
		rm := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_rm", OrgID: "org_kent", Roles: []platform.Role{platform.RoleStaff}}
		record := access.Resource{Type: "record", ID: "rec_1", OrgID: "org_kent", BusinessUnit: "bu_other"}
		if err := ap.Register("record", func(s *platform.Subject, a access.Action, r access.Resource) access.Decision {
			if s.UserID == "usr_rm" {
				return access.Decision{Allowed: true, Reason: "records manager"}
			}
			return access.Roles(s, a, r)
		}); err != nil {
			t.Fatal(err)
		}
		if err := ap.Register("record", access.Roles); err == nil {
			t.Fatal("a second policy for one type was accepted")
		}
		if !ap.Allowed(rm, access.Delete, record) {
			t.Fatal("the registered policy was not consulted")
		}
		foreign := *rm
		foreign.OrgID = "org_other"
		if ap.Allowed(&foreign, access.Read, record) {
			t.Fatal("a module policy let a subject cross organisations")
		}
		staff := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_jo", OrgID: "org_kent", Roles: []platform.Role{platform.RoleStaff}}
		err := db.Write(ctx, func(tx *store.Tx) error {
			return ap.CheckTx(tx, staff, access.Delete, record)
		})
		if platform.CodeOf(err) != platform.CodeForbidden {
			t.Fatalf("CheckTx denial = %v", err)
		}
		got := entries(t, log, "org_kent")
		if len(got) != 1 || got[0].Outcome != audit.Denied || got[0].ResourceID != "rec_1" {
			t.Fatalf("entries after a denial inside a write: %+v", got)
		}
		tok := &platform.Subject{Kind: platform.SubjectToken, TokenID: "tok_1", UserID: "usr_jo", OrgID: "org_kent", Roles: []platform.Role{platform.RoleAdmin}, Scopes: []string{platform.ScopeRead}}
		if err := ap.CheckScope(ctx, tok, platform.ScopeWrite, "POST /api/v1/cases"); platform.CodeOf(err) != platform.CodeForbidden {
			t.Fatalf("scope gate: %v", err)
		}
		if err := ap.CheckScope(ctx, tok, platform.ScopeRead, "GET /api/v1/cases"); err != nil {
			t.Fatalf("scope gate with the scope: %v", err)
		}
		if got := entries(t, log, "org_kent"); len(got) != 2 || got[0].Action != "api.scope" {
			t.Fatalf("the scope refusal was not audited: %+v", got)
		}
	})
}

// One request that reads a sensitive record several times (a case page:
// the case, its timeline, notes, tasks, files) is one audited read.
func TestSensitiveReadAuditedOncePerRequest(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations}, func(t *testing.T, db *store.DB) {
		ap, log := newPoint(t, db)
		cw := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_cw", OrgID: "org_kent", Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{"adults"}}
		complaint := access.Resource{Type: "case", ID: "cas_1", OrgID: "org_kent", BusinessUnit: "adults", Classification: platform.OfficialSensitive}
		other := complaint
		other.ID = "cas_2"
		req := platform.WithOnce(context.Background())
		for range 5 {
			if err := ap.Check(req, cw, access.Read, complaint); err != nil {
				t.Fatal(err)
			}
		}
		if err := ap.Check(req, cw, access.Read, other); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, log, "org_kent"); len(got) != 2 {
			t.Fatalf("one request reading two complaints wrote %d entries, want 2", len(got))
		}
		// The next request is another look.
		if err := ap.Check(platform.WithOnce(context.Background()), cw, access.Read, complaint); err != nil {
			t.Fatal(err)
		}
		if got := entries(t, log, "org_kent"); len(got) != 3 {
			t.Fatalf("a second look wrote %d entries in all, want 3", len(got))
		}
	})
}
