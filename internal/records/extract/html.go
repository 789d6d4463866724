package extract

import (
	"bufio"
	"bytes"
	"html"
	"io"
	"unicode/utf8"
)

// htmlText streams the visible text of an HTML document into b: tags,
// comments, scripts and styles are dropped, character references decoded,
// and block elements start new lines. It is a small tokenizer rather than
// a full HTML5 parser (the standard library has none): search needs the
// words and their order, not the tree, and a byte-at-a-time reader over a
// bufio.Reader keeps memory flat whatever the input.
//
// charset is the one declared outside the document (an email part's
// Content-Type); when empty, a <meta> charset in the first kilobyte
// decides, and failing that UTF-8, or Windows-1252 if the start is not
// valid UTF-8 (as browsers do).
func htmlText(r io.Reader, charset string, b *builder) error {
	br := bufio.NewReaderSize(r, 16<<10)
	if charset == "" {
		head, _ := br.Peek(1024)
		charset = metaCharset(head)
		if charset == "" && !utf8.Valid(head[:runeSafe(head)]) {
			charset = "windows-1252"
		}
	}
	if t := decoderFor(charset); t != nil {
		br = bufio.NewReader(&decodeReader{r: br, table: t})
	}
	h := &htmlScanner{r: br, b: b}
	return h.run()
}

type htmlScanner struct {
	r   *bufio.Reader
	b   *builder
	txt []byte // text not yet written, always UTF-8 by now
	pre int    // depth of <pre>, where line breaks are content
}

func (h *htmlScanner) run() error {
	for !h.b.Full() {
		c, err := h.r.ReadByte()
		if err != nil {
			h.flush(true)
			if err == io.EOF {
				return nil
			}
			return err
		}
		switch c {
		case '<':
			if err := h.markup(); err != nil && err != io.EOF {
				return err
			}
		case '&':
			h.entity()
		default:
			h.txt = append(h.txt, c)
			if len(h.txt) >= 4<<10 {
				h.flush(false)
			}
		}
	}
	return nil
}

// flush writes pending text; unless all is true, an incomplete UTF-8
// sequence at the end waits for its remaining bytes.
func (h *htmlScanner) flush(all bool) {
	k := len(h.txt)
	if !all {
		k = runeSafe(h.txt)
	}
	if h.pre > 0 {
		h.b.Write(h.txt[:k])
	} else {
		h.b.WriteFlat(h.txt[:k])
	}
	h.txt = append(h.txt[:0], h.txt[k:]...)
}

// markup handles what follows a '<': a tag, an end tag, a comment, a
// declaration or processing instruction, or a '<' that is just text.
func (h *htmlScanner) markup() error {
	c, err := h.r.ReadByte()
	if err != nil {
		h.txt = append(h.txt, '<')
		return err
	}
	switch {
	case c == '!':
		h.flush(true)
		if p, _ := h.r.Peek(2); string(p) == "--" {
			h.r.Discard(2)
			return h.skipPast("-->")
		}
		if p, _ := h.r.Peek(7); string(p) == "[CDATA[" {
			h.r.Discard(7)
			return h.textUntil("]]>")
		}
		return h.skipPast(">")
	case c == '?':
		h.flush(true)
		return h.skipPast(">")
	case c == '/' || isASCIILetter(c):
		h.flush(true)
		end := c == '/'
		if !end {
			h.r.UnreadByte()
		}
		name, err := h.tagRest()
		if err != nil {
			return err
		}
		if !end && rawText[name] {
			return h.skipRaw(name)
		}
		if name == "pre" && end {
			h.pre = max(h.pre-1, 0)
		} else if name == "pre" {
			h.pre++
		}
		switch blocks[name] {
		case markSpace:
			h.b.Space()
		case markLine, markPara:
			h.b.Break(1)
		}
		return nil
	}
	h.txt = append(h.txt, '<')
	return h.r.UnreadByte()
}

