package services

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// textCorpus is what the residents of the test council complained about;
// the i-th is case COMP-2026-00000(i+1).
var textCorpus = []string{
	"Janet Smith · missed bins",
	"Smithson, Janet – noisy neighbours",
	"Zoë O’Brien: pothole on the A38",
	`Near the school: broken * light, "quoted" 'single' 100%_ done (NEAR)`,
	"Jane Doe",
}

// textWant maps what is typed to the cases found (indexes into textCorpus),
// on both engines. Quotes, *, -, NEAR, AND, OR, NOT, column filters and SQL
// are all words or punctuation, never syntax.
var textWant = map[string][]int{
	"jan smi":                 {0, 1},
	"Janet Smith":             {0, 1},
	"smith janet":             {0, 1},
	"JANET":                   {0, 1},
	"jane":                    {0, 1, 4},
	"anet":                    nil, // the start of a word, not any part of it
	"smithy":                  nil,
	"smith, janet!":           {0, 1},
	"comp-2026-000001":        {0},
	"COMP-2026-000003":        {2},
	"comp 2026 000004":        {3},
	"o'brien":                 {2},
	"O’Brien":                 {2},
	"zoë":                     {2},
	"a38":                     {2},
	`"janet`:                  {0, 1},
	`janet"`:                  {0, 1},
	`"jan smi"`:               {0, 1},
	"jan*":                    {0, 1, 4},
	"janet -smith":            {0, 1},
	"janet NOT smith":         nil,
	"NEAR(janet smith)":       nil,
	"near":                    {3},
	"near school":             {3},
	"janet OR jane":           nil,
	"janet AND smith":         nil,
	"' OR 1=1 --":             nil,
	"'; DROP TABLE cases; --": nil,
	"100%_":                   {3},
	"%":                       nil,
	"*":                       nil,
	"-":                       nil,
	`\`:                       nil,
	"'":                       nil,
	`"quoted"`:                {3},
	"summary:janet":           nil,
	"reference:comp":          nil,
	"^janet":                  {0, 1},
	"janet:*":                 {0, 1},
	"jan & smi":               {0, 1},
	"jan | zzz":               nil,
	"!jan":                    {0, 1, 4},
	"{janet}":                 {0, 1},
}

func (e *env) searchRefs(sub *platform.Subject, text string, limit int) ([]string, string) {
	e.t.Helper()
	p, err := e.svc.Search(e.ctx, sub, CaseFilter{Text: text}, "", limit)
	if err != nil {
		e.t.Fatalf("search %q: %v", text, err)
	}
	var refs []string
	for _, c := range p.Cases {
		refs = append(refs, c.Reference)
	}
	slices.Sort(refs)
	return refs, p.Next
}

func ref(i int) string { return "COMP-2026-" + strconv.Itoa(1000001 + i)[1:] }

// foreignCase stores a case of another organisation straight into the table.
func (e *env) foreignCase(orgID, reference, summary string) {
	e.t.Helper()
	c := Case{ID: platform.NewID("case"), OrgID: orgID, Reference: reference, ServiceID: "complaints", ServiceVersion: 1,
		Title: "Make a complaint", State: "stage1", Classification: platform.Official, Summary: summary, Version: 1,
		SubmittedAt: start, UpdatedAt: start, StateEnteredAt: start, DueAt: start, AtRiskAt: start}
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error { return insertCase(e.ctx, tx, &c, []byte(`{}`)) }))
}

func TestTextSearch(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		for _, s := range textCorpus {
			e.submit(e.rita, s)
		}
		for text, want := range textWant {
			var refs []string
			for _, i := range want {
				refs = append(refs, ref(i))
			}
			if got, _ := e.searchRefs(e.cara, text, 50); !slices.Equal(got, refs) {
				t.Errorf("%q found %v, want %v", text, got, refs)
			}
		}
		// unicode61 folds diacritics; PostgreSQL's 'simple' does not.
		zoe := []string(nil)
		if db.Dialect() == store.SQLite {
			zoe = []string{ref(2)}
		}
		if got, _ := e.searchRefs(e.cara, "zoe", 50); !slices.Equal(got, zoe) {
			t.Errorf("zoe found %v, want %v", got, zoe)
		}
		_, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Text: strings.Repeat("a ", 101)}, "", 10)
		wantField(t, err, "text")
	})
}

// The other organisation's cases are neither found nor counted: the SQL
// filters by organisation before the page is cut (no cursor is left behind
// by rows the per-row check would drop), and each side finds only its own.
func TestTextSearchStaysInItsOrganisation(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		for _, s := range textCorpus {
			e.submit(e.rita, s)
		}
		e.foreignCase(e.other.OrgID, "COMP-2026-000001", "Janet Smith · trading account")
		if got, _ := e.searchRefs(e.cara, "janet smith", 50); !slices.Equal(got, []string{ref(0), ref(1)}) {
			t.Fatalf("our caseworker found %v", got)
		}
		if got, _ := e.searchRefs(e.cara, "trading", 50); got != nil {
			t.Fatalf("our caseworker found the other organisation's %v", got)
		}
		if got, next := e.searchRefs(e.other, "jan", 1); !slices.Equal(got, []string{"COMP-2026-000001"}) || next != "" {
			t.Fatalf("the other organisation found %v, cursor %q", got, next)
		}
		if got, next := e.searchRefs(e.other, "missed bins", 1); got != nil || next != "" {
			t.Fatalf("the other organisation found %v, cursor %q", got, next)
		}
	})
}

// The index follows every write to a case in its transaction. A transition
// rewrites the case's row but cannot change its summary: it takes internal
// fields only, and the summary (which the applicant sees, in the API's case
// lists) is made of the answers given at submission. An internal list field
// filled in by a transition is neither summarised nor found. Any other write
// that changes the summary, or deletes the case, changes what is found.
func TestTextSearchFollowsWrites(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := pingPong()
		d.ListFields = []string{"summary", "outcome"}
		e.publish(d)
		c, err := e.svc.Submit(e.ctx, e.rita, "ping", definition.Answers{"summary": "Streetlight out"}, SubmitOptions{})
		noErr(t, err)
		c, err = e.svc.Transition(e.ctx, e.cara, c.ID, "wait", c.Version, definition.Answers{"outcome": "Wibble contractor"})
		noErr(t, err)
		if got, _ := e.searchRefs(e.cara, "street", 10); !slices.Equal(got, []string{c.Reference}) {
			t.Fatalf("after a transition found %v", got)
		}
		if got, _ := e.searchRefs(e.cara, "wibble", 10); got != nil {
			t.Fatalf("an internal answer is found: %v", got)
		}
		if c.Summary != "Streetlight out" {
			t.Fatalf("summary %q", c.Summary)
		}
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE cases SET summary = ? WHERE id = ?", "Zebedee fixed the lamp", c.ID)
			return err
		}))
		if got, _ := e.searchRefs(e.cara, "streetlight", 10); got != nil {
			t.Fatalf("the old summary is still found: %v", got)
		}
		if got, _ := e.searchRefs(e.cara, "zeb lamp", 10); !slices.Equal(got, []string{c.Reference}) {
			t.Fatalf("the new summary is not found: %v", got)
		}
		// A write that fails leaves the index as it was.
		err = db.Write(e.ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(e.ctx, "UPDATE cases SET summary = ? WHERE id = ?", "Quartz", c.ID); err != nil {
				return err
			}
			return platform.Invalid("changed my mind")
		})
		wantCode(t, err, platform.CodeInvalid)
		if got, _ := e.searchRefs(e.cara, "quartz", 10); got != nil {
			t.Fatalf("a rolled-back summary is found: %v", got)
		}
		if got, _ := e.searchRefs(e.cara, "zebedee", 10); !slices.Equal(got, []string{c.Reference}) {
			t.Fatalf("after a rollback the summary is not found: %v", got)
		}
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "DELETE FROM cases WHERE id = ?", c.ID)
			return err
		}))
		if got, _ := e.searchRefs(e.cara, "zebedee", 10); got != nil {
			t.Fatalf("a deleted case is found: %v", got)
		}
	})
}

// servicesUpTo is the services module's migrations up to version v, as a
// database migrated by an older dbtp has them.
func servicesUpTo(t *testing.T, v int) store.Migrations {
	t.Helper()
	m := fstest.MapFS{}
	for _, d := range []string{"sqlite", "postgres"} {
		entries, err := fs.ReadDir(Migrations.FS, d)
		noErr(t, err)
		for _, en := range entries {
			if n, _ := strconv.Atoi(en.Name()[:4]); n <= v {
				b, err := fs.ReadFile(Migrations.FS, d+"/"+en.Name())
				noErr(t, err)
				m[d+"/"+en.Name()] = &fstest.MapFile{Data: b}
			}
		}
	}
	return store.Migrations{Module: Migrations.Module, FS: m}
}

// Cases stored before the index existed are found once the migration that
// adds it has run.
func TestTextSearchMigrationIndexesExistingCases(t *testing.T) {
	for _, d := range storetest.Engines {
		t.Run(string(d), func(t *testing.T) {
			db := storetest.Open(t, d, []store.Migrations{audit.Migrations, identity.Migrations, servicesUpTo(t, 8)})
			e := newEnv(t, db)
			e.publish(complaints(1))
			if d == store.SQLite {
				// This engine indexes each case it adds on SQLite (0012): a
				// stand-in table takes those rows while cases are stored as an
				// older dbtp stored them, and goes before 0009 makes the index.
				noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(e.ctx, "CREATE TABLE cases_search (reference TEXT, summary TEXT)")
					return err
				}))
			}
			for _, s := range textCorpus {
				e.submit(e.rita, s)
			}
			e.foreignCase(e.other.OrgID, "COMP-2026-000001", "Janet Smith · trading account")
			if d == store.SQLite {
				noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
					_, err := tx.Exec(e.ctx, "DROP TABLE cases_search")
					return err
				}))
			}
			applied, err := db.Migrate(e.ctx, testMods)
			noErr(t, err)
			if len(applied) == 0 || applied[0].Name != "0009_cases_search.sql" { // later migrations may follow
				t.Fatalf("applied %+v", applied)
			}
			for _, text := range []string{"jan smi", "o'brien", "comp 2026 000004", "trading"} {
				var refs []string
				for _, i := range textWant[text] {
					refs = append(refs, ref(i))
				}
				if got, _ := e.searchRefs(e.cara, text, 50); !slices.Equal(got, refs) {
					t.Errorf("%q found %v, want %v", text, got, refs)
				}
			}
			if got, _ := e.searchRefs(e.other, "trading", 50); !slices.Equal(got, []string{"COMP-2026-000001"}) {
				t.Errorf("the other organisation's case is not indexed: %v", got)
			}
			// New cases are indexed too, after the migration.
			c := e.submit(e.ray, "Quentin Blake")
			if got, _ := e.searchRefs(e.cara, "quen bla", 50); !slices.Equal(got, []string{c.Reference}) {
				t.Errorf("a case submitted after the migration: %v", got)
			}
		})
	}
}

// Search splits what was typed with the same expression the PostgreSQL
// index is built with; if the two differ, words are cut differently.
func TestTextSearchPostgresExpressionMatchesMigration(t *testing.T) {
	b, err := fs.ReadFile(Migrations.FS, "postgres/0009_cases_search.sql")
	noErr(t, err)
	if want := pgSearchText("reference || ' ' || summary"); !strings.Contains(string(b), want) {
		t.Fatalf("the migration does not generate the column with\n%s", want)
	}
}

// More matches than maxDrivingHits take the other plan on SQLite (the case
// index walked in order); both plans page by cursor through exactly the
// matching cases, in due order, on both engines.
func TestTextSearchPagesThroughManyMatches(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		const n = maxDrivingHits + 40
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			for i := range n {
				due := start.Add(time.Duration((i*7919)%n) * time.Hour) // due dates out of insertion order
				c := Case{ID: platform.NewID("case"), OrgID: e.org.ID, Reference: fmt.Sprintf("COMP-2026-%06d", i+1), ServiceID: "complaints",
					ServiceVersion: 1, Title: "Make a complaint", State: "stage1", UnitID: e.units["Customer Services"],
					Classification: platform.Official, Summary: fmt.Sprintf("Common complaint %d", i), Version: 1,
					SubmittedAt: start, UpdatedAt: start, StateEnteredAt: start, DueAt: due, AtRiskAt: due}
				if err := insertCase(e.ctx, tx, &c, []byte(`{}`)); err != nil {
					return err
				}
			}
			return nil
		}))
		for _, text := range []string{"common", "common 7", "complaint 12"} {
			want := 0
			for i := range n {
				if wordsStartWith(fmt.Sprintf("Common complaint %d", i), searchWords(text)) {
					want++
				}
			}
			seen := map[string]bool{}
			var lastDue time.Time
			cursor := ""
			for pages := 0; ; pages++ {
				p, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Text: text, OpenOnly: true}, cursor, 50)
				noErr(t, err)
				for _, c := range p.Cases {
					if seen[c.ID] || c.DueAt.Before(lastDue) || !wordsStartWith(c.Summary, searchWords(text)) {
						t.Fatalf("%q: page %d: %s (%q, due %v) repeated, out of order or not matching", text, pages, c.Reference, c.Summary, c.DueAt)
					}
					seen[c.ID], lastDue = true, c.DueAt
				}
				if p.Next == "" {
					break
				}
				cursor = p.Next
			}
			if len(seen) != want {
				t.Fatalf("%q: paged through %d cases, want %d", text, len(seen), want)
			}
		}
	})
}

// everyThirdFails records messages through the real outbox and fails every
// third, so that some submissions roll back inside a group commit.
type everyThirdFails struct {
	out *Outbox
	n   atomic.Int64
}

func (f *everyThirdFails) Notify(ctx context.Context, tx *store.Tx, m Message) error {
	if err := f.out.Notify(ctx, tx, m); err != nil {
		return err
	}
	if f.n.Add(1)%3 == 0 {
		return errors.New("post room on fire")
	}
	return nil
}

// On SQLite the cases a group commit adds are indexed together just before
// it commits (migration 0013). With submissions in parallel, some of them
// rolled back within their group, the index must hold exactly the
// committed cases: FTS5's own check compares it with the cases table, and
// each committed case is found by its own word, each failed one by none.
func TestTextIndexHoldsExactlyTheCommittedCases(t *testing.T) {
	db := storetest.Open(t, store.SQLite, testMods)
	e := newEnv(t, db)
	e.svc = New(db, e.log, e.svc.ap, Options{Calendar: weekendCalendar{}, Notifier: &everyThirdFails{out: NewOutbox(db, nil)},
		Clock: e.clock, UnitID: e.id.UnitID, UserExists: e.id.UserExists, Files: e.files})
	e.publish(complaints(1))
	const n = 60
	committed := make([]bool, n)
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 6 {
				_, err := e.svc.Submit(e.ctx, e.rita, "complaints", definition.Answers{"summary": fmt.Sprintf("Complaint word%03d", i)}, SubmitOptions{})
				committed[i] = err == nil
			}
		}()
	}
	wg.Wait()
	failed := 0
	for i, ok := range committed {
		refs, _ := e.searchRefs(e.cara, fmt.Sprintf("word%03d", i), 50)
		if ok != (len(refs) == 1) || len(refs) > 1 {
			t.Errorf("case %d committed %v, found %v", i, ok, refs)
		}
		if !ok {
			failed++
		}
	}
	if failed == 0 || failed == n {
		t.Fatalf("%d of %d submissions failed: the test needs some of each", failed, n)
	}
	noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, "INSERT INTO cases_search (cases_search, rank) VALUES ('integrity-check', 1)")
		return err
	}))
	var cases, indexed int
	noErr(t, db.QueryRow(e.ctx, "SELECT (SELECT COUNT(*) FROM cases), (SELECT COUNT(*) FROM cases_search_docsize)").Scan(&cases, &indexed))
	if cases != n-failed || indexed != cases {
		t.Fatalf("%d cases stored and %d indexed, want %d", cases, indexed, n-failed)
	}
}
