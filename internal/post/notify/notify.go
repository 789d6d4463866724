// Package notify is what digital post shares with GOV.UK Notify: the
// template syntax (((placeholder)), ((field??text)), headings, lists,
// inset text, links), the counting of text message fragments in GSM-7 and
// Unicode, the checks of email addresses and UK phone numbers, API keys
// and the JWTs signed with them, and Notify's error responses. It is pure:
// no database and no net/http.
package notify

import (
	"fmt"
	"html"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// BlockKind is one kind of block in a template's body.
type BlockKind string

// The blocks of Notify's formatting.
const (
	Heading   BlockKind = "heading"   // "# text" (or "## text")
	Paragraph BlockKind = "paragraph" // lines separated by a blank line
	Bullets   BlockKind = "bullets"   // "* item", "- item" or "• item"
	Numbered  BlockKind = "numbered"  // "1. item" or "1) item"
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
	HTML    string  // emails: the HTML body with inline styles for mail programs (escaped, safe to embed)
	Blocks  []Block // the body's structure, for letters and previews
	// PreviewHTML is the body with GOV.UK Frontend's classes instead of
	// inline styles, for pages (whose Content-Security-Policy refuses
	// inline styles).
	PreviewHTML string
	// Filled is the body with the personalisation filled in and its
	// formatting marks (#, *, ^) kept: what Notify's v2 API returns as a
	// notification's or a preview's "body".
	Filled string
	// Text messages (see CountSMS):
	Fragments int    // how many fragments (each billed) the message takes
	Chars     int    // its length in characters, as Notify counts it
	Units     int    // the places it takes: extension characters take two in GSM-7
	Unicode   bool   // true: it needs UCS-2 (70 a fragment, 67 when split)
	Replaced  []rune // characters no phone alphabet has, sent as "?"
}

// MissingError lists every placeholder the personalisation lacks.
type MissingError struct{ Names []string }

func (e *MissingError) Error() string {
	return "Missing personalisation: " + strings.Join(e.Names, ", ")
}

// placeholderRE is ((name)) or ((name??optional text)). Neither part may
// hold a bracket, so "((a) (b))" is text, as in Notify.
var placeholderRE = regexp.MustCompile(`\(\(([^()?]+)(\?\?[^()]*)?\)\)`)

// NameKey is how a placeholder's name is matched: Notify ignores case, spaces,
// hyphens and underscores, so ((First name)) takes "first_name".
func NameKey(name string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(name) {
		switch r {
		case ' ', '_', '-', '\t':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Placeholders returns the names the subject and body ask for, each once,
// in the order they first appear (optional ones included).
func Placeholders(subject, body string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(subject+"\n"+body, -1) {
		n := strings.TrimSpace(m[1])
		if k := NameKey(n); k != "" && !seen[k] {
			seen[k] = true
			out = append(out, n)
		}
	}
	return out
}

// Value writes one personalisation value as text: strings as given,
// numbers without exponent, true and false, lists joined (bodies of
// emails and letters make them bullet lists; see Render).
func Value(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = Value(e)
		}
		return strings.Join(parts, ", ")
	case []string:
		return strings.Join(x, ", ")
	}
	return fmt.Sprint(v)
}

// truthy is whether a value shows the text of ((name??text)): yes, true,
// 1 and the like, as Notify reads them.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case float64:
		return x != 0
	case int:
		return x != 0
	}
	switch strings.ToLower(strings.TrimSpace(Value(v))) {
	case "yes", "y", "true", "t", "1", "include", "show":
		return true
	}
	return false
}

// filler fills placeholders from the personalisation, remembering every
// name that is missing.
type filler struct {
	p       map[string]any
	missing map[string]string // key -> name as first written
	lists   bool              // list values become bullet lists (email and letter bodies)
}

func newFiller(p map[string]any) *filler {
	f := &filler{p: map[string]any{}, missing: map[string]string{}}
	for k, v := range p {
		f.p[NameKey(k)] = v
	}
	return f
}

func (f *filler) fill(s string) string {
	return placeholderRE.ReplaceAllStringFunc(s, func(m string) string {
		sm := placeholderRE.FindStringSubmatch(m)
		name := strings.TrimSpace(sm[1])
		k := NameKey(name)
		if k == "" {
			return m
		}
		// A null value is missing, as Notify counts it.
		v, ok := f.p[k]
		if !ok || v == nil {
			if _, seen := f.missing[k]; !seen {
				f.missing[k] = name
			}
			return m
		}
		if sm[2] != "" {
			if truthy(v) {
				return sm[2][2:]
			}
			return ""
		}
		if f.lists {
			if l := listOf(v); l != nil {
				return "\n\n* " + strings.Join(l, "\n* ") + "\n\n"
			}
		}
		return Value(v)
	})
}

func listOf(v any) []string {
	switch x := v.(type) {
	case []string:
		if len(x) > 0 {
			return x
		}
	case []any:
		if len(x) == 0 {
			return nil
		}
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = Value(e)
		}
		return out
	}
	return nil
}

func (f *filler) err() error {
	if len(f.missing) == 0 {
		return nil
	}
	names := make([]string, 0, len(f.missing))
	for _, n := range f.missing {
		names = append(names, n)
	}
	sort.Strings(names)
	return &MissingError{Names: names}
}

