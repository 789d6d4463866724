package records

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// setText stores a document's extracted text as the extraction job does.
func (e *env) setText(d *Document, body string) {
	e.t.Helper()
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error { return e.rs.SetText(e.ctx, tx, d.OrgID, d.ID, body) }))
}

// search runs q as sub and returns the titles found, in order.
func (e *env) search(sub *platform.Subject, q Query) ([]string, Results) {
	e.t.Helper()
	res, err := e.rs.Search(e.ctx, sub, q)
	noErr(e.t, err)
	var titles []string
	for _, h := range res.Hits {
		titles = append(titles, h.Title)
	}
	return titles, res
}

func (e *env) want(sub *platform.Subject, text string, titles ...string) {
	e.t.Helper()
	got, _ := e.search(sub, Query{Text: text, Order: OrderNewest})
	slices.Sort(got)
	slices.Sort(titles)
	if !slices.Equal(got, titles) {
		e.t.Errorf("%s searching %q found %q, want %q", sub.Name, text, got, titles)
	}
}

// TestSearchFinds: words are found in the text, the title, the people's
// names, the case reference, the tags and the file name, as the start of
// a word in any order and case; quotes make a phrase; the snippet and the
// title say where, as plain text.
func TestSearchFinds(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		care, err := e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.02").ID, Title: "Care plan review", UnitID: e.units["Adults"],
			Subjects: []Person{{Name: "John Smith", BirthDate: "1941-05-02"}}, CaseRef: "ADM-2026-000123", Tags: []string{"Hospital discharge"}},
			Name: "q3_visit-notes.docx", MediaType: "text/plain", Content: strings.NewReader("x")})
		noErr(t, err)
		e.setText(care, "Visited Mrs Janet O’Brien at home.\nShe needs a home care package <script>alert(1)</script> & more support from Zoë.")
		inv := e.file(e.mel, "FIN.01.01", "Invoice 4471", "Finance", platform.Official, "x")
		e.setText(inv, "Gritting salt delivered to the Bramley depot by Acme Ltd. Interdepartmentalisation charge.")
		e.file(e.mel, "FIN.01.01", "Invoice without text", "Finance", platform.Official, "x")

		if db.Dialect() == store.SQLite {
			// FTS5 folds diacritics; PostgreSQL's 'simple' does not.
			e.want(e.rosa, "zoe", "Care plan review")
		}
		for text, want := range map[string][]string{
			"janet":              {"Care plan review"},
			"JAN o'bri":          {"Care plan review"},
			"o’brien":            {"Care plan review"},
			"zoë":                {"Care plan review"},
			"plan care":          {"Care plan review"},
			"smi":                {"Care plan review"},
			"John Smith":         {"Care plan review"},
			"ADM-2026-000123":    {"Care plan review"},
			"adm 2026 000123":    {"Care plan review"},
			"000123":             {"Care plan review"},
			"discharge":          {"Care plan review"},
			"visit-notes":        {"Care plan review"},
			"q3":                 {"Care plan review"},
			`"home care"`:        {"Care plan review"},
			`"care home"`:        nil,
			"gritt":              {"Invoice 4471"},
			"ritting":            nil,
			"invoice":            {"Invoice 4471", "Invoice without text"},
			"invoice 4471 acme":  {"Invoice 4471"},
			"invoice bramley zz": nil,
			"script":             {"Care plan review"},
			// A word typed finds the words it starts, whatever its length
			// up to the prefix indexes' 16 characters, on both engines;
			// a longer one is cut to its first 16 (parseTerms).
			"delivered":            {"Invoice 4471"},
			"deliverers":           nil,
			"interdepartmental":    {"Invoice 4471"},
			"interdepartmentalism": {"Invoice 4471"}, // "interdepartmenta"
			"interdepartmentally":  {"Invoice 4471"},
			`"interdepartmental"`:  nil, // quoted: the whole word
		} {
			e.want(e.rosa, text, want...)
		}

		_, res := e.search(e.ann, Query{Text: "janet package"})
		if len(res.Hits) != 1 || res.Total != 1 || res.More || res.Order != OrderRelevance {
			t.Fatalf("results %+v", res)
		}
		h := res.Hits[0]
		var marked []string
		var text strings.Builder
		for _, f := range h.Snippet {
			text.WriteString(f.Text)
			if f.Match {
				marked = append(marked, f.Text)
			}
		}
		if !slices.Equal(marked, []string{"Janet", "package"}) || !strings.Contains(text.String(), "Visited Mrs Janet O’Brien at home. She needs") {
			t.Fatalf("snippet %+v", h.Snippet)
		}
		// The snippet is text for the page to escape, never markup of
		// dbtp's own: what the document holds comes back as it is.
		if !strings.Contains(text.String(), "<script>alert(1)</script> &") {
			t.Fatalf("snippet text %q", text.String())
		}
		_, res = e.search(e.ann, Query{Text: "plan"})
		if len(res.Hits) != 1 || len(res.Hits[0].TitleMarks) != 3 || !res.Hits[0].TitleMarks[1].Match || res.Hits[0].TitleMarks[1].Text != "plan" {
			t.Fatalf("title marks %+v", res.Hits[0].TitleMarks)
		}
		// A word cut to 16 characters marks what the engines found.
		_, res = e.search(e.mel, Query{Text: "interdepartmentalism"})
		if len(res.Hits) != 1 || !slices.ContainsFunc(res.Hits[0].Snippet, func(f Fragment) bool { return f.Match && f.Text == "Interdepartmentalisation" }) {
			t.Fatalf("snippet of a long word %+v", res.Hits)
		}
		// With no match in the text, the snippet is its start.
		_, res = e.search(e.mel, Query{Text: "4471"})
		if len(res.Hits) != 1 || len(res.Hits[0].Snippet) != 1 || !strings.HasPrefix(res.Hits[0].Snippet[0].Text, "Gritting salt") {
			t.Fatalf("snippet without a match %+v", res.Hits)
		}
	})
}

