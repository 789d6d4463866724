package records

import (
	"context"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/blob"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// lyingFiles is the real blob store, except that while lie is set its
// deletions report success and leave the object there, as a misbehaving
// object store might.
type lyingFiles struct {
	*blob.Store
	lie bool
}

func (l *lyingFiles) Delete(ctx context.Context, id string) error {
	if l.lie {
		return nil
	}
	return l.Store.Delete(ctx, id)
}

// TestDestructionVerified: a deletion the blob store claims but did not do
// is caught by the check that the content is gone: no certificate, the
// record is not a tombstone, the failure is audited, and the next daily
// run finishes the disposal once the store behaves.
func TestDestructionVerified(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		files := &lyingFiles{Store: e.files, lie: true}
		e.rs = New(db, e.log, e.rs.access, Options{Files: files, Now: e.clock.Now})
		d := e.file(e.mel, "FIN.01.01", "Invoice 7001", "Finance", platform.Official, "invoice 7001")
		content := e.blobs(d.ID)[0]
		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		x := e.queued(d.ID)
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{x.ID}, "")
		wantCode(t, err, platform.CodeInternal)
		if len(res.Done) != 0 || len(res.Certificates) != 0 || !e.exists(content) {
			t.Fatalf("a failed destruction did %+v", res)
		}
		if got := e.queued(d.ID); got.State != DisposalDisposing {
			t.Fatalf("item after the failure %+v", got)
		}
		doc, err := e.rs.Document(e.ctx, e.rosa, d.ID)
		noErr(t, err)
		if doc.State != StateActive {
			t.Fatalf("document after the failure %+v", doc)
		}
		p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, ResourceID: d.ID, Action: "records.destroy"})
		noErr(t, err)
		if len(p.Entries) != 1 || p.Entries[0].Outcome != audit.Failure {
			t.Fatalf("audit after the failure %+v", p.Entries)
		}
		cp, err := e.rs.Certificates(e.ctx, e.rosa, "")
		noErr(t, err)
		if len(cp.Certificates) != 0 {
			t.Fatal("a certificate for content that is still there")
		}
		// Nor can an extension stop what is already being destroyed.
		_, err = e.rs.ExtendRetention(e.ctx, e.rosa, d.ID, start.AddDate(9, 0, 0), "too late")
		wantCode(t, err, platform.CodeConflict)

		files.lie = false
		if run := e.fill(); run.Completed != 1 {
			t.Fatalf("the run did not finish the disposal: %+v", run)
		}
		if e.exists(content) {
			t.Fatal("content still there after the retry")
		}
		cp, err = e.rs.Certificates(e.ctx, e.rosa, "")
		noErr(t, err)
		if len(cp.Certificates) != 1 || !cp.Certificates[0].Items[0].Verified || cp.Certificates[0].Approvals[0].Name != "Rosa" {
			t.Fatalf("certificates after the retry %+v", cp.Certificates)
		}
	})
}
