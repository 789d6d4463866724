package notify

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
)

// Text message counting. A text in the GSM-7 alphabet takes 160
// characters in one fragment, or 153 a fragment when it is split (the
// rest carries the joining header); the extension characters ^ { } \ [ ~ ]
// | € count twice. Anything else needs UCS-2: 70 in one fragment, 67 a
// fragment when split, each character outside the Basic Multilingual
// Plane (an emoji) counting twice.

const (
	// SMSMaxChars is the longest text message Notify sends (six fragments of 153).
	SMSMaxChars = 918
	// SMSDefaultPence is the default cost of one fragment, in pence, when
	// the council has not set its own (DBTP_POST_SMS_PENCE).
	SMSDefaultPence = 1.97
)

const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

const gsmExtended = "^{}\\[~]|€\f"

var gsmSet = func() map[rune]int {
	m := map[rune]int{}
	for _, r := range gsmBasic {
		m[r] = 1
	}
	for _, r := range gsmExtended {
		m[r] = 2
	}
	return m
}()

// downgrade maps characters people paste from word processors to the
// GSM-7 ones they stand for, so curly quotes alone never make a text
// cost more than twice as much. "" removes the character.
var downgrade = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '′': "'", '`': "'",
	'“': `"`, '”': `"`, '„': `"`, '″': `"`,
	'–': "-", '—': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-",
	'…':      "...",
	'\u00a0': " ", '\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202f': " ", '\t': " ",
	'\u200b': "", '\u200c': "", '\u200d': "", '\u2060': "", '\ufeff': "",
}

// SMSCount is a text message as it will be sent and what it costs in
// fragments.
type SMSCount struct {
	Text      string // the text after downgrading (unchanged when it needs Unicode)
	Chars     int    // characters as counted for its encoding
	Fragments int
	Unicode   bool
}

// CountSMS counts a text message's characters and fragments. When every
// character is GSM-7 once pasted punctuation is downgraded, the message
// is sent downgraded; otherwise it is sent as written, in Unicode.
func CountSMS(text string) SMSCount {
	var b strings.Builder
	gsm := true
	for _, r := range text {
		if s, ok := downgrade[r]; ok {
			b.WriteString(s)
			continue
		}
		if gsmSet[r] == 0 {
			gsm = false
			break
		}
		b.WriteRune(r)
	}
	if gsm {
		out := b.String()
		n := 0
		for _, r := range out {
			n += gsmSet[r]
		}
		return SMSCount{Text: out, Chars: n, Fragments: fragments(n, 160, 153)}
	}
	n := len(utf16.Encode([]rune(text)))
	return SMSCount{Text: text, Chars: n, Fragments: fragments(n, 70, 67), Unicode: true}
}

func fragments(n, single, multi int) int {
	switch {
	case n == 0:
		return 0
	case n <= single:
		return 1
	}
	return (n + multi - 1) / multi
}

// SMSTooLong is Notify's words for a text message over SMSMaxChars.
func SMSTooLong(chars int) string {
	return fmt.Sprintf("Text messages cannot be longer than %d characters. Your message is %d characters long.", SMSMaxChars, chars)
}

// CostPence is what fragments cost at pence a fragment, to a hundredth
// of a penny.
func CostPence(fragments int, pence float64) float64 {
	return math.Round(float64(fragments)*pence*100) / 100
}