// TestSearchRanks: ordered by relevance, a word in the title weighs more
// than the same word once in a long text; ordered by newest, the newest
// comes first.
func TestSearchRanks(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		titled := e.file(e.ann, "ADM.01.02", "Safeguarding referral", "Adults", platform.Official, "x")
		e.setText(titled, "Notes of a visit.")
		e.clock.Add(time.Hour)
		body := e.file(e.ann, "ADM.01.02", "Visit notes", "Adults", platform.Official, "x")
		e.setText(body, "A long note about the visit, the house, the garden and the weather; safeguarding was mentioned once. "+strings.Repeat("More words about other things. ", 40))
		got, _ := e.search(e.ann, Query{Text: "safeguarding"})
		if !slices.Equal(got, []string{"Safeguarding referral", "Visit notes"}) {
			t.Fatalf("by relevance %q", got)
		}
		got, _ = e.search(e.ann, Query{Text: "safeguarding", Order: OrderNewest})
		if !slices.Equal(got, []string{"Visit notes", "Safeguarding referral"}) {
			t.Fatalf("by newest %q", got)
		}
		_, err := e.rs.Search(e.ctx, e.ann, Query{Text: "x", Order: "oldest"})
		wantField(t, err, "order")
	})
}

// TestSearchFiltersAndFacets: each filter narrows the results, and the
// facets count what is found by class (rolled up the file plan), unit,
// classification, declaration and year.
func TestSearchFiltersAndFacets(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.clock.Set(time.Date(2025, 6, 1, 9, 0, 0, 0, time.UTC))
		a := e.file(e.ann, "ADM.01.02", "Budget care plan", "Adults", platform.OfficialSensitive, "x")
		e.setText(a, "budget")
		_, err := e.rs.Declare(e.ctx, e.ann, a.ID)
		noErr(t, err)
		e.clock.Set(start)
		_, err = e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.01").ID, Title: "Referral budget", UnitID: e.units["Adults"],
			Tags: []string{"Urgent"}}, Name: "r.txt", MediaType: "text/plain", Content: strings.NewReader("x"), Source: SourceEmail})
		noErr(t, err)
		e.file(e.mel, "FIN.01.01", "Budget monitoring", "Finance", platform.Official, "x")
		e.file(e.mel, "FIN.01.01", "Unrelated invoice", "Finance", platform.Official, "x")

		titles := func(q Query) []string {
			q.Order = OrderNewest
			got, _ := e.search(e.rosa, q)
			slices.Sort(got)
			return got
		}
		for name, c := range map[string]struct {
			q    Query
			want []string
		}{
			"all":            {Query{Text: "budget"}, []string{"Budget care plan", "Budget monitoring", "Referral budget"}},
			"function":       {Query{Text: "budget", ClassID: e.class("ADM").ID}, []string{"Budget care plan", "Referral budget"}},
			"transaction":    {Query{Text: "budget", ClassID: e.class("ADM.01.01").ID}, []string{"Referral budget"}},
			"unit":           {Query{Text: "budget", UnitID: e.units["Finance"]}, []string{"Budget monitoring"}},
			"classification": {Query{Text: "budget", Classification: platform.OfficialSensitive}, []string{"Budget care plan"}},
			"records":        {Query{Text: "budget", Records: "yes"}, []string{"Budget care plan"}},
			"not declared":   {Query{Text: "budget", Records: "no"}, []string{"Budget monitoring", "Referral budget"}},
			"from":           {Query{Text: "budget", From: start.Add(-time.Hour)}, []string{"Budget monitoring", "Referral budget"}},
			"to":             {Query{Text: "budget", To: start.Add(-time.Hour)}, []string{"Budget care plan"}},
			"author":         {Query{Text: "budget", AuthorID: e.mel.UserID}, []string{"Budget monitoring"}},
			"tag":            {Query{Text: "budget", Tag: " URGENT "}, []string{"Referral budget"}},
			"source":         {Query{Text: "budget", Source: SourceEmail}, []string{"Referral budget"}},
			"no words":       {Query{UnitID: e.units["Finance"]}, []string{"Budget monitoring", "Unrelated invoice"}},
			"none":           {Query{Text: "budget", UnitID: e.units["Finance"], Records: "yes"}, nil},
		} {
			if got := titles(c.q); !slices.Equal(got, c.want) {
				t.Errorf("%s: found %q, want %q", name, got, c.want)
			}
		}

		_, res := e.search(e.rosa, Query{Text: "budget"})
		f := res.Facets
		if res.Total != 3 || res.More {
			t.Fatalf("total %d", res.Total)
		}
		counts := func(vs []FacetValue) map[string]int {
			m := map[string]int{}
			for _, v := range vs {
				m[v.Value] = v.Count
			}
			return m
		}
		cl := counts(f.Classes)
		if cl[e.class("ADM").ID] != 2 || cl[e.class("ADM.01").ID] != 2 || cl[e.class("ADM.01.01").ID] != 1 || cl[e.class("ADM.01.02").ID] != 1 ||
			cl[e.class("FIN").ID] != 1 || cl[e.class("FIN.01.01").ID] != 1 || len(cl) != 7 {
			t.Errorf("class facet %+v", f.Classes)
		}
		if f.Classes[0].Label != "ADM Adult social care" || f.Classes[0].Level != LevelFunction {
			t.Errorf("first class %+v", f.Classes[0])
		}
		if u := counts(f.Units); u[e.units["Adults"]] != 2 || u[e.units["Finance"]] != 1 || len(u) != 2 || f.Units[0].Value != e.units["Adults"] {
			t.Errorf("unit facet %+v", f.Units)
		}
		if m := counts(f.Classifications); m["OFFICIAL"] != 2 || m["OFFICIAL-SENSITIVE"] != 1 {
			t.Errorf("classification facet %+v", f.Classifications)
		}
		if r := counts(f.Records); r["yes"] != 1 || r["no"] != 2 {
			t.Errorf("records facet %+v", f.Records)
		}
		if y := f.Years; len(y) != 2 || y[0].Value != "2026" || y[0].Count != 2 || y[1].Value != "2025" || y[1].Count != 1 {
			t.Errorf("year facet %+v", f.Years)
		}
		// Facets follow the filters.
		_, res = e.search(e.rosa, Query{Text: "budget", Records: "no"})
		if y := res.Facets.Years; res.Total != 2 || len(y) != 1 || y[0].Count != 2 {
			t.Errorf("filtered facets %+v", res.Facets)
		}

		_, err = e.rs.Search(e.ctx, e.rosa, Query{ClassID: "rcl_nope", Records: "maybe", Classification: "SECRET", Source: "fax",
			From: start, To: start.Add(-time.Hour)})
		for _, f := range []string{"class", "records", "classification", "source", "to"} {
			wantField(t, err, f)
		}
	})
}

