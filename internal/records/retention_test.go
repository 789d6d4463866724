package records

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestRejectAndExtend: rejecting a disposal needs a reason and keeps the
// record until a later date; retention of one record is only ever
// extended; a class's schedule change moves due dates both ways but never
// below a record's own extension; marking for review turns the item into
// a review whose approval destroys.
func TestRejectAndExtend(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.mel, "FIN.01.01", "Invoice 6001", "Finance", platform.Official, "invoice 6001")
		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		x := e.queued(d.ID)

		_, err := e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Until: start.AddDate(8, 0, 0)})
		wantField(t, err, "reason")
		_, err = e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "dispute", Until: start.AddDate(8, 0, 0), Review: true})
		wantField(t, err, "until")
		_, err = e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "dispute", Until: start.AddDate(5, 0, 0)})
		wantField(t, err, "until")
		_, err = e.rs.RejectDisposal(e.ctx, e.mel, x.ID, Rejection{Reason: "dispute", Until: start.AddDate(8, 0, 0)})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.rs.RejectDisposal(e.ctx, e.other, x.ID, Rejection{Reason: "dispute", Until: start.AddDate(8, 0, 0)})
		wantCode(t, err, platform.CodeNotFound)

		got, err := e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "Supplier dispute", Until: start.AddDate(8, 0, 0)})
		noErr(t, err)
		if got.State != DisposalRejected || !got.ExtendedTo.Equal(start.AddDate(8, 0, 0)) || got.Reason != "Supplier dispute" || got.DecidedBy != "Rosa" {
			t.Fatalf("rejected %+v", got)
		}
		doc, err := e.rs.Document(e.ctx, e.rosa, d.ID)
		noErr(t, err)
		if !doc.DueAt.Equal(start.AddDate(8, 0, 0)) || !doc.RetainUntil.Equal(doc.DueAt) {
			t.Fatalf("after rejection due %v, retain %v", doc.DueAt, doc.RetainUntil)
		}
		if run := e.fill(); run.Queued != 0 {
			t.Fatalf("a rejected record was queued again: %+v", run)
		}

		// One record's retention: only later.
		_, err = e.rs.ExtendRetention(e.ctx, e.rosa, d.ID, start.AddDate(7, 0, 0), "shorter")
		wantField(t, err, "until")
		_, err = e.rs.ExtendRetention(e.ctx, e.mel, d.ID, start.AddDate(9, 0, 0), "mine")
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.rs.ExtendRetention(e.ctx, e.rosa, d.ID, start.AddDate(9, 0, 0), "")
		wantField(t, err, "reason")
		doc, err = e.rs.ExtendRetention(e.ctx, e.rosa, d.ID, start.AddDate(9, 0, 0), "Appeal lodged")
		noErr(t, err)
		if !doc.DueAt.Equal(start.AddDate(9, 0, 0)) {
			t.Fatalf("extended due %v", doc.DueAt)
		}

		// The class's schedule: shortening moves a record without an
		// extension earlier, never one below its extension.
		later := e.file(e.mel, "FIN.01.01", "Invoice 6002", "Finance", platform.Official, "invoice 6002")
		fin := e.class("FIN.01.01")
		in := ClassInput{ParentID: fin.ParentID, Code: fin.Code, Title: fin.Title, Schedule: Schedule{PeriodMonths: 12, Trigger: TriggerCreated, Action: ActionDestroy}}
		_, err = e.rs.SaveClass(e.ctx, e.rosa, fin.ID, in)
		noErr(t, err)
		doc, _ = e.rs.Document(e.ctx, e.rosa, d.ID)
		other, _ := e.rs.Document(e.ctx, e.rosa, later.ID)
		if !doc.DueAt.Equal(start.AddDate(9, 0, 0)) || !other.DueAt.Equal(later.CreatedAt.AddDate(1, 0, 0)) {
			t.Fatalf("after shortening: extended record due %v, other due %v", doc.DueAt, other.DueAt)
		}
		in.Schedule.PeriodMonths = 120
		_, err = e.rs.SaveClass(e.ctx, e.rosa, fin.ID, in)
		noErr(t, err)
		doc, _ = e.rs.Document(e.ctx, e.rosa, d.ID)
		if !doc.DueAt.Equal(start.AddDate(10, 0, 0)) {
			t.Fatalf("after lengthening due %v", doc.DueAt)
		}

		// Review: a person decides; approving a review destroys.
		e.clock.Set(start.AddDate(10, 0, 1))
		e.fill()
		x = e.queued(d.ID)
		_, err = e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "Look at the appeal outcome first", Review: true})
		noErr(t, err)
		x = e.queued(d.ID)
		if x.Action != ActionReview || x.State != DisposalPending {
			t.Fatalf("marked for review %+v", x)
		}
		_, err = e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "again", Review: true})
		wantField(t, err, "until")
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "Appeal dismissed")
		noErr(t, err)
		if len(res.Done) != 1 || res.Certificates[0].Action != ActionDestroy {
			t.Fatalf("review approval did %+v", res)
		}
		e.wantActions(d.ID, "records.disposal_reject", "records.retention_extend", "records.disposal_review", "records.destroy")
		p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Action: "records.due_recompute"})
		noErr(t, err)
		if len(p.Entries) == 0 {
			t.Fatal("the recomputation after the class change was not audited")
		}
	})
}

