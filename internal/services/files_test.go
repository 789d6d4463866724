package services

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// stored reports an attachment row's blob ID and the length of the content
// left in its database column.
func (e *env) stored(attachmentID string) (string, int) {
	e.t.Helper()
	var blobID string
	var content []byte
	noErr(e.t, e.db.QueryRow(e.ctx, "SELECT blob_id, content FROM case_attachments WHERE id = ?", attachmentID).Scan(&blobID, &content))
	return blobID, len(content)
}

func (e *env) hasBlob(id string) bool {
	e.t.Helper()
	ok, err := e.files.Exists(e.ctx, id)
	noErr(e.t, err)
	return ok
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }

// Attachments keep their content in the file store, not the database.
func TestAttachmentContentIsInTheFileStore(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		photo := []byte("\xff\xd8\xff a photo of the fly-tipping")
		c, err := e.svc.Submit(e.ctx, e.rita, "complaints",
			definition.Answers{"summary": "Fly-tipping", "evidence": definition.File{ID: "u1", Name: "photo.jpg", MediaType: "image/jpeg"}},
			SubmitOptions{Files: map[string][]byte{"u1": photo}})
		noErr(t, err)
		f := c.Answers["evidence"].(definition.File)
		letter, err := e.svc.AddAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "letter.pdf", MediaType: "application/pdf"}, []byte("%PDF-1.7 reply"))
		noErr(t, err)
		for id, want := range map[string][]byte{f.ID: photo, letter.ID: []byte("%PDF-1.7 reply")} {
			blobID, left := e.stored(id)
			if blobID != sum(want) || left != 0 || !e.hasBlob(blobID) {
				t.Fatalf("attachment %s: blob %q, %d bytes left in the database", id, blobID, left)
			}
			_, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, id)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("read back %s: %q %v", id, got, err)
			}
		}
		// Gone from the store: an error, never other bytes.
		blobID, _ := e.stored(letter.ID)
		noErr(t, e.files.Delete(e.ctx, blobID))
		if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, letter.ID); err == nil || got != nil {
			t.Fatalf("a missing file was served: %q %v", got, err)
		}
	})
}

// An attachment written the old way, with its bytes in the database, is
// moved to the file store at start, once, and reads back the same through
// the store.
func TestMoveAttachmentContent(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Old complaint")
		old := map[string][]byte{}
		for i, content := range [][]byte{[]byte("scanned letter, 2019"), []byte("a photo from before"), []byte("scanned letter, 2019")} {
			id := platform.NewID("att")
			old[id] = content
			noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(e.ctx, `INSERT INTO case_attachments (id, org_id, case_id, field_id, name, media_type, size, sha256, content, uploaded_by, created_at)
					VALUES (?, ?, ?, '', ?, 'text/plain', ?, ?, ?, ?, ?)`, id, c.OrgID, c.ID, "old.txt", len(content), sum(content), content, e.cara.UserID, int64(1000+i))
				return err
			}))
		}
		// Before the move, the old rows still read.
		for id, want := range old {
			if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, id); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("before the move: %q %v", got, err)
			}
		}
		n, err := e.svc.MoveAttachmentContent(e.ctx)
		if err != nil || n != 3 {
			t.Fatalf("move: %d %v", n, err)
		}
		if n, err := e.svc.MoveAttachmentContent(e.ctx); err != nil || n != 0 {
			t.Fatalf("second move: %d %v", n, err)
		}
		for id, want := range old {
			blobID, left := e.stored(id)
			if blobID != sum(want) || left != 0 {
				t.Fatalf("after the move %s: blob %q, %d bytes left", id, blobID, left)
			}
			if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, id); err != nil || !bytes.Equal(got, want) {
				t.Fatalf("after the move: %q %v", got, err)
			}
		}
		rep, err := e.files.Verify(e.ctx, nil)
		if err != nil || rep.Objects != 2 || !rep.OK() {
			t.Fatalf("the store holds %+v %v; want the two distinct contents", rep, err)
		}
	})
}

const holder = "northshire|rita|complaints"

