package auditweb

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"

	"dbtp/internal/audit"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

type entryList = web.List[audit.Entry]

func actions(es []audit.Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action+" "+e.ResourceID)
	}
	return out
}

func TestAPIFilters(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tok := e.token(e.adminA, "admin")
		list := func(query string) []audit.Entry {
			t.Helper()
			var l entryList
			e.getJSON("/api/v1/audit/entries?"+query, tok, 200, &l)
			for _, en := range l.Items {
				if en.OrgID != e.orgA.ID {
					t.Fatalf("%s: entry %d of another organisation: %+v", query, en.Index, en)
				}
			}
			return l.Items
		}
		for _, c := range []struct {
			query string
			want  []string // action and resource ID, newest first
		}{
			{"actor=usr_alice", []string{"case.read cas_2", "case.update cas_1"}},
			{"actor=usr_bob&action=case.update", []string{"case.update cas_1"}},
			{"resource_type=case&resource_id=cas_1", []string{"case.update cas_1", "case.update cas_1"}},
			{"resource_type=user&actor=usr_bob", []string{"user.create usr_new"}},
			{"action=case.delete", []string{"case.delete cas_3"}},
			{"action=invoice.create", nil}, // org B's only
			{"from=2025-03-01&to=2025-03-01&resource_type=case", []string{"case.read cas_2", "case.update cas_1"}},
			{"from=2025-03-02&to=2025-06-30", []string{"case.update cas_1"}},
			// 23:30 UTC on 30 June is 1 July in UK time.
			{"from=2025-07-01&to=2025-07-01", []string{"user.create usr_new"}},
			{"from=2025-03-01T23:00:00Z&to=2025-03-02T09:00:00Z", []string{"case.read cas_2"}},
			{"from=2025-03-01T23:00:00%2B00:00&to=2025-03-02T10:00:01+01:00", []string{"case.update cas_1", "case.read cas_2"}},
		} {
			if got := actions(list(c.query)); !slices.Equal(got, c.want) {
				t.Errorf("%s: got %q, want %q", c.query, got, c.want)
			}
		}
		// Acting for is returned.
		bob := list("actor=usr_bob&action=case.update")
		if len(bob) != 1 || bob[0].ActingFor != "usr_resident" || bob[0].Detail != "assisted digital" {
			t.Errorf("entry by Bob: %+v", bob)
		}
		// Every listing was recorded as a read by the token.
		reads := e.entries(e.orgA.ID, audit.Filter{Action: "audit.read"})
		if len(reads) < 10 || reads[0].ActorID == "" || !strings.Contains(reads[0].Detail, "via API") {
			t.Errorf("reads not audited: %d, %+v", len(reads), reads)
		}
	})
}

