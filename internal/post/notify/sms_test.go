package notify

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestCountSMS counts as GOV.UK Notify does: characters of the message
// as sent (what no phone alphabet has sent as "?"), extension characters
// taking two places in GSM-7, Welsh letters GSM-7 lacks making it Unicode.
func TestCountSMS(t *testing.T) {
	for _, c := range []struct {
		name                string
		text                string
		chars, units, frags int
		unicode             bool
		sent                string
		replaced            string
	}{
		{"empty", "", 0, 0, 0, false, "", ""},
		{"one GSM fragment", strings.Repeat("a", 160), 160, 160, 1, false, "", ""},
		{"two GSM fragments", strings.Repeat("a", 161), 161, 161, 2, false, "", ""},
		{"two full", strings.Repeat("a", 306), 306, 306, 2, false, "", ""},
		{"three", strings.Repeat("a", 307), 307, 307, 3, false, "", ""},
		{"extension characters count twice", "€[]", 3, 6, 1, false, "", ""},
		{"80 carets fill one", strings.Repeat("^", 80), 80, 160, 1, false, "", ""},
		{"81 carets take two", strings.Repeat("^", 81), 81, 162, 2, false, "", ""},
		{"a caret tips 160 characters over", "^" + strings.Repeat("a", 159), 160, 161, 2, false, "", ""},
		{"a euro in 153s", strings.Repeat("a", 305) + "€", 306, 307, 3, false, "", ""},
		{"pasted punctuation is plain", "It’s “here” – now…", 20, 20, 1, false, `It's "here" - now...`, ""},
		{"odd spaces", "a\u2002b\u00a0c\u200bd", 6, 6, 1, false, "a b cd", ""},
		{"accents lose their accent", "Wrocław, François, Łukasz Żak", 29, 29, 1, false, "Wroclaw, Francois, Lukasz Zak", ""},
		{"GSM accents stay", "Renée Müller, Ñandù", 19, 19, 1, false, "", ""},
		{"a Welsh accent GSM-7 lacks is kept", "Siôn", 4, 4, 1, true, "", ""},
		{"Welsh ŵ needs Unicode", strings.Repeat("ŵ", 70), 70, 70, 1, true, "", ""},
		{"71 ŵ take two", strings.Repeat("ŵ", 71), 71, 71, 2, true, "", ""},
		{"134 ŷ take two", strings.Repeat("ŷ", 134), 134, 134, 2, true, "", ""},
		{"135 ŷ take three", strings.Repeat("ŷ", 135), 135, 135, 3, true, "", ""},
		{"Welsh words", "Diolch, ŷch chi'n iawn?", 23, 23, 1, true, "", ""},
		{"a euro is one in Unicode", "ŵ€^", 3, 3, 1, true, "", ""},
		{"an emoji is sent as ?", "Hi 😀", 4, 4, 1, false, "Hi ?", "😀"},
		{"an emoji counts once in Unicode", strings.Repeat("ŵ", 69) + "😀", 70, 70, 1, true, strings.Repeat("ŵ", 69) + "?", "😀"},
		{"other scripts are ?", "你好 Привет", 9, 9, 1, false, "?? ??????", "你好Привет"},
	} {
		got := CountSMS(c.text)
		if got.Chars != c.chars || got.Units != c.units || got.Fragments != c.frags || got.Unicode != c.unicode {
			t.Errorf("%s: %q: got %d chars %d units %d fragments unicode %v, want %d %d %d %v", c.name, c.text, got.Chars, got.Units, got.Fragments, got.Unicode,
				c.chars, c.units, c.frags, c.unicode)
		}
		sent := c.sent
		if sent == "" {
			sent = c.text
		}
		if got.Text != sent {
			t.Errorf("%s: sent as %q, want %q", c.name, got.Text, sent)
		}
		if string(got.Replaced) != c.replaced {
			t.Errorf("%s: replaced %q, want %q", c.name, string(got.Replaced), c.replaced)
		}
	}
}

func TestRenderSMSCounts(t *testing.T) {
	r, err := Render("sms", "", "Hi ((name)), your ref is ((ref))", map[string]any{"name": "Siân", "ref": 12})
	if err != nil {
		t.Fatal(err)
	}
	if r.Text != "Hi Siân, your ref is 12" || !r.Unicode || r.Fragments != 1 || r.Chars != 23 || r.Units != 23 {
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
		if c.Chars < 0 || (c.Chars == 0) != (c.Fragments == 0) || c.Units < c.Chars || c.Chars != utf8.RuneCountInString(c.Text) {
			t.Fatalf("%q: %+v", s, c)
		}
		per, single := 153, 160
		if c.Unicode {
			per, single = 67, 70
		}
		if c.Fragments > 1 && ((c.Fragments-1)*per >= c.Units || c.Units <= single) || c.Fragments*per < c.Units && c.Units > single {
			t.Fatalf("%q: wrong fragments %+v", s, c)
		}
		// What is sent is sendable: counted again, it is the same.
		if again := CountSMS(c.Text); again.Text != c.Text || again.Units != c.Units || len(again.Replaced) > 0 && !strings.Contains(c.Text, "?") {
			t.Fatalf("%q: not stable: %+v then %+v", s, c, again)
		}
	})
}
