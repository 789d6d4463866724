package services

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestPartnerReferral: a partner refers someone to adult social care under
// a data-sharing agreement; the referral lands in the council's Adults unit,
// the partner follows it and nothing else, and without an agreement in
// force (another partner, an expired one, a service it does not name, the
// partner's own administrator) nothing crosses.
func TestPartnerReferral(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		adults, err := e.id.CreateUnit(e.ctx, e.sys, "Adults")
		noErr(t, err)
		srcs, err := definition.BuiltinSources()
		noErr(t, err)
		for _, s := range srcs {
			if s.Def.ID == "adult-social-care-referral" {
				noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{s.Def}, [][]byte{s.YAML}))
			}
		}
		e.publish(complaints(1))
		nhs := e.mustOrg("nhs-kent-medway", "NHS Kent and Medway", platform.OrgPartner)
		tom := e.user(platform.System(nhs.ID), "tom", platform.RolePartner)
		ruth := e.user(platform.System(nhs.ID), "ruth", platform.RoleAdmin)
		maid := e.mustOrg("maidstone", "Maidstone Borough Council", platform.OrgPartner)
		ian := e.user(platform.System(maid.ID), "ian", platform.RolePartner)
		ada := e.user(e.sys, "ada", platform.RoleCaseworker, adults.ID)

		// Only the council's administrators record agreements, and only for
		// services open to partners.
		in := NewAgreement{PartnerOrgID: nhs.ID, Title: "Hospital discharge referrals", Purpose: "Safe discharge",
			Services: []string{"adult-social-care-referral"}, EndsAt: start.AddDate(1, 0, 0)}
		_, err = e.svc.AddAgreement(e.ctx, e.cara, in)
		wantCode(t, err, platform.CodeForbidden)
		bad := in
		bad.Services, bad.PartnerOrgID = []string{"complaints"}, e.org.ID
		_, err = e.svc.AddAgreement(e.ctx, e.admin, bad)
		wantField(t, err, "services")
		wantField(t, err, "partner")
		dsa, err := e.svc.AddAgreement(e.ctx, e.admin, in)
		noErr(t, err)

		if as, _ := e.svc.PartnerAgreements(e.ctx, tom); len(as) != 1 || as[0].ID != dsa.ID {
			t.Fatalf("Tom's agreements %+v", as)
		}
		for _, who := range []*platform.Subject{ian, ruth, e.cara} {
			if _, _, err := e.svc.ActUnder(e.ctx, who, dsa.ID, ""); platform.CodeOf(err) != platform.CodeForbidden {
				t.Fatalf("%s acted under NHS's agreement: %v", who.Name, err)
			}
		}
		as, _, err := e.svc.ActUnder(e.ctx, tom, dsa.ID, "NHS Kent and Medway")
		noErr(t, err)
		if as.OrgID != e.org.ID || as.HomeOrgID != nhs.ID || len(as.Roles) != 1 || as.Roles[0] != platform.RolePartner {
			t.Fatalf("acting subject %+v", as)
		}

		ref, err := e.svc.Submit(e.ctx, as, "adult-social-care-referral", definition.Answers{"person_name": "Edna Pratt", "urgency": "today"}, SubmitOptions{})
		noErr(t, err)
		if ref.OrgID != e.org.ID || ref.ApplicantID != tom.UserID || ref.UnitID != adults.ID || ref.Queue != "adults-referrals" {
			t.Fatalf("referral %+v", ref)
		}
		found := false
		for _, en := range e.entries(e.org.ID) {
			if en.Action == "case.create" && en.ResourceID == ref.ID && strings.Contains(en.ActorName, "under sharing agreement "+dsa.ID) {
				found = true
			}
		}
		if !found {
			t.Fatal("the referral's audit entry does not name the agreement")
		}
		// The Adults team has it; Tom follows it as its applicant.
		if _, err := e.svc.GetCase(e.ctx, ada, ref.ID); err != nil {
			t.Fatalf("Adults cannot open the referral: %v", err)
		}
		mine, err := e.svc.Search(e.ctx, as, CaseFilter{Applicant: tom.UserID}, "", 10)
		noErr(t, err)
		if len(mine.Cases) != 1 || mine.Cases[0].ID != ref.ID {
			t.Fatalf("Tom's referrals %+v", mine.Cases)
		}
		_, err = e.svc.AddNote(e.ctx, as, ref.ID, "She lives alone.", ToApplicant)
		noErr(t, err)
		// Nothing else of the council's: not a resident's complaint, not a
		// search beyond his own, not the complaints service.
		c := e.submit(e.rita, "Noise")
		if _, err := e.svc.GetCase(e.ctx, as, c.ID); err == nil {
			t.Fatal("a partner opened a resident's complaint")
		}
		if all, _ := e.svc.Search(e.ctx, as, CaseFilter{}, "", 50); len(all.Cases) != 1 {
			t.Fatalf("a partner's search found %d cases", len(all.Cases))
		}
		_, err = e.svc.Submit(e.ctx, as, "complaints", definition.Answers{"summary": "x"}, SubmitOptions{})
		wantCode(t, err, platform.CodeForbidden)
		// A subject made up with another agreement, or used after the
		// agreement ended, is refused at submission.
		forged := *as
		forged.Agreement = "dsa_00000000000000000000000000"
		_, err = e.svc.Submit(e.ctx, &forged, "adult-social-care-referral", definition.Answers{"person_name": "X"}, SubmitOptions{})
		wantCode(t, err, platform.CodeForbidden)
		e.clock.Add(366 * 24 * time.Hour)
		_, err = e.svc.Submit(e.ctx, as, "adult-social-care-referral", definition.Answers{"person_name": "Late"}, SubmitOptions{})
		wantCode(t, err, platform.CodeForbidden)
		if as, _ := e.svc.PartnerAgreements(e.ctx, tom); len(as) != 0 {
			t.Fatal("an ended agreement is still offered")
		}
	})
}
