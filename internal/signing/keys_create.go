package signing

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"strings"
	"sync"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/store"
)

// NewKey is a council's own certificate and key to import.
type NewKey struct {
	Name     string // what administrators call it; the certificate's name when empty
	PKCS12   []byte // a .p12 or .pfx file
	Password string
	Activate bool // make it the key that seals now (the first key always is)
}

// ImportKey keeps a council's own signing certificate and key from a
// PKCS#12 file. A wrong password, a file that is not PKCS#12, a key that
// does not match, and a certificate that is expired, not yet valid or not
// for signing are refused with a message saying so. The key is sealed in
// the encrypted file store before anything is written.
func (s *Store) ImportKey(ctx context.Context, sub *platform.Subject, in NewKey) (Key, error) {
	if err := s.access.Check(ctx, sub, access.Create, keysResource(sub.OrgID)); err != nil {
		return Key{}, err
	}
	in.Name = strings.TrimSpace(in.Name)
	if len(in.Name) > 200 {
		return Key{}, platform.Invalid("Enter a name of 200 characters or fewer", platform.FieldError{Field: "name", Message: "Enter a name of 200 characters or fewer"})
	}
	if len(in.PKCS12) == 0 {
		return Key{}, platform.Invalid("Choose the PKCS#12 file (.p12 or .pfx) to import", platform.FieldError{Field: "file", Message: "Choose the PKCS#12 file (.p12 or .pfx) to import"})
	}
	cred, err := ca.ImportPKCS12(in.PKCS12, in.Password)
	if err != nil {
		field := "file"
		if strings.Contains(platform.AsError(err).Message, "password") {
			field = "password"
		}
		return Key{}, fieldErr(err, field)
	}
	if err := ca.CheckSigning(cred, s.now()); err != nil {
		return Key{}, fieldErr(err, "file")
	}
	if in.Name == "" {
		in.Name = cred.Certificate().Subject.CommonName
	}
	return s.addKey(ctx, sub, in.Name, KeyImported, "", cred, in.Activate, nil)
}

// fieldErr gives an engine error's message to a form field.
func fieldErr(err error, field string) error {
	pe := *platform.AsError(err)
	msg := pe.Message
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	pe.Message = msg
	pe.Fields = append([]platform.FieldError{{Field: field, Message: msg}}, pe.Fields...)
	return &pe
}

// addKey seals cred's key and keeps the key's row (and, for a new internal
// authority, the authority's) in one write.
func (s *Store) addKey(ctx context.Context, sub *platform.Subject, name, source, authorityID string, cred *ca.Credential, activateIt bool,
	more func(tx *store.Tx) error) (Key, error) {
	sealed, err := s.seal(ctx, cred.Key)
	if err != nil {
		return Key{}, err
	}
	cert := cred.Certificate()
	now := s.now()
	k := Key{ID: platform.NewID("skey"), OrgID: sub.OrgID, Name: name, Source: source, Chain: cred.Chain, NotBefore: cert.NotBefore.UTC(),
		NotAfter: cert.NotAfter.UTC(), AuthorityID: authorityID, CreatedAt: now, CreatedBy: sub.Name}
	k.Subject, k.Issuer = cert.Subject.CommonName, cert.Issuer.CommonName
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, keysResource(sub.OrgID)); err != nil {
			return err
		}
		if more != nil {
			if err := more(tx); err != nil {
				return err
			}
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM signing_keys WHERE org_id = ? AND active = 1`, sub.OrgID).Scan(&n); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO signing_keys (id, org_id, name, source, cert_pem, chain_pem, key_sealed, subject, not_before, not_after,
			active, created_at, created_by, authority_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`,
			k.ID, k.OrgID, k.Name, k.Source, certsPEM(cred.Chain[:1]), certsPEM(cred.Chain[1:]), sealed, cert.Subject.String(),
			store.Millis(k.NotBefore), store.Millis(k.NotAfter), store.Millis(now), k.CreatedBy, authorityID); err != nil {
			return err
		}
		if activateIt || n == 0 {
			if err := activate(ctx, tx, k.OrgID, k.ID); err != nil {
				return err
			}
			k.Active = true
		}
		e := audit.For(sub, "signing.key_"+strings.ReplaceAll(source, "-", "_"), "signing_key", k.ID, audit.Success)
		e.Detail = k.Subject + " issued by " + k.Issuer + ", valid until " + k.NotAfter.Format(time.DateOnly)
		return s.audit.Record(tx, e)
	})
	if store.IsUniqueViolation(err) {
		// Two first keys at once: the index kept one active; say so.
		return Key{}, platform.Errorf(platform.CodeConflict, "Another key was added at the same moment: reload the page and try again")
	}
	return k, err
}

