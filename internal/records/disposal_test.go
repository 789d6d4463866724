package records

import (
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// actions lists the audit actions recorded about one resource, oldest first.
func (e *env) actions(resourceID string) []string {
	e.t.Helper()
	p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, ResourceID: resourceID, Limit: 200})
	noErr(e.t, err)
	var out []string
	for i := len(p.Entries) - 1; i >= 0; i-- {
		if p.Entries[i].Outcome == audit.Success {
			out = append(out, p.Entries[i].Action)
		}
	}
	return out
}

func (e *env) wantActions(resourceID string, want ...string) {
	e.t.Helper()
	got := e.actions(resourceID)
	for _, w := range want {
		if !slices.Contains(got, w) {
			e.t.Fatalf("no %s audited for %s; have %v", w, resourceID, got)
		}
	}
}

// fill runs the daily job at the test clock's time.
func (e *env) fill() QueueRun {
	e.t.Helper()
	run, err := e.rs.FillDisposalQueue(e.ctx, e.clock.Now())
	noErr(e.t, err)
	return run
}

// queued returns the open queue item of a document.
func (e *env) queued(docID string) *Disposal {
	e.t.Helper()
	p, err := e.rs.DisposalQueue(e.ctx, e.rosa, QueueFilter{State: "all", Limit: 200})
	noErr(e.t, err)
	var found *Disposal
	for _, x := range p.Items {
		if x.DocumentID == docID && slices.Contains(openStates, x.State) {
			if found != nil {
				e.t.Fatalf("two open items for %s", docID)
			}
			found = x
		}
	}
	if found == nil {
		e.t.Fatalf("%s is not in the queue", docID)
	}
	return found
}

func (e *env) blobs(docID string) []string {
	e.t.Helper()
	vs, err := e.rs.Versions(e.ctx, e.rosa, docID)
	noErr(e.t, err)
	var out []string
	for _, v := range vs {
		out = append(out, v.BlobID)
	}
	return out
}

func (e *env) exists(blobID string) bool {
	e.t.Helper()
	ok, err := e.files.Exists(e.ctx, blobID)
	noErr(e.t, err)
	return ok
}

