package audit

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestProofs(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		l := newTestLog(t, db)
		ctx := context.Background()
		if _, err := l.InclusionProof(ctx, "org_a", 0, 1); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("proof on empty log: %v", err)
		}
		const n = 45
		fill(t, l, "org_a", n)
		roots := headRoots(t, db, "org_a")
		rows := readRows(t, db, "org_a")
		var scratch []byte
		for _, size := range []int64{1, 2, 3, 7, 8, 16, 31, 32, 33, n} {
			for _, index := range []int64{0, 1, size / 2, size - 1} {
				if index >= size {
					continue
				}
				p, err := l.InclusionProof(ctx, "org_a", index, size)
				if err != nil {
					t.Fatalf("inclusion %d in %d: %v", index, size, err)
				}
				if err := tlog.CheckRecord(p, size, roots[size], index, leafHash(&scratch, rows[index].data)); err != nil {
					t.Fatalf("inclusion %d in %d does not check: %v", index, size, err)
				}
			}
			for _, old := range []int64{1, 2, size / 2, size} {
				if old < 1 || old > size {
					continue
				}
				p, err := l.ConsistencyProof(ctx, "org_a", old, size)
				if err != nil {
					t.Fatalf("consistency %d..%d: %v", old, size, err)
				}
				if err := tlog.CheckTree(p, size, roots[size], old, roots[old]); err != nil {
					t.Fatalf("consistency %d..%d does not check: %v", old, size, err)
				}
			}
		}
		for _, c := range []struct{ index, size int64 }{{-1, 5}, {5, 5}, {0, 0}, {0, n + 1}} {
			if _, err := l.InclusionProof(ctx, "org_a", c.index, c.size); platform.CodeOf(err) != platform.CodeInvalid {
				t.Errorf("inclusion %d in %d: %v, want invalid", c.index, c.size, err)
			}
		}
		for _, c := range []struct{ old, size int64 }{{0, 5}, {6, 5}, {1, n + 1}, {-3, -1}} {
			if _, err := l.ConsistencyProof(ctx, "org_a", c.old, c.size); platform.CodeOf(err) != platform.CodeInvalid {
				t.Errorf("consistency %d..%d: %v, want invalid", c.old, c.size, err)
			}
		}
	})
}

func TestKeys(t *testing.T) {
	dir := t.TempDir()
	s1, v1, err := LoadOrCreateKey(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(filepath.Join(dir, keyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st, err)
	}
	s2, v2, err := LoadOrCreateKey(dir)
	if err != nil || s2.KeyHash() != s1.KeyHash() || v2.KeyHash() != v1.KeyHash() || s1.Name() != KeyName {
		t.Fatalf("second load gave a different key: %v", err)
	}
	// A head signed with the loaded key opens with the published public key.
	pub, err := os.ReadFile(filepath.Join(dir, pubKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	pv, err := note.NewVerifier(string(pub[:len(pub)-1]))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := note.Sign(&note.Note{Text: string(tlog.FormatTree(tlog.Tree{N: 1}))}, s1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := note.Open(msg, note.VerifierList(pv)); err != nil {
		t.Fatalf("published key does not verify: %v", err)
	}
	skey, _ := os.ReadFile(filepath.Join(dir, keyFile))
	if _, v3, err := ParseKey(string(skey)); err != nil || v3.KeyHash() != v1.KeyHash() {
		t.Fatalf("ParseKey of the stored key: %v", err)
	}
	for _, bad := range []string{"", "PRIVATE+KEY+dbtp-audit+00000000+AAAA", "dbtp-audit+12345678+AQ==", string(skey[:len(skey)-6])} {
		if _, _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) accepted", bad)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, keyFile), []byte("junk"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreateKey(dir); err == nil {
		t.Fatal("a corrupt key file was accepted")
	}
}

// A log opened with another key must not accept the heads of the first.
func TestVerifyWithWrongKey(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	fill(t, newTestLog(t, db), "org_a", 5)
	rep, err := newTestLog(t, db).Verify(context.Background(), nil)
	if err == nil || rep.OK {
		t.Fatalf("verify with another key: %v %+v", err, rep)
	}
}