// A file uploaded before submission is held in the file store and becomes
// the case's attachment; files replaced on the way, or never submitted,
// are removed, and a blob is deleted only when nothing names it any more.
func TestHeldFiles(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		first := []byte("first photo, replaced")
		kept := []byte("the photo sent")
		_, err := e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: "a.jpg", MediaType: "image/jpeg"}, first)
		noErr(t, err)
		f, err := e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: `C:\b.jpg`, MediaType: "image/jpeg"}, kept)
		noErr(t, err)
		if f.Name != "b.jpg" || f.Size != int64(len(kept)) || !platform.ValidID("att", f.ID) {
			t.Fatalf("held %+v", f)
		}
		_, err = e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: "big"}, make([]byte, 2048))
		wantCode(t, err, platform.CodeTooLarge)
		_, err = e.svc.HoldFile(e.ctx, e.rita, "complaints", "summary", holder, definition.File{Name: "x"}, []byte("x"))
		wantField(t, err, "summary")
		// One journey holds a bounded number of files.
		defer func(n int) { maxHeldFiles = n }(maxHeldFiles)
		maxHeldFiles = 2
		_, err = e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: "c.jpg"}, []byte("third"))
		wantCode(t, err, platform.CodeRateLimited)
		maxHeldFiles = 50
		// Ray uploads the same bytes as Rita's replaced file, and never submits.
		_, err = e.svc.HoldFile(e.ctx, e.ray, "complaints", "evidence", "ray-journey", definition.File{Name: "same.jpg"}, first)
		noErr(t, err)

		c, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Fly-tipping", "evidence": f}, SubmitOptions{Held: holder})
		noErr(t, err)
		if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, f.ID); err != nil || !bytes.Equal(got, kept) {
			t.Fatalf("attachment from a held file: %q %v", got, err)
		}
		// The replaced file was let go; Ray's copy keeps its blob.
		if n, err := e.svc.CollectFiles(e.ctx); err != nil || n != 0 {
			t.Fatalf("collect while Ray holds the same bytes: %d %v", n, err)
		}
		if !e.hasBlob(sum(first)) {
			t.Fatal("a blob still held by another journey was deleted")
		}
		// Taken once only: the same answer cannot be submitted again.
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Again", "evidence": f}, SubmitOptions{Held: holder})
		wantField(t, err, "evidence")

		// Ray's upload expires after the draft lifetime; then its blob goes,
		// while the attachment's stays.
		e.clock.Add(e.svc.opts.DraftLifetime - time.Hour)
		if n, err := e.svc.PruneHeldFiles(e.ctx, e.clock.Now()); err != nil || n != 0 {
			t.Fatalf("pruned before expiry: %d %v", n, err)
		}
		e.clock.Add(2 * time.Hour)
		if n, err := e.svc.PruneHeldFiles(e.ctx, e.clock.Now()); err != nil || n != 1 {
			t.Fatalf("prune: %d %v", n, err)
		}
		if n, err := e.svc.CollectFiles(e.ctx); err != nil || n != 1 {
			t.Fatalf("collect: %d %v", n, err)
		}
		if e.hasBlob(sum(first)) || !e.hasBlob(sum(kept)) {
			t.Fatal("collection deleted the wrong blob")
		}
	})
}

// The same content as an attachment and as an upload that is dropped: the
// attachment keeps the blob.
func TestCollectionSparesBlobsOfAttachments(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		content := []byte("the council's standard form")
		c := e.submit(e.rita, "Form")
		a, err := e.svc.AddAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "form.pdf"}, content)
		noErr(t, err)
		_, err = e.svc.HoldFile(e.ctx, e.ray, "complaints", "evidence", "ray-journey", definition.File{Name: "form.pdf"}, content)
		noErr(t, err)
		noErr(t, e.svc.DropHeldFiles(e.ctx, e.ray, "ray-journey"))
		if n, err := e.svc.CollectFiles(e.ctx); err != nil || n != 0 {
			t.Fatalf("collect: %d %v", n, err)
		}
		if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, a.ID); err != nil || !bytes.Equal(got, content) {
			t.Fatalf("attachment after the upload was dropped: %q %v", got, err)
		}
	})
}

