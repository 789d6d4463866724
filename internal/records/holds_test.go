package records

import (
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestLegalHold: a record due for disposal and under a legal hold survives
// the disposal run and every attempt to approve, dispose of or delete it;
// a hold covers what it names directly, through a class above it and
// through its case; lifting the hold lets disposal resume from the start.
func TestLegalHold(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		queuedFirst := e.file(e.mel, "FIN.01.01", "Invoice 4001", "Finance", platform.Official, "invoice 4001")
		named := e.file(e.mel, "FIN.01.01", "Invoice 4002", "Finance", platform.Official, "invoice 4002")
		named, err := e.rs.Declare(e.ctx, e.mel, named.ID)
		noErr(t, err)
		caseDoc, err := e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.02").ID, Title: "Care plan: Smith",
			UnitID: e.units["Adults"], CaseID: "case_smith"}, Name: "plan.txt", Content: strings.NewReader("plan")})
		noErr(t, err)
		noErr(t, e.rs.CaseClosed(e.ctx, e.org.ID, "case_smith", start))

		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		e.queued(queuedFirst.ID)
		e.queued(named.ID)

		// Only records managers and admins place holds.
		in := HoldInput{Title: "Smith v Northshire", Reason: "Litigation: Smith v Northshire Council", ClassIDs: []string{e.class("FIN.01").ID}}
		_, err = e.rs.CreateHold(e.ctx, e.mel, in)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.rs.CreateHold(e.ctx, e.rosa, HoldInput{Title: "x", Reason: " "})
		wantField(t, err, "reason")
		wantField(t, err, "document_ids")
		_, err = e.rs.CreateHold(e.ctx, e.rosa, HoldInput{Title: "x", Reason: "y", DocumentIDs: []string{platform.NewID("rec")}})
		wantField(t, err, "document_ids")

		// A hold on the activity above the invoices' class.
		h, err := e.rs.CreateHold(e.ctx, e.rosa, in)
		noErr(t, err)
		if !h.Active() || h.Covered != 2 {
			t.Fatalf("hold %+v", h)
		}
		if x := e.queued(queuedFirst.ID); x.State != DisposalHeld || x.HoldTitle != "Smith v Northshire" {
			t.Fatalf("queued item under a hold %+v", x)
		}
		_, err = e.rs.ApproveDisposal(e.ctx, e.rosa, []string{e.queued(queuedFirst.ID).ID}, "")
		wantCode(t, err, platform.CodeConflict)
		wantCode(t, e.rs.Delete(e.ctx, e.mel, queuedFirst.ID), platform.CodeConflict)
		_, err = e.rs.UpdateMetadata(e.ctx, e.mel, queuedFirst.ID, Metadata{ClassID: e.class("GOV.01.02").ID, Title: queuedFirst.Title, UnitID: queuedFirst.UnitID})
		wantCode(t, err, platform.CodeConflict)
		if run := e.fill(); run.Queued != 0 || run.Released != 0 {
			t.Fatalf("run under a hold did %+v", run)
		}
		if !e.exists(e.blobs(queuedFirst.ID)[0]) {
			t.Fatal("held content is gone")
		}

		// A second hold names one record; a third holds a whole case
		// before its care plan is queued.
		h2, err := e.rs.CreateHold(e.ctx, e.admin, HoldInput{Title: "Audit query", Reason: "External audit 2032", DocumentIDs: []string{named.ID}})
		noErr(t, err)
		h3, err := e.rs.CreateHold(e.ctx, e.rosa, HoldInput{Title: "Ombudsman: Smith", Reason: "Ombudsman complaint", CaseIDs: []string{"case_smith"}})
		noErr(t, err)
		e.clock.Set(start.AddDate(8, 0, 1))
		if run := e.fill(); run.Queued != 0 {
			t.Fatalf("queued %d under holds", run.Queued)
		}
		on, err := e.rs.HoldsOn(e.ctx, e.rosa, named.ID)
		noErr(t, err)
		if len(on) != 2 {
			t.Fatalf("%d holds on the named record", len(on))
		}

		// Another organisation's admin sees no hold and cannot lift one.
		hp, err := e.rs.Holds(e.ctx, e.other, "", "")
		noErr(t, err)
		if len(hp.Holds) != 0 {
			t.Fatal("another organisation lists our holds")
		}
		_, err = e.rs.Hold(e.ctx, e.other, h.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.rs.LiftHold(e.ctx, e.other, h.ID, "settled")
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.rs.Holds(e.ctx, e.ann, "", "")
		wantCode(t, err, platform.CodeForbidden)

		// Lifting the class hold releases the first invoice, not the one
		// the second hold names.
		_, err = e.rs.LiftHold(e.ctx, e.rosa, h.ID, "")
		wantField(t, err, "reason")
		lifted, err := e.rs.LiftHold(e.ctx, e.rosa, h.ID, "Case settled out of court")
		noErr(t, err)
		if lifted.Active() || lifted.LiftReason != "Case settled out of court" || lifted.Covered != 0 {
			t.Fatalf("lifted %+v", lifted)
		}
		_, err = e.rs.LiftHold(e.ctx, e.rosa, h.ID, "again")
		wantCode(t, err, platform.CodeConflict)
		x := e.queued(queuedFirst.ID)
		if x.State != DisposalPending || len(x.Approvals) != 0 {
			t.Fatalf("released item %+v", x)
		}
		if y := e.queued(named.ID); y.State != DisposalHeld || y.HoldID != h2.ID {
			t.Fatalf("item still held by the second hold %+v", y)
		}
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "")
		noErr(t, err)
		if len(res.Done) != 1 || e.exists(e.blobs(queuedFirst.ID)[0]) {
			t.Fatalf("after the hold was lifted the approval did %+v", res)
		}
		active, err := e.rs.Holds(e.ctx, e.rosa, "yes", "")
		noErr(t, err)
		if len(active.Holds) != 2 {
			t.Fatalf("%d active holds", len(active.Holds))
		}
		_, err = e.rs.LiftHold(e.ctx, e.rosa, h3.ID, "Ombudsman closed the complaint")
		noErr(t, err)
		if run := e.fill(); run.Queued != 1 {
			t.Fatalf("the case's care plan was not queued after its hold: %+v", run)
		}
		e.queued(caseDoc.ID)

		e.wantActions(h.ID, "records.hold_create", "records.hold_lift")
		e.wantActions(queuedFirst.ID, "records.disposal_held", "records.disposal_released", "records.destroy")
	})
}

// TestHoldStopsApprovedItem: a hold that arrives between the final
// approval and the disposal (here: an approval whose disposal failed and
// is retried later) still stops it.
func TestHoldStopsApprovedItem(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.mel, "FIN.01.01", "Invoice 5001", "Finance", platform.Official, "invoice 5001")
		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		x := e.queued(d.ID)
		// Approved, not yet carried out: as if the process stopped there.
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `UPDATE records_disposals SET state = ? WHERE id = ?`, DisposalApproved, x.ID)
			return err
		}))
		_, err := e.rs.CreateHold(e.ctx, e.rosa, HoldInput{Title: "FOI appeal", Reason: "Tribunal appeal", DocumentIDs: []string{d.ID}})
		noErr(t, err)
		if run := e.fill(); run.Completed != 0 {
			t.Fatalf("the run disposed of a held record: %+v", run)
		}
		_, err = e.rs.Dispose(e.ctx, e.rosa, x.ID)
		wantCode(t, err, platform.CodeConflict)
		if got := e.queued(d.ID); got.State != DisposalHeld || !e.exists(e.blobs(d.ID)[0]) {
			t.Fatalf("held item %+v", got)
		}
	})
}
