package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/blob"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// storeFiles puts each content into the disk store of a data folder under
// the key in keyFile, as the platform would, and returns their IDs.
func storeFiles(t *testing.T, dir, keyFile string, contents ...string) []string {
	t.Helper()
	k, err := blob.LoadMasterKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	d, err := blob.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		t.Fatal(err)
	}
	s := blob.New(d, k)
	var ids []string
	for _, c := range contents {
		info, err := s.Put(context.Background(), strings.NewReader(c))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, info.ID)
	}
	return ids
}

// A first start makes the key file (0600) and says to back it up; later
// starts use it and make nothing new.
func TestBlobKeyMadeOnFirstStart(t *testing.T) {
	dir := t.TempDir()
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir}}
	r := c.run("migrate")
	if r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.stderr)
	}
	keyFile := filepath.Join(dir, "blob.key")
	st, err := os.Stat(keyFile)
	if err != nil {
		t.Fatalf("no key file made: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(r.stderr, "back this file up") || !strings.Contains(r.stderr, keyFile) {
		t.Fatalf("no warning to back the key up: %q", r.stderr)
	}
	first, _ := os.ReadFile(keyFile)
	storeFiles(t, dir, keyFile, "a letter")
	r = c.run("migrate")
	if r.code != 0 || strings.Contains(r.stderr, "new master key") {
		t.Fatalf("second start: %d %q", r.code, r.stderr)
	}
	if again, _ := os.ReadFile(keyFile); !bytes.Equal(first, again) {
		t.Fatal("the key file changed on a second start")
	}
	// The key given as text wins over a key file that is not there.
	c.env["DBTP_BLOB_KEY"] = strings.TrimSpace(string(first))
	c.env["DBTP_BLOB_KEY_FILE"] = filepath.Join(dir, "nowhere.key")
	c.ok("migrate")
}

// Files stored and their key gone: the start stops naming the file, and
// makes no new key that would hide the loss.
func TestBlobMissingKeyWithFilesStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "blob.key")
	if _, err := blob.WriteMasterKeyFile(keyFile); err != nil {
		t.Fatal(err)
	}
	storeFiles(t, dir, keyFile, "evidence.jpg bytes")
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir}}
	c.fails(1, "the blob master key file "+keyFile+" is missing; the store holds encrypted objects that cannot be read without it", "migrate")
	if _, err := os.Stat(keyFile); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a key file was made over the loss: %v", err)
	}
	notMigrated(t, dir)
}

// A key that is not the stored files' key stops the start before anything
// is changed, naming both key IDs.
func TestBlobWrongKeyStopsTheStart(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "blob.key")
	right, err := blob.WriteMasterKeyFile(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	storeFiles(t, dir, keyFile, "minutes of the meeting")
	wrongFile := filepath.Join(t.TempDir(), "other.key")
	wrong, err := blob.WriteMasterKeyFile(wrongFile)
	if err != nil {
		t.Fatal(err)
	}
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir, "DBTP_BLOB_KEY_FILE": wrongFile}}
	r := c.run("migrate")
	if r.code != 1 || !strings.Contains(r.stderr, "does not match the files stored") ||
		!strings.Contains(r.stderr, right.ID()) || !strings.Contains(r.stderr, wrong.ID()) || !strings.Contains(r.stderr, "nothing was changed") {
		t.Fatalf("wrong key: %d %q", r.code, r.stderr)
	}
	notMigrated(t, dir)
	// The same through DBTP_BLOB_KEY, which wins over the right file.
	c.env["DBTP_BLOB_KEY_FILE"] = keyFile
	c.env["DBTP_BLOB_KEY"] = wrong.Text()
	c.fails(1, "from DBTP_BLOB_KEY", "migrate")
	delete(c.env, "DBTP_BLOB_KEY")
	// With the right key the file is intact and the platform starts.
	if out := c.ok("blob", "verify"); !strings.Contains(out, "1 files") {
		t.Fatalf("verify: %q", out)
	}
}

