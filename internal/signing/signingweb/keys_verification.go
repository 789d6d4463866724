package signingweb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/verify"
	"dbtp/internal/web"
)

// Verification: anyone, signed in or not, uploads a PDF and gets a report
// on each signature in it, judged against the council's roots (the chains
// of its signing keys and its internal authority). Nothing is kept: the
// file is read, judged and forgotten.

// Verification is the report as the page and the API give it.
type Verification struct {
	File   string `json:"file,omitempty"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
	// Council is whose seal was looked for: the signed-in person's
	// organisation, or the council that runs this site.
	Council         string             `json:"council"`
	SealedByCouncil bool               `json:"sealed_by_council"`
	Signatures      []verify.Signature `json:"signatures"`
	CheckedAt       time.Time          `json:"checked_at"`
}

var verificationOp = web.Op{Summary: "Verify the signatures in a PDF", OperationID: "verifyPDF", Tags: []string{"signing"}, Public: true,
	Description: "Send the PDF as the body (Content-Type: application/pdf) or as the field \"file\" of a multipart/form-data body. " +
		"No token is needed. The report gives, for each signature (earliest first): who signed, whether the signature is intact and what changed " +
		"in the document since, the certificate chain and whether it leads to the council's roots, the RFC 3161 timestamp, the revocation status, " +
		"and whether it is this council's seal. A file that is not a PDF, is damaged or encrypted gets 422 or 400; one over the size limit gets 413.",
	Responses: map[int]web.Response{200: {Description: "The report", Schema: web.SchemaOf(Verification{})}}}

type verificationPage struct {
	*web.Form
	Result  *Verification
	Council string
	MaxMB   int64
}

// verifyOrg is the organisation whose seal a verification looks for.
func (p *keysPart) verifyOrg(ctx context.Context, sub *platform.Subject) (platform.Org, error) {
	if sub.Authenticated() && sub.OrgID != "" {
		return p.m.d.Directory.Org(ctx, platform.System(sub.OrgID), sub.OrgID)
	}
	return p.m.d.Directory.HostOrg(ctx)
}

func (p *keysPart) verificationPage(w http.ResponseWriter, r *http.Request) error {
	org, err := p.verifyOrg(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/verification", verificationPage{Form: web.NewForm(nil), Council: org.Name, MaxMB: p.maxVerify >> 20})
}

func (p *keysPart) verifyForm(w http.ResponseWriter, r *http.Request) error {
	org, err := p.verifyOrg(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	pg := verificationPage{Form: web.NewForm(nil), Council: org.Name, MaxMB: p.maxVerify >> 20}
	var res *Verification
	f, hdr, ferr := r.FormFile("file")
	if ferr != nil {
		err = platform.Invalid("Choose a PDF file to check", platform.FieldError{Field: "file", Message: "Choose a PDF file to check"})
	} else {
		defer f.Close()
		res, err = p.verify(r.Context(), org, hdr.Filename, f)
	}
	if err != nil {
		if platform.CodeOf(err) == platform.CodeInternal {
			return err
		}
		err = fileErr(err)
		pg.Form = web.FormErrors(r, err)
		return web.Render(w, r, web.StatusOf(err), "signing/verification", pg)
	}
	pg.Result = res
	return web.Render(w, r, http.StatusOK, "signing/verification", pg)
}

func (p *keysPart) verifyAPI(w http.ResponseWriter, r *http.Request) error {
	org, err := p.verifyOrg(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	var body io.Reader = r.Body
	name := ""
	if r.MultipartForm != nil {
		f, hdr, err := r.FormFile("file")
		if err != nil {
			return platform.Invalid("Send the PDF as the field \"file\"", platform.FieldError{Field: "file", Message: "Send the PDF as the field \"file\""})
		}
		defer f.Close()
		body, name = f, hdr.Filename
	}
	res, err := p.verify(r.Context(), org, name, body)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, res)
}

// verify reads the upload (up to the cap) and judges it.
func (p *keysPart) verify(ctx context.Context, org platform.Org, name string, body io.Reader) (*Verification, error) {
	doc, err := io.ReadAll(io.LimitReader(body, p.maxVerify+1))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || int64(len(doc)) > p.maxVerify {
		return nil, platform.Errorf(platform.CodeTooLarge, "The file is larger than %d MB, the most this page checks", p.maxVerify>>20)
	}
	if err != nil {
		return nil, platform.Invalid("The file could not be read: send it again")
	}
	if len(doc) == 0 {
		return nil, platform.Invalid("The file is empty: choose a PDF file", platform.FieldError{Field: "file", Message: "The file is empty: choose a PDF file"})
	}
	rep, err := p.m.ss.Verify(ctx, org.ID, doc, p.maxVerify, p.trusted...)
	if err != nil {
		if pe := platform.AsError(err); pe.Code != platform.CodeInternal && pe.Message != "" {
			// The PDF reader's messages start in lower case, for wrapping.
			cp := *pe
			cp.Message = strings.ToUpper(cp.Message[:1]) + cp.Message[1:]
			return nil, &cp
		}
		return nil, err
	}
	sum := sha256.Sum256(doc)
	v := &Verification{File: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(doc)), Council: org.Name, SealedByCouncil: rep.SealedByCouncil,
		Signatures: rep.Signatures, CheckedAt: p.m.d.Clock.Now().UTC()}
	if v.Signatures == nil {
		v.Signatures = []verify.Signature{}
	}
	return v, nil
}

// fileErr puts an error about the upload on the page's file field.
func fileErr(err error) error {
	pe := *platform.AsError(err)
	if len(pe.Fields) == 0 {
		pe.Fields = []platform.FieldError{{Field: "file", Message: pe.Message}}
		pe.Message = ""
	}
	return &pe
}

// sigView is one signature as the page shows it.
type sigView struct {
	Heading  string
	Valid    bool
	Rows     []web.SummaryRow
	Problems []string
}

func (pg verificationPage) Sigs() []sigView {
	if pg.Result == nil {
		return nil
	}
	yesNo := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	var out []sigView
	for i, s := range pg.Result.Signatures {
		v := sigView{Valid: s.Valid, Problems: s.Problems}
		who := s.Signer
		if who == "" {
			who = "an unknown signer"
		}
		v.Heading = "Signature " + strconv.Itoa(i+1) + ": " + sigHeading(s, who)
		if s.SubFilter == "ETSI.RFC3161" {
			v.Heading = "Document timestamp " + strconv.Itoa(i+1) + ": " + who
		}
		changed := "No: the document is as it was when signed"
		if !s.Intact {
			// A signature that does not match says nothing about what
			// came after it: never "unchanged".
			changed = "The document has been changed since this signature was made, or the signature is damaged"
		} else if len(s.ChangedSince) > 0 {
			changed = "Yes: " + strings.Join(s.ChangedSince, "; ")
		} else if !s.CoversRevision {
			changed = "Cannot tell: the signature does not cover its revision of the file"
		}
		chain := "Not trusted: " + s.ChainError
		if s.ChainTrusted {
			names := make([]string, len(s.Chain))
			for i, dn := range s.Chain {
				names[i] = dnName(dn)
			}
			chain = "Trusted: " + strings.Join(names, " ← ")
		} else if s.ChainError == "" {
			chain = "Not trusted"
		}
		ts := "None: the time of signing is only the signer's claim"
		if t := s.Timestamp; t != nil {
			ts = t.Time.UTC().Format("2 January 2006 15:04:05 UTC") + " by " + t.TSA
			switch {
			case !t.Valid:
				ts += " (not valid: " + t.Error + ")"
			case !t.Trusted:
				ts += " (valid, from an authority this council does not trust)"
			default:
				ts += " (valid and trusted)"
			}
		}
		rev := map[string]string{"good": "Not revoked (checked against the revocation data in the file)", "revoked": "Revoked",
			"unknown": "Unknown: the file carries no revocation data for every certificate"}[s.Revocation]
		if rev == "" {
			rev = s.Revocation
		}
		if !s.RevokedAt.IsZero() {
			rev += " on " + s.RevokedAt.UTC().Format("2 January 2006 15:04 UTC")
		}
		v.Rows = []web.SummaryRow{
			{Key: "Signed by", Value: signedBy(s, who)},
			{Key: "Signature intact", Value: yesNo(s.Intact, "Yes", "No: the document has been changed since this signature was made, or the signature is damaged or uses algorithms too weak to trust")},
			{Key: "Changed since", Value: changed},
			{Key: "Certificate chain", Value: chain},
			{Key: "Timestamp", Value: ts},
			{Key: "Revocation", Value: rev},
			{Key: "Sealed by " + pg.Result.Council, Value: yesNo(s.SealedByCouncil, "Yes", "No")},
		}
		if s.Level != "" {
			v.Rows = append(v.Rows, web.SummaryRow{Key: "Level", Value: levelWords(s.Level)})
		}
		if !s.Claimed.IsZero() {
			v.Rows = append(v.Rows, web.SummaryRow{Key: "Time claimed by the signer", Value: s.Claimed.UTC().Format("2 January 2006 15:04:05 UTC")})
		}
		if s.Reason != "" {
			v.Rows = append(v.Rows, web.SummaryRow{Key: "Reason", Value: s.Reason})
		}
		out = append(out, v)
	}
	return out
}

func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// sigHeading names a signature for people: the seal is the council's
// seal; a person's signature (made with the council's signing
// certificate) is headed with the name they signed with, which dbtp
// puts in /Name and in the field's name ("Signature of Ann (rcp_...)").
func sigHeading(s verify.Signature, who string) string {
	switch {
	case strings.HasPrefix(s.Field, "Seal of "):
		return "Council seal"
	case strings.TrimSpace(s.Name) != "":
		return strings.TrimSpace(s.Name)
	case strings.HasPrefix(s.Field, "Signature of "):
		name := strings.TrimPrefix(s.Field, "Signature of ")
		if i := strings.LastIndex(name, " ("); i > 0 {
			name = name[:i]
		}
		return name
	case s.SealedByCouncil:
		return "Council seal"
	}
	return who
}

// signedBy says whose certificate made a signature, as names.
func signedBy(s verify.Signature, who string) string {
	cert := dnName(s.SignerDN)
	if cert == "" {
		cert = who
	}
	if name := sigHeading(s, who); name != who && name != "Council seal" {
		return name + ", with the certificate of " + cert
	}
	return cert
}

// dnName turns a certificate subject ("CN=Kent County Council seal,
// O=Kent County Council,C=GB") into a name to read: the common name, and
// the organisation when it says more.
func dnName(dn string) string {
	var cn, o string
	for _, part := range splitDN(dn) {
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			continue
		}
		switch strings.ToUpper(strings.TrimSpace(k)) {
		case "CN":
			cn = v
		case "O":
			o = v
		}
	}
	switch {
	case cn == "" && o == "":
		return dn
	case cn == "":
		return o
	case o == "" || strings.Contains(cn, o):
		return cn
	}
	return cn + " (" + o + ")"
}

// splitDN splits a subject at the commas that are not escaped.
func splitDN(dn string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(dn); i++ {
		switch {
		case dn[i] == '\\' && i+1 < len(dn):
			i++
			cur.WriteByte(dn[i])
		case dn[i] == ',':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(dn[i])
		}
	}
	return append(out, cur.String())
}

// levelWords says what a PAdES baseline level means for the reader, the
// standard's name after it for those who know it.
func levelWords(level string) string {
	words := map[string]string{
		"PAdES-B-B":  "Basic: a signature, without a trusted time",
		"PAdES-B-T":  "With a trusted time, from a time-stamping authority",
		"PAdES-B-LT": "Long-term: a trusted time, and the proof that its certificates were not revoked kept inside the document, so it can be checked after they expire",
	}[level]
	if words == "" {
		return level
	}
	return words + " (" + level + ")"
}
