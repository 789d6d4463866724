package records

import (
	"bytes"
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// retentionStory gives e's council records with a retention history: one
// under a legal hold, one kept longer (a rejected disposal, then an
// extension), one destroyed with its certificate after the hold on its
// case was lifted, and one in a class under a class hold.
func (e *env) retentionStory() (ids map[string]string, holds map[string]*Hold) {
	e.t.Helper()
	ids, holds = map[string]string{}, map[string]*Hold{}
	contracts, err := e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{ParentID: e.class("FIN.01").ID, Code: "FIN.01.07", Title: "Contracts",
		Schedule: Schedule{72, TriggerCreated, ActionDestroy, false}})
	noErr(e.t, err)
	ids["held"] = e.file(e.mel, "FIN.01.01", "Invoice 2019-4471", "Finance", platform.Official, "laptops").ID
	ids["kept"] = e.file(e.mel, "FIN.01.01", "Invoice 2019-5120", "Finance", platform.Official, "azure").ID
	c, err := e.rs.Create(e.ctx, e.mel, NewDocument{Metadata: Metadata{ClassID: e.class("FIN.01.01").ID, Title: "Invoice 2019-6000", UnitID: e.units["Finance"],
		CaseID: "cas_0100", CaseRef: "FIN-2019-0100"}, Name: "inv.txt", MediaType: "text/plain", Content: strings.NewReader("printers")})
	noErr(e.t, err)
	ids["destroyed"] = c.ID
	k, err := e.rs.Create(e.ctx, e.mel, NewDocument{Metadata: Metadata{ClassID: contracts.ID, Title: "Laptop supply contract", UnitID: e.units["Finance"]},
		Name: "contract.txt", MediaType: "text/plain", Content: strings.NewReader("terms")})
	noErr(e.t, err)
	ids["contract"] = k.ID

	hold := func(key string, in HoldInput) {
		h, err := e.rs.CreateHold(e.ctx, e.rosa, in)
		noErr(e.t, err)
		holds[key] = h
	}
	hold("record", HoldInput{Title: "Litigation: laptop refresh", Reason: "Supplier claim about the 2019 laptops", DocumentIDs: []string{ids["held"]}})
	hold("class", HoldInput{Title: "Contracts review", Reason: "Internal audit of supply contracts", ClassIDs: []string{contracts.ID}})
	hold("case", HoldInput{Title: "Printer complaint", Reason: "Complaint about the printers", CaseIDs: []string{"cas_0100"}})

	e.clock.Set(start.AddDate(6, 0, 1))
	e.fill()
	x := e.queued(ids["kept"])
	_, err = e.rs.RejectDisposal(e.ctx, e.rosa, x.ID, Rejection{Reason: "Supplier dispute", Until: start.AddDate(8, 0, 0)})
	noErr(e.t, err)
	_, err = e.rs.ExtendRetention(e.ctx, e.rosa, ids["kept"], start.AddDate(9, 0, 0), "Appeal lodged")
	noErr(e.t, err)

	_, err = e.rs.LiftHold(e.ctx, e.rosa, holds["case"].ID, "Complaint closed")
	noErr(e.t, err)
	e.fill()
	_, err = e.rs.ApproveDisposal(e.ctx, e.rosa, []string{e.queued(ids["destroyed"]).ID}, "Checked against the ledger")
	noErr(e.t, err)
	return ids, holds
}