// TestDisposalRun follows a record from filing to its destruction: it falls
// due, the daily run queues it (once, however often it runs), only a
// records manager or an admin may approve, the approval destroys every
// version's content (checked gone in the blob store), and a certificate
// lists it with its hashes; the document stays as a tombstone whose
// content cannot be opened. Every step is audited.
func TestDisposalRun(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.mel, "FIN.01.01", "Invoice 1001", "Finance", platform.Official, "invoice one")
		e.clock.Add(time.Hour)
		_, err := e.rs.AddVersion(e.ctx, e.mel, d.ID, NewVersion{Name: "invoice-1001-corrected.txt", Content: strings.NewReader("invoice one, corrected"), Note: "VAT fixed"})
		noErr(t, err)
		d, err = e.rs.Declare(e.ctx, e.mel, d.ID)
		noErr(t, err)
		d, err = e.rs.UpdateMetadata(e.ctx, e.mel, d.ID, Metadata{ClassID: d.ClassID, Title: d.Title, UnitID: d.UnitID, Subjects: d.Subjects, Tags: []string{"supplier"}})
		noErr(t, err)
		keep := e.file(e.mel, "FIN.01.01", "Invoice 2001", "Finance", platform.Official, "invoice two")
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `INSERT INTO records_text (document_id, org_id, body) VALUES (?, ?, ?)`, d.ID, d.OrgID, "invoice one corrected")
			return err
		}))
		blobs := e.blobs(d.ID)
		if want := start.AddDate(6, 0, 0); !d.DueAt.Equal(want) {
			t.Fatalf("due %v, want %v", d.DueAt, want)
		}

		// Not due yet: nothing is queued.
		e.clock.Set(start.AddDate(5, 0, 0))
		if run := e.fill(); run.Queued != 0 {
			t.Fatalf("queued %d before anything was due", run.Queued)
		}
		// The second invoice is disputed: kept longer before it falls due.
		_, err = e.rs.ExtendRetention(e.ctx, e.rosa, keep.ID, start.AddDate(10, 0, 0), "Disputed by the supplier")
		noErr(t, err)

		e.clock.Set(start.AddDate(6, 0, 1))
		if run := e.fill(); run.Queued != 1 {
			t.Fatalf("run queued %+v", run)
		}
		if run := e.fill(); run.Queued != 0 || run.Held != 0 || run.Withdrawn != 0 {
			t.Fatalf("second run did something: %+v", run)
		}
		x := e.queued(d.ID)
		if x.Action != ActionDestroy || x.State != DisposalPending || x.ClassCode != "FIN.01.01" || x.Schedule != "Destroy 6 years after it was filed" || !x.Declared {
			t.Fatalf("queued %+v", x)
		}
		if n := strings.Count(strings.Join(e.actions(d.ID), " "), "records.disposal_queue"); n != 1 {
			t.Fatalf("queued %d times in the audit log", n)
		}

		// Only records managers and admins see and approve the queue;
		// another organisation's admin finds nothing.
		for _, who := range []*platform.Subject{e.ann, e.mel, e.sid, e.rita} {
			_, err := e.rs.ApproveDisposal(e.ctx, who, []string{x.ID}, "")
			wantCode(t, err, platform.CodeForbidden)
			_, err = e.rs.DisposalQueue(e.ctx, who, QueueFilter{})
			wantCode(t, err, platform.CodeForbidden)
		}
		_, err = e.rs.ApproveDisposal(e.ctx, e.other, []string{x.ID}, "")
		wantCode(t, err, platform.CodeNotFound)
		p, err := e.rs.DisposalQueue(e.ctx, e.other, QueueFilter{State: "all"})
		noErr(t, err)
		if len(p.Items) != 0 {
			t.Fatalf("another organisation sees %d queue items", len(p.Items))
		}
		_, err = e.rs.ApproveDisposal(e.ctx, e.sys, []string{x.ID}, "")
		wantCode(t, err, platform.CodeForbidden)
		for _, b := range blobs {
			if !e.exists(b) {
				t.Fatal("content went before approval")
			}
		}

		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "Checked against the finance retention guidance")
		noErr(t, err)
		if len(res.Done) != 1 || len(res.Certificates) != 1 {
			t.Fatalf("approval did %+v", res)
		}
		for _, b := range blobs {
			if e.exists(b) {
				t.Fatalf("content %s is still in the blob store", b)
			}
		}
		c := res.Certificates[0]
		if c.Number != "DC-2032-0001" || c.Action != ActionDestroy || c.Schedule != x.Schedule || len(c.Items) != 1 || c.Note == "" {
			t.Fatalf("certificate %+v", c)
		}
		it := c.Items[0]
		slices.Sort(blobs)
		got := slices.Clone(it.SHA256)
		slices.Sort(got)
		if it.Reference != d.ID || it.Title != "Invoice 1001" || it.Class != "FIN.01.01 Invoices and payments" || it.Versions != 2 ||
			!slices.Equal(got, blobs) || it.Bytes != int64(len("invoice one")+len("invoice one, corrected")) || !it.Verified || len(it.Kept) != 0 {
			t.Fatalf("certificate item %+v", it)
		}
		if len(c.Approvals) != 1 || c.Approvals[0].Name != "Rosa" || c.Approvals[0].Role != "Records manager" || c.Approvals[0].Stage != 1 {
			t.Fatalf("approvals %+v", c.Approvals)
		}

		// The tombstone: metadata kept, people and text gone, content refused.
		tomb, err := e.rs.Document(e.ctx, e.rosa, d.ID)
		noErr(t, err)
		if tomb.State != StateDestroyed || tomb.DisposedAt.IsZero() || tomb.Title != "Invoice 1001" || tomb.Tags[0] != "supplier" || len(tomb.Subjects) != 0 {
			t.Fatalf("tombstone %+v", tomb)
		}
		_, _, err = e.rs.Open(e.ctx, e.rosa, d.ID, 1)
		wantCode(t, err, platform.CodeNotFound)
		var texts int
		noErr(t, db.QueryRow(e.ctx, `SELECT COUNT(*) FROM records_text WHERE document_id = ?`, d.ID).Scan(&texts))
		if texts != 0 {
			t.Fatal("the extracted text outlived the record")
		}
		vs, err := e.rs.Versions(e.ctx, e.rosa, d.ID)
		noErr(t, err)
		if len(vs) != 2 || vs[0].Note != "" || vs[0].Size == 0 {
			t.Fatalf("tombstone versions %+v", vs)
		}
		_, err = e.rs.ApproveDisposal(e.ctx, e.admin, []string{x.ID}, "")
		wantCode(t, err, platform.CodeConflict)

		// The certificate is listed for records managers and admins only.
		for _, who := range []*platform.Subject{e.rosa, e.admin} {
			cp, err := e.rs.Certificates(e.ctx, who, "")
			noErr(t, err)
			if len(cp.Certificates) != 1 || cp.Certificates[0].Number != c.Number || cp.Certificates[0].Items[0].SHA256[0] != c.Items[0].SHA256[0] {
				t.Fatalf("%s lists %+v", who.Name, cp.Certificates)
			}
		}
		one, err := e.rs.Certificate(e.ctx, e.admin, c.ID)
		noErr(t, err)
		if one.Number != c.Number || !one.DestroyedAt.Equal(c.DestroyedAt.Truncate(time.Millisecond)) {
			t.Fatalf("certificate read back %+v", one)
		}
		_, err = e.rs.Certificate(e.ctx, e.other, c.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.rs.Certificate(e.ctx, e.ann, c.ID)
		wantCode(t, err, platform.CodeForbidden)
		cp, err := e.rs.Certificates(e.ctx, e.other, "")
		noErr(t, err)
		if len(cp.Certificates) != 0 {
			t.Fatal("another organisation lists our certificates")
		}
		done, err := e.rs.Disposal(e.ctx, e.rosa, x.ID)
		noErr(t, err)
		if done.State != DisposalDone || done.CertificateID != c.ID {
			t.Fatalf("item after %+v", done)
		}

		e.wantActions(d.ID, "records.create", "records.declare", "records.disposal_queue", "records.disposal_approve", "records.destroy")
		e.wantActions(c.ID, "records.certificate_issue")
		if run := e.fill(); run.Queued != 0 || run.Completed != 0 {
			t.Fatalf("a run after the destruction did %+v", run)
		}
		// The other invoice is untouched.
		rc, _, err := e.rs.Open(e.ctx, e.mel, keep.ID, 0)
		noErr(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "invoice two" {
			t.Fatalf("the kept invoice reads %q", b)
		}
	})
}