// TestSearchHidesWhatCannotBeRead: where the only match is a document the
// searcher may not read (another unit's, an OFFICIAL-SENSITIVE one, a
// resident, another organisation's administrator), nothing of it shows:
// no hit, no count in the total or the facets, no snippet; and where it
// matches beside one they may read, only that one is counted.
func TestSearchHidesWhatCannotBeRead(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		hidden := e.file(e.ann, "ADM.01.02", "Safeguarding strategy meeting", "Adults", platform.OfficialSensitive, "x")
		e.setText(hidden, "Concerns about Xanthe Quibble raised by the school.")
		open := e.file(e.rosa, "GEN.01.01", "Quarterly newsletter", "", platform.Official, "x")
		e.setText(open, "Spending on school transport.")
		for _, who := range []*platform.Subject{e.cal, e.sid, e.rita, e.other} {
			for _, q := range []Query{{Text: "xanthe"}, {Text: "quibble safeguarding", Order: OrderNewest}, {Text: "strategy"}, {Text: "Xanthe", Classification: platform.OfficialSensitive}} {
				res, err := e.rs.Search(e.ctx, who, q)
				if err != nil && platform.CodeOf(err) != platform.CodeForbidden {
					t.Fatal(err)
				}
				if len(res.Hits) != 0 || res.Total != 0 || res.More || len(res.Facets.Classes)+len(res.Facets.Units)+len(res.Facets.Classifications)+
					len(res.Facets.Records)+len(res.Facets.Years) != 0 {
					t.Errorf("%s searching %+v: %+v", who.Name, q, res)
				}
			}
			// "school" is in both: only the one they may read counts.
			res, err := e.rs.Search(e.ctx, who, Query{Text: "school"})
			noErr(t, err)
			wantTotal := 0
			if who == e.cal || who == e.sid {
				wantTotal = 1 // the council's OFFICIAL newsletter, of no unit
			}
			if res.Total != wantTotal || len(res.Hits) != wantTotal {
				t.Errorf("%s searching school: total %d, hits %d", who.Name, res.Total, len(res.Hits))
			}
			for _, h := range res.Hits {
				if h.ID == hidden.ID {
					t.Errorf("%s found the hidden document", who.Name)
				}
			}
			for _, v := range res.Facets.Classifications {
				if v.Value == string(platform.OfficialSensitive) {
					t.Errorf("%s: facets count the hidden document", who.Name)
				}
			}
		}
		for _, who := range []*platform.Subject{e.ann, e.rosa, e.admin} {
			if got, _ := e.search(who, Query{Text: "xanthe"}); len(got) != 1 {
				t.Errorf("%s does not find what they may read: %q", who.Name, got)
			}
		}
	})
}

