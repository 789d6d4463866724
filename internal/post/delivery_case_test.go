package post

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestCaseUpdatesOwnedByTheCaseUnit: the workflow's email about a case
// goes through the "Case updates" service of the case's business unit,
// whose template that unit owns like any other: its staff read the
// messages, other units' staff do not, and nobody sends with the
// pass-through template by hand. No template is left without a unit.
func TestCaseUpdatesOwnedByTheCaseUnit(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.deliverer(Delivery{})
		id, err := e.ps.SendCaseEmail(e.ctx, CaseEmail{MessageID: "msg_1", OrgID: e.org.ID, CaseID: "case_1", UnitID: e.units["Adults"],
			Reference: "ASC-2026-000042", To: "rita@example.org", Subject: "Your referral", Body: "We have it."})
		noErr(t, err)
		again, err := e.ps.SendCaseEmail(e.ctx, CaseEmail{MessageID: "msg_1", OrgID: e.org.ID, CaseID: "case_1", UnitID: e.units["Adults"],
			Reference: "ASC-2026-000042", To: "rita@example.org", Subject: "Your referral", Body: "We have it."})
		noErr(t, err)
		if again != id {
			t.Fatalf("sent twice: %s %s", id, again)
		}
		n, sv, err := e.ps.Notification(e.ctx, e.cas, id)
		noErr(t, err)
		if sv.Name != "Case updates" || sv.UnitID != e.units["Adults"] || n.Subject != "Your referral" {
			t.Fatalf("%+v %+v", sv, n)
		}
		tp, err := e.ps.Template(e.ctx, e.cas, n.TemplateID)
		noErr(t, err)
		if tp.UnitID != e.units["Adults"] || tp.ServiceID != sv.ID {
			t.Fatalf("template %+v", tp)
		}
		if _, _, err := e.ps.Notification(e.ctx, e.sid, id); platform.CodeOf(err) != platform.CodeForbidden && platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("Finance reads Adults' case update: %v", err)
		}
		// Another unit's cases have their own service.
		other, err := e.ps.SendCaseEmail(e.ctx, CaseEmail{MessageID: "msg_2", OrgID: e.org.ID, CaseID: "case_2", UnitID: e.units["Finance"],
			Reference: "FIN-2026-000001", To: "rita@example.org", Subject: "Your refund", Body: "Paid."})
		noErr(t, err)
		_, fsv, err := e.ps.Notification(e.ctx, e.sid, other)
		noErr(t, err)
		if fsv.ID == sv.ID || fsv.UnitID != e.units["Finance"] {
			t.Fatalf("finance's %+v", fsv)
		}
		ts, err := e.ps.SendableTemplates(e.ctx, e.cas)
		noErr(t, err)
		for _, t2 := range ts {
			if t2.ID == tp.ID {
				t.Fatal("the pass-through is offered to send by hand")
			}
		}
		var unowned int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_templates WHERE unit_id = ''").Scan(&unowned))
		if unowned != 0 {
			t.Fatalf("%d templates without a unit", unowned)
		}
	})
}
