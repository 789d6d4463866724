// Package verify checks the signatures in a PDF and reports, for each one:
// who signed, whether the bytes it covers are intact and are the document up
// to that point, whether anything but permitted incremental updates (later
// signatures, their fields, validation data) follows, the certificate chain
// to given roots, the timestamp, the revocation status from the CRLs and OCSP
// responses the PDF embeds, and whether the council's certificate sealed it.
// It does no network I/O: what a PDF does not embed counts as unknown.
package verify

import (
	"bytes"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/signing/internal/pdfdoc"
	"dbtp/internal/signing/internal/revocation"
	"github.com/digitorus/pdf"
	"github.com/digitorus/pkcs7"
)

// Options are what the verifier trusts.
type Options struct {
	// Roots are the trust anchors for signers and TSAs.
	Roots *x509.CertPool
	// Council are the council's sealing certificates (current and past).
	Council []*x509.Certificate
	// MaxSize caps the input; zero means the signing packages' default.
	MaxSize int64
	// Now is the time a signature without a timestamp is judged at; zero
	// means the time of the call.
	Now time.Time
}

// Report is the verdict on one PDF.
type Report struct {
	Signatures []Signature `json:"signatures"`
	// SealedByCouncil is set when a valid signature by one of the council's
	// certificates covers the document with no unpermitted change after it.
	SealedByCouncil bool `json:"sealed_by_council"`
}

// Signature is the verdict on one signature, earliest first.
type Signature struct {
	Field     string    `json:"field"`
	SubFilter string    `json:"sub_filter"`
	Level     string    `json:"level"` // PAdES-B-B, -B-T, -B-LT, or empty when not PAdES baseline
	Signer    string    `json:"signer"`
	SignerDN  string    `json:"signer_dn"`
	Claimed   time.Time `json:"claimed_time,omitzero"` // the signer's clock (/M), not proof
	Reason    string    `json:"reason,omitempty"`
	// Name is the signature dictionary's /Name: who signed, as the signing
	// program put it (dbtp: the name a person typed), not proof.
	Name     string `json:"name,omitempty"`
	Location string `json:"location,omitempty"`

	// Intact: the cryptographic signature verifies over the bytes it covers,
	// with algorithms still strong (not SHA-1 or MD5, RSA of 2048 bits up).
	Intact bool `json:"intact"`
	// CoversRevision: the byte range starts at the file's first byte, leaves
	// out exactly this signature's value and ends at the end of a revision.
	CoversRevision bool `json:"covers_revision"`
	// CoversWholeFile: nothing at all was appended after it.
	CoversWholeFile bool `json:"covers_whole_file"`
	// ChangedSince lists changes after this signature that incremental
	// updates may not make (anything but signatures, their fields and
	// validation data); empty means the document is as it was signed.
	ChangedSince []string `json:"changed_since,omitempty"`

	ChainTrusted bool     `json:"chain_trusted"`
	ChainError   string   `json:"chain_error,omitempty"`
	Chain        []string `json:"chain,omitempty"` // subjects from signer to root

	Timestamp *Timestamp `json:"timestamp,omitempty"`
	// Revocation is revocation.Good, Revoked or Unknown for the chain, judged
	// from the PDF's own CRLs and OCSP responses at the timestamp's time.
	Revocation string    `json:"revocation"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`

	SealedByCouncil bool `json:"sealed_by_council"`
	// Valid sums it up: intact, covering its revision, unchanged since,
	// trusted, timestamp valid if present, and not revoked.
	Valid    bool     `json:"valid"`
	Problems []string `json:"problems,omitempty"`

	Certificate *x509.Certificate `json:"-"`
}

// Timestamp is the verdict on a signature's RFC 3161 timestamp.
type Timestamp struct {
	Time    time.Time `json:"time"`
	TSA     string    `json:"tsa"`
	Valid   bool      `json:"valid"`   // signed by the TSA and over this signature's value
	Trusted bool      `json:"trusted"` // the TSA's certificate chains to a root, for time-stamping
	Error   string    `json:"error,omitempty"`
}