// TestSearchInputIsWords: quotes, operators, SQL, NUL and bytes that are
// not UTF-8 are words or separators, never query syntax, on both engines.
func TestSearchInputIsWords(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.ann, "ADM.01.02", "Drop-in session notes", "Adults", platform.Official, "x")
		e.setText(d, `Near the table: drop everything, "quoted" words, a* b- 100%_ done. Janet's NOT OR AND`)
		for text, found := range map[string]bool{
			"'; DROP TABLE records_documents; --": false, // "records" and "documents" are not in it
			"'; DROP TABLE":                       true,
			"NEAR(":                               true,
			"near( table drop )":                  true,
			"near(table":                          false, // a phrase: "near" then "table"
			"a*":                                  true,
			"b-":                                  true,
			`"`:                                   false,
			`""`:                                  false,
			`"quoted`:                             true,
			`quoted"`:                             true,
			"100%_":                               true,
			"%":                                   false,
			"*":                                   false,
			"janet NOT":                           true,
			"janet OR xyz":                        false,
			"body:janet":                          false,
			"title:drop":                          false,
			"janet:*":                             true,
			"jan & dro":                           true,
			"!jan":                                true,
			"{janet}":                             true,
			`\`:                                   false,
			"\x00janet":                           true,
			"jan\x00et":                           false,
			"jan\xffet":                           false,
			"\xff\xfe":                            false,
			strings.Repeat("janet ", 500):         true,
			strings.Repeat("é", 2000):             false,
		} {
			res, err := e.rs.Search(e.ctx, e.ann, Query{Text: text})
			if err != nil {
				t.Errorf("%q: %v", text, err)
				continue
			}
			if (len(res.Hits) == 1) != found {
				t.Errorf("%q found %d", text, len(res.Hits))
			}
		}
		// The table is still there.
		if got, _ := e.search(e.ann, Query{Text: "drop"}); len(got) != 1 {
			t.Fatal("the document is gone")
		}
	})
}

// TestSearchIndexFollows: the index changes in the transaction of every
// write: new text replaces the old, a failed extraction removes it, a
// title change and a new version's file name are found, and deleted,
// destroyed and transferred documents drop out.
func TestSearchIndexFollows(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d, err := e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.02").ID, Title: "Assessment", UnitID: e.units["Adults"]},
			Name: "scan.txt", MediaType: "text/plain", Content: strings.NewReader("x")})
		noErr(t, err)
		e.want(e.ann, "assessment", "Assessment")
		e.setText(d, "first draft mentions Wellington")
		e.want(e.ann, "wellington", "Assessment")
		e.setText(d, "second draft mentions Nelson")
		e.want(e.ann, "wellington")
		e.want(e.ann, "nelson", "Assessment")
		got, err := e.rs.Document(e.ctx, e.ann, d.ID)
		noErr(t, err)
		if got.TextStatus != TextStatusDone || got.TextError != "" {
			t.Fatalf("text status %q %q", got.TextStatus, got.TextError)
		}
		noErr(t, e.rs.TextFailed(e.ctx, d.ID, "The PDF is protected by a password\x07"))
		e.want(e.ann, "nelson")
		got, _ = e.rs.Document(e.ctx, e.ann, d.ID)
		if got.TextStatus != TextStatusFailed || got.TextError != "The PDF is protected by a password" {
			t.Fatalf("after failing %q %q", got.TextStatus, got.TextError)
		}
		e.want(e.ann, "assessment", "Assessment") // still filed, found by its title
		noErr(t, e.rs.NoText(e.ctx, d.ID))
		e.setText(d, "third")

		_, err = e.rs.UpdateMetadata(e.ctx, e.ann, d.ID, Metadata{ClassID: d.ClassID, Title: "Reassessment", UnitID: d.UnitID, Subjects: []Person{{Name: "Ada Lovelace"}}})
		noErr(t, err)
		e.want(e.ann, "assessment")
		e.want(e.ann, "reassess lovelace", "Reassessment")
		_, err = e.rs.AddVersion(e.ctx, e.ann, d.ID, NewVersion{Name: "signed-copy.pdf", MediaType: "application/pdf", Content: strings.NewReader("y")})
		noErr(t, err)
		e.want(e.ann, "signed copy", "Reassessment")
		e.want(e.ann, "third", "Reassessment") // the old text stays until the new version's is read

		noErr(t, e.rs.Delete(e.ctx, e.rosa, d.ID))
		e.want(e.ann, "reassessment")
		e.want(e.admin, "third")
		wantCode(t, e.db.Write(e.ctx, func(tx *store.Tx) error { return e.rs.SetText(e.ctx, tx, d.OrgID, d.ID, "late") }), platform.CodeNotFound)

		for _, state := range []string{StateDestroyed, StateTransferred} {
			r := e.file(e.ann, "ADM.01.02", "Old record "+state, "Adults", platform.Official, "x")
			e.setText(r, "kept until disposal")
			e.want(e.rosa, "disposal", "Old record "+state)
			// Disposal (another part of the module) changes the state.
			noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(e.ctx, `UPDATE records_documents SET state = ?, disposed_at = ? WHERE id = ?`, state, store.Millis(e.clock.Now()), r.ID)
				return err
			}))
			e.want(e.rosa, "disposal")
			e.want(e.rosa, "old record")
			if _, res := e.search(e.rosa, Query{}); res.Total != 0 {
				t.Fatalf("a %s document is counted: %+v", state, res)
			}
		}
	})
}

// TestSearchPages: cursors walk every match once, in either order; a
// search with words counts, ranks and pages through its pool of the most
// recently filed matches and says when there are more; a search by
// filters alone counts up to its cap; facets count as many as the total.
func TestSearchPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i := range 7 {
			d := e.file(e.mel, "FIN.01.01", "Invoice "+string(rune('A'+i)), "Finance", platform.Official, "x")
			e.setText(d, "payment due")
			e.clock.Add(time.Minute)
		}
		for _, q := range []Query{{Text: "payment", Order: OrderNewest}, {Text: "payment"}, {}} {
			q.Limit = 3
			var seen []string
			for page := 0; page < 5; page++ {
				got, res := e.search(e.mel, q)
				seen = append(seen, got...)
				if res.Next == "" {
					break
				}
				q.After = res.Next
			}
			slices.Sort(seen)
			if len(seen) != 7 || len(slices.Compact(slices.Clone(seen))) != 7 {
				t.Errorf("%+v walked %q", q, seen)
			}
		}
		got, _ := e.search(e.mel, Query{Order: OrderNewest, Limit: 2})
		if !slices.Equal(got, []string{"Invoice G", "Invoice F"}) {
			t.Errorf("newest first %q", got)
		}
		_, err := e.rs.Search(e.ctx, e.mel, Query{Text: "payment", After: "bm9wZQ"})
		wantField(t, err, "cursor")
		_, res := e.search(e.mel, Query{Limit: 3})
		_, err = e.rs.Search(e.ctx, e.mel, Query{Text: "payment", After: res.Next}) // a cursor of a search without words
		wantField(t, err, "cursor")

		defer func(c, p int) { searchCap, searchPool = c, p }(searchCap, searchPool)
		searchCap, searchPool = 5, 4
		for q, want := range map[*Query]int{{Text: "payment"}: 4, {}: 5} {
			_, res = e.search(e.mel, *q)
			sum := 0
			for _, y := range res.Facets.Years {
				sum += y.Count
			}
			if res.Total != want || !res.More || sum != want {
				t.Errorf("%+v past the cap: total %d more %v, facets count %d", q, res.Total, res.More, sum)
			}
		}
		for _, order := range []string{OrderRelevance, OrderNewest} {
			q := Query{Text: "payment", Limit: 3, Order: order}
			n := 0
			for {
				got, res := e.search(e.mel, q)
				n += len(got)
				if res.Next == "" {
					break
				}
				q.After = res.Next
			}
			if n != 4 {
				t.Errorf("by %s, %d matches were paged through, want the pool of 4", order, n)
			}
		}
	})
}

// TestSearchPoolSteps: the pool holds the most recently filed matches
// whichever way it is read: on PostgreSQL a sample of the newest
// documents, then a walk when the words are common or the GIN index when
// they are rare (both forced here with a small sample).
func TestSearchPoolSteps(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var want []string
		for i := range 12 {
			title := fmt.Sprintf("Note %02d", i)
			d := e.file(e.ann, "ADM.01.02", title, "Adults", platform.Official, "x")
			if i%3 == 0 {
				e.setText(d, "the needle is here")
				want = append([]string{title}, want...)
			}
			e.clock.Add(time.Minute)
		}
		defer func(p, s int, d float64) { searchPool, pgSample, pgDense = p, s, d }(searchPool, pgSample, pgDense)
		searchPool, pgSample = 3, 2
		for _, dense := range []float64{0, 2} { // always walk on; never
			pgDense = dense
			got, res := e.search(e.ann, Query{Text: "needle", Order: OrderNewest})
			if !slices.Equal(got, want[:3]) || res.Total != 3 || !res.More {
				t.Errorf("dense %v: found %q (total %d, more %v), want %q", dense, got, res.Total, res.More, want[:3])
			}
		}
		searchPool = 10
		got, res := e.search(e.ann, Query{Text: "needle", Order: OrderNewest})
		if !slices.Equal(got, want) || res.Total != 4 || res.More {
			t.Errorf("found %q (total %d, more %v), want %q", got, res.Total, res.More, want)
		}
	})
}

// TestSearchWholeWordsFirst: past the sample of the newest documents,
// PostgreSQL's index reads whole words first and the longer forms of a
// word (needles for needle) only when whole words do not fill the pool;
// SQLite's pool is the newest matches of either.
func TestSearchWholeWordsFirst(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i := range 12 {
			d := e.file(e.ann, "ADM.01.02", fmt.Sprintf("Note %02d", i), "Adults", platform.Official, "x")
			switch i % 3 {
			case 0:
				e.setText(d, "the needle is here")
			case 1:
				e.setText(d, "the needles are here")
			}
			e.clock.Add(time.Minute)
		}
		defer func(p, s int, d float64) { searchPool, pgSample, pgDense = p, s, d }(searchPool, pgSample, pgDense)
		searchPool, pgSample, pgDense = 3, 2, 2 // the sample is notes 11 and 10, then the index
		want := []string{"Note 10", "Note 09", "Note 07"}
		if db.Dialect() == store.Postgres {
			want = []string{"Note 10", "Note 09", "Note 06"} // note 07 has only "needles"
		}
		got, res := e.search(e.ann, Query{Text: "needle", Order: OrderNewest})
		if !slices.Equal(got, want) || res.Total != 3 || !res.More {
			t.Errorf("a full pool: found %q (total %d, more %v), want %q", got, res.Total, res.More, want)
		}
		searchPool = 10 // whole words (4) do not fill it: the longer forms come in
		got, res = e.search(e.ann, Query{Text: "needle", Order: OrderNewest})
		want = []string{"Note 10", "Note 09", "Note 07", "Note 06", "Note 04", "Note 03", "Note 01", "Note 00"}
		if !slices.Equal(got, want) || res.Total != 8 || res.More {
			t.Errorf("a pool not filled by whole words: found %q (total %d, more %v), want %q", got, res.Total, res.More, want)
		}
	})
}

func TestJSONNames(t *testing.T) {
	b, _ := json.Marshal([]Person{{Name: `Zoë "Zed" O’Brien`, BirthDate: "2001-02-03"}, {Name: "Ann Lee"}})
	if got := jsonNames(string(b)); got != "Zoë \\\"Zed\\\" O’Brien\nAnn Lee\n" {
		t.Fatalf("names %q from %s", got, b)
	}
	m := newMatcher(parseTerms(`zed "ann lee" 2001`))
	if got := m.relevance("Note", string(b), "", `["zed"]`); got != 5+5+1 {
		t.Fatalf("relevance %d", got)
	}
}