// authority is an organisation's internal certificate authority with its
// time-stamping credential, unsealed.
type authority struct {
	ID, OrgID, Name string
	CA              *ca.Authority
	TSA             *ca.Credential
}

// CreateDemoCA gives the organisation a signing key from dbtp's internal
// certificate authority, creating the authority (its root and a
// time-stamping certificate for the demo's TSA) the first time. Verifiers
// outside dbtp trust it only if told to: it is for the demo and for tests,
// not for documents the public must rely on.
func (s *Store) CreateDemoCA(ctx context.Context, sub *platform.Subject, council string) (Key, error) {
	if err := s.access.Check(ctx, sub, access.Create, keysResource(sub.OrgID)); err != nil {
		return Key{}, err
	}
	council = strings.TrimSpace(council)
	if council == "" {
		council = "Council"
	}
	now := s.now()
	a, err := s.orgAuthority(ctx, sub.OrgID)
	var more func(tx *store.Tx) error
	switch {
	case platform.CodeOf(err) == platform.CodeNotFound:
		if a, more, err = s.newAuthority(ctx, sub, council, now); err != nil {
			return Key{}, err
		}
	case err != nil:
		return Key{}, err
	}
	cred, err := a.CA.IssueDocumentSigning(pkix.Name{CommonName: council + " seal", Organization: []string{council}, Country: []string{"GB"}},
		now.Add(-time.Hour), now.AddDate(3, 0, 0))
	if err != nil {
		return Key{}, platform.Internal(err)
	}
	return s.addKey(ctx, sub, council+" seal (demo certificate authority)", KeyInternalCA, a.ID, cred, false, more)
}

// newAuthority makes the root and the TSA certificate, seals their keys
// and returns the write that keeps them.
func (s *Store) newAuthority(ctx context.Context, sub *platform.Subject, council string, now time.Time) (*authority, func(*store.Tx) error, error) {
	a := &authority{ID: platform.NewID("sca"), OrgID: sub.OrgID, Name: council + " demo certificate authority"}
	root, err := ca.New(a.Name, now)
	if err != nil {
		return nil, nil, platform.Internal(err)
	}
	if s.opts.BaseURL != "" {
		root.CRLURL = strings.TrimRight(s.opts.BaseURL, "/") + "/signing/crl/" + a.ID
	}
	a.CA = root
	if a.TSA, err = root.IssueTimestamping(pkix.Name{CommonName: council + " time-stamping authority (demo)", Organization: []string{council}},
		now.Add(-time.Hour), now.AddDate(10, 0, 0)); err != nil {
		return nil, nil, platform.Internal(err)
	}
	rootKey, err := s.seal(ctx, root.Key)
	if err != nil {
		return nil, nil, err
	}
	tsaKey, err := s.seal(ctx, a.TSA.Key)
	if err != nil {
		return nil, nil, err
	}
	return a, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO signing_authorities (id, org_id, name, cert_pem, key_sealed, tsa_cert_pem, tsa_key_sealed, created_at, created_by)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, a.ID, a.OrgID, a.Name, certsPEM([]*x509.Certificate{root.Cert}), rootKey,
			certsPEM(a.TSA.Chain[:1]), tsaKey, store.Millis(now), sub.Name)
		return err
	}, nil
}

const authorityColumns = `id, org_id, name, cert_pem, key_sealed, tsa_cert_pem, tsa_key_sealed`

// orgAuthority is the organisation's newest internal authority, unsealed.
func (s *Store) orgAuthority(ctx context.Context, orgID string) (*authority, error) {
	return s.loadAuthority(ctx, `SELECT `+authorityColumns+` FROM signing_authorities WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT 1`, orgID)
}