func TestAPIPaginationAndSegregation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		for i := range 7 {
			e.record(e.orgA.ID, audit.Entry{ActorID: "usr_pager", Action: "page.test", ResourceType: "page", ResourceID: strconv.Itoa(i)})
		}
		tokA, tokB := e.token(e.adminA, "admin", "read"), e.token(e.adminB, "admin")
		var got []string
		next, pages := "", 0
		for {
			var l entryList
			e.getJSON("/api/v1/audit/entries?action=page.test&limit=3&cursor="+url.QueryEscape(next), tokA, 200, &l)
			pages++
			for _, en := range l.Items {
				got = append(got, en.ResourceID)
			}
			if next = l.NextCursor; next == "" {
				break
			}
		}
		if want := []string{"6", "5", "4", "3", "2", "1", "0"}; pages != 3 || !slices.Equal(got, want) {
			t.Fatalf("pages %d, got %q, want %q", pages, got, want)
		}

		// Org B's admin sees only org B, whatever the filter or index.
		var l entryList
		e.getJSON("/api/v1/audit/entries?limit=200", tokB, 200, &l)
		for _, en := range l.Items {
			if en.OrgID != e.orgB.ID || strings.Contains(en.ActorName, "Alice Adams") {
				t.Fatalf("org B admin sees %+v", en)
			}
		}
		e.getJSON("/api/v1/audit/entries?actor=usr_pager", tokB, 200, &l)
		if len(l.Items) != 0 {
			t.Fatalf("org B sees org A's entries by actor: %+v", l.Items)
		}
		a := e.entries(e.orgA.ID, audit.Filter{ActorID: "usr_alice"})[0]
		path := "/api/v1/audit/entries/" + strconv.FormatInt(a.Index, 10)
		var d EntryDetail
		e.getJSON(path, tokA, 200, &d)
		if d.Entry != a || d.LeafHash != leafHash(a).String() {
			t.Fatalf("entry %+v, want %+v", d, a)
		}
		// The same index in org B's log is org B's own entry, or none.
		if r := e.get(path, "Bearer "+tokB); r.status == 200 {
			var d EntryDetail
			json.Unmarshal([]byte(r.body), &d)
			if d.OrgID != e.orgB.ID || d.Entry == a {
				t.Fatalf("org B asking for index %d gets %+v", a.Index, d)
			}
		} else if r.status != 404 {
			t.Fatalf("org B asking for index %d: %d", a.Index, r.status)
		}
		// An org A cursor only moves the starting point within org B, or
		// is refused when it lies beyond org B's log.
		e.getJSON("/api/v1/audit/entries?limit=1", tokA, 200, &l)
		if r := e.get("/api/v1/audit/entries?cursor="+l.NextCursor, "Bearer "+tokB); r.status == 200 {
			json.Unmarshal([]byte(r.body), &l)
			for _, en := range l.Items {
				if en.OrgID != e.orgB.ID {
					t.Fatalf("cursor from org A leaks %+v", en)
				}
			}
		} else if r.status != 400 {
			t.Fatalf("org A's cursor used by org B: %d", r.status)
		}
	})
}

func TestAPIAccess(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		staff := e.token(e.staffA, "read", "write")
		readOnlyAdmin := e.token(e.adminA, "read")
		for _, path := range []string{"/api/v1/audit/entries", "/api/v1/audit/entries/0", "/api/v1/audit/tree-head",
			"/api/v1/audit/proofs/inclusion?index=0", "/api/v1/audit/proofs/consistency?old=1"} {
			e.getJSON(path, staff, 403, nil)
			e.getJSON(path, readOnlyAdmin, 403, nil)
			if r := e.get(path, ""); r.status != 401 {
				t.Errorf("%s without a token: %d", path, r.status)
			}
			if r := e.get(path, "Bearer dbtp_notatoken"); r.status != 401 {
				t.Errorf("%s with a bad token: %d", path, r.status)
			}
		}
		// Each refusal is audited, naming the token (tokens lack the admin
		// scope before any role is considered).
		denied := e.entries(e.orgA.ID, audit.Filter{Action: "audit.administer"})
		byActor := map[string]int{}
		for _, d := range denied {
			if d.Outcome != audit.Denied || d.ResourceType != "audit" || !strings.Contains(d.Detail, "admin scope") {
				t.Errorf("not a scope denial: %+v", d)
			}
			byActor[d.ActorName]++
		}
		if byActor["Sam Staff"] != 5 || byActor["Ada Admin"] != 5 || len(denied) != 10 {
			t.Errorf("denials audited %v, want 5 for each token", byActor)
		}
		if reads := e.entries(e.orgA.ID, audit.Filter{Action: "audit.read"}); len(reads) != 0 {
			t.Errorf("refused requests recorded as reads: %+v", reads)
		}
	})
}

