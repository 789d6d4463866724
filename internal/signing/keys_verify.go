package signing

import (
	"context"
	"crypto/x509"

	"dbtp/internal/signing/verify"
)

// Trust is what a verification for an organisation trusts: as roots, the
// top of every chain of its signing keys and its internal authorities'
// roots (which also issue the demo TSA's certificate); as the council's
// own, every signing certificate it has held, current or past, revoked or
// not (the verifier judges revocation itself from the document's data).
func (s *Store) Trust(ctx context.Context, orgID string) (*x509.CertPool, []*x509.Certificate, error) {
	roots := x509.NewCertPool()
	keys, err := s.orgKeys(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	var council []*x509.Certificate
	for _, k := range keys {
		if len(k.Chain) == 0 {
			continue
		}
		council = append(council, k.Chain[0])
		// Go's verifier takes any certificate in the pool as an anchor, so
		// the top of a chain imported without its root still anchors it.
		roots.AddCert(k.Chain[len(k.Chain)-1])
	}
	rows, err := s.db.Query(ctx, `SELECT cert_pem FROM signing_authorities WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, nil, err
		}
		if cs, err := parseCerts(p); err == nil {
			for _, c := range cs {
				roots.AddCert(c)
			}
		}
	}
	return roots, council, rows.Err()
}

// Verify reports on every signature in doc as the organisation sees it:
// who signed, whether the document changed since, the chain to the
// council's roots (and to extra, roots the operator also trusts), the
// timestamp, revocation, and whether the council sealed it. It refuses
// only a file it cannot read (not a PDF, damaged, encrypted, over
// maxSize; zero means the signing packages' default) with a 4xx error.
// Anyone may verify: there is no subject and nothing is written.
func (s *Store) Verify(ctx context.Context, orgID string, doc []byte, maxSize int64, extra ...*x509.Certificate) (*verify.Report, error) {
	roots, council, err := s.Trust(ctx, orgID)
	if err != nil {
		return nil, err
	}
	for _, c := range extra {
		roots.AddCert(c)
	}
	return verify.Verify(doc, verify.Options{Roots: roots, Council: council, MaxSize: maxSize, Now: s.now()})
}
