package pades

import (
	"strings"
	"testing"
)

// The lines of a signature box wrap to its width and shrink no smaller
// than minText; with a drawing they leave it at least a quarter of the box.
func TestAppearanceLayout(t *testing.T) {
	lines := []string{"Dana Director", "Signed electronically 29 Nov 2026 10:31 UTC", "Identified by: signed in to Kent County Council's staff account"}
	for _, c := range []struct {
		w, room float64
	}{{200, 64 - 6}, {200, 64*0.75 - 6}} {
		size, out, fits := layout(lines, c.w-8, c.room, maxText)
		if !fits || size < minText {
			t.Fatalf("box %v: size %v, fits %v", c, size, fits)
		}
		if got := strings.Join(out, " "); got != strings.Join(lines, " ") {
			t.Fatalf("wrapped text lost words: %q", got)
		}
		for _, l := range out {
			if textWidth(l, size) > c.w-8 {
				t.Fatalf("line %q is %v wide at %v points: wider than the box", l, textWidth(l, size), size)
			}
		}
	}
	if size, _, fits := layout(lines, 60, 10, maxText); fits || size != minText {
		t.Fatalf("a box too small: size %v, fits %v", size, fits)
	}
}