// TestExportImportRetention: holds, extensions, rejected and carried-out
// disposals and certificates travel with the records and nothing is lost:
// the records export again in the same words, the holds come back with
// what they name, and a record held before is still held after the import
// (the daily run passes it by until the hold is lifted there).
func TestExportImportRetention(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ids, holds := e.retentionStory()
		archive, sum := e.export(e.rosa, Scope{})
		files := unzip(t, archive)
		if sum.Counts.Holds != 3 || sum.Counts.Tombstones != 1 {
			t.Fatalf("export counts %+v", sum.Counts)
		}
		var kept fmtRecord
		noErr(t, json.Unmarshal(files[recordsDir+ids["kept"]+"/"+metadataName], &kept))
		if r := kept.Retention; !r.RetainUntil.Equal(start.AddDate(9, 0, 0)) || len(r.Extensions) != 2 || r.Extensions[0].DisposalID == "" ||
			len(r.Disposal) != 1 || r.Disposal[0].State != DisposalRejected || r.Disposal[0].Reason != "Supplier dispute" {
			t.Fatalf("the kept record's retention in the archive: %+v", r)
		}

		db2 := storetest.Open(t, db.Dialect(), testMods)
		e2 := newEnv(t, db2)
		east := e2.mustOrg("eastshire", "Eastshire Council", platform.OrgCouncil)
		rhys := e2.user(platform.System(east.ID), "rhys", platform.RoleRecords)
		got, err := e2.rs.Import(e2.ctx, rhys, bytes.NewReader(archive), int64(len(archive)))
		noErr(t, err)
		if got.Counts != sum.Counts || len(got.Notes) > 0 {
			t.Fatalf("import summary %+v, notes %q", got.Counts, got.Notes)
		}
		sameDocuments(t, e, e2, east.ID)

		// Every record is described again in the same words, its retention
		// included; the holds are the same holds, with the import added to
		// their history.
		again, _ := e2.export(rhys, Scope{})
		files2 := unzip(t, again)
		for name, b := range files {
			if strings.HasSuffix(name, "/"+metadataName) && !bytes.Equal(b, files2[name]) {
				t.Fatalf("%s differs after the round trip:\n%s\n---\n%s", name, b, files2[name])
			}
		}
		var h1, h2 fmtHolds
		noErr(t, json.Unmarshal(files[holdsName], &h1))
		noErr(t, json.Unmarshal(files2[holdsName], &h2))
		if len(h1.Holds) != 3 || len(h2.Holds) != 3 {
			t.Fatalf("holds %d, then %d", len(h1.Holds), len(h2.Holds))
		}
		for i := range h1.Holds {
			a, b := h1.Holds[i], h2.Holds[i]
			ev := b.Events
			a.Events, b.Events = nil, nil
			if !reflect.DeepEqual(a, b) || len(ev) != len(h1.Holds[i].Events)+1 || ev[len(ev)-1].Action != "records.hold_import" {
				t.Fatalf("hold %d after the round trip:\n%+v\n%+v", i, h1.Holds[i], h2.Holds[i])
			}
		}

		// The record view there shows what happened here.
		rk, err := e2.rs.Retention(e2.ctx, rhys, ids["kept"])
		noErr(t, err)
		if len(rk.Extensions) != 2 || !rk.Extensions[1].Carried || rk.Extensions[1].Reason != "Appeal lodged" || len(rk.CarriedDisposals) != 1 ||
			!rk.CarriedDisposals[0].ExtendedTo.Equal(start.AddDate(8, 0, 0)) || len(rk.Disposals) != 0 {
			t.Fatalf("kept record after import: %+v", rk)
		}
		rd, err := e2.rs.Retention(e2.ctx, rhys, ids["destroyed"])
		noErr(t, err)
		cp, err := e.rs.Certificates(e.ctx, e.rosa, "")
		noErr(t, err)
		if rd.Disposal != StateDestroyed || len(rd.CarriedCertificates) != 1 || rd.CarriedCertificates[0].Number != cp.Certificates[0].Number ||
			!reflect.DeepEqual(rd.CarriedCertificates[0].Items[0].SHA256, cp.Certificates[0].Items[0].SHA256) || rd.CarriedCertificates[0].Items[0].Reference != ids["destroyed"] {
			t.Fatalf("destroyed record after import: %+v", rd)
		}
		// A carried certificate is history, not one of this council's.
		if p, err := e2.rs.Certificates(e2.ctx, rhys, ""); err != nil || len(p.Certificates) != 0 {
			t.Fatalf("carried certificates listed as the council's own: %v %+v", err, p)
		}

		// Held there as here: the daily run passes the held records by,
		// and queues the one when its hold is lifted there.
		e2.clock.Set(start.AddDate(6, 0, 2))
		run, err := e2.rs.FillDisposalQueue(e2.ctx, e2.clock.Now())
		noErr(t, err)
		if run.Queued != 0 {
			t.Fatalf("the run after import queued %d held or kept records", run.Queued)
		}
		for _, key := range []string{"held", "contract"} {
			r, err := e2.rs.Retention(e2.ctx, rhys, ids[key])
			noErr(t, err)
			if r.Disposal != DisposalHeld || len(r.Holds) != 1 {
				t.Fatalf("%s after import: %s under %d holds", key, r.Disposal, len(r.Holds))
			}
		}
		hp, err := e2.rs.Holds(e2.ctx, rhys, "", "")
		noErr(t, err)
		var ids2 []string
		for _, h := range hp.Holds {
			ids2 = append(ids2, h.ID)
		}
		want := []string{holds["record"].ID, holds["class"].ID, holds["case"].ID}
		slices.Sort(want)
		slices.Sort(ids2)
		if !slices.Equal(ids2, want) {
			t.Fatalf("holds after import %v, want %v", ids2, want)
		}
		lifted, err := e2.rs.Hold(e2.ctx, rhys, holds["case"].ID)
		noErr(t, err)
		if lifted.Active() || lifted.LiftReason != "Complaint closed" || !slices.Equal(lifted.CaseIDs, []string{"cas_0100"}) {
			t.Fatalf("the lifted hold after import %+v", lifted)
		}
		_, err = e2.rs.LiftHold(e2.ctx, rhys, holds["record"].ID, "Claim settled")
		noErr(t, err)
		if run, err = e2.rs.FillDisposalQueue(e2.ctx, e2.clock.Now()); err != nil || run.Queued != 1 {
			t.Fatalf("after the hold was lifted the run queued %d: %v", run.Queued, err)
		}
		p, err := e2.rs.DisposalQueue(e2.ctx, rhys, QueueFilter{})
		noErr(t, err)
		if len(p.Items) != 1 || p.Items[0].DocumentID != ids["held"] {
			t.Fatalf("queue after the lift: %+v", p.Items)
		}
	})
}

