package pdfdoc

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"
	"time"

	"github.com/digitorus/pdf"
)

// WriteValue writes v in PDF syntax. self is the number of the object v was
// read from: a value whose object number differs came through a reference and
// is written as one, so copied dictionaries keep pointing at the same objects.
func WriteValue(b *bytes.Buffer, v pdf.Value, self uint32, depth int) {
	if depth > 64 {
		panic(fmt.Errorf("objects nested too deeply"))
	}
	if id, gen := PtrOf(v); id != self && v.Kind() != pdf.Null {
		b.WriteString(Ref(id, gen))
		return
	}
	switch v.Kind() {
	case pdf.Null:
		b.WriteString("null")
	case pdf.Bool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pdf.Integer:
		b.WriteString(strconv.FormatInt(v.Int64(), 10))
	case pdf.Real:
		b.WriteString(strconv.FormatFloat(v.Float64(), 'f', -1, 64))
	case pdf.String:
		WriteString(b, v.RawString())
	case pdf.Name:
		WriteName(b, v.Name())
	case pdf.Array:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(' ')
			}
			WriteValue(b, v.Index(i), self, depth+1)
		}
		b.WriteByte(']')
	case pdf.Dict:
		WriteDict(b, v, self, depth, nil)
	case pdf.Stream:
		// A stream is always an indirect object, so reaching one here means
		// the document put a stream where a direct value belongs.
		panic(fmt.Errorf("a stream used as a direct value"))
	}
}

// WriteDict writes dictionary v but for the keys in skip.
func WriteDict(b *bytes.Buffer, v pdf.Value, self uint32, depth int, skip map[string]bool) {
	WriteDictOpen(b, v, self, depth, skip)
	b.WriteString(">>")
}

// WriteDictOpen writes dictionary v but for the keys in skip, leaving it open
// for the caller to add entries and close.
func WriteDictOpen(b *bytes.Buffer, v pdf.Value, self uint32, depth int, skip map[string]bool) {
	b.WriteString("<<")
	for _, k := range v.Keys() {
		if skip[k] {
			continue
		}
		b.WriteByte(' ')
		WriteName(b, k)
		b.WriteByte(' ')
		WriteValue(b, v.Key(k), self, depth+1)
	}
}

// WriteString writes s as a hexadecimal string, which needs no escaping.
func WriteString(b *bytes.Buffer, s string) {
	b.WriteByte('<')
	b.WriteString(hex.EncodeToString([]byte(s)))
	b.WriteByte('>')
}

// TextString encodes s as a PDF text string: PDFDocEncoding's ASCII subset
// as it is, anything else as UTF-16BE with a byte order mark.
func TextString(b *bytes.Buffer, s string) {
	ascii := true
	for _, r := range s {
		if r > 0x7e || r < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		WriteString(b, s)
		return
	}
	u := []byte{0xfe, 0xff}
	for _, r := range s {
		if r > 0xffff {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			u = append(u, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		u = append(u, byte(r>>8), byte(r))
	}
	WriteString(b, string(u))
}

// WriteName writes a name, escaping what names cannot hold.
func WriteName(b *bytes.Buffer, n string) {
	b.WriteByte('/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || bytes.IndexByte([]byte("#()<>[]{}/%"), c) >= 0 {
			fmt.Fprintf(b, "#%02X", c)
			continue
		}
		b.WriteByte(c)
	}
}

// Date formats t as a PDF date string, D:YYYYMMDDHHmmSS+HH'mm'.
func Date(t time.Time) string {
	_, off := t.Zone()
	sign := '+'
	if off < 0 {
		sign, off = '-', -off
	}
	return fmt.Sprintf("D:%s%c%02d'%02d'", t.Format("20060102150405"), sign, off/3600, off%3600/60)
}

// PtrOf tells the object a value was read from (its own, when it was reached
// through a reference).
func PtrOf(v pdf.Value) (id, gen uint32) {
	p := v.GetPtr()
	return p.GetID(), uint32(p.GetGen())
}

// IDOf is PtrOf's object number alone.
func IDOf(v pdf.Value) uint32 {
	id, _ := PtrOf(v)
	return id
}

// Ref writes an indirect reference.
func Ref(id, gen uint32) string {
	return strconv.FormatUint(uint64(id), 10) + " " + strconv.FormatUint(uint64(gen), 10) + " R"
}
