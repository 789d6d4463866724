package records

import (
	"context"
	"strings"
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

// TestContentUsedElsewhere: content another module still names (the case
// attachment a record was filed from) is kept at destruction, and the
// certificate says so instead of claiming it gone; the record's own
// content goes. A destroyed record no longer counts as using content,
// a transferred one does.
func TestContentUsedElsewhere(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var attachment string
		e.rs = New(db, e.log, e.rs.access, Options{Files: e.files, Now: e.clock.Now,
			FilesInUseElsewhere: func(_ context.Context, id string) (bool, error) { return id == attachment, nil }})
		d := e.file(e.mel, "FIN.01.01", "Invoice 8001", "Finance", platform.Official, "from the case")
		attachment = e.blobs(d.ID)[0]
		_, err := e.rs.AddVersion(e.ctx, e.mel, d.ID, NewVersion{Name: "v2.txt", Content: strings.NewReader("records' own")})
		noErr(t, err)
		own := e.blobs(d.ID)[0]
		e.clock.Set(start.AddDate(6, 0, 1))
		e.fill()
		res, err := e.rs.ApproveDisposal(e.ctx, e.rosa, []string{e.queued(d.ID).ID}, "")
		noErr(t, err)
		it := res.Certificates[0].Items[0]
		if it.Verified || len(it.Kept) != 1 || it.Kept[0] != attachment || !strings.Contains(it.Note, "case") {
			t.Fatalf("certificate item %+v", it)
		}
		if !e.exists(attachment) || e.exists(own) {
			t.Fatalf("attachment kept %v, own content kept %v", e.exists(attachment), e.exists(own))
		}
		if used, err := e.rs.FileInUse(e.ctx, own); err != nil || used {
			t.Fatalf("a destroyed record still uses its content: %v %v", used, err)
		}
		minutes := e.file(e.rosa, "GOV.01.02", "Minutes", "", platform.Official, "minutes")
		e.clock.Set(start.AddDate(27, 0, 0))
		e.fill()
		_, err = e.rs.ApproveDisposal(e.ctx, e.rosa, []string{e.queued(minutes.ID).ID}, "")
		noErr(t, err)
		if used, err := e.rs.FileInUse(e.ctx, e.blobs(minutes.ID)[0]); err != nil || !used {
			t.Fatalf("a transferred record's content is not in use: %v %v", used, err)
		}
	})
}
