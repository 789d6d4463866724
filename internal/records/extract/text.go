package extract

import (
	"bufio"
	"bytes"
	"io"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// builder collects extracted text. Every reader writes through it, so the
// rules hold for all formats in one place: the output is valid UTF-8 (bad
// bytes become U+FFFD), NUL and other control characters are dropped,
// runs of spaces become one space, more than one blank line becomes one,
// leading and trailing whitespace goes, and the text stops at max bytes at
// a word boundary.
type builder struct {
	buf       []byte
	max       int
	space     bool // a space is due before the next visible character
	newlines  int  // line breaks due (at most 2: one blank line)
	cr        bool // the last rune was '\r', so a following '\n' is the same break
	full      bool // the limit was reached; later writes are ignored
	truncated bool
}

func newBuilder(max int) *builder {
	return &builder{max: max}
}

// Full reports whether the limit was reached, so readers can stop early.
func (b *builder) Full() bool { return b.full }

func (b *builder) result() (string, bool) { return string(b.buf), b.truncated }

// Space asks for a space between what came before and what comes next.
func (b *builder) Space() { b.space = true }

// Break asks for n line breaks (1: a new line, 2: a new paragraph).
func (b *builder) Break(n int) {
	if n > b.newlines {
		b.newlines = min(n, 2)
	}
}

// WriteString adds text, which need not be valid UTF-8.
func (b *builder) WriteString(s string) {
	for i := 0; i < len(s) && !b.full; {
		r, n := utf8.DecodeRuneInString(s[i:])
		b.add(r)
		i += n
	}
}

// Write adds bytes, which need not be valid UTF-8. A rune split between
// two writes is replaced, so callers write whole runes (see runeSafe).
func (b *builder) Write(p []byte) (int, error) {
	for i := 0; i < len(p) && !b.full; {
		r, n := utf8.DecodeRune(p[i:])
		b.add(r)
		i += n
	}
	return len(p), nil
}

// WriteFlat adds text in which line breaks are layout, not content (XML
// and HTML outside <pre>): every whitespace character counts as a space.
func (b *builder) WriteFlat(p []byte) {
	for i := 0; i < len(p) && !b.full; {
		r, n := utf8.DecodeRune(p[i:])
		if unicode.IsSpace(r) {
			r = ' '
		}
		b.add(r)
		i += n
	}
}

func (b *builder) add(r rune) {
	cr := b.cr
	b.cr = r == '\r'
	switch {
	case r == '\n' && cr:
		return
	case r == '\n' || r == '\r' || r == '\v' || r == 0x85 || r == 0x2028:
		b.newlines = min(b.newlines+1, 2)
		return
	case r == '\f' || r == 0x2029:
		b.Break(2)
		return
	case unicode.IsSpace(r):
		b.space = true
		return
	case r == 0xAD || r == 0x200B || r == 0x2060 || r == 0xFEFF || unicode.IsControl(r):
		// Soft hyphens and zero-width characters would split words that
		// search must find whole; control characters are not text.
		return
	}
	var pending string
	if len(b.buf) > 0 {
		switch {
		case b.newlines == 1:
			pending = "\n"
		case b.newlines == 2:
			pending = "\n\n"
		case b.space:
			pending = " "
		}
	}
	if len(b.buf)+len(pending)+utf8.RuneLen(r) > b.max {
		b.cut(pending != "")
		return
	}
	b.space, b.newlines = false, 0
	b.buf = append(b.buf, pending...)
	b.buf = utf8.AppendRune(b.buf, r)
}

// cut ends the text at the limit. If the limit fell inside a word, the
// word is dropped, unless that would lose more than half the text (a
// single huge "word" such as an encoded blob is cut at a rune instead).
func (b *builder) cut(atBoundary bool) {
	b.full, b.truncated = true, true
	if atBoundary {
		return
	}
	if i := bytes.LastIndexAny(b.buf, " \n"); i >= len(b.buf)/2 && i > 0 {
		b.buf = bytes.TrimRight(b.buf[:i], " \n")
	}
}

// runeSafe returns how much of p can be written without splitting a UTF-8
// sequence at its end (the rest waits for more bytes).
func runeSafe(p []byte) int {
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax; i-- {
		if utf8.RuneStart(p[i]) {
			if utf8.FullRune(p[i:]) {
				return len(p)
			}
			return i
		}
	}
	return len(p)
}

// plainText copies text to b. UTF-8 is expected; a UTF-16 byte order mark
// (Notepad's "Unicode") is honoured; a declared single-byte charset is
// decoded; other bytes that are not UTF-8 become U+FFFD.
func plainText(r io.Reader, charset string, b *builder) error {
	br := bufio.NewReader(r)
	if bom, _ := br.Peek(2); len(bom) == 2 && (bom[0] == 0xFF && bom[1] == 0xFE || bom[0] == 0xFE && bom[1] == 0xFF) {
		return utf16Text(br, bom[0] == 0xFF, b)
	}
	if dec := decoderFor(charset); dec != nil {
		return copyText(b, &decodeReader{r: br, table: dec})
	}
	return copyText(b, br)
}

// copyText streams r into b in whole runes, stopping once b is full.
func copyText(b *builder, r io.Reader) error {
	buf := make([]byte, 32<<10)
	held := 0
	for !b.full {
		n, err := r.Read(buf[held:])
		n += held
		if err != nil {
			b.Write(buf[:n])
			if err == io.EOF {
				return nil
			}
			return err
		}
		k := runeSafe(buf[:n])
		b.Write(buf[:k])
		held = copy(buf, buf[k:n])
	}
	return nil
}

func utf16Text(br *bufio.Reader, little bool, b *builder) error {
	br.Discard(2)
	var pair [2]byte
	var units []uint16
	for !b.full {
		if _, err := io.ReadFull(br, pair[:]); err != nil {
			b.WriteString(string(utf16.Decode(units)))
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil
			}
			return err
		}
		u := uint16(pair[0])<<8 | uint16(pair[1])
		if little {
			u = uint16(pair[1])<<8 | uint16(pair[0])
		}
		units = append(units, u)
		if len(units) >= 4096 && !utf16.IsSurrogate(rune(u)) {
			b.WriteString(string(utf16.Decode(units)))
			units = units[:0]
		}
	}
	return nil
}