// Verify reads doc and judges every signature in it. It fails only on a file
// it cannot read (too large, encrypted, damaged); a PDF without signatures
// gets a report with none.
func Verify(doc []byte, opts Options) (*Report, error) {
	r, err := pdfdoc.Open(doc, opts.MaxSize)
	if err != nil {
		return nil, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var sigs []rawSig
	var store dss
	err = pdfdoc.Guard(func() error {
		for _, f := range pdfdoc.SigFields(r) {
			v := f.Key("V")
			if v.Kind() != pdf.Dict {
				continue
			}
			s := rawSig{field: f.Key("T").Text(), subFilter: v.Key("SubFilter").Name(), contents: []byte(v.Key("Contents").RawString()),
				claimed: v.Key("M").Text(), reason: v.Key("Reason").Text(), location: v.Key("Location").Text(), name: v.Key("Name").Text(), docTS: v.Key("Type").Name() == "DocTimeStamp"}
			br := v.Key("ByteRange")
			if br.Len() != 4 {
				s.byteRangeErr = "the signature has no byte range of four numbers"
			}
			for i := 0; i < br.Len() && i < 4; i++ {
				s.byteRange[i] = br.Index(i).Int64()
			}
			sigs = append(sigs, s)
		}
		store = readDSS(r)
		return nil
	})
	if err != nil {
		return nil, pdfdoc.Malformed(err)
	}
	// Earliest first: by where each signed revision ends.
	for i := 1; i < len(sigs); i++ {
		for j := i; j > 0 && sigs[j].end() < sigs[j-1].end(); j-- {
			sigs[j], sigs[j-1] = sigs[j-1], sigs[j]
		}
	}
	changes := changesAfter(doc, sigs)
	rep := &Report{}
	for i, s := range sigs {
		v := check(doc, s, store, opts)
		v.ChangedSince = changes[i]
		v.Valid = v.Intact && v.CoversRevision && len(v.ChangedSince) == 0 && v.ChainTrusted &&
			(v.Timestamp == nil || (v.Timestamp.Valid && v.Timestamp.Trusted)) && v.Revocation != string(revocation.Revoked)
		for _, c := range opts.Council {
			if v.Certificate != nil && v.Certificate.Equal(c) {
				v.SealedByCouncil = v.Valid
			}
		}
		rep.SealedByCouncil = rep.SealedByCouncil || v.SealedByCouncil
		rep.Signatures = append(rep.Signatures, v)
	}
	return rep, nil
}

type rawSig struct {
	field, subFilter, claimed, reason, location, name string
	contents                                          []byte
	byteRange                                         [4]int64
	byteRangeErr                                      string
	docTS                                             bool
}

func (s rawSig) end() int64 { return s.byteRange[2] + s.byteRange[3] }

// signedBytes checks the byte range and returns the bytes it covers.
func (s rawSig) signedBytes(doc []byte) ([]byte, bool, string) {
	if s.byteRangeErr != "" {
		return nil, false, s.byteRangeErr
	}
	a, b, c, d := s.byteRange[0], s.byteRange[1], s.byteRange[2], s.byteRange[3]
	n := int64(len(doc))
	if a < 0 || b < 0 || c < 0 || d < 0 || a+b > c || c+d > n || a > n || a+b > n {
		return nil, false, "the byte range lies outside the file"
	}
	signed := append(append([]byte(nil), doc[a:a+b]...), doc[c:c+d]...)
	covers := a == 0
	// The gap must be exactly this signature's value as a hex string.
	gap := doc[a+b : c]
	if len(gap) < 2 || gap[0] != '<' || gap[len(gap)-1] != '>' {
		covers = false
	} else if v, err := hex.DecodeString(string(gap[1 : len(gap)-1])); err != nil || !bytes.Equal(v, s.contents) {
		covers = false
	}
	// And it must end where a revision ends.
	if !bytes.HasSuffix(bytes.TrimRight(doc[:c+d], "\r\n"), []byte("%%EOF")) {
		covers = false
	}
	if !covers {
		return signed, false, "the signed bytes are not the document up to this signature"
	}
	return signed, true, ""
}

func check(doc []byte, s rawSig, store dss, opts Options) Signature {
	v := Signature{Field: s.field, SubFilter: s.subFilter, Name: s.name, Reason: s.reason, Location: s.location, Revocation: string(revocation.Unknown)}
	v.Claimed, _ = parseDate(s.claimed)
	signed, covers, problem := s.signedBytes(doc)
	v.CoversRevision = covers
	v.CoversWholeFile = covers && len(bytes.TrimRight(doc[s.end():], "\r\n\t ")) == 0
	if problem != "" {
		v.Problems = append(v.Problems, problem)
	}
	if signed == nil {
		return v
	}
	der := trimDER(s.contents)
	if s.docTS {
		return checkDocTimestamp(v, der, signed, store, opts)
	}
	p7, err := pkcs7.Parse(der)
	if err != nil || len(p7.Signers) != 1 {
		v.Problems = append(v.Problems, "the signature value is not a CMS signature with one signer")
		return v
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		v.Problems = append(v.Problems, "the signature does not carry the signer's certificate")
		return v
	}
	v.Certificate, v.Signer, v.SignerDN = cert, cert.Subject.CommonName, cert.Subject.String()
	p7.Content = signed
	if err := p7.Verify(); err != nil {
		v.Problems = append(v.Problems, "the signature does not match the document: "+err.Error())
	} else if weak := weakness(p7, cert); weak != "" {
		v.Problems = append(v.Problems, weak)
	} else {
		v.Intact = true
	}
	pades := s.subFilter == "ETSI.CAdES.detached" && hasSigningCertV2(p7, cert)
	if s.subFilter == "ETSI.CAdES.detached" && !pades {
		v.Problems = append(v.Problems, "the signing-certificate-v2 attribute is missing or names another certificate")
	}

	store = store.withArchival(p7)
	at := opts.Now
	if tok := unsignedAttr(p7, oidTimeStampToken); tok != nil {
		v.Timestamp = checkTimestamp(tok, p7.Signers[0].EncryptedDigest, store, p7.Certificates, opts)
		if v.Timestamp.Valid {
			at = v.Timestamp.Time
		}
	}
	pool := append(append([]*x509.Certificate(nil), p7.Certificates...), store.certs...)
	chain, err := buildChain(cert, pool, opts.Roots, at, x509.ExtKeyUsageAny)
	if err != nil {
		v.ChainError = err.Error()
		v.Problems = append(v.Problems, "the signer's certificate does not chain to a trusted root: "+err.Error())
	} else {
		v.ChainTrusted = true
		for _, c := range chain {
			v.Chain = append(v.Chain, c.Subject.String())
		}
		v.Revocation, v.RevokedAt = chainStatus(chain, store, at)
		if v.Revocation == string(revocation.Revoked) {
			v.Problems = append(v.Problems, "the signer's certificate chain was revoked on "+v.RevokedAt.UTC().Format(time.RFC3339))
		}
	}
	switch {
	case !pades:
	case v.Timestamp == nil:
		v.Level = "PAdES-B-B"
	case store.covers(chain) && v.Revocation == string(revocation.Good):
		v.Level = "PAdES-B-LT"
	default:
		v.Level = "PAdES-B-T"
	}
	return v
}

// weakness names an algorithm too weak to trust today: a SHA-1 or MD5
// digest, or an RSA key under 2048 bits.
func weakness(p7 *pkcs7.PKCS7, cert *x509.Certificate) string {
	alg := p7.Signers[0].DigestAlgorithm.Algorithm
	if alg.Equal(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}) || alg.Equal(asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}) {
		return "the signature uses a broken digest algorithm (SHA-1 or MD5)"
	}
	if k, ok := cert.PublicKey.(*rsa.PublicKey); ok && k.N.BitLen() < 2048 {
		return fmt.Sprintf("the signer's RSA key has only %d bits", k.N.BitLen())
	}
	return ""
}