// TestImportHoldOnExistingClass: a class hold whose class is already in
// the importing council's plan must not reach that council's own records,
// so it names the imported records it covered instead; they stay held.
func TestImportHoldOnExistingClass(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		inv := e.file(e.mel, "FIN.01.01", "Invoice 7001", "Finance", platform.Official, "7001")
		_, err := e.rs.CreateHold(e.ctx, e.rosa, HoldInput{Title: "Invoices inquiry", Reason: "Council inquiry into payments", ClassIDs: []string{e.class("FIN.01.01").ID}})
		noErr(t, err)
		archive, _ := e.export(e.rosa, Scope{ClassID: e.class("FIN.01").ID})

		db2 := storetest.Open(t, db.Dialect(), testMods)
		e2 := newEnv(t, db2)
		own := e2.file(e2.mel, "FIN.01.01", "Invoice of the importing council", "Finance", platform.Official, "own")
		got, err := e2.rs.Import(e2.ctx, e2.rosa, bytes.NewReader(archive), int64(len(archive)))
		noErr(t, err)
		if !slices.ContainsFunc(got.Notes, func(n string) bool {
			return strings.Contains(n, "Invoices inquiry") && strings.Contains(n, "FIN.01.01")
		}) {
			t.Fatalf("notes %q", got.Notes)
		}
		hp, err := e2.rs.Holds(e2.ctx, e2.rosa, "yes", "")
		noErr(t, err)
		if len(hp.Holds) != 1 {
			t.Fatalf("%d holds", len(hp.Holds))
		}
		h, err := e2.rs.Hold(e2.ctx, e2.rosa, hp.Holds[0].ID)
		noErr(t, err)
		if !slices.Equal(h.DocumentIDs, []string{inv.ID}) || len(h.ClassIDs) != 0 || h.Covered != 1 {
			t.Fatalf("hold after import %+v", h)
		}
		e2.clock.Set(start.Add(7 * 365 * 24 * time.Hour))
		run, err := e2.rs.FillDisposalQueue(e2.ctx, e2.clock.Now())
		noErr(t, err)
		p, err := e2.rs.DisposalQueue(e2.ctx, e2.rosa, QueueFilter{})
		noErr(t, err)
		if run.Queued != 1 || len(p.Items) != 1 || p.Items[0].DocumentID != own.ID {
			t.Fatalf("queued %+v, want only the importing council's own invoice", p.Items)
		}
	})
}

// TestImportVersion1: an archive of version 1 of the format, made before
// holds and disposal history were exported (no retain_until, no
// extensions), still imports.
func TestImportVersion1(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.mel, "FIN.01.01", "Invoice 8001", "Finance", platform.Official, "8001")
		good, _ := e.export(e.rosa, Scope{})
		meta := recordsDir + d.ID + "/" + metadataName
		v1 := consistent(t, good, func(name string, data []byte) []byte {
			switch name {
			case manifestName:
				return bytes.Replace(data, []byte(`"format_version": 2`), []byte(`"format_version": 1`), 1)
			case meta:
				return bytes.Replace(data, []byte(`"extensions": [],`), nil, 1)
			}
			return data
		}, nil)
		files := unzip(t, v1)
		var m fmtManifest
		noErr(t, json.Unmarshal(files[manifestName], &m))
		if bytes.Contains(files[meta], []byte("extensions")) || m.FormatVersion != 1 {
			t.Fatal("the archive was not made into version 1")
		}
		e2 := newEnv(t, storetest.Open(t, db.Dialect(), testMods))
		_, err := e2.rs.Import(e2.ctx, e2.rosa, bytes.NewReader(v1), int64(len(v1)))
		noErr(t, err)
		if _, err := e2.rs.Document(e2.ctx, e2.rosa, d.ID); err != nil {
			t.Fatal(err)
		}
	})
}