// verify names each bad file and counts them; rotate-key re-wraps every
// file without touching content, resumes, and verify is clean after the
// switch to the new key.
func TestBlobVerifyAndRotateKey(t *testing.T) {
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "blob.key")
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir}}
	c.fails(2, "missing argument", "blob", "key")
	out := c.ok("blob", "key", keyFile)
	if !strings.Contains(out, "back it up") {
		t.Fatalf("blob key: %q", out)
	}
	c.fails(1, "exists", "blob", "key", keyFile)
	ids := storeFiles(t, dir, keyFile, "one", "two", "three")
	if out := c.ok("blob", "verify"); !strings.Contains(out, "stored files OK: 3 files, 11 bytes") {
		t.Fatalf("verify: %q", out)
	}
	bodies := bodyFiles(t, filepath.Join(dir, "blobs"))
	saved := map[string][]byte{}
	for _, b := range bodies {
		saved[b], _ = os.ReadFile(b)
	}

	// Offline rotation: the configured key is still the old one.
	newKey := filepath.Join(dir, "blob.key.new")
	c.ok("blob", "key", newKey)
	c.fails(2, "--new-key-file is required", "blob", "rotate-key")
	out = c.ok("blob", "rotate-key", "--new-key-file", newKey)
	if !strings.Contains(out, "key rotation done: 3 files re-wrapped") {
		t.Fatalf("rotate-key: %q", out)
	}
	for _, b := range bodies {
		if now, _ := os.ReadFile(b); !bytes.Equal(now, saved[b]) {
			t.Fatal("rotation rewrote content")
		}
	}
	// Run again: everything is done already.
	if out := c.ok("blob", "rotate-key", "--new-key-file", newKey); !strings.Contains(out, "0 files re-wrapped") || !strings.Contains(out, "3 already") {
		t.Fatalf("second rotate-key: %q", out)
	}
	// Switched to the new key, the old one kept for reading: a file
	// stored under the old key meanwhile is flagged until rotated too.
	storeFiles(t, dir, keyFile, "four, stored late")
	c.env["DBTP_BLOB_KEY_FILE"], c.env["DBTP_BLOB_OLD_KEY_FILE"] = newKey, keyFile
	c.fails(1, "1 of 4 stored files are still under the older master key", "blob", "verify")
	if out := c.ok("blob", "rotate-key", "--new-key-file", newKey); !strings.Contains(out, "1 files re-wrapped") {
		t.Fatalf("rotate-key after the switch: %q", out)
	}
	delete(c.env, "DBTP_BLOB_OLD_KEY_FILE")
	if out := c.ok("blob", "verify"); !strings.Contains(out, "4 files") {
		t.Fatalf("verify after rotation: %q", out)
	}

	// Damage one body: verify names the file and counts it.
	b := bodies[0]
	data := saved[b]
	data[len(data)-1] ^= 1
	if err := os.WriteFile(b, data, 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.run("blob", "verify")
	if r.code != 1 || !strings.Contains(r.stderr, "1 of 4 stored files FAILED verification (1 damaged") {
		t.Fatalf("verify of a damaged store: %d %q", r.code, r.stderr)
	}
	named := false
	for _, id := range ids {
		named = named || strings.Contains(r.stdout, "blob "+id+": corrupt")
	}
	if !named {
		t.Fatalf("verify did not name the damaged file: %q", r.stdout)
	}
}

// notMigrated fails if the data folder's database has any table.
func notMigrated(t *testing.T, dir string) {
	t.Helper()
	var n int
	if err := rawDB(t, store.SQLite, dir, "").QueryRow("SELECT COUNT(*) FROM sqlite_master").Scan(&n); err != nil || n != 0 {
		t.Fatalf("the database was migrated (%d objects, %v)", n, err)
	}
}

func bodyFiles(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(filepath.Join(root, "bodies"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// With an S3 endpoint the files go to the bucket; a first start there makes
// no key of its own, since nodes sharing a bucket must share one key.
func TestBlobOnS3(t *testing.T) {
	srv := blobtest.Start(t)
	cfg := srv.Config()
	dir := t.TempDir()
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir, "DBTP_BLOB_S3_ENDPOINT": cfg.Endpoint, "DBTP_BLOB_S3_BUCKET": cfg.Bucket,
		"DBTP_BLOB_S3_REGION": cfg.Region, "DBTP_BLOB_S3_TLS": "false", "DBTP_BLOB_S3_PREFIX": "dbtp/",
		"DBTP_BLOB_S3_ACCESS_KEY": cfg.AccessKey, "DBTP_BLOB_S3_SECRET_KEY": cfg.SecretKey}}
	c.fails(1, "with S3 storage, make the key once", "migrate")
	keyFile := filepath.Join(dir, "blob.key")
	c.ok("blob", "key", keyFile)
	c.ok("migrate")

	k, err := blob.LoadMasterKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Prefix = "dbtp/"
	b, err := blob.NewS3(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.New(b, k).Put(context.Background(), strings.NewReader("on the bucket")); err != nil {
		t.Fatal(err)
	}
	if out := c.ok("blob", "verify"); !strings.Contains(out, "1 files") {
		t.Fatalf("verify on S3: %q", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "blobs")); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a disk store was made beside S3: %v", err)
	}
	delete(c.env, "DBTP_BLOB_S3_SECRET_KEY")
	c.fails(2, "DBTP_BLOB_S3_SECRET_KEY", "migrate")
}

// Attachment content kept in the database by an earlier dbtp is moved to
// the file store when the platform starts, and reads back the same.
func TestStartMovesAttachmentsToTheFileStore(t *testing.T) {
	dir := t.TempDir()
	r := startDemo(t, dir)
	ctx := context.Background()
	var caseID, orgID string
	if err := r.app.db.QueryRow(ctx, "SELECT id, org_id FROM cases ORDER BY id LIMIT 1").Scan(&caseID, &orgID); err != nil {
		t.Fatal(err)
	}
	content := []byte("a letter scanned in 2019, kept in the database")
	attID := platform.NewID("att")
	err := r.app.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO case_attachments (id, org_id, case_id, field_id, name, media_type, size, sha256, content, uploaded_by, created_at)
			VALUES (?, ?, ?, '', 'letter.txt', 'text/plain', ?, 'not checked', ?, '', 1)`, attID, orgID, caseID, len(content), content)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	r = startDemo(t, dir) // a restart on the same data folder
	var blobID string
	var left []byte
	if err := r.app.db.QueryRow(ctx, "SELECT blob_id, content FROM case_attachments WHERE id = ?", attID).Scan(&blobID, &left); err != nil {
		t.Fatal(err)
	}
	if blobID == "" || len(left) != 0 {
		t.Fatalf("not moved: blob %q, %d bytes left in the database", blobID, len(left))
	}
	_, got, err := r.app.services().GetAttachment(ctx, platform.System(orgID), caseID, attID)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("read back: %q %v", got, err)
	}
	if ok, err := r.app.blob.Exists(ctx, blobID); err != nil || !ok {
		t.Fatalf("the file store lacks %s: %v", blobID, err)
	}
}
