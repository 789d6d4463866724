package verify

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"sort"

	"dbtp/internal/signing/internal/pdfdoc"
	"github.com/digitorus/pdf"
)

// changesAfter lists, for each signature, the changes made after it that
// incremental updates may not make. It reads the document as it stood at
// the end of each signed revision and compares each with the next:
// objects new in an update matter only through the objects that refer to
// them, so only changed objects are judged, against what signing and
// long-term validation may change (ISO 32000-2 12.8.2.2, ETSI EN 319 142-1
// 5.4): the catalog's form and security store, the form's fields, unsigned
// signature fields being signed, page annotations gaining signature widgets,
// and the security store itself; and, in a revision that adds a signature,
// the signer's filled-in values as new read-only fields (pades.Fill).
func changesAfter(doc []byte, sigs []rawSig) [][]string {
	ends := []int64{}
	for _, s := range sigs {
		if e := s.end(); e > 0 && e <= int64(len(doc)) {
			ends = append(ends, e)
		}
	}
	ends = append(ends, int64(len(doc)))
	sort.Slice(ends, func(i, j int) bool { return ends[i] < ends[j] })
	uniq := ends[:1]
	for _, e := range ends[1:] {
		if e != uniq[len(uniq)-1] {
			uniq = append(uniq, e)
		}
	}
	ends = uniq

	readers := make([]*pdf.Reader, len(ends))
	for i, e := range ends {
		if r, err := pdfdoc.Open(doc[:e], e+1); err == nil {
			readers[i] = r
		}
	}
	segment := map[int64][]string{} // changes after the revision ending at the key
	for i := 0; i+1 < len(ends); i++ {
		a, b := readers[i], readers[i+1]
		var found []string
		switch {
		case a == nil:
			found = []string{"the signed revision cannot be read"}
		case b == nil:
			found = []string{"what was appended after it cannot be read"}
		default:
			err := pdfdoc.Guard(func() error {
				found = diff(a, b)
				return nil
			})
			if err != nil {
				found = []string{"what was appended after it cannot be read"}
			}
			if a.XrefInformation.StartPos == b.XrefInformation.StartPos && len(bytes.TrimSpace(doc[ends[i]:ends[i+1]])) > 0 {
				found = append(found, "bytes that are not an incremental update were appended")
			}
		}
		segment[ends[i]] = found
	}
	out := make([][]string, len(sigs))
	for i, s := range sigs {
		for _, e := range ends {
			if e >= s.end() {
				out[i] = append(out[i], segment[e]...)
			}
		}
	}
	return out
}

// diff judges the objects b changed relative to a.
func diff(a, b *pdf.Reader) []string {
	rootA, rootB := a.Trailer().Key("Root"), b.Trailer().Key("Root")
	rootID := pdfdoc.IDOf(rootB)
	if pdfdoc.IDOf(rootA) != rootID {
		return []string{"the document catalog was replaced"}
	}
	formID := pdfdoc.IDOf(rootB.Key("AcroForm"))
	dssID := pdfdoc.IDOf(rootB.Key("DSS"))
	// Filling in a form is allowed to a signer, in the revision they sign.
	ok := isSigField
	if signed(b) > signed(a) {
		ok = func(f pdf.Value) bool { return isSigField(f) || isFilled(f) }
	}
	var out []string
	ax, bx := a.Xref(), b.Xref()
	for i := range bx {
		pb := bx[i].Ptr()
		var pa = pb
		old := i < len(ax)
		if old {
			pa = ax[i].Ptr()
			old = pa.GetID() != 0
		}
		if pb.GetID() == 0 {
			if old {
				out = append(out, fmt.Sprintf("object %d was deleted", pa.GetID()))
			}
			continue
		}
		if !old {
			continue // new: judged through whatever refers to it
		}
		if ax[i] == bx[i] {
			sa, sb := ax[i].Stream(), bx[i].Stream()
			if sb.GetID() == 0 || (int(sa.GetID()) < len(ax) && int(sb.GetID()) < len(bx) && ax[sa.GetID()] == bx[sb.GetID()]) {
				continue // same place in the file: unchanged
			}
		}
		id := pb.GetID()
		va, vb := a.Resolve(pa, pa), b.Resolve(pb, pb)
		if same(va, vb, id) {
			continue
		}
		var problem string
		switch {
		case id == rootID:
			problem = checkCatalog(va, vb, ok)
		case id == formID && id != 0:
			problem = checkForm(va, vb, ok)
		case id == dssID && id != 0, vb.Key("Type").Name() == "DSS":
		case va.Key("FT").Name() == "Sig":
			problem = checkSigField(va, vb)
		case va.Key("Type").Name() == "Page":
			problem = checkPage(va, vb, ok)
		default:
			problem = fmt.Sprintf("object %d (%s) was changed", id, describe(va))
		}
		if problem != "" {
			out = append(out, problem)
		}
	}
	return out
}

func describe(v pdf.Value) string {
	if t := v.Key("Type").Name(); t != "" {
		return t
	}
	if v.Kind() == pdf.Stream {
		return "a stream"
	}
	return "an object"
}

