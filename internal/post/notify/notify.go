// Package notify is what digital post shares with GOV.UK Notify: the
// template syntax (((placeholder)), ((field??text)), headings, lists,
// inset text, links), the counting of text message fragments in GSM-7 and
// Unicode, the checks of email addresses and UK phone numbers, API keys
// and the JWTs signed with them, and Notify's error responses. It is pure:
// no database and no net/http.
//
// SKELETON: the signatures here are the contract the rest of the module
// codes against; the templates helper replaces the bodies.
package notify

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// BlockKind is one kind of block in a template's body.
type BlockKind string

// The blocks of Notify's formatting.
const (
	Heading   BlockKind = "heading"   // "# text"
	Paragraph BlockKind = "paragraph" // lines separated by a blank line
	Bullets   BlockKind = "bullets"   // "* item" or "- item"
	Numbered  BlockKind = "numbered"  // "1. item"
	Inset     BlockKind = "inset"     // "^ text"
	Rule      BlockKind = "rule"      // "---"
	PageBreak BlockKind = "pagebreak" // "***" (letters)
)

// Block is one block of a rendered body, for letters and previews. Lines
// are the paragraph's lines or the list's items, as plain text with the
// personalisation filled in and links written as their text and address.
type Block struct {
	Kind  BlockKind
	Lines []string
}

// Rendered is a template with its personalisation filled in.
type Rendered struct {
	Subject string  // email subject or letter heading
	Text    string  // the plain-text body (emails' text part; the text message itself)
	HTML    string  // emails: the HTML body (escaped, safe to embed)
	Blocks  []Block // the body's structure, for letters and previews
	// Text messages:
	Fragments int  // how many fragments (each billed) the message takes
	Chars     int  // its length in characters as counted for its encoding
	Unicode   bool // true: it needs UCS-2 (70 a fragment, 67 when split)
}

// MissingError lists every placeholder the personalisation lacks.
type MissingError struct{ Names []string }

func (e *MissingError) Error() string {
	return "Missing personalisation: " + strings.Join(e.Names, ", ")
}

var placeholderRE = regexp.MustCompile(`\(\(([^()?]+)(\?\?[^()]*)?\)\)`)

// Placeholders returns the names the subject and body ask for, each once,
// in the order they first appear (optional ones included).
func Placeholders(subject, body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(subject+"\n"+body, -1) {
		n := strings.TrimSpace(m[1])
		if !seen[strings.ToLower(n)] {
			seen[strings.ToLower(n)] = true
			out = append(out, n)
		}
	}
	return out
}

// Render fills in subject and body of a template of kind ("email", "sms",
// "letter") with p. Names are matched case-insensitively, as Notify does.
// Every missing name is listed in one *MissingError.
func Render(kind, subject, body string, p map[string]any) (*Rendered, error) {
	low := map[string]any{}
	for k, v := range p {
		low[strings.ToLower(k)] = v
	}
	var missing []string
	fill := func(s string) string {
		return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
			sm := placeholderRE.FindStringSubmatch(m)
			v, ok := low[strings.ToLower(strings.TrimSpace(sm[1]))]
			if !ok {
				missing = append(missing, strings.TrimSpace(sm[1]))
				return m
			}
			return fmt.Sprint(v)
		})
	}
	r := &Rendered{Subject: fill(subject), Text: fill(body)}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, &MissingError{Names: missing}
	}
	r.Blocks = []Block{{Kind: Paragraph, Lines: strings.Split(r.Text, "\n")}}
	r.HTML = "<p>" + strings.ReplaceAll(r.Text, "\n", "<br>") + "</p>"
	r.Chars = len([]rune(r.Text))
	r.Fragments = 1
	return r, nil
}
