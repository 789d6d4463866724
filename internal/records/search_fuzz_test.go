package records

import (
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store/storetest"
)

// FuzzSearch: whatever is typed, a search on either engine answers
// without an error, never shows a caseworker another unit's document (the
// only one that holds every word of the corpus), and its snippets are
// pieces of the document's own text.
//
//	go test -run '^$' -fuzz '^FuzzSearch$' -fuzztime 30s ./internal/records/
func FuzzSearch(f *testing.F) {
	const body = `Janet O’Brien: "quoted" words, NEAR(a b) * - 100%_ done; ADM-2026-000123 'x' \ zoë`
	var envs []*env
	for _, d := range storetest.Engines {
		e := newEnv(f, storetest.Open(f, d, testMods))
		mine := e.file(e.cal, "CHI.01.01", "Visit notes", "Children's", platform.Official, "x")
		e.setText(mine, body)
		hidden := e.file(e.ann, "ADM.01.02", "Safeguarding notes", "Adults", platform.Official, "x")
		e.setText(hidden, body+" safeguarding")
		envs = append(envs, e)
	}
	for _, s := range []string{"", "janet", `"o brien"`, "o'bri", "adm-2026-000123", "NEAR(", "*", `"`, "' OR 1=1 --", "\x00", "\xff", "zoë",
		"a b c d e f g h i j k l m n", strings.Repeat("x", 2000), "jan & smi | !x <-> y:*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range envs {
			res, err := e.rs.Search(e.ctx, e.cal, Query{Text: text})
			if err != nil {
				t.Fatalf("%s: %q: %v", e.db.Dialect(), text, err)
			}
			if len(res.Hits) > 1 || res.Total > 1 {
				t.Fatalf("%s: %q: found %d of %d", e.db.Dialect(), text, len(res.Hits), res.Total)
			}
			for _, h := range res.Hits {
				var b strings.Builder
				for _, fr := range h.Snippet {
					if fr.Text != "…" {
						b.WriteString(fr.Text)
					}
				}
				if h.Title != "Visit notes" || (b.Len() == 0) != (len(parseTerms(text)) == 0) || !strings.Contains(squeeze(body), b.String()) {
					t.Fatalf("%s: %q: found %q with snippet %q", e.db.Dialect(), text, h.Title, b.String())
				}
			}
		}
	})
}
