package services

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestPublicRegister: a service's public register shows its cases' public
// answers to anyone, leaves hidden states and every other answer out, and
// never reaches a service without a register or another organisation.
func TestPublicRegister(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		def := &definition.Definition{ID: "licences", Version: 1, Title: "Apply for a street trading licence", ReferencePrefix: "LIC",
			OwnerUnit: "Legal", Start: definition.Start{Who: []definition.Audience{definition.AudienceStaff}},
			Fields: []definition.Field{
				{ID: "trader", Type: definition.TypeText, Label: "Trader", Public: true},
				{ID: "pitch", Type: definition.TypeText, Label: "Pitch", Public: true},
				{ID: "home_phone", Type: definition.TypeText, Label: "Home phone"},
			},
			Pages:          []definition.Page{{ID: "p", Fields: []string{"trader", "pitch", "home_phone"}}},
			Confirmation:   definition.Confirmation{Title: "Received"},
			PublicRegister: &definition.PublicRegister{Title: "Street trading licences", Hide: []string{"refused"}},
			Workflow: definition.Workflow{Initial: "applied",
				States: []definition.State{{ID: "applied", Label: "Applied"}, {ID: "granted", Label: "Granted", Terminal: true}, {ID: "refused", Label: "Refused", Terminal: true}},
				Transitions: []definition.Transition{{ID: "grant", Label: "Grant", From: []string{"applied"}, To: "granted"},
					{ID: "refuse", Label: "Refuse", From: []string{"applied"}, To: "refused"}}},
		}
		e.publish(def)
		lou := e.lou // a manager in Legal
		a, err := e.svc.Submit(e.ctx, lou, "licences", definition.Answers{"trader": "Ada's Coffee", "pitch": "Week Street", "home_phone": "01632 960001"}, SubmitOptions{})
		noErr(t, err)
		b, err := e.svc.Submit(e.ctx, lou, "licences", definition.Answers{"trader": "Bob's Burgers", "pitch": "Jubilee Square", "home_phone": "01632 960002"}, SubmitOptions{})
		noErr(t, err)
		_, err = e.svc.Transition(e.ctx, lou, b.ID, "refuse", b.Version, nil)
		noErr(t, err)
		_, err = e.svc.Transition(e.ctx, lou, a.ID, "grant", a.Version, nil)
		noErr(t, err)

		got, entries, next, err := e.svc.PublicRegister(e.ctx, e.org.ID, "licences", "", 10)
		noErr(t, err)
		if got.PublicRegister.Title != "Street trading licences" || next != "" || len(entries) != 1 {
			t.Fatalf("register %+v, %d entries", got.PublicRegister, len(entries))
		}
		en := entries[0]
		if en.Reference != a.Reference || en.State != "Granted" || en.Answers["trader"] != "Ada's Coffee" || en.Answers["home_phone"] != nil {
			t.Fatalf("entry %+v", en)
		}
		one, err := e.svc.PublicCase(e.ctx, e.org.ID, "licences", a.Reference)
		noErr(t, err)
		if one.Answers["pitch"] != "Week Street" || one.Answers["home_phone"] != nil {
			t.Fatalf("entry %+v", one)
		}
		// A refused (hidden) case, a service without a register, another
		// organisation: all simply not found.
		_, err = e.svc.PublicCase(e.ctx, e.org.ID, "licences", b.Reference)
		wantCode(t, err, platform.CodeNotFound)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Noise")
		_, _, _, err = e.svc.PublicRegister(e.ctx, e.org.ID, "complaints", "", 10)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.svc.PublicCase(e.ctx, e.org.ID, "licences", c.Reference)
		wantCode(t, err, platform.CodeNotFound)
		_, _, _, err = e.svc.PublicRegister(e.ctx, e.other.OrgID, "licences", "", 10)
		wantCode(t, err, platform.CodeNotFound)
		_, _, _, err = e.svc.PublicRegister(e.ctx, e.org.ID, "licences", "not-a-cursor", 10)
		wantField(t, err, "cursor")
	})
}
