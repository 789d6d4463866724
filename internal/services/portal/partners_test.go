package portal

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web/webtest"
)

// TestPartnerRefersToAdultSocialCare: an NHS partner, signed in to their
// own organisation, refers someone to the council's adult social care under
// the data-sharing agreement; the pages say whom they act for; the referral
// is the council's Adults team's; the partner follows it, reads the
// decision and replies, and reaches nothing else.
func TestPartnerRefersToAdultSocialCare(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			e := newEnv(t, storetest.Open(t, d, testMods))
			adults, err := e.id.CreateUnit(e.ctx, e.sys, "Adults")
			noErr(t, err)
			srcs, err := definition.BuiltinSources()
			noErr(t, err)
			for _, s := range srcs {
				if s.Def.ID == "adult-social-care-referral" {
					noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{s.Def}, [][]byte{s.YAML}))
				}
			}
			nhs, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "nhs", Name: "NHS Kent and Medway", Kind: platform.OrgPartner})
			noErr(t, err)
			tomU, err := e.id.CreateUser(e.ctx, platform.System(nhs.ID), identity.NewUser{Email: "tom@nhs.example", Name: "Tom Hughes",
				Roles: []platform.Role{platform.RolePartner}, Password: password})
			noErr(t, err)
			signIn := func(org, email string) *webtest.Browser {
				res, err := e.id.SignIn(e.ctx, org, email, password, "127.0.0.1")
				noErr(t, err)
				b := e.srv.Browser()
				b.SignIn(res.Token)
				return b
			}
			tom := signIn("nhs", "tom@nhs.example")

			// No agreement yet: nothing to start, and the pages say so.
			want(t, tom.Get("/partners"), 200, "no data-sharing agreement in force", "You have not referred anyone yet.")
			dsa, err := e.svc.AddAgreement(e.ctx, e.sys, services.NewAgreement{PartnerOrgID: nhs.ID, Title: "Hospital discharge referrals",
				Services: []string{"adult-social-care-referral"}, EndsAt: time.Now().AddDate(1, 0, 0)})
			noErr(t, err)
			want(t, tom.Get("/partners"), 200, "Hospital discharge referrals", "Northshire Council", "NHS Kent and Medway", "Refer someone to adult social care")
			base := "/partners/" + dsa.ID + "/adult-social-care-referral"
			want(t, tom.Get(base+"/start"), 200, `id="acting-under"`, "You are acting for NHS Kent and Medway", "What you send goes to Northshire Council")
			for _, step := range []struct {
				page string
				v    url.Values
			}{
				{"person", url.Values{"person_name": {"Edna Pratt"}, "birth_date-day": {"14"}, "birth_date-month": {"6"}, "birth_date-year": {"1941"}}},
				{"address", url.Values{"address-line1": {"4 Tonbridge Road"}, "address-town": {"Maidstone"}, "address-postcode": {"ME16 8RY"}, "address-manual": {"1"}}},
				{"consent", url.Values{"consent": {"yes"}}},
				{"reason", url.Values{"reason": {"Ready to leave hospital after a fall; lives alone."}, "urgency": {"this_week"}}},
				{"contact", url.Values{"referrer_phone": {"01622 224000"}}},
			} {
				if r := tom.PostForm(base+"/pages/"+step.page, step.v); r.Status != 303 {
					t.Fatalf("%s: %d\n%s", step.page, r.Status, r.Body)
				}
			}
			want(t, tom.Get(base+"/check-answers"), 200, "Edna Pratt", "You are acting for NHS Kent and Medway")
			r := tom.PostForm(base+"/check-answers", nil)
			refNo := referencePattern.FindString(strings.ReplaceAll(r.Header.Get("Location"), "ASC-", "COMP-"))
			if r.Status != 303 || !strings.Contains(r.Header.Get("Location"), base+"/confirmation/ASC-") {
				t.Fatalf("submit: %d %s\n%s", r.Status, r.Header.Get("Location"), r.Body)
			}
			ref := "ASC-" + strings.TrimPrefix(refNo, "COMP-")
			want(t, tom.Get(r.Header.Get("Location")), 200, "Referral sent", ref, "/partners/"+dsa.ID+"/referrals/"+ref)

			// The council's Adults team has it.
			c, err := e.svc.FindByReference(e.ctx, e.sys, ref)
			noErr(t, err)
			if c.OrgID != e.org.ID || c.UnitID != adults.ID || c.ApplicantID != tomU.ID {
				t.Fatalf("referral %+v", c)
			}
			ada, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: "ada@example.org", Name: "Ada Adults", Roles: []platform.Role{platform.RoleCaseworker},
				BusinessUnits: []string{adults.ID}, Password: password})
			noErr(t, err)
			adaSub := &platform.Subject{Kind: platform.SubjectUser, UserID: ada.ID, Name: ada.Name, OrgID: e.org.ID, Roles: ada.Roles, BusinessUnits: ada.BusinessUnits}
			_, err = e.svc.Transition(e.ctx, adaSub, c.ID, "decide", c.Version, definition.Answers{"decision": "assessment",
				"decision_reason": "A social worker will visit on Thursday."})
			noErr(t, err)

			// Tom follows it: the decision, and a reply.
			page := "/partners/" + dsa.ID + "/referrals/" + ref
			want(t, tom.Get("/partners"), 200, ref, "Decided")
			want(t, tom.Get(page), 200, "Our response", "We will assess their needs", "A social worker will visit on Thursday.")
			// Closed cases take no messages; nothing else of the council's is his.
			e.sendStage1(fillComplaint(t, e.browser("Rita"), "/services/complaints", "Rita Resident"), "Sorry.")
			rita, err := e.svc.Search(e.ctx, e.sys, services.CaseFilter{Service: "complaints"}, "", 1)
			noErr(t, err)
			if r := tom.Get("/partners/" + dsa.ID + "/referrals/" + rita.Cases[0].Reference); r.Status != 404 && r.Status != 403 {
				t.Fatalf("a partner opened a resident's complaint: %d", r.Status)
			}
			if r := tom.Get("/services/requests/" + ref); r.Status == 200 {
				t.Fatal("the referral reached through the resident pages in the partner's own organisation")
			}
			// Another organisation's partner cannot use this agreement.
			maid, err := e.id.CreateOrg(e.ctx, platform.System(""), identity.NewOrg{Slug: "maidstone", Name: "Maidstone", Kind: platform.OrgPartner})
			noErr(t, err)
			_, err = e.id.CreateUser(e.ctx, platform.System(maid.ID), identity.NewUser{Email: "ian@maidstone.example", Name: "Ian Scott",
				Roles: []platform.Role{platform.RolePartner}, Password: password})
			noErr(t, err)
			ian := signIn("maidstone", "ian@maidstone.example")
			want(t, ian.Get(base+"/start"), 403)
			want(t, ian.Get(page), 403)
			// Residents are not partners.
			want(t, e.browser("Rita").Get("/partners"), 403)
		})
	}
}