func TestAPITreeHeadAndProofs(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tok := e.token(e.adminA, "admin")
		verifier, err := note.NewVerifier(e.vkey)
		if err != nil {
			t.Fatal(err)
		}
		// head fetches the tree head and checks its signature with the key
		// the test holds, not the one the server publishes.
		head := func() (int64, tlog.Hash) {
			t.Helper()
			var th TreeHead
			e.getJSON("/api/v1/audit/tree-head", tok, 200, &th)
			n, err := note.Open([]byte(th.Note), note.VerifierList(verifier))
			if err != nil {
				t.Fatalf("tree head signature: %v\n%s", err, th.Note)
			}
			cp, err := audit.ParseCheckpoint(n.Text)
			if err != nil {
				t.Fatal(err)
			}
			if cp.Origin != "dbtp-audit/"+e.orgA.ID || cp.Origin != th.Origin || cp.Size != th.Size || cp.Root.String() != th.RootHash ||
				th.KeyName != audit.KeyName || th.VerifierKey != e.vkey || !strings.Contains(e.vkey, "+"+th.KeyHash+"+") {
				t.Fatalf("tree head %+v does not match its note %+v (key %s)", th, cp, e.vkey)
			}
			return cp.Size, cp.Root
		}
		size1, root1 := head()
		mine := e.entries(e.orgA.ID, audit.Filter{})
		e.seed()
		size2, root2 := head()
		if size2 <= size1 {
			t.Fatalf("sizes %d then %d", size1, size2)
		}
		for _, en := range mine {
			for _, c := range []struct {
				size int64
				root tlog.Hash
			}{{size1, root1}, {size2, root2}} {
				q := "index=" + strconv.FormatInt(en.Index, 10)
				if c.size != size2 {
					q += "&size=" + strconv.FormatInt(c.size, 10)
				}
				var p InclusionProof
				e.getJSON("/api/v1/audit/proofs/inclusion?"+q, tok, 200, &p)
				leaf, proof := decodeHash(t, p.LeafHash), decodeProof(t, p.Proof)
				if leaf != leafHash(en) || p.TreeSize != c.size || p.Index != en.Index {
					t.Fatalf("%s: proof %+v for entry %+v", q, p, en)
				}
				if err := tlog.CheckRecord(proof, c.size, c.root, en.Index, leaf); err != nil {
					t.Fatalf("%s: inclusion proof does not check: %v", q, err)
				}
				if (c.size == size2) != (p.RootHash == root2.String()) {
					t.Fatalf("%s: root hash %q", q, p.RootHash)
				}
			}
		}
		for _, q := range []string{"old=" + strconv.FormatInt(size1, 10), "old=" + strconv.FormatInt(size1, 10) + "&new=" + strconv.FormatInt(size2, 10)} {
			var c ConsistencyProof
			e.getJSON("/api/v1/audit/proofs/consistency?"+q, tok, 200, &c)
			if c.OldSize != size1 || c.NewSize != size2 || c.NewRootHash != root2.String() {
				t.Fatalf("%s: %+v", q, c)
			}
			if err := tlog.CheckTree(decodeProof(t, c.Proof), size2, root2, size1, root1); err != nil {
				t.Fatalf("%s: consistency proof does not check: %v", q, err)
			}
		}
		// A proof against a tampered root fails, so the checks above mean something.
		var c ConsistencyProof
		e.getJSON("/api/v1/audit/proofs/consistency?old=1&new="+strconv.FormatInt(size1, 10), tok, 200, &c)
		if tlog.CheckTree(decodeProof(t, c.Proof), size1, root2, 1, root1) == nil {
			t.Fatal("consistency proof checks against the wrong root")
		}
		// Proofs reveal only hashes and are not recorded as reads.
		if reads := e.entries(e.orgA.ID, audit.Filter{Action: "audit.read"}); len(reads) != 0 {
			t.Errorf("proofs recorded as reads: %d", len(reads))
		}
	})
}

func decodeHash(t *testing.T, s string) tlog.Hash {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != tlog.HashSize {
		t.Fatalf("hash %q: %v", s, err)
	}
	return tlog.Hash(b)
}

func decodeProof(t *testing.T, ss []string) []tlog.Hash {
	t.Helper()
	out := make([]tlog.Hash, len(ss))
	for i, s := range ss {
		out[i] = decodeHash(t, s)
	}
	return out
}

