package pades

import (
	"strings"
)

// Text in a signature box is laid out to be read, not clipped: lines are
// wrapped at word boundaries to the box's width and the largest size from
// maxText down to minText that lets them all fit is chosen. Below minText
// (about 7 points) print stops being readable, so a box too small for its
// lines keeps that size and gives the text the room first.
const (
	maxText = 10.0
	minText = 7.0
	leading = 1.2
)

// wrap breaks each line at spaces so none is wider than width at size; a
// single word wider than the box is broken between letters.
func wrap(lines []string, width, size float64) []string {
	var out []string
	for _, line := range lines {
		cur := ""
		for _, word := range strings.Fields(line) {
			try := word
			if cur != "" {
				try = cur + " " + word
			}
			if textWidth(try, size) <= width {
				cur = try
				continue
			}
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			for _, r := range word {
				if cur != "" && textWidth(cur+string(r), size) > width {
					out = append(out, cur)
					cur = ""
				}
				cur += string(r)
			}
		}
		out = append(out, cur)
	}
	return out
}

// layout picks the size and wrapped lines for text in a box width by
// height (the room the text may take); fits says whether it all fits.
func layout(lines []string, width, height, largest float64) (size float64, out []string, fits bool) {
	for size = largest; size >= minText; size -= 0.5 {
		out = wrap(lines, width, size)
		if float64(len(out))*size*leading <= height {
			return size, out, true
		}
	}
	return minText, wrap(lines, width, minText), false
}
