// Package pades signs PDFs with PAdES baseline signatures (ETSI EN 319 142-1):
// B-B (a CAdES detached CMS with the signing-certificate-v2 attribute under
// the ETSI.CAdES.detached subfilter), B-T (with an RFC 3161 signature
// timestamp) and B-LT (with a Document Security Store holding the
// certificates and revocation data a verifier needs years later).
//
// Each signature is an incremental update appended to the file, so the
// signatures before it stay valid: every signer's step, then the council's seal.
package pades

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/internal/pdfdoc"
	"dbtp/internal/signing/tsa"
	"github.com/digitorus/pdf"
)

// Level is a PAdES baseline level.
type Level int

const (
	LevelBB  Level = iota // basic signature
	LevelBT               // with a signature timestamp from a TSA
	LevelBLT              // with validation data in the Document Security Store
)

func (l Level) String() string {
	return [...]string{"PAdES-B-B", "PAdES-B-T", "PAdES-B-LT"}[l]
}

// Options says who signs, how and why.
type Options struct {
	Credential *ca.Credential
	Level      Level
	// TSA gives the signature timestamp; required from B-T up.
	TSA *tsa.Client
	// Revocation gives CRLs (and OCSP responses) for certificates. With it the
	// signing certificate is checked not to be revoked before signing; B-LT
	// requires it, to embed the data in the Document Security Store.
	Revocation RevocationSource
	// ExtraCerts are certificates a verifier needs that are in neither the
	// signer's chain nor the timestamp token, such as the TSA's issuers.
	ExtraCerts []*x509.Certificate

	// FieldName names the signature field. When the document already has an
	// unsigned signature field of that name (one placed as a visible box by
	// the envelope's editor), that field is signed; otherwise a new field is
	// added, invisible unless Appearance says where to show it. Empty means
	// "Signature N".
	FieldName  string
	Appearance *Appearance
	// Fills are the values the signer gave for their other fields, written
	// in the same update as the signature (see Fill).
	Fills []Fill
	// Name, Reason, Location and ContactInfo go in the signature dictionary.
	Name, Reason, Location, ContactInfo string
	// Time is the claimed signing time (/M) and the time the certificate is
	// checked at; zero means now.
	Time time.Time
	// MaxSize caps the input; zero means DefaultMaxSize.
	MaxSize int64
}

// Result is a signed PDF with what the caller records as evidence.
type Result struct {
	PDF []byte
	// Digest is the SHA-256 of the bytes the signature covers.
	Digest [32]byte
	// CMS is the signature itself (a DER ContentInfo).
	CMS []byte
	// TimestampTime is the time asserted by the TSA (zero at B-B).
	TimestampTime time.Time
	Field         string

	tsaCerts []*x509.Certificate
}