// Keeping a draft keeps its files; a file that expired anyway is asked for
// again by name rather than silently dropped.
func TestHeldFilesExpireWithTheirJourney(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		f, err := e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: "photo.jpg"}, []byte("photo"))
		noErr(t, err)
		e.clock.Add(e.svc.opts.DraftLifetime - time.Hour)
		noErr(t, e.svc.KeepHeldFiles(e.ctx, e.rita, holder))
		e.clock.Add(2 * time.Hour)
		c, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Kept", "evidence": f}, SubmitOptions{Held: holder})
		noErr(t, err)
		if _, got, err := e.svc.GetAttachment(e.ctx, e.rita, c.ID, f.ID); err != nil || string(got) != "photo" {
			t.Fatalf("kept file: %q %v", got, err)
		}

		g, err := e.svc.HoldFile(e.ctx, e.rita, "complaints", "evidence", holder, definition.File{Name: "late.jpg"}, []byte("late"))
		noErr(t, err)
		e.clock.Add(e.svc.opts.DraftLifetime + time.Hour)
		_, err = e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": "Late", "evidence": g}, SubmitOptions{Held: holder})
		wantField(t, err, "evidence")
		if pe := platform.AsError(err); len(pe.Fields) != 1 || !bytes.Contains([]byte(pe.Fields[0].Message), []byte("Upload late.jpg again")) {
			t.Fatalf("expired file: %v", err)
		}
	})
}

// A collection that deletes a blob between its storing and the write of
// the row naming it (it saw no such row) is caught by the write, which
// stores the content again before committing.
func TestWriteNamingStoresAgainWhatWasCollected(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		content := []byte("uploaded as the collector ran")
		id, err := e.svc.storeFile(e.ctx, content)
		noErr(t, err)
		noErr(t, e.files.Delete(e.ctx, id)) // what the collector would do
		err = e.svc.writeNaming(e.ctx, []fileIn{{blobID: id, content: content}}, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, `INSERT INTO case_uploads (id, org_id, holder, blob_id, name, media_type, size, created_at, expires_at)
				VALUES (?, ?, 'h', ?, 'f', 'text/plain', ?, 0, ?)`, platform.NewID("att"), e.org.ID, id, len(content), int64(1)<<60)
			return err
		})
		noErr(t, err)
		if got, err := e.files.ReadAll(e.ctx, id, 100); err != nil || !bytes.Equal(got, content) {
			t.Fatalf("after the write: %q %v", got, err)
		}
	})
}

// A file staff keep from the applicant (a scanned letter filed by inbound
// post) is listed and served to staff only, and its adding is not in the
// applicant's view of the case's history.
func TestStaffOnlyFilesAreKeptFromTheApplicant(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Noise")
		own, err := e.svc.AddAttachment(e.ctx, e.rita, c.ID, definition.File{Name: "photo.jpg", MediaType: "image/jpeg"}, []byte("photo"))
		noErr(t, err)
		if _, err := e.svc.AddStaffAttachment(e.ctx, e.rita, c.ID, definition.File{Name: "x.pdf"}, []byte("%PDF-1.7")); platform.CodeOf(err) != platform.CodeForbidden {
			t.Fatalf("an applicant kept a file from themselves: %v", err)
		}
		scan, err := e.svc.AddStaffAttachment(e.ctx, e.cara, c.ID, definition.File{Name: "scan.pdf", MediaType: "application/pdf"}, []byte("%PDF-1.7 scan"))
		noErr(t, err)
		names := func(sub *platform.Subject) []string {
			list, err := e.svc.ListAttachments(e.ctx, sub, c.ID)
			noErr(t, err)
			var out []string
			for _, a := range list {
				out = append(out, a.Name)
			}
			return out
		}
		if got := names(e.cara); len(got) != 2 {
			t.Fatalf("staff see %v; want both files", got)
		}
		if got := names(e.rita); len(got) != 1 || got[0] != own.Name {
			t.Fatalf("the applicant sees %v; want only their photo", got)
		}
		if _, _, err := e.svc.GetAttachment(e.ctx, e.rita, c.ID, scan.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("the applicant read a staff-only file: %v", err)
		}
		if _, got, err := e.svc.GetAttachment(e.ctx, e.cara, c.ID, scan.ID); err != nil || string(got) != "%PDF-1.7 scan" {
			t.Fatalf("staff read %q, %v", got, err)
		}
		var visible int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM case_events WHERE case_id = ? AND detail = 'added scan.pdf' AND applicant_visible = 1", c.ID).Scan(&visible))
		if visible != 0 {
			t.Fatal("the applicant's history says a staff-only file was added")
		}
	})
}