// Render fills in subject and body of a template of kind ("email", "sms",
// "letter") with p. Names are matched as NameKey matches them. Every missing
// name is listed in one *MissingError; a name p has that the template
// does not ask for is ignored, as Notify ignores it.
//
// Emails and letters are formatted (headings, lists, inset text, rules,
// links); text messages are sent as written, with their characters
// counted for GSM-7 or Unicode.
func Render(kind, subject, body string, p map[string]any) (*Rendered, error) {
	f := newFiller(p)
	r := render(f, kind, subject, body)
	if err := f.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// RenderPartial renders a template as Render does, for a preview: a
// placeholder p lacks is left as written (((name)), or ((name??text))
// whole), formatted where it stands, and its name is returned in missing.
func RenderPartial(kind, subject, body string, p map[string]any) (r *Rendered, missing []string) {
	f := newFiller(p)
	r = render(f, kind, subject, body)
	if me, ok := f.err().(*MissingError); ok {
		missing = me.Names
	}
	return r, missing
}

func render(f *filler, kind, subject, body string) *Rendered {
	r := &Rendered{Subject: oneLine(f.fill(subject))}
	body = strings.ReplaceAll(strings.ReplaceAll(body, "\r\n", "\n"), "\r", "\n")
	if kind == "sms" {
		r.Text = strings.TrimSpace(f.fill(body))
		r.Filled = r.Text
		c := CountSMS(r.Text)
		r.Text, r.Chars, r.Units, r.Fragments, r.Unicode, r.Replaced = c.Text, c.Chars, c.Units, c.Fragments, c.Unicode, c.Replaced
		// A text message is not formatted: its paragraphs are shown as
		// they are, "* " and "# " and all.
		for _, para := range strings.Split(r.Text, "\n\n") {
			if para = strings.Trim(para, "\n"); para != "" {
				r.Blocks = append(r.Blocks, Block{Kind: Paragraph, Lines: strings.Split(para, "\n")})
			}
		}
		var b strings.Builder
		for _, bl := range r.Blocks {
			lines := make([]string, len(bl.Lines))
			for i, l := range bl.Lines {
				lines[i] = html.EscapeString(l)
			}
			b.WriteString(`<p class="govuk-body">` + strings.Join(lines, "<br>") + "</p>\n")
		}
		r.PreviewHTML = b.String()
		return r
	}
	f.lists = true
	filled := f.fill(body)
	r.Filled = strings.TrimSpace(filled)
	raw := parseBlocks(filled)
	r.Blocks = plainBlocks(raw)
	r.Text = plainText(r.Blocks)
	r.HTML = renderHTML(raw, emailStyle)
	r.PreviewHTML = renderHTML(raw, pageStyle)
	return r
}

// oneLine is a subject as sent: one line, spaces collapsed.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// SyntaxError is a placeholder written wrongly: the line it is on (1 for
// the first) and what is wrong, in words for the template's author.
type SyntaxError struct {
	Line    int
	Problem string
}

func (e *SyntaxError) Error() string { return fmt.Sprintf("Line %d: %s", e.Line, e.Problem) }

// placeholderHelp ends every syntax problem: how to write one right.
const placeholderHelp = "Write a placeholder as ((name)), or ((name??text)) for text shown only when name is yes"

// CheckSyntax finds the first placeholder written wrongly in s: double
// brackets opened and not closed ("((reference)"), closed and not opened
// ("(reference))"), or with no name ("(( ))"). Render would send such a
// placeholder as text, which is never what its author meant. A
// placeholder is on one line.
func CheckSyntax(s string) *SyntaxError {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	for i, line := range strings.Split(s, "\n") {
		rest := []byte(line)
		for _, m := range placeholderRE.FindAllStringSubmatchIndex(line, -1) {
			if NameKey(line[m[2]:m[3]]) == "" {
				return &SyntaxError{Line: i + 1, Problem: fmt.Sprintf("“%s” has no name. %s", snippet(line[m[0]:m[1]]), placeholderHelp)}
			}
			for j := m[0]; j < m[1]; j++ {
				rest[j] = ' ' // blank it, keeping the offsets of what is left
			}
		}
		left := string(rest)
		open, shut := strings.Index(left, "(("), strings.Index(left, "))")
		switch {
		case open >= 0 && (shut < 0 || open < shut):
			return &SyntaxError{Line: i + 1, Problem: fmt.Sprintf("“%s” is not closed with “))”. %s", snippet(opened(line[open:])), placeholderHelp)}
		case shut >= 0:
			return &SyntaxError{Line: i + 1, Problem: fmt.Sprintf("“%s” has no opening “((”. %s", snippet(closed(line[:shut+2])), placeholderHelp)}
		}
	}
	return nil
}

// opened is an unclosed placeholder as its author wrote it: from its
// "((" to its first closing bracket, or to the next "((".
func opened(s string) string {
	if j := strings.IndexByte(s, ')'); j >= 0 {
		if j+1 < len(s) && s[j+1] == ')' {
			j++
		}
		s = s[:j+1]
	}
	if j := strings.Index(s[2:], "(("); j >= 0 {
		s = s[:j+2]
	}
	return strings.TrimSpace(s)
}

// closed is the word before a stray "))", back to its opening bracket or
// the space before it.
func closed(s string) string {
	body := s[:len(s)-2]
	if j := strings.LastIndexAny(body, "( \t"); j >= 0 {
		if body[j] != '(' {
			j++
		}
		body = body[j:]
	}
	return body + "))"
}

// snippet keeps a quoted piece of a line short.
func snippet(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