// buildChain verifies cert to roots at time at, for usage.
func buildChain(cert *x509.Certificate, pool []*x509.Certificate, roots *x509.CertPool, at time.Time, usage x509.ExtKeyUsage) ([]*x509.Certificate, error) {
	if roots == nil {
		return nil, errors.New("no trusted roots configured")
	}
	inter := x509.NewCertPool()
	for _, c := range pool {
		inter.AddCert(c)
	}
	chains, err := cert.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{usage}})
	if err != nil {
		return nil, err
	}
	return chains[0], nil
}

// chainStatus judges every certificate of chain but the root.
func chainStatus(chain []*x509.Certificate, store dss, at time.Time) (string, time.Time) {
	status := revocation.Good
	for i := 0; i+1 < len(chain); i++ {
		s, when := revocation.Check(chain[i], chain[i+1], store.crls, store.ocsps, at)
		if s == revocation.Revoked {
			return string(s), when
		}
		if s == revocation.Unknown {
			status = revocation.Unknown
		}
	}
	return string(status), time.Time{}
}

var (
	oidTimeStampToken      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidSigningCertificate2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

func unsignedAttr(p7 *pkcs7.PKCS7, oid asn1.ObjectIdentifier) []byte {
	for _, a := range p7.Signers[0].UnauthenticatedAttributes {
		if a.Type.Equal(oid) {
			return a.Value.Bytes
		}
	}
	return nil
}

type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"`
	CertHash      []byte
	IssuerSerial  asn1.RawValue `asn1:"optional"`
}

type signingCertificateV2 struct {
	Certs    []essCertIDv2
	Policies asn1.RawValue `asn1:"optional"`
}

// hasSigningCertV2 checks the attribute that binds the signer's certificate
// into what was signed (only SHA-256 hashes are accepted).
func hasSigningCertV2(p7 *pkcs7.PKCS7, cert *x509.Certificate) bool {
	var sc signingCertificateV2
	if err := p7.UnmarshalSignedAttribute(oidSigningCertificate2, &sc); err != nil || len(sc.Certs) == 0 {
		return false
	}
	id := sc.Certs[0]
	if len(id.HashAlgorithm.Algorithm) > 0 && !id.HashAlgorithm.Algorithm.Equal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}) {
		return false
	}
	h := sha256.Sum256(cert.Raw)
	return bytes.Equal(id.CertHash, h[:])
}

// trimDER cuts the zero padding after a DER value.
func trimDER(b []byte) []byte {
	var raw asn1.RawValue
	if _, err := asn1.Unmarshal(b, &raw); err != nil {
		return b
	}
	return raw.FullBytes
}

// parseDate reads a PDF date, D:YYYYMMDDHHmmSSOHH'mm', with its optional parts.
func parseDate(s string) (time.Time, error) {
	if len(s) < 6 || s[:2] != "D:" {
		return time.Time{}, fmt.Errorf("not a PDF date: %q", s)
	}
	s = strings.ReplaceAll(s[2:], "'", "")
	for _, layout := range []string{"20060102150405Z0700", "20060102150405Z07", "20060102150405", "200601021504", "20060102"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a PDF date: %q", s)
}
