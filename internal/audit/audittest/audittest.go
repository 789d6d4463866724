// Package audittest gives tests a real audit log signed with a throwaway
// key, so every module's tests record and verify entries exactly as the
// platform does without each writing its own key setup.
package audittest

import (
	"crypto/rand"
	"testing"

	"dbtp/internal/audit"
	"dbtp/internal/store"

	"golang.org/x/mod/sumdb/note"
)

// NewLog returns an audit log on db whose tree heads are signed by a key made
// for this test.
func NewLog(t testing.TB, db *store.DB) *audit.Log {
	t.Helper()
	log, _ := NewLogWithKey(t, db)
	return log
}

// NewLogWithKey is NewLog that also returns the verifier key text, for tests
// that check signed tree heads themselves.
func NewLogWithKey(t testing.TB, db *store.DB) (*audit.Log, string) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, audit.KeyName)
	if err != nil {
		t.Fatal(err)
	}
	signer, verifier, err := audit.ParseKey(skey)
	if err != nil {
		t.Fatal(err)
	}
	return audit.New(db, signer, verifier), vkey
}