// Sign signs doc and returns it with the signature appended as an
// incremental update (two updates at B-LT: the signature, then the DSS).
// A TSA that cannot be reached yields an error for which tsa.IsTemporary is
// true; doc is untouched and the call can be repeated later.
func Sign(ctx context.Context, doc []byte, opts Options) (*Result, error) {
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	if err := ca.CheckSigning(opts.Credential, now); err != nil {
		return nil, err
	}
	if opts.Level >= LevelBT && opts.TSA == nil {
		return nil, platform.Invalid(opts.Level.String() + " needs a time-stamping authority")
	}
	if opts.Appearance != nil {
		if err := opts.Appearance.check(); err != nil {
			return nil, err
		}
	}
	if err := checkFills(opts.Fills); err != nil {
		return nil, err
	}
	if opts.Level >= LevelBLT && opts.Revocation == nil {
		return nil, platform.Invalid(opts.Level.String() + " needs a source of revocation data")
	}
	r, err := pdfdoc.Open(doc, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	chain := opts.Credential.Chain
	var validation *validationData
	if opts.Revocation != nil {
		validation, err = collect(ctx, opts.Revocation, chain, opts.ExtraCerts, now, opts.Level >= LevelBLT)
		if err != nil {
			return nil, err
		}
	}
	res, err := sign(ctx, doc, r, opts, now)
	if err != nil {
		return nil, err
	}
	if opts.Level < LevelBLT {
		return res, nil
	}
	// The TSA's certificate needs validation data too.
	if err := validation.addChain(ctx, opts.Revocation, res.tsaCerts, now, refuseRevoked|requireData); err != nil {
		return nil, err
	}
	// So do the earlier signatures, as far as data can be had: the seal
	// makes the whole document verifiable for the long term, and a revoked
	// signer is reported by verifiers, not a reason to refuse the seal.
	for _, chain := range earlierChains(r) {
		if err := validation.addChain(ctx, opts.Revocation, chain, now, 0); err != nil {
			return nil, err
		}
	}
	signed, err := addDSS(res.PDF, validation)
	if err != nil {
		return nil, err
	}
	res.PDF = signed
	return res, nil
}

func sign(ctx context.Context, doc []byte, r *pdf.Reader, opts Options, now time.Time) (*Result, error) {
	s := &cmsSigner{key: opts.Credential.Key, chain: opts.Credential.Chain}
	reserve := 4096
	for _, c := range s.chain {
		reserve += len(c.Raw)
	}
	if opts.Level >= LevelBT {
		reserve += 8192
	}
	var dict bytes.Buffer
	dict.WriteString("<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached\n /M ")
	pdfdoc.WriteString(&dict, pdfdoc.Date(now))
	for _, kv := range [][2]string{{"Name", opts.Name}, {"Reason", opts.Reason}, {"Location", opts.Location}, {"ContactInfo", opts.ContactInfo}} {
		if kv[1] != "" {
			dict.WriteString("\n /" + kv[0] + " ")
			pdfdoc.TextString(&dict, kv[1])
		}
	}
	dict.WriteString("\n /Prop_Build << /App << /Name /dbtp >> >>")
	res := &Result{}
	out, field, err := place(doc, r, dict.Bytes(), fieldSpec{opts.FieldName, opts.Appearance, opts.Fills}, reserve, func(digest []byte) ([]byte, error) {
		copy(res.Digest[:], digest)
		attrs, err := s.signedAttrs(digest)
		if err != nil {
			return nil, err
		}
		sig, alg, err := s.signature(attrs)
		if err != nil {
			return nil, fmt.Errorf("signing with the council's key: %w", err)
		}
		var token []byte
		if opts.Level >= LevelBT {
			tok, err := opts.TSA.Stamp(ctx, sig, 0)
			if err != nil {
				return nil, err
			}
			token, res.TimestampTime, res.tsaCerts = tok.DER, tok.Time, tok.Certificates
		}
		res.CMS, err = s.assemble(attrs, sig, alg, token)
		return res.CMS, err
	})
	if err != nil {
		return nil, err
	}
	res.PDF, res.Field = out, field
	return res, nil
}

// place appends a signature field whose value is the dictionary begun by
// dict, with a /ByteRange and a /Contents of reserve bytes, and fills
// /Contents with what value returns for the SHA-256 digest of the byte
// ranges. When the value outgrows the reserve, it starts again once with
// room enough.
func place(doc []byte, r *pdf.Reader, dict []byte, spec fieldSpec, reserve int, value func(digest []byte) ([]byte, error)) ([]byte, string, error) {
	for attempt := 0; ; attempt++ {
		var out []byte
		var field string
		var contentsAt int
		err := pdfdoc.Guard(func() error {
			var err error
			out, field, contentsAt, err = prepare(doc, r, dict, spec, reserve)
			return err
		})
		var perr *platform.Error
		if errors.As(err, &perr) {
			return nil, "", err
		}
		if err != nil {
			return nil, "", pdfdoc.Malformed(err)
		}
		end := contentsAt + 2 + 2*reserve // "<" hex ">"
		byteRange := fmt.Sprintf("[0 %d %d %d", contentsAt, end, len(out)-end)
		at := bytes.Index(out[len(doc):], []byte(byteRangePlaceholder)) + len(doc)
		copy(out[at:], byteRange+strings.Repeat(" ", len(byteRangePlaceholder)-len(byteRange)-1)+"]")

		h := sha256.New()
		h.Write(out[:contentsAt])
		h.Write(out[end:])
		v, err := value(h.Sum(nil))
		if err != nil {
			return nil, "", err
		}
		if len(v) > reserve {
			if attempt > 0 {
				return nil, "", fmt.Errorf("the signature needs %d bytes, more than the %d reserved", len(v), reserve)
			}
			reserve = len(v) + 2048
			continue
		}
		hex.Encode(out[contentsAt+1:], v)
		return out, field, nil
	}
}

const byteRangePlaceholder = "[0 9999999999 9999999999 9999999999]"

// showOn rewrites page with widgets added to its /Annots (a direct array,
// even where the page had an array object of its own, so a verifier sees the
// change on the page itself).
func showOn(u *update, page pdf.Value, widgets []uint32) {
	id, gen := pdfdoc.PtrOf(page)
	var b bytes.Buffer
	pdfdoc.WriteDictOpen(&b, page, id, 0, map[string]bool{"Annots": true})
	b.WriteString(" /Annots [")
	annots := page.Key("Annots")
	for i := 0; i < annots.Len(); i++ {
		pdfdoc.WriteValue(&b, annots.Index(i), pdfdoc.IDOf(annots), 1)
		b.WriteByte(' ')
	}
	for i, w := range widgets {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(pdfdoc.Ref(w, 0))
	}
	b.WriteString("] >>")
	u.set(id, gen, b.Bytes())
}

// fieldSpec names the field to sign and, for a new one, where to show it;
// fills are the signer's other fields' values.
type fieldSpec struct {
	name  string
	look  *Appearance
	fills []Fill
}

// shown gathers the widgets each page gains, to rewrite each page once.
type shown struct {
	order   []uint32 // page object numbers, in the order first met
	pages   map[uint32]pdf.Value
	widgets map[uint32][]uint32
}

func (s *shown) add(page pdf.Value, widget uint32) {
	id := pdfdoc.IDOf(page)
	if s.pages == nil {
		s.pages, s.widgets = map[uint32]pdf.Value{}, map[uint32][]uint32{}
	}
	if _, ok := s.pages[id]; !ok {
		s.order, s.pages[id] = append(s.order, id), page
	}
	s.widgets[id] = append(s.widgets[id], widget)
}

func (s *shown) write(u *update) {
	for _, id := range s.order {
		showOn(u, s.pages[id], s.widgets[id])
	}
}

// prepare appends the signature's incremental update with a /ByteRange and a
// zero-filled /Contents of reserve bytes, and tells where /Contents' "<" is.
func prepare(doc []byte, r *pdf.Reader, dict []byte, spec fieldSpec, reserve int) (out []byte, field string, contentsAt int, err error) {
	u := newUpdate(doc, r)
	root := r.Trailer().Key("Root")
	rootID, rootGen := pdfdoc.PtrOf(root)
	fields := pdfdoc.SigFields(r)

	var sig bytes.Buffer
	sig.Write(dict)
	sig.WriteString("\n /ByteRange " + byteRangePlaceholder + "\n /Contents <")
	contentsInSig := sig.Len() - 1
	sig.Grow(2*reserve + 8)
	zeros := sig.AvailableBuffer()[:2*reserve] // written in place, not allocated apart
	for i := range zeros {
		zeros[i] = '0'
	}
	sig.Write(zeros)
	sig.WriteString("> >>")
	sigID := u.add(sig.Bytes())

	field = spec.name
	if field == "" {
		field = "Signature " + strconv.Itoa(len(fields)+1)
	}
	var fieldID uint32
	var on shown
	var newFields []uint32 // for the form's /Fields
	for _, f := range fields {
		if f.Key("T").Text() != field {
			continue
		}
		if f.Key("V").Kind() != pdf.Null {
			return nil, "", 0, platform.Errorf(platform.CodeConflict, "the signature field %q is already signed", field)
		}
		// Sign the field placed earlier: the same dictionary with /V added.
		id, gen := pdfdoc.PtrOf(f)
		var b bytes.Buffer
		pdfdoc.WriteDictOpen(&b, f, id, 0, map[string]bool{"V": true})
		b.WriteString(" /V " + pdfdoc.Ref(sigID, 0) + " >>")
		u.set(id, gen, b.Bytes())
		fieldID = id
	}
	if fieldID == 0 {
		page, ok := pdfdoc.FirstPage(root.Key("Pages"))
		if spec.look != nil {
			if page, ok = pdfdoc.NthPage(root.Key("Pages"), spec.look.Page); !ok {
				return nil, "", 0, platform.Errorf(platform.CodeInvalid, "the document has no page %d for the signature box", spec.look.Page)
			}
		}
		if !ok {
			return nil, "", 0, errors.New("no page for the signature field")
		}
		var b bytes.Buffer
		b.WriteString("<< /Type /Annot /Subtype /Widget /FT /Sig /T ")
		pdfdoc.TextString(&b, field)
		b.WriteString(" /V " + pdfdoc.Ref(sigID, 0) + " /P " + pdfdoc.Ref(pdfdoc.PtrOf(page)))
		if spec.look == nil {
			b.WriteString(" /F 132 /Rect [0 0 0 0] >>") // printed, locked, of no size
			fieldID = u.add(b.Bytes())
		} else {
			ap := spec.look.add(u)
			rc := spec.look.Rect
			fmt.Fprintf(&b, " /F 132 /Rect [%s %s %s %s] /AP << /N %s >> >>", num(rc[0]), num(rc[1]), num(rc[2]), num(rc[3]), pdfdoc.Ref(ap, 0))
			fieldID = u.add(b.Bytes())
			on.add(page, fieldID)
		}
		newFields = append(newFields, fieldID)
	}
	for i := range spec.fills {
		f := &spec.fills[i]
		page, ok := pdfdoc.NthPage(root.Key("Pages"), f.Page)
		if !ok {
			return nil, "", 0, platform.Errorf(platform.CodeInvalid, "the document has no page %d for the field %s", f.Page, f.Name)
		}
		id := u.add(f.add(u, pdfdoc.Ref(pdfdoc.PtrOf(page))))
		on.add(page, id)
		newFields = append(newFields, id)
	}
	on.write(u)
	if len(newFields) > 0 {
		// Add the new fields to the form: rewrite the AcroForm where it is an
		// object of its own, otherwise rewrite the catalog with a new one.
		form := root.Key("AcroForm")
		var fb bytes.Buffer
		formID, formGen := pdfdoc.PtrOf(form)
		from := formID // the object the form's direct values were read from
		indirect := form.Kind() == pdf.Dict && formID != rootID
		if !indirect {
			formID, formGen, from = u.reserve(), 0, rootID
		}
		pdfdoc.WriteDictOpen(&fb, form, from, 0, map[string]bool{"Fields": true, "SigFlags": true})
		fb.WriteString(" /Fields [")
		old := form.Key("Fields")
		for i := 0; i < old.Len(); i++ {
			pdfdoc.WriteValue(&fb, old.Index(i), from, 1)
			fb.WriteByte(' ')
		}
		for i, id := range newFields {
			if i > 0 {
				fb.WriteByte(' ')
			}
			fb.WriteString(pdfdoc.Ref(id, 0))
		}
		fb.WriteString("] /SigFlags 3 >>")
		u.set(formID, formGen, fb.Bytes())
		if !indirect {
			var cb bytes.Buffer
			pdfdoc.WriteDictOpen(&cb, root, rootID, 0, map[string]bool{"AcroForm": true})
			cb.WriteString(" /AcroForm " + pdfdoc.Ref(formID, 0) + " >>")
			u.set(rootID, rootGen, cb.Bytes())
		}
	}

	out = u.bytes()
	// Find the signature object in the update to place /Contents. Every
	// object the update writes starts a line, so the marker starts with
	// the newline before it: without, "5 0 obj" was found inside a later
	// "15 0 obj" and the signature placed in the wrong object (a panic).
	marker := []byte("\n" + strconv.FormatUint(uint64(sigID), 10) + " 0 obj\n")
	i := bytes.Index(out[len(doc)-1:], marker)
	if i < 0 {
		return nil, "", 0, errors.New("signature object not written")
	}
	return out, field, len(doc) - 1 + i + len(marker) + contentsInSig, nil
}
