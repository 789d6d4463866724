// Package pdfdoc reads PDFs for signing and verification through
// github.com/digitorus/pdf, turning its panics on damaged files into errors,
// and writes PDF syntax for incremental updates.
package pdfdoc

import (
	"bytes"
	"errors"
	"fmt"

	"dbtp/internal/platform"
	"github.com/digitorus/pdf"
)

// DefaultMaxSize caps the PDFs signed and verified when no other cap is
// given: a signed contract is rarely more than a few megabytes, and the whole
// file is held in memory while it is signed.
const DefaultMaxSize = 64 << 20

// Open parses doc, refusing what cannot be signed with a message that says
// what is wrong with the file.
func Open(doc []byte, maxSize int64) (*pdf.Reader, error) {
	if maxSize <= 0 {
		maxSize = DefaultMaxSize
	}
	if int64(len(doc)) > maxSize {
		return nil, platform.Errorf(platform.CodeTooLarge, "the PDF is %d MB; the largest accepted is %d MB", len(doc)>>20, maxSize>>20)
	}
	if !bytes.HasPrefix(doc, []byte("%PDF-")) {
		return nil, platform.Invalid("the file is not a PDF (it does not start with %PDF-)")
	}
	var r *pdf.Reader
	err := Guard(func() error {
		var err error
		r, err = pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
		return err
	})
	if err != nil {
		if errors.Is(err, pdf.ErrInvalidPassword) || encryptedTail(doc) {
			return nil, ErrEncrypted
		}
		return nil, Malformed(err)
	}
	err = Guard(func() error {
		if !r.Trailer().Key("Encrypt").IsNull() {
			return ErrEncrypted
		}
		root := r.Trailer().Key("Root")
		if root.Kind() != pdf.Dict || IDOf(root) == 0 {
			return errors.New("no document catalog")
		}
		if root.Key("Pages").Kind() != pdf.Dict || CountPages(root.Key("Pages")) == 0 {
			return errors.New("no pages")
		}
		return nil
	})
	if errors.Is(err, ErrEncrypted) {
		return nil, err
	}
	if err != nil {
		return nil, Malformed(err)
	}
	return r, nil
}

// ErrEncrypted refuses encrypted PDFs: signing one would need its password,
// and a verifier elsewhere could not read it either.
var ErrEncrypted = platform.Invalid("the PDF is encrypted or password-protected; save it without a password and upload it again")

// Malformed wraps a parse failure in a message for the person who uploaded.
func Malformed(err error) error {
	return &platform.Error{Code: platform.CodeInvalid, Message: "the PDF is damaged or not a PDF this platform can read; export it again from the program that made it", Err: err}
}

// encryptedTail tells whether the last trailer of doc names an /Encrypt
// dictionary, for files the reader could not even open.
func encryptedTail(doc []byte) bool {
	tail := doc
	if len(tail) > 4096 {
		tail = tail[len(tail)-4096:]
	}
	return bytes.Contains(tail, []byte("/Encrypt"))
}

// Guard runs f, turning a panic of the PDF reader (which reports damage in
// files by panicking) into an error.
func Guard(f func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("reading the PDF: %v", p)
		}
	}()
	return f()
}

// maxNodes bounds a walk of a page or field tree, so a file whose tree
// refers back to itself, or fans out without end, cannot keep us busy.
const maxNodes = 100000

// CountPages counts the leaves of a page tree.
func CountPages(node pdf.Value) int {
	n := 0
	walkTree(node, "Kids", func(v pdf.Value) bool {
		if v.Key("Type").Name() == "Page" {
			n++
		}
		return true
	})
	return n
}

// FirstPage finds the first page of a page tree.
func FirstPage(node pdf.Value) (pdf.Value, bool) {
	var page pdf.Value
	found := false
	walkTree(node, "Kids", func(v pdf.Value) bool {
		if v.Key("Type").Name() == "Page" {
			page, found = v, true
			return false
		}
		return true
	})
	return page, found
}

// NthPage finds page n (from 1) of a page tree.
func NthPage(node pdf.Value, n int) (pdf.Value, bool) {
	var page pdf.Value
	found := false
	walkTree(node, "Kids", func(v pdf.Value) bool {
		if v.Key("Type").Name() == "Page" {
			if n--; n == 0 {
				page, found = v, true
				return false
			}
		}
		return true
	})
	return page, found
}

// walkTree visits node and its descendants through kids, depth first, each
// object once, until visit returns false.
func walkTree(node pdf.Value, kids string, visit func(pdf.Value) bool) {
	seen := map[uint32]bool{}
	stack := []pdf.Value{node}
	for len(stack) > 0 && len(seen) < maxNodes {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if v.Kind() != pdf.Dict {
			continue
		}
		if id := IDOf(v); id != 0 {
			if seen[id] {
				continue
			}
			seen[id] = true
		}
		if !visit(v) {
			return
		}
		k := v.Key(kids)
		for i := k.Len() - 1; i >= 0; i-- {
			e := k.Index(i)
			if IDOf(e) == IDOf(v) {
				continue // a direct child would be written inline; skip the odd case
			}
			stack = append(stack, e)
		}
	}
}

// SigFields returns the document's signature fields (terminal fields whose
// type, perhaps inherited, is /Sig), walking the AcroForm's field tree.
func SigFields(r *pdf.Reader) []pdf.Value {
	var out []pdf.Value
	fields := r.Trailer().Key("Root").Key("AcroForm").Key("Fields")
	seen := map[uint32]bool{}
	var walk func(f pdf.Value, ft string, depth int)
	walk = func(f pdf.Value, ft string, depth int) {
		if depth > 32 || f.Kind() != pdf.Dict || len(seen) > maxNodes {
			return
		}
		id := IDOf(f)
		if seen[id] {
			return
		}
		seen[id] = true
		if t := f.Key("FT").Name(); t != "" {
			ft = t
		}
		kids := f.Key("Kids")
		if kids.Len() > 0 && kids.Index(0).Key("T").Kind() != pdf.Null {
			for i := 0; i < kids.Len(); i++ {
				walk(kids.Index(i), ft, depth+1)
			}
			return
		}
		if ft == "Sig" {
			out = append(out, f)
		}
	}
	for i := 0; i < fields.Len(); i++ {
		walk(fields.Index(i), "", 0)
	}
	return out
}
