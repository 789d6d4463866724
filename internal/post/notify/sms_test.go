package notify

import (
	"strings"
	"testing"
)

func TestCountSMS(t *testing.T) {
	for _, c := range []struct {
		text         string
		chars, frags int
		unicode      bool
		sent         string
	}{
		{"", 0, 0, false, ""},
		{strings.Repeat("a", 160), 160, 1, false, ""},
		{strings.Repeat("a", 161), 161, 2, false, ""},
		{strings.Repeat("a", 306), 306, 2, false, ""},
		{strings.Repeat("a", 307), 307, 3, false, ""},
		{"€[]", 6, 1, false, ""},                                     // extension characters count twice
		{"It’s “here” – now…", 20, 1, false, `It's "here" - now...`}, // pasted punctuation is downgraded
		{strings.Repeat("ŵ", 70), 70, 1, true, ""},                   // Welsh needs Unicode
		{strings.Repeat("ŵ", 71), 71, 2, true, ""},
		{strings.Repeat("ŵ", 134), 134, 2, true, ""},
		{strings.Repeat("ŵ", 135), 135, 3, true, ""},
		{"Hi 😀", 5, 1, true, ""}, // an emoji is two UCS-2 units
	} {
		got := CountSMS(c.text)
		if got.Chars != c.chars || got.Fragments != c.frags || got.Unicode != c.unicode {
			t.Errorf("%q: got %d chars %d fragments unicode %v, want %d %d %v", c.text, got.Chars, got.Fragments, got.Unicode, c.chars, c.frags, c.unicode)
		}
		if c.sent != "" && got.Text != c.sent {
			t.Errorf("%q sent as %q, want %q", c.text, got.Text, c.sent)
		}
	}
}

func TestRenderSMSCounts(t *testing.T) {
	r, err := Render("sms", "", "Hi ((name)), your ref is ((ref))", map[string]any{"name": "Siân", "ref": 12})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hi Siân, your ref is 12" || !r.Unicode || r.Fragments != 1 || r.Chars != 23 {
		t.Fatalf("%+v", r)
	}
	if CostPence(3, 1.97) != 5.91 {
		t.Fatal(CostPence(3, 1.97))
	}
	if !strings.Contains(SMSTooLong(920), "918") {
		t.Fatal(SMSTooLong(920))
	}
}

func FuzzCountSMS(f *testing.F) {
	f.Add("hello")
	f.Add("€ŵ😀“x”")
	f.Fuzz(func(t *testing.T, s string) {
		c := CountSMS(s)
		if c.Chars < 0 || (c.Chars == 0) != (c.Fragments == 0) {
			t.Fatalf("%q: %+v", s, c)
		}
		per := 153
		if c.Unicode {
			per = 67
		}
		if c.Fragments > 1 && (c.Fragments-1)*per >= c.Chars {
			t.Fatalf("%q: too many fragments %+v", s, c)
		}
	})
}