// The single-byte charsets read: Windows-1252 (which the web and most mail
// clients also use for text labelled ISO-8859-1, and which is what legacy
// Windows text really is), ISO-8859-15, and US-ASCII. UTF-8 needs no
// table. Any other charset is read as ASCII with other bytes replaced,
// which keeps the words in plain letters searchable.
var (
	cp1252  = singleByte(map[byte]rune{0x80: '€', 0x82: '‚', 0x83: 'ƒ', 0x84: '„', 0x85: '…', 0x86: '†', 0x87: '‡', 0x88: 'ˆ', 0x89: '‰', 0x8A: 'Š', 0x8B: '‹', 0x8C: 'Œ', 0x8E: 'Ž', 0x91: '‘', 0x92: '’', 0x93: '“', 0x94: '”', 0x95: '•', 0x96: '–', 0x97: '—', 0x98: '˜', 0x99: '™', 0x9A: 'š', 0x9B: '›', 0x9C: 'œ', 0x9E: 'ž', 0x9F: 'Ÿ'})
	latin9  = singleByte(map[byte]rune{0xA4: '€', 0xA6: 'Š', 0xA8: 'š', 0xB4: 'Ž', 0xB8: 'ž', 0xBC: 'Œ', 0xBD: 'œ', 0xBE: 'Ÿ'})
	unknown = func() *[256]rune {
		var t [256]rune
		for i := range t {
			t[i] = rune(i)
			if i >= 0x80 {
				t[i] = utf8.RuneError
			}
		}
		return &t
	}()
)

func singleByte(over map[byte]rune) *[256]rune {
	var t [256]rune
	for i := range t {
		t[i] = rune(i)
	}
	for k, v := range over {
		t[k] = v
	}
	return &t
}

// decoderFor returns the table for a charset label, or nil for UTF-8 (and
// for no label), which the builder validates itself.
func decoderFor(label string) *[256]rune {
	switch strings.ToLower(strings.TrimSpace(strings.Trim(label, `"'`))) {
	case "", "utf-8", "utf8", "unicode-1-1-utf-8":
		return nil
	case "windows-1252", "cp1252", "x-cp1252", "iso-8859-1", "iso8859-1", "iso_8859-1", "latin1", "latin-1", "l1", "cp819", "ibm819", "us-ascii", "ascii", "ansi_x3.4-1968":
		return cp1252
	case "iso-8859-15", "iso8859-15", "iso_8859-15", "latin9", "latin-9", "l9":
		return latin9
	}
	return unknown
}

// charsetReader is the CharsetReader for encoding/xml and mime: it decodes
// any label to UTF-8 and never fails, because an unknown charset should
// cost a few characters, not the whole document.
func charsetReader(label string, r io.Reader) (io.Reader, error) {
	if t := decoderFor(label); t != nil {
		return &decodeReader{r: r, table: t}, nil
	}
	return r, nil
}

// decodeReader turns single-byte text into UTF-8.
type decodeReader struct {
	r     io.Reader
	table *[256]rune
	in    []byte
	out   []byte
	pos   int
}

func (d *decodeReader) Read(p []byte) (int, error) {
	for d.pos == len(d.out) {
		if d.in == nil {
			d.in = make([]byte, 8<<10)
		}
		n, err := d.r.Read(d.in)
		d.out, d.pos = d.out[:0], 0
		for _, c := range d.in[:n] {
			d.out = utf8.AppendRune(d.out, d.table[c])
		}
		if n == 0 && err != nil {
			return 0, err
		}
	}
	n := copy(p, d.out[d.pos:])
	d.pos += n
	return n, nil
}

// oneLine makes a header value fit for one line of text: valid UTF-8, no
// control characters, spaces collapsed, at most max bytes.
func oneLine(s string, max int) string {
	b := newBuilder(max)
	for _, r := range s {
		if r == '\n' || r == '\r' || r == '\t' {
			r = ' '
		}
		b.add(r)
	}
	text, _ := b.result()
	return text
}
