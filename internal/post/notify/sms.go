package notify

import (
	"fmt"
	"math"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Text message counting, as GOV.UK Notify counts and sends them.
//
// A message is first made sendable: GSM-7 characters and the Welsh
// letters with accents are kept; punctuation pasted from word processors
// (curly quotes, long dashes, the ellipsis, odd spaces) becomes its plain
// form; other accented letters lose their accent (ł is l, ń is n); and
// what no phone alphabet has (emoji, other scripts) becomes "?".
//
// Its length is then its number of characters. A message whose characters
// are all GSM-7 takes 160 in one fragment, or 153 a fragment when split
// (the rest carries the joining header), and each character of GSM-7's
// extension table (^ { } \ [ ] ~ | €) takes two places. A message with
// one of the Welsh letters GSM-7 lacks (ŵ, ŷ, â, ...) is sent in Unicode
// (UCS-2): 70 in one fragment, 67 a fragment when split.

const (
	// SMSMaxChars is the longest text message Notify sends (six fragments of 153).
	SMSMaxChars = 918
	// SMSDefaultPence is the default cost of one fragment, in pence, when
	// the council has not set its own (DBTP_POST_SMS_PENCE).
	SMSDefaultPence = 1.97
)

const gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"

// gsmExtended are GSM-7's extension table: each is sent as an escape and
// the character, so takes two places.
const gsmExtended = "^{}\\[~]|€"

// welsh are the letters Welsh writes with accents. Some are GSM-7
// (à, è, é, ä, ...); the others make a message Unicode rather than
// losing their accent, as Notify sends them.
const welsh = "àèìòùẁỳÀÈÌÒÙẀỲáéíóúẃýÁÉÍÓÚẂÝäëïöüẅÿÄËÏÖÜẄŸâêîôûŵŷÂÊÎÔÛŴŶ"

// charClass is what a kept character is.
type charClass uint8

const (
	gsmChar     charClass = iota + 1 // one place in GSM-7
	gsmExtChar                       // two places in GSM-7
	unicodeChar                      // needs UCS-2
)

var smsChars = func() map[rune]charClass {
	m := map[rune]charClass{}
	for _, r := range welsh {
		m[r] = unicodeChar
	}
	for _, r := range gsmBasic {
		m[r] = gsmChar
	}
	for _, r := range gsmExtended {
		m[r] = gsmExtChar
	}
	return m
}()

// downgrade maps characters people paste from word processors to the
// GSM-7 ones they stand for, so curly quotes alone never make a text cost
// more or show as "?". "" removes the character. Notify's replacements
// are all here; the few more (primes, other dashes and spaces) give the
// same count as Notify's "?" and read better.
var downgrade = map[rune]string{
	'‘': "'", '’': "'", '‚': "'", '′': "'", '`': "'",
	'“': `"`, '”': `"`, '„': `"`, '″': `"`,
	'–': "-", '—': "-", '‒': "-", '―': "-", '−': "-", '‐': "-", '‑': "-",
	'…':      "...",
	'\u00a0': " ", '\u2002': " ", '\u2003': " ", '\u2009': " ", '\u202f': " ", '\t': " ",
	'\u200b': "", '\u200c': "", '\u200d': "", '\u2060': "", '\ufeff': "", '\u180e': "", '\u2028': "", '\u2029': "",
	'Ł': "L", 'ł': "l",
}

// SMSCount is a text message as it will be sent and what it costs.
type SMSCount struct {
	Text string // the message as sent: made sendable (see the package's rules)
	// Chars is its length in characters, as Notify counts a message (and
	// checks it against SMSMaxChars).
	Chars int
	// Units are the places it takes in fragments: Chars, plus one for
	// each extension character of a GSM-7 message.
	Units     int
	Fragments int
	Unicode   bool   // sent in UCS-2, for a Welsh letter GSM-7 lacks
	Replaced  []rune // characters no phone alphabet has, sent as "?", each once
}

// CountSMS makes text sendable and counts its characters and fragments.
func CountSMS(text string) SMSCount {
	var b strings.Builder
	var c SMSCount
	ext := 0
	for _, r := range text {
		class, ok := smsChars[r]
		if !ok {
			s, kept := sendable(r)
			if !kept {
				c.Replaced = appendRune(c.Replaced, r)
			}
			for _, d := range s {
				b.WriteRune(d)
				c.Chars++
				if smsChars[d] == gsmExtChar {
					ext++
				}
			}
			continue
		}
		b.WriteRune(r)
		c.Chars++
		switch class {
		case gsmExtChar:
			ext++
		case unicodeChar:
			c.Unicode = true
		}
	}
	c.Text = b.String()
	if c.Unicode {
		c.Units = c.Chars
		c.Fragments = fragments(c.Units, 70, 67)
	} else {
		c.Units = c.Chars + ext
		c.Fragments = fragments(c.Units, 160, 153)
	}
	return c
}

// sendable is what a character outside GSM-7 and Welsh is sent as, and
// whether it has a sensible stand-in (else it is "?"): pasted punctuation
// its plain form, a letter with an accent (its canonical decomposition)
// the letter without it when that is kept.
func sendable(r rune) (string, bool) {
	if s, ok := downgrade[r]; ok {
		return s, true
	}
	if d := norm.NFD.String(string(r)); d != string(r) {
		first, _ := utf8.DecodeRuneInString(d)
		if _, ok := smsChars[first]; ok {
			return string(first), true
		}
	}
	return "?", false
}

func appendRune(rs []rune, r rune) []rune {
	for _, x := range rs {
		if x == r {
			return rs
		}
	}
	return append(rs, r)
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

// SMSCannotUse is the words for a template with characters a text
// message cannot carry, which would show as "?".
func SMSCannotUse(rs []rune) string {
	quoted := make([]string, len(rs))
	for i, r := range rs {
		quoted[i] = string(r)
	}
	return "You cannot use " + strings.Join(quoted, " ") + " in text messages: it would show as ? on people's phones"
}

// CostPence is what fragments cost at pence a fragment, to a hundredth
// of a penny.
func CostPence(fragments int, pence float64) float64 {
	return math.Round(float64(fragments)*pence*100) / 100
}
