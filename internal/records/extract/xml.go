package extract

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// mark is what an element contributes to the text's layout.
type mark int

const (
	markNone   mark = iota
	markSpace       // a tab or a table cell: words stay apart
	markLine        // a line break
	markPara        // a paragraph: paragraphs become newlines
	markHyphen      // a non-breaking hyphen
)

// xmlRules says how one XML vocabulary becomes text. Elements are matched
// by local name, so the transitional and strict OOXML namespaces read the
// same.
type xmlRules struct {
	textIn map[string]bool // character data counts only inside these (nil: everywhere)
	skip   map[string]bool // subtrees that are not the document's text
	start  map[string]mark
	end    map[string]mark
}

// docxRules read WordprocessingML. Deleted text (tracked changes), field
// codes and the fallback copy of alternate content (a text box appears
// twice, once per rendering) are not the text a reader sees.
var docxRules = &xmlRules{
	textIn: map[string]bool{"t": true},
	skip:   map[string]bool{"delText": true, "instrText": true, "Fallback": true, "binData": true, "fldData": true},
	start:  map[string]mark{"tab": markSpace, "ptab": markSpace, "br": markLine, "cr": markLine, "noBreakHyphen": markHyphen},
	end:    map[string]mark{"p": markPara, "tc": markSpace, "tr": markLine, "tbl": markLine, "footnote": markLine, "endnote": markLine},
}

// odtRules read the body of an OpenDocument text. Comments and the record
// of tracked changes are left out, as for DOCX; note citations are the
// footnote numbers.
var odtRules = &xmlRules{
	skip:  map[string]bool{"tracked-changes": true, "annotation": true, "note-citation": true, "automatic-styles": true, "font-face-decls": true, "scripts": true, "binary-data": true},
	start: map[string]mark{"s": markSpace, "tab": markSpace, "line-break": markLine, "note-body": markLine},
	end:   map[string]mark{"p": markPara, "h": markPara, "table-cell": markSpace, "table-row": markLine, "note-body": markLine, "list-item": markLine},
}

// odtHeaderRules read only the headers and footers of an ODT's styles.xml
// (the rest of that part is styling).
var odtHeaderRules = &xmlRules{
	textIn: map[string]bool{"header": true, "footer": true, "header-left": true, "footer-left": true, "header-first": true, "footer-first": true},
	skip:   odtRules.skip,
	start:  odtRules.start,
	end:    odtRules.end,
}

// tokenLimit is the longest single XML token read. encoding/xml holds a
// whole token in memory, so without it one 200 MB run of text (which
// compresses to 200 KB) would cost that much memory at once.
func tokenLimit(o Options) int {
	return max(16<<20, 2*o.MaxText)
}

var errTokenTooLong = errors.New("extract: XML token longer than the limit")

// walkXML streams an XML part into b by the rules, stopping once b is full.
// encoding/xml does not expand entities declared in a DTD, so entity
// expansion attacks have nothing to work on.
func walkXML(ctx context.Context, r io.Reader, rules *xmlRules, b *builder, limit int) error {
	d := xml.NewDecoder(&tokenGuard{r: r, limit: limit})
	d.CharsetReader = charsetReader
	skip, inText := 0, 0
	for n := 0; !b.Full(); n++ {
		if n%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if skip > 0 || rules.skip[t.Name.Local] {
				skip++
				continue
			}
			if rules.textIn[t.Name.Local] {
				inText++
			}
			layout(b, rules.start[t.Name.Local])
		case xml.EndElement:
			if skip > 0 {
				skip--
				continue
			}
			if rules.textIn[t.Name.Local] && inText > 0 {
				inText--
			}
			layout(b, rules.end[t.Name.Local])
		case xml.CharData:
			if skip == 0 && (rules.textIn == nil || inText > 0) {
				b.WriteFlat(t)
			}
		}
	}
	return nil
}

func layout(b *builder, m mark) {
	switch m {
	case markSpace:
		b.Space()
	case markLine, markPara:
		b.Break(1)
	case markHyphen:
		b.WriteString("-")
	}
}

// tokenGuard passes XML through and fails once a single token (character
// data, a tag with its attributes, a comment, CDATA section, processing
// instruction or declaration) runs longer than limit bytes. It follows
// just enough of XML's lexical structure to know where tokens end: quotes
// inside tags, and the terminators of comments, CDATA and the rest.
type tokenGuard struct {
	r      io.Reader
	limit  int
	run    int
	state  int
	quote  byte
	bang   []byte
	depth  int
	p1, p2 byte // the previous two bytes, for "-->", "]]>" and "?>"
}

const (
	gText = iota
	gOpen
	gTag
	gQuote
	gBang
	gComment
	gCDATA
	gDecl
	gPI
)

func (g *tokenGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, c := range p[:n] {
		g.step(c)
		if g.run > g.limit {
			return 0, errTokenTooLong
		}
	}
	return n, err
}

func (g *tokenGuard) step(c byte) {
	g.run++
	p1, p2 := g.p1, g.p2
	g.p1, g.p2 = g.p2, c
	switch g.state {
	case gText:
		if c == '<' {
			g.state, g.run = gOpen, 1
		}
	case gOpen:
		switch c {
		case '!':
			g.state, g.bang = gBang, g.bang[:0]
		case '?':
			g.state, g.p1, g.p2 = gPI, 0, 0
		default:
			g.state = gTag
			g.step0Tag(c)
		}
	case gTag:
		g.step0Tag(c)
	case gQuote:
		if c == g.quote {
			g.state = gTag
		}
	case gBang:
		g.bang = append(g.bang, c)
		s := string(g.bang)
		switch {
		case s == "--":
			g.state, g.p1, g.p2 = gComment, 0, 0
		case s == "[CDATA[":
			g.state, g.p1, g.p2 = gCDATA, 0, 0
		case !strings.HasPrefix("--", s) && !strings.HasPrefix("[CDATA[", s):
			g.state, g.depth = gDecl, 0
			g.stepDecl(c)
		}
	case gComment:
		if c == '>' && p1 == '-' && p2 == '-' {
			g.state, g.run = gText, 0
		}
	case gCDATA:
		if c == '>' && p1 == ']' && p2 == ']' {
			g.state, g.run = gText, 0
		}
	case gPI:
		if c == '>' && p2 == '?' {
			g.state, g.run = gText, 0
		}
	case gDecl:
		g.stepDecl(c)
	}
}

func (g *tokenGuard) step0Tag(c byte) {
	switch c {
	case '"', '\'':
		g.state, g.quote = gQuote, c
	case '>':
		g.state, g.run = gText, 0
	}
}

func (g *tokenGuard) stepDecl(c byte) {
	switch c {
	case '[':
		g.depth++
	case ']':
		g.depth--
	case '>':
		if g.depth <= 0 {
			g.state, g.run = gText, 0
		}
	}
}