// TestTwoStage: a two-stage schedule needs two approvals by two different
// people; the same person twice is refused and nothing is destroyed.
func TestTwoStage(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.rosa, "HRS.01.01", "Employee file: J Bloggs", "", platform.OfficialSensitive, "personnel file")
		if !d.DueAt.IsZero() {
			t.Fatal("due before the last contact is known")
		}
		n, err := e.rs.SetTrigger(e.ctx, e.rosa, TriggerTarget{DocumentID: d.ID}, start)
		noErr(t, err)
		if n != 1 {
			t.Fatalf("moved %d", n)
		}
		e.clock.Set(start.AddDate(6, 1, 0))
		e.fill()
		x := e.queued(d.ID)
		if !x.TwoStage || x.Stage != 0 {
			t.Fatalf("queued %+v", x)
		}
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "")
		noErr(t, err)
		if len(res.AwaitingSecond) != 1 || len(res.Done) != 0 {
			t.Fatalf("first approval did %+v", res)
		}
		_, err = e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "")
		wantCode(t, err, platform.CodeConflict)
		blob := e.blobs(d.ID)[0]
		if !e.exists(blob) {
			t.Fatal("destroyed after one approval")
		}
		if x = e.queued(d.ID); x.Stage != 1 || x.State != DisposalPending || len(x.Approvals) != 1 {
			t.Fatalf("after the first approval %+v", x)
		}
		res, err = e.rs.ApproveDisposal(e.ctx, e.admin, []string{x.ID}, "")
		noErr(t, err)
		if len(res.Done) != 1 || e.exists(blob) {
			t.Fatalf("second approval did %+v", res)
		}
		a := res.Certificates[0].Approvals
		if len(a) != 2 || a[0].Stage != 1 || a[0].Name != "Rosa" || a[1].Stage != 2 || a[1].Name != "Admin" || a[1].Role != "Administrator" {
			t.Fatalf("approvals %+v", a)
		}
	})
}

// TestSharedContent: content another live document uses survives the
// destruction (and the certificate says so), and goes with the last
// document that holds it, even though the destroyed one's version rows
// still name it.
func TestSharedContent(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.mel, "FIN.01.01", "Invoice 3001", "Finance", platform.Official, "same bytes")
		twin := e.file(e.mel, "GOV.01.02", "Finance committee: invoice 3001", "Finance", platform.Official, "same bytes")
		blob := e.blobs(d.ID)[0]
		if e.blobs(twin.ID)[0] != blob {
			t.Fatal("the blob store did not deduplicate")
		}
		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{e.queued(d.ID).ID}, "")
		noErr(t, err)
		it := res.Certificates[0].Items[0]
		if !e.exists(blob) || it.Verified || len(it.Kept) != 1 || it.Kept[0] != blob {
			t.Fatalf("shared content: exists %v, item %+v", e.exists(blob), it)
		}
		rc, _, err := e.rs.Open(e.ctx, e.mel, twin.ID, 0)
		noErr(t, err)
		rc.Close()
		noErr(t, e.rs.Delete(e.ctx, e.mel, twin.ID))
		if e.exists(blob) {
			t.Fatal("content outlived the last live document that held it")
		}
	})
}

// TestTransfer: a transfer schedule marks the record transferred with a
// transfer certificate; its content stays for the archive's package.
func TestTransfer(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.rosa, "GOV.01.02", "Cabinet minutes March 2026", "", platform.Official, "minutes")
		e.clock.Set(start.AddDate(20, 0, 1))
		e.fill()
		x := e.queued(d.ID)
		if x.Action != ActionTransfer {
			t.Fatalf("queued %+v", x)
		}
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "")
		noErr(t, err)
		c := res.Certificates[0]
		if c.Number != "TC-2046-0001" || c.Action != ActionTransfer || c.Items[0].Verified {
			t.Fatalf("certificate %+v", c)
		}
		got, err := e.rs.Document(e.ctx, e.rosa, d.ID)
		noErr(t, err)
		if got.State != StateTransferred || !e.exists(e.blobs(d.ID)[0]) {
			t.Fatalf("after transfer %+v", got)
		}
		e.wantActions(d.ID, "records.transfer")
	})
}