func (s *Store) loadAuthority(ctx context.Context, q string, args ...any) (*authority, error) {
	a := &authority{}
	var certPEM, keyID, tsaPEM, tsaKeyID string
	err := s.db.QueryRow(ctx, q, args...).Scan(&a.ID, &a.OrgID, &a.Name, &certPEM, &keyID, &tsaPEM, &tsaKeyID)
	if store.IsNoRows(err) {
		return nil, platform.NotFound("certificate authority")
	}
	if err != nil {
		return nil, err
	}
	certs, err := parseCerts(certPEM)
	if err != nil || len(certs) != 1 {
		return nil, platform.Internal(err)
	}
	key, err := s.unseal(ctx, keyID)
	if err != nil {
		return nil, err
	}
	a.CA = &ca.Authority{Cert: certs[0], Key: key}
	if s.opts.BaseURL != "" {
		a.CA.CRLURL = strings.TrimRight(s.opts.BaseURL, "/") + "/signing/crl/" + a.ID
	}
	if tsaKeyID != "" {
		tcerts, err := parseCerts(tsaPEM)
		if err != nil || len(tcerts) != 1 {
			return nil, platform.Internal(err)
		}
		tkey, err := s.unseal(ctx, tsaKeyID)
		if err != nil {
			return nil, err
		}
		a.TSA = &ca.Credential{Key: tkey, Chain: []*x509.Certificate{tcerts[0], certs[0]}}
	}
	// Replay the revocations kept in the table, so the CRL lists them.
	rows, err := s.db.Query(ctx, `SELECT cert_pem, revoked_at FROM signing_keys WHERE authority_id = ? AND revoked_at <> 0`, a.ID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		var at int64
		if err := rows.Scan(&p, &at); err != nil {
			return nil, err
		}
		if cs, err := parseCerts(p); err == nil && len(cs) > 0 {
			a.CA.Revoke(cs[0].SerialNumber, store.Time(at))
		}
	}
	return a, rows.Err()
}

// CRL is an internal authority's current certificate revocation list
// (DER), signed now. CRLs are public: anyone verifying may fetch them.
func (s *Store) CRL(ctx context.Context, authorityID string) ([]byte, error) {
	a, err := s.loadAuthority(ctx, `SELECT `+authorityColumns+` FROM signing_authorities WHERE id = ?`, authorityID)
	if err != nil {
		return nil, err
	}
	return a.CA.CRL(s.now())
}

// RevocationSource answers, for the seal's long-term validation data, with
// the current CRL of the internal authority that issued a certificate.
// Certificates from other authorities (an imported key's CA, a commercial
// TSA) get what their CRL distribution points and OCSP responders give,
// fetched by the store's revfetch.Fetcher and kept until stale (at most an
// hour); one that names none gets nothing (pades then says which
// certificate lacks revocation data). Take a new source for each seal: it
// keeps the CRLs it made, as a seal asks once per certificate.
func (s *Store) RevocationSource() pades.RevocationSource {
	var mu sync.Mutex
	made := map[string][]byte{}
	return func(ctx context.Context, cert, issuer *x509.Certificate) (pades.Revocation, error) {
		if issuer == nil {
			return pades.Revocation{}, nil
		}
		rows, err := s.db.Query(ctx, `SELECT id, cert_pem FROM signing_authorities`)
		if err != nil {
			return pades.Revocation{}, err
		}
		var match string
		for rows.Next() {
			var id, p string
			if err := rows.Scan(&id, &p); err != nil {
				rows.Close()
				return pades.Revocation{}, err
			}
			if cs, err := parseCerts(p); err == nil && len(cs) == 1 && cs[0].Equal(issuer) {
				match = id
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return pades.Revocation{}, err
		}
		if match == "" {
			return s.fetch.Fetch(ctx, cert, issuer)
		}
		mu.Lock()
		defer mu.Unlock()
		crl, ok := made[match]
		if !ok {
			if crl, err = s.CRL(ctx, match); err != nil {
				return pades.Revocation{}, err
			}
			made[match] = crl
		}
		return pades.Revocation{CRLs: [][]byte{crl}}, nil
	}
}

// DemoTSA is the time-stamping credential of the organisation's internal
// authority, for the demo's RFC 3161 server; NotFound when it has none.
func (s *Store) DemoTSA(ctx context.Context, orgID string) (*ca.Credential, error) {
	a, err := s.orgAuthority(ctx, orgID)
	if err != nil {
		return nil, err
	}
	if a.TSA == nil {
		return nil, platform.NotFound("time-stamping certificate")
	}
	return a.TSA, nil
}

// AuthorityRoot is an internal authority's root certificate, which is
// public: people import it into their PDF reader to trust the demo's seals.
func (s *Store) AuthorityRoot(ctx context.Context, authorityID string) (*x509.Certificate, error) {
	var p string
	err := s.db.QueryRow(ctx, `SELECT cert_pem FROM signing_authorities WHERE id = ?`, authorityID).Scan(&p)
	if store.IsNoRows(err) {
		return nil, platform.NotFound("certificate authority")
	}
	if err != nil {
		return nil, err
	}
	cs, err := parseCerts(p)
	if err != nil || len(cs) != 1 {
		return nil, platform.Internal(err)
	}
	return cs[0], nil
}
