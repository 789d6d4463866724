package services

import (
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store/storetest"
)

// FuzzDecodeCursor feeds page cursors, which come from URLs, to the decoder:
// it must never panic, and whatever it accepts must name a case ID and
// re-encode to the same cursor.
func FuzzDecodeCursor(f *testing.F) {
	c := Case{ID: "case_01jc3m0000000000000000000a", DueAt: time.UnixMilli(1772442000000).UTC(), SubmittedAt: time.UnixMilli(1772400000000).UTC()}
	f.Add(string(SortDue), encodeCursor(SortDue, "due_at", c))
	f.Add(string(SortNewest), encodeCursor(SortNewest, "submitted_at", c))
	f.Add(string(SortDue), "")
	f.Add(string(SortDue), "ZHVlfDF8eA")
	f.Add(string(SortNewest), "bmV3ZXN0fDY0MzB8Y2FzZV80Y210Y200ZXA0ZXA0ZXA0ZXA0ZXA0ZXA0Y0") // non-canonical final base64 bits
	f.Fuzz(func(t *testing.T, sort, cursor string) {
		k, id, err := decodeCursor(Sort(sort), cursor)
		if err != nil {
			return
		}
		key := "due_at"
		back := Case{ID: id, DueAt: clockTime(k)}
		if Sort(sort) == SortNewest {
			key, back = "submitted_at", Case{ID: id, SubmittedAt: time.UnixMilli(k).UTC()}
		}
		if k == 0 || (Sort(sort) == SortDue && k == noClock) {
			return // zero and "no clock" have more than one spelling in memory
		}
		if got := encodeCursor(Sort(sort), key, back); got != cursor {
			t.Fatalf("cursor %q decoded to (%d, %q) and re-encoded as %q", cursor, k, id, got)
		}
	})
}

// FuzzTextSearch types anything into the search box of a council with the
// cases of textCorpus, on both engines: a search never fails but for being
// too long, and where the text and the case are plain ASCII the cases found
// are exactly those with, for every word typed, a word starting with it.
func FuzzTextSearch(f *testing.F) {
	var envs []*env
	for _, d := range storetest.Engines {
		e := newEnv(f, storetest.Open(f, d, testMods))
		e.publish(complaints(1))
		for _, s := range textCorpus {
			e.submit(e.rita, s)
		}
		envs = append(envs, e)
	}
	for text := range textWant {
		f.Add(text)
	}
	f.Add("")
	f.Add("Résident NEAR/2 \"x\" OR y* -z ^a:b (c) {d e} [f] 'g' `h` \\ % _ ; -- /* */ \x00 \u200b")
	f.Fuzz(func(t *testing.T, text string) {
		for _, e := range envs {
			p, err := e.svc.Search(e.ctx, e.cara, CaseFilter{Text: text}, "", 50)
			if len(strings.TrimSpace(text)) > 200 {
				wantCode(t, err, platform.CodeInvalid)
				continue
			}
			if err != nil {
				t.Fatalf("%s: %q: %v", e.db.Dialect(), text, err)
			}
			if !isASCII(text) || strings.TrimSpace(text) == "" {
				continue // nothing typed does not filter
			}
			found := map[string]bool{}
			for _, c := range p.Cases {
				found[c.Reference] = true
			}
			for i, s := range textCorpus {
				if !isASCII(s) {
					continue
				}
				if want := wordsStartWith(ref(i)+" "+s, searchWords(text)); want != found[ref(i)] {
					t.Fatalf("%s: %q: found %s is %v, want %v", e.db.Dialect(), text, ref(i), found[ref(i)], want)
				}
			}
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// wordsStartWith is the search's meaning, written plainly: every word typed
// starts some word of the text, and something was typed.
func wordsStartWith(text string, typed []string) bool {
	words := searchWords(text)
	for _, w := range typed {
		if !slices.ContainsFunc(words, func(x string) bool { return strings.HasPrefix(x, w) }) {
			return false
		}
	}
	return len(typed) > 0
}

// FuzzRender compares the message placeholders' one-pass fill with the
// strings.Replacer it replaced, which defines what a definition's
// subject and body become: the same text for any template and any values,
// including values that look like placeholders themselves.
func FuzzRender(f *testing.F) {
	f.Add("We have your complaint {{reference}}", "COMP-2026-000001", "Make a complaint", "Stage 1")
	f.Add("{{title}}: {{state}} ({{reference}}){{", "{{state}}", "{{reference}}", "{{title}}")
	f.Add("{{{reference}}}} {{refer {{ {{state", "R", "T", "S")
	f.Add("no placeholders", "R", "T", "S")
	f.Add("{{state}}{{state}}{{title}}é{{reference}}", "", "", "")
	f.Fuzz(func(t *testing.T, text, reference, title, state string) {
		def := &definition.Definition{Title: title, Workflow: definition.Workflow{States: []definition.State{{ID: "s", Label: state}}}}
		c := &Case{Reference: reference, State: "s"}
		want := strings.NewReplacer("{{reference}}", reference, "{{title}}", title, "{{state}}", stateLabel(def, "s")).Replace(text)
		if got := render(text, def, c); got != want {
			t.Fatalf("render(%q) = %q, want %q", text, got, want)
		}
	})
}
