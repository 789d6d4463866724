package pades

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/internal/revocation"
)

// Revocation is validation data for one certificate: DER CRLs and OCSP
// responses.
type Revocation struct {
	CRLs, OCSPs [][]byte
}

// RevocationSource gives current revocation data for cert, issued by issuer.
// Fetching it (from CRL distribution points, an OCSP responder or the
// platform's own internal CA) is the caller's business, so this package
// does no network I/O of its own.
type RevocationSource func(ctx context.Context, cert, issuer *x509.Certificate) (Revocation, error)

// CRLs is a RevocationSource that always answers with the given CRLs.
func CRLs(crls ...[]byte) RevocationSource {
	return func(context.Context, *x509.Certificate, *x509.Certificate) (Revocation, error) {
		return Revocation{CRLs: crls}, nil
	}
}

// ErrRevoked is inside the error for a certificate about to sign (or
// timestamp) that its revocation data says is revoked: no lower level
// makes that right, so callers must not retry without the data.
var ErrRevoked = errors.New("certificate revoked")

// validationData is what goes into the Document Security Store.
type validationData struct {
	certs       []*x509.Certificate
	crls, ocsps [][]byte
}

func collect(ctx context.Context, src RevocationSource, chain, extra []*x509.Certificate, now time.Time, required bool) (*validationData, error) {
	v := &validationData{}
	v.addCerts(chain...)
	v.addCerts(extra...)
	mode := refuseRevoked
	if required {
		mode |= requireData
	}
	return v, v.addChain(ctx, src, chain, now, mode)
}

func (v *validationData) addCerts(certs ...*x509.Certificate) {
	for _, c := range certs {
		if !containsCert(v.certs, c) {
			v.certs = append(v.certs, c)
		}
	}
}

func containsCert(certs []*x509.Certificate, c *x509.Certificate) bool {
	for _, o := range certs {
		if o.Equal(c) {
			return true
		}
	}
	return false
}

func addDER(list [][]byte, ders ...[]byte) [][]byte {
next:
	for _, d := range ders {
		for _, o := range list {
			if bytes.Equal(o, d) {
				continue next
			}
		}
		list = append(list, d)
	}
	return list
}

// chainMode says how strict addChain is.
type chainMode int

const (
	// refuseRevoked refuses a revoked certificate (one about to sign).
	refuseRevoked chainMode = 1 << iota
	// requireData refuses a certificate without an issuer to hand or without
	// usable revocation data (B-LT: the signature could not be validated later).
	requireData
)

// addChain gathers revocation data for each certificate of chain but its
// root, as strictly as mode says. Without requireData, failing to get data
// for a certificate is not an error: there is just none to embed.
func (v *validationData) addChain(ctx context.Context, src RevocationSource, chain []*x509.Certificate, now time.Time, mode chainMode) error {
	required := mode&requireData != 0
	v.addCerts(chain...)
	for _, c := range chain {
		if revocation.SelfSigned(c) {
			continue
		}
		issuer := revocation.IssuerOf(c, v.certs)
		if issuer == nil {
			if required {
				return platform.Errorf(platform.CodeInvalid, "the issuer of the certificate %q is not known, so its revocation status cannot be embedded", c.Subject.CommonName)
			}
			continue
		}
		v.addCerts(issuer)
		rev, err := src(ctx, c, issuer)
		if err != nil {
			if !required {
				continue
			}
			return fmt.Errorf("revocation data for the certificate %q: %w", c.Subject.CommonName, err)
		}
		status, at := revocation.Check(c, issuer, rev.CRLs, rev.OCSPs, now)
		switch {
		case status == revocation.Revoked && mode&refuseRevoked != 0:
			return &platform.Error{Code: platform.CodeInvalid, Err: ErrRevoked,
				Message: fmt.Sprintf("the certificate %q was revoked on %s and cannot sign", c.Subject.CommonName, at.UTC().Format(time.RFC3339))}
		case status == revocation.Unknown && required:
			return platform.Errorf(platform.CodeInvalid, "no current CRL or OCSP response covers the certificate %q", c.Subject.CommonName)
		}
		v.crls = addDER(v.crls, rev.CRLs...)
		v.ocsps = addDER(v.ocsps, rev.OCSPs...)
	}
	return nil
}
