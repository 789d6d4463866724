package identity

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestRecordCallerAndFind: front-desk staff record a caller without an
// account, find them again by date of birth or postcode, and are stopped
// (shown the match) before recording the same person twice.
func TestRecordCallerAndFind(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fay := e.subjectOf(e.mustUser(e.sys, "fay@northshire.gov.uk", "Fay Frontdesk", []platform.Role{platform.RoleStaff}, nil, testPassword))
		rita := e.subjectOf(e.mustUser(e.sys, "rita@example.org", "Rita Resident", []platform.Role{platform.RoleResident}, nil, testPassword))

		// Bad input: a clear error per field, nothing stored.
		_, _, err := e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: " ", Phone: "12", Postcode: "NOPE", BirthDate: "31 2 1980", Channel: "pigeon"}, false)
		for _, f := range []string{"name", "phone", "postcode", "birth_date", "channel"} {
			wantField(t, err, f)
		}
		_, _, err = e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Pat Caller", Channel: ChannelPhone}, false)
		wantField(t, err, "phone")

		pat, dupes, err := e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Pat Caller", Phone: "01622 694000", Postcode: "me14 1xq",
			BirthDate: "27 3 1984", Channel: ChannelPhone}, false)
		noErr(t, err)
		if len(dupes) != 0 || pat.HasPassword || pat.Email != "" || pat.Postcode != "ME14 1XQ" || pat.BirthDate != "1984-03-27" || pat.Phone != "01622694000" {
			t.Fatalf("recorded %+v (dupes %v)", pat, dupes)
		}
		if len(pat.Roles) != 1 || pat.Roles[0] != platform.RoleResident {
			t.Fatalf("roles %v", pat.Roles)
		}
		// A second caller without email is not refused by the email rule.
		_, _, err = e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Sam Other", Postcode: "CT1 2EH", Channel: ChannelPost}, false)
		noErr(t, err)

		for _, q := range []platform.ResidentQuery{{BirthDate: "1984-03-27"}, {Postcode: "ME141XQ"}, {Text: "pat", Postcode: "ME14 1XQ"}} {
			found, err := e.svc.FindResidents(e.ctx, fay, q)
			noErr(t, err)
			if len(found) != 1 || found[0].ID != pat.ID || found[0].Postcode != "ME14 1XQ" {
				t.Fatalf("search %+v found %+v", q, found)
			}
		}
		if found, err := e.svc.FindResidents(e.ctx, fay, platform.ResidentQuery{Text: "pat", BirthDate: "1990-01-01"}); err != nil || len(found) != 0 {
			t.Fatalf("every part given must match: %v %v", found, err)
		}
		_, err = e.svc.FindResidents(e.ctx, fay, platform.ResidentQuery{})
		wantField(t, err, "q")

		// The same person again: refused with the match, nothing stored;
		// only a deliberate second call records someone new.
		_, dupes, err = e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "pat caller", Postcode: "ME14 1XQ", Channel: ChannelPost}, false)
		wantCode(t, err, platform.CodeConflict)
		if len(dupes) != 1 || dupes[0].ID != pat.ID {
			t.Fatalf("duplicates offered %+v", dupes)
		}
		_, dupes, err = e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Rita Resident", Email: "RITA@example.org", Channel: ChannelEmail}, false)
		wantCode(t, err, platform.CodeConflict)
		if len(dupes) != 1 || dupes[0].ID != rita.UserID {
			t.Fatalf("an existing account by email not offered: %+v", dupes)
		}
		twin, _, err := e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Pat Caller", Postcode: "ME14 1XQ", Channel: ChannelPost}, true)
		noErr(t, err)
		if twin.ID == pat.ID {
			t.Fatal("a deliberate new record reused the old one")
		}

		// Residents may not search or record; staff of another organisation
		// find nothing here.
		_, err = e.svc.FindResidents(e.ctx, rita, platform.ResidentQuery{Text: "pat"})
		wantCode(t, err, platform.CodeForbidden)
		_, _, err = e.svc.RecordCaller(e.ctx, rita, platform.Caller{Name: "X", Phone: "01622694000", Channel: ChannelPhone}, false)
		wantCode(t, err, platform.CodeForbidden)
		other := e.mustOrg("elsewhere", "Elsewhere Council", platform.OrgCouncil)
		stranger := e.subjectOf(e.mustUser(platform.System(other.ID), "s@elsewhere.gov.uk", "Stan Staff", []platform.Role{platform.RoleStaff}, nil, testPassword))
		if found, err := e.svc.FindResidents(e.ctx, stranger, platform.ResidentQuery{Text: "pat"}); err != nil || len(found) != 0 {
			t.Fatalf("another organisation's staff found %v (%v)", found, err)
		}
	})
}

// TestCallerClaimsTheirAccount: a caller recorded by the front desk with an
// email address claims the record when they first sign in with GOV.UK One
// Login using that (verified) address: the same person, with the cases
// made for them, not a second account; afterwards One Login's identity
// alone finds them. A recorded caller cannot sign in with a password (they
// have none), and a different address makes a different account.
func TestCallerClaimsTheirAccount(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fay := e.subjectOf(e.mustUser(e.sys, "fay@northshire.gov.uk", "Fay Frontdesk", []platform.Role{platform.RoleStaff}, nil, testPassword))
		dee, _, err := e.svc.RecordCaller(e.ctx, fay, platform.Caller{Name: "Dee Caller", Email: "dee.caller@example.org", Channel: ChannelEmail}, false)
		noErr(t, err)
		if _, err := e.svc.SignIn(e.ctx, "northshire", "dee.caller@example.org", testPassword, ""); err == nil {
			t.Fatal("a recorded caller signed in with a password")
		}
		const iss = "https://oidc.integration.account.gov.uk/"
		res, err := e.svc.SignInExternal(e.ctx, e.org.ID, "onelogin", iss, "urn:fdc:gov.uk:2022:dee", "Dee.Caller@example.org", "Dee Caller",
			[]platform.Role{platform.RoleResident}, "")
		noErr(t, err)
		if res.UserID != dee.ID || res.State != StateSignedIn {
			t.Fatalf("claim: %+v, recorded as %s", res, dee.ID)
		}
		sub, err := e.svc.SessionSubject(e.ctx, res.Token, "")
		noErr(t, err)
		if sub.UserID != dee.ID || !sub.HasRole(platform.RoleResident) || len(sub.Roles) != 1 {
			t.Fatalf("signed in as %+v", sub)
		}
		again, err := e.svc.SignInExternal(e.ctx, e.org.ID, "onelogin", iss, "urn:fdc:gov.uk:2022:dee", "new-address@example.org", "", nil, "")
		noErr(t, err)
		if again.UserID != dee.ID {
			t.Fatalf("second sign-in found %s", again.UserID)
		}
		other, err := e.svc.SignInExternal(e.ctx, e.org.ID, "onelogin", iss, "urn:fdc:gov.uk:2022:someone", "someone@example.org", "Someone",
			[]platform.Role{platform.RoleResident}, "")
		noErr(t, err)
		if other.UserID == dee.ID {
			t.Fatal("another person claimed Dee's record")
		}
	})
}