// TestCaseClosed: the documents of a case count from its closing; the
// trigger only moves later (a reopened case closes again; a redelivered
// event changes nothing), and a queued item whose trigger moved later is
// withdrawn.
func TestCaseClosed(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		mk := func(code, title string) *Document {
			d, err := e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class(code).ID, Title: title, UnitID: e.units["Adults"],
				CaseID: "case_1", CaseRef: "ADLT-2026-000001"}, Name: "f.txt", Content: strings.NewReader(title)})
			noErr(t, err)
			return d
		}
		plan, complaint := mk("ADM.01.02", "Care plan"), mk("CUS.01.01", "Complaint letter")
		loose := e.file(e.ann, "ADM.01.02", "Unlinked note", "Adults", platform.Official, "note")
		e.clock.Set(start.AddDate(3, 0, 0))
		noErr(t, e.rs.CaseClosed(e.ctx, e.org.ID, "case_1", start.AddDate(1, 0, 0)))
		due := func(d *Document) time.Time {
			got, err := e.rs.Document(e.ctx, e.rosa, d.ID)
			noErr(t, err)
			return got.DueAt
		}
		if !due(plan).Equal(start.AddDate(9, 0, 0)) || !due(complaint).Equal(start.AddDate(7, 0, 0)) || !due(loose).IsZero() {
			t.Fatalf("due: plan %v, complaint %v, loose %v", due(plan), due(complaint), due(loose))
		}
		noErr(t, e.rs.CaseClosed(e.ctx, e.org.ID, "case_1", start))
		if !due(plan).Equal(start.AddDate(9, 0, 0)) {
			t.Fatal("an earlier closing shortened retention")
		}

		e.clock.Set(start.AddDate(7, 0, 1))
		e.fill()
		x := e.queued(complaint.ID)
		// Reopened and closed again: the complaint counts from then.
		n, err := e.rs.SetTrigger(e.ctx, e.rosa, TriggerTarget{CaseID: "case_1"}, start.AddDate(2, 0, 0))
		noErr(t, err)
		if n != 2 || !due(complaint).Equal(start.AddDate(8, 0, 0)) {
			t.Fatalf("moved %d, complaint due %v", n, due(complaint))
		}
		got, err := e.rs.Disposal(e.ctx, e.rosa, x.ID)
		noErr(t, err)
		if got.State != DisposalWithdrawn {
			t.Fatalf("item after the trigger moved %+v", got)
		}

		_, err = e.rs.SetTrigger(e.ctx, e.ann, TriggerTarget{CaseID: "case_1"}, start)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.rs.SetTrigger(e.ctx, e.rosa, TriggerTarget{DocumentID: plan.ID}, e.clock.Now().AddDate(0, 0, 2))
		wantField(t, err, "at")
		_, err = e.rs.SetTrigger(e.ctx, e.rosa, TriggerTarget{DocumentID: plan.ID, CaseID: "case_1"}, start)
		wantField(t, err, "target")
		_, err = e.rs.SetTrigger(e.ctx, e.other, TriggerTarget{DocumentID: plan.ID}, start)
		wantCode(t, err, platform.CodeNotFound)
		e.wantActions(plan.ID, "records.trigger")
	})
}
