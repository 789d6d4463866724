package services

import (
	"testing"
	"time"
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
