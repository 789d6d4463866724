// Package revocation judges a certificate's revocation status from CRLs and
// OCSP responses already in hand, for the signer before signing and for the
// verifier from what a PDF embeds. It fetches nothing.
package revocation

import (
	"crypto/x509"
	"time"

	"golang.org/x/crypto/ocsp"
)

// Status is a certificate's revocation status.
type Status string

const (
	Good    Status = "good"    // covered by a current CRL or OCSP response, not revoked
	Revoked Status = "revoked" // listed as revoked at or before the time asked about
	Unknown Status = "unknown" // no usable CRL or OCSP response for it
)

// Check tells cert's status at time at, from the CRLs and OCSP responses
// (DER) that issuer signed; others are ignored. A CRL counts if it was
// issued by issuer and current at `at`, or issued after `at` (a later CRL
// still tells whether the certificate had been revoked by then).
func Check(cert, issuer *x509.Certificate, crls, ocsps [][]byte, at time.Time) (Status, time.Time) {
	status := Unknown
	for _, der := range crls {
		crl, err := x509.ParseRevocationList(der)
		if err != nil || !signedBy(crl.Raw, issuer.Raw, func() error { return crl.CheckSignatureFrom(issuer) }) {
			continue
		}
		if crl.ThisUpdate.Before(at) && !crl.NextUpdate.IsZero() && crl.NextUpdate.Before(at) {
			continue // stale at `at`
		}
		for _, e := range crl.RevokedCertificateEntries {
			if e.SerialNumber.Cmp(cert.SerialNumber) == 0 && !e.RevocationTime.After(at) {
				return Revoked, e.RevocationTime
			}
		}
		status = Good
	}
	for _, der := range ocsps {
		resp, err := ocsp.ParseResponseForCert(der, cert, issuer)
		if err != nil {
			continue
		}
		switch resp.Status {
		case ocsp.Revoked:
			if !resp.RevokedAt.After(at) {
				return Revoked, resp.RevokedAt
			}
			status = Good
		case ocsp.Good:
			status = Good
		}
	}
	return status, time.Time{}
}

// IssuerOf finds cert's issuer among certs by signature.
func IssuerOf(cert *x509.Certificate, certs []*x509.Certificate) *x509.Certificate {
	for _, c := range certs {
		if c.Equal(cert) {
			continue
		}
		if signedBy(cert.Raw, c.Raw, func() error { return cert.CheckSignatureFrom(c) }) {
			return c
		}
	}
	return nil
}

// SelfSigned tells a root (a trust anchor, which has no revocation status).
func SelfSigned(c *x509.Certificate) bool {
	return signedBy(c.Raw, c.Raw, func() error { return c.CheckSignatureFrom(c) })
}