// tagRest reads a tag's name (lower-cased, at most 16 bytes kept) and skips
// its attributes up to the closing '>'. A quote opens a value only right
// after '=', as in HTML, so an apostrophe in an unquoted value is harmless.
func (h *htmlScanner) tagRest() (string, error) {
	var name []byte
	inName, quote, afterEq := true, byte(0), false
	for {
		c, err := h.r.ReadByte()
		if err != nil {
			return string(name), err
		}
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case inName && (isASCIILetter(c) || c >= '0' && c <= '9' || c == '-' || c == ':'):
			if len(name) < 16 {
				name = append(name, c|0x20)
			}
		case c == '>':
			return string(name), nil
		case afterEq && (c == '"' || c == '\''):
			quote = c
		default:
			inName = false
			if c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' {
				afterEq = c == '='
			}
		}
	}
}

// skipRaw skips the contents of a script or style element, which end only
// at their own end tag.
func (h *htmlScanner) skipRaw(name string) error {
	for {
		if err := h.skipPast("</"); err != nil {
			return err
		}
		p, err := h.r.Peek(len(name) + 1)
		if len(p) < len(name)+1 {
			return err
		}
		if string(bytes.ToLower(p[:len(name)])) == name {
			if c := p[len(name)]; c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' {
				return h.skipPast(">")
			}
		}
	}
}

// skipPast discards input up to and including end (at most 3 bytes).
func (h *htmlScanner) skipPast(end string) error {
	var last [3]byte
	for seen := 1; ; seen++ {
		c, err := h.r.ReadByte()
		if err != nil {
			return err
		}
		last[0], last[1], last[2] = last[1], last[2], c
		if seen >= len(end) && string(last[3-len(end):]) == end {
			return nil
		}
	}
}

// textUntil keeps a CDATA section's contents as text.
func (h *htmlScanner) textUntil(end string) error {
	for !h.b.Full() {
		c, err := h.r.ReadByte()
		if err != nil {
			return err
		}
		h.txt = append(h.txt, c)
		if bytes.HasSuffix(h.txt, []byte(end)) {
			h.txt = h.txt[:len(h.txt)-len(end)]
			h.flush(true)
			return nil
		}
		if len(h.txt) >= 4<<10 {
			h.flush(false)
		}
	}
	return nil
}

// entity decodes a character reference after '&'. Only names and numbers
// up to 32 bytes are tried; anything else is the text it looks like.
func (h *htmlScanner) entity() {
	ref := []byte{'&'}
	for len(ref) < 33 {
		c, err := h.r.ReadByte()
		if err != nil {
			break
		}
		if isASCIILetter(c) || c >= '0' && c <= '9' || c == '#' && len(ref) == 1 {
			ref = append(ref, c)
			continue
		}
		if c == ';' {
			ref = append(ref, c)
		} else {
			h.r.UnreadByte()
		}
		break
	}
	h.txt = append(h.txt, html.UnescapeString(string(ref))...)
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// rawText elements hold code, not text.
var rawText = map[string]bool{"script": true, "style": true, "template": true}

// blocks are the elements that separate the words around them.
var blocks = func() map[string]mark {
	m := map[string]mark{"td": markSpace, "th": markSpace, "img": markSpace, "input": markSpace}
	for _, t := range []string{"br", "li", "tr", "dt", "dd", "option", "hr"} {
		m[t] = markLine
	}
	for _, t := range []string{"p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre",
		"section", "article", "header", "footer", "nav", "aside", "main", "figure", "figcaption", "form", "fieldset",
		"legend", "address", "dl", "title", "details", "summary", "caption", "body", "head", "html"} {
		m[t] = markPara
	}
	return m
}()

// metaCharset finds the charset a document declares in a <meta> tag.
func metaCharset(head []byte) string {
	lower := bytes.ToLower(head)
	for {
		i := bytes.Index(lower, []byte("<meta"))
		if i < 0 {
			return ""
		}
		lower = lower[i+5:]
		tag := lower
		if j := bytes.IndexByte(tag, '>'); j >= 0 {
			tag = tag[:j]
		}
		if j := bytes.Index(tag, []byte("charset")); j >= 0 {
			v := bytes.TrimLeft(tag[j+7:], " \t\r\n")
			if len(v) == 0 || v[0] != '=' {
				continue
			}
			v = bytes.TrimLeft(v[1:], " \t\r\n\"'")
			end := 0
			for end < len(v) && (isASCIILetter(v[end]) || v[end] >= '0' && v[end] <= '9' || v[end] == '-' || v[end] == '_' || v[end] == ':' || v[end] == '.') {
				end++
			}
			if end > 0 {
				return string(v[:end])
			}
		}
	}
}