func TestAPIBadParameters(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.seed()
		tok := e.token(e.adminA, "admin")
		var th TreeHead
		e.getJSON("/api/v1/audit/tree-head", tok, 200, &th)
		over := strconv.FormatInt(th.Size+1, 10)
		for _, c := range []struct{ path, field string }{
			{"/api/v1/audit/entries?from=2025-02-30", "from"},
			{"/api/v1/audit/entries?from=yesterday", "from"},
			{"/api/v1/audit/entries?to=2025-13-01", "to"},
			{"/api/v1/audit/entries?to=2025-03-01T25:00:00Z", "to"},
			{"/api/v1/audit/entries?from=2025-03-02&to=2025-03-01", "to"},
			{"/api/v1/audit/entries?from=2025-03-02T00:00:00Z&to=2025-03-02T00:00:00Z", "to"},
			{"/api/v1/audit/entries?limit=0", "limit"},
			{"/api/v1/audit/entries?limit=201", "limit"},
			{"/api/v1/audit/entries?limit=ten", "limit"},
			{"/api/v1/audit/entries?cursor=not-a-cursor", "cursor"},
			{"/api/v1/audit/entries?resource=user", "resource"},
			{"/api/v1/audit/entries?actor=a&actor=b", "actor"},
			{"/api/v1/audit/entries?action=" + strings.Repeat("x", 201), "action"},
			{"/api/v1/audit/entries/abc", "index"},
			{"/api/v1/audit/entries/-1", "index"},
			{"/api/v1/audit/entries/99999999999999999999", "index"},
			{"/api/v1/audit/entries/1?verbose=1", "verbose"},
			{"/api/v1/audit/tree-head?size=1", "size"},
			{"/api/v1/audit/proofs/inclusion", "index"},
			{"/api/v1/audit/proofs/inclusion?index=-1", "index"},
			{"/api/v1/audit/proofs/inclusion?index=1.5", "index"},
			{"/api/v1/audit/proofs/inclusion?index=1&size=0", "size"},
			{"/api/v1/audit/proofs/inclusion?index=1&size=" + over, "size"},
			{"/api/v1/audit/proofs/inclusion?index=1&size=9223372036854775808", "size"},
			{"/api/v1/audit/proofs/inclusion?index=3&size=3", "index"},
			{"/api/v1/audit/proofs/inclusion?index=" + over, "index"},
			{"/api/v1/audit/proofs/inclusion?index=1&old=1", "old"},
			{"/api/v1/audit/proofs/consistency", "old"},
			{"/api/v1/audit/proofs/consistency?old=abc", "old"},
			{"/api/v1/audit/proofs/consistency?old=0", "old"},
			{"/api/v1/audit/proofs/consistency?old=3&new=2", "old"},
			{"/api/v1/audit/proofs/consistency?old=1&new=" + over, "new"},
			{"/api/v1/audit/proofs/consistency?old=1&new=", "new"},
		} {
			var p web.ProblemDetails
			r := e.getJSON(c.path, tok, 400, &p)
			if r.header.Get("Content-Type") != "application/problem+json" || p.Status != 400 || p.Code != "invalid" ||
				len(p.Errors) == 0 || p.Errors[0].Field != c.field || !strings.Contains(p.Detail, c.field) {
				t.Errorf("%s: want a 400 problem naming %s, got %s", c.path, c.field, r.body)
			}
		}
		// Well-formed but absent: not found.
		e.getJSON("/api/v1/audit/entries/"+over, tok, 404, nil)
		e.getJSON("/api/v1/audit/entries/9223372036854775807", tok, 404, nil)
		// A malformed query string is refused by the shell before any handler.
		if r := e.get("/api/v1/audit/entries?from=%zz", "Bearer "+tok); r.status != 400 {
			t.Errorf("malformed query: %d %s", r.status, r.body)
		}
	})
}

func TestAPIDocumented(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	doc := e.srv.API().Document()
	undocumented, unrouted := web.CheckAPIDocumented(e.srv.Router(), doc)
	if len(undocumented) > 0 || len(unrouted) > 0 {
		t.Fatalf("undocumented %v, unrouted %v", undocumented, unrouted)
	}
	n := 0
	for path, methods := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/audit/") {
			continue
		}
		for method, op := range methods {
			n++
			if op.Summary == "" || op.Description == "" || op.OperationID == "" || !slices.Equal(op.Tags, []string{"audit"}) ||
				len(op.Security) != 1 || !slices.Equal(op.Security[0]["bearer"], []string{"admin"}) {
				t.Errorf("%s %s: incomplete documentation %+v", method, path, op)
			}
			if _, ok := op.Responses["200"]; !ok {
				t.Errorf("%s %s: no 200 response", method, path)
			}
		}
	}
	if n != 5 {
		t.Errorf("%d audit operations documented, want 5", n)
	}
}