// maxStreamCompared bounds how much of a changed stream is decoded to
// compare it, so a compressed bomb in an update cannot exhaust memory or time.
const maxStreamCompared = 256 << 20

func serial(v pdf.Value, self uint32) string {
	var b bytes.Buffer
	if v.Kind() == pdf.Stream {
		pdfdoc.WriteDict(&b, v, self, 0, nil)
		rc := v.Reader()
		h := sha256.New()
		n, _ := io.Copy(h, io.LimitReader(rc, maxStreamCompared+1))
		rc.Close()
		if n > maxStreamCompared {
			return b.String() + " stream too large to compare"
		}
		b.Write(h.Sum(nil))
		return b.String()
	}
	pdfdoc.WriteValue(&b, v, self, 0)
	return b.String()
}

func same(a, b pdf.Value, self uint32) bool { return serial(a, self) == serial(b, self) }

// changedKeys lists the keys of two dictionaries whose values differ, each
// read as part of the object it came from (a direct form inside the catalog
// and its copy as an object of its own compare equal).
func changedKeys(a, b pdf.Value) []string {
	selfA, selfB := pdfdoc.IDOf(a), pdfdoc.IDOf(b)
	keys := map[string]bool{}
	for _, k := range a.Keys() {
		keys[k] = true
	}
	for _, k := range b.Keys() {
		keys[k] = true
	}
	var out []string
	for k := range keys {
		if serial(a.Key(k), selfA) != serial(b.Key(k), selfB) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// signed counts the signed signature fields.
func signed(r *pdf.Reader) int {
	n := 0
	for _, f := range pdfdoc.SigFields(r) {
		if f.Key("V").Kind() == pdf.Dict {
			n++
		}
	}
	return n
}

func isSigField(f pdf.Value) bool { return f.Key("FT").Name() == "Sig" }

// isFilled tells a signer's filled-in value: the widget of a read-only
// (/Ff bit 1) text field or checkbox, with an appearance.
func isFilled(f pdf.Value) bool {
	ft := f.Key("FT").Name()
	return (ft == "Tx" || ft == "Btn") && f.Key("Subtype").Name() == "Widget" && f.Key("Ff").Int64()&1 == 1 && f.Key("AP").Kind() == pdf.Dict
}

func checkCatalog(va, vb pdf.Value, ok func(pdf.Value) bool) string {
	for _, k := range changedKeys(va, vb) {
		switch k {
		case "DSS":
		case "AcroForm":
			if p := checkForm(va.Key("AcroForm"), vb.Key("AcroForm"), ok); p != "" {
				return p
			}
		default:
			return fmt.Sprintf("the document catalog's /%s was changed", k)
		}
	}
	return ""
}

// checkForm allows only new fields that pass ok and the signature flags.
func checkForm(va, vb pdf.Value, ok func(pdf.Value) bool) string {
	for _, k := range changedKeys(va, vb) {
		switch k {
		case "SigFlags":
		case "Fields":
			if p := checkAdded(va.Key("Fields"), vb.Key("Fields"), "form field", ok); p != "" {
				return p
			}
		default:
			return fmt.Sprintf("the form's /%s was changed", k)
		}
	}
	return ""
}

// checkAdded allows an array of references to gain elements that pass ok,
// and nothing else.
func checkAdded(va, vb pdf.Value, what string, ok func(pdf.Value) bool) string {
	have := map[uint32]bool{}
	for i := 0; i < va.Len(); i++ {
		have[pdfdoc.IDOf(va.Index(i))] = true
	}
	kept := 0
	for i := 0; i < vb.Len(); i++ {
		e := vb.Index(i)
		if have[pdfdoc.IDOf(e)] {
			kept++
			continue
		}
		if !ok(e) {
			return fmt.Sprintf("a %s other than a signature was added", what)
		}
	}
	if kept < len(have) {
		return fmt.Sprintf("a %s was removed", what)
	}
	return ""
}

// checkSigField allows an unsigned signature field to be signed.
func checkSigField(va, vb pdf.Value) string {
	if va.Key("V").Kind() != pdf.Null {
		return fmt.Sprintf("the signed field %q was changed", va.Key("T").Text())
	}
	for _, k := range changedKeys(va, vb) {
		if k != "V" {
			return fmt.Sprintf("the signature field %q's /%s was changed", va.Key("T").Text(), k)
		}
	}
	return ""
}

// checkPage allows a page to gain widgets of fields that pass ok.
func checkPage(va, vb pdf.Value, ok func(pdf.Value) bool) string {
	for _, k := range changedKeys(va, vb) {
		if k != "Annots" {
			return fmt.Sprintf("a page's /%s was changed", k)
		}
		if p := checkAdded(va.Key("Annots"), vb.Key("Annots"), "page annotation", func(a pdf.Value) bool {
			return a.Key("Subtype").Name() == "Widget" && ok(a)
		}); p != "" {
			return p
		}
	}
	return ""
}
