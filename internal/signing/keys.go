package signing

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"io"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/store"
)

// Where a signing key came from.
const (
	KeyImported   = "imported"    // the council's own PKCS#12
	KeyInternalCA = "internal-ca" // issued by dbtp's internal certificate authority (the demo)
)

// Key is one of an organisation's signing keys as administrators see it:
// the certificate's facts, never the private key.
type Key struct {
	ID            string    `json:"id"`
	OrgID         string    `json:"-"`
	Name          string    `json:"name"`
	Source        string    `json:"source"`
	Subject       string    `json:"subject"`
	Issuer        string    `json:"issuer"`
	Serial        string    `json:"serial"`
	NotBefore     time.Time `json:"not_before"`
	NotAfter      time.Time `json:"not_after"`
	Active        bool      `json:"active"`
	RevokedAt     time.Time `json:"revoked_at,omitzero"`
	RevokedReason string    `json:"revoked_reason,omitempty"`
	AuthorityID   string    `json:"-"`
	CreatedAt     time.Time `json:"created_at"`
	CreatedBy     string    `json:"created_by,omitempty"`
	// Chain is the certificate first, then its issuers.
	Chain    []*x509.Certificate `json:"-"`
	keySeal  string
	chainErr error
}

// Status is a word for the key's state at now: revoked, expired, not yet
// valid, active (the one that seals) or ready.
func (k Key) Status(now time.Time) string {
	switch {
	case !k.RevokedAt.IsZero():
		return "revoked"
	case now.After(k.NotAfter):
		return "expired"
	case now.Before(k.NotBefore):
		return "not yet valid"
	case k.Active:
		return "active"
	}
	return "ready"
}

// usable refuses a revoked, expired or not-yet-valid key with a message an
// administrator can act on.
func (k Key) usable(now time.Time) error {
	switch k.Status(now) {
	case "revoked":
		return platform.Errorf(platform.CodeConflict, "The signing certificate %q was revoked on %s (%s): import or create another at /signing-keys",
			k.Subject, k.RevokedAt.Format("2 January 2006"), k.RevokedReason)
	case "expired":
		return platform.Errorf(platform.CodeConflict, "The signing certificate %q expired on %s: import or create another at /signing-keys",
			k.Subject, k.NotAfter.Format("2 January 2006"))
	case "not yet valid":
		return platform.Errorf(platform.CodeConflict, "The signing certificate %q is not valid until %s", k.Subject, k.NotBefore.Format("2 January 2006 15:04 MST"))
	}
	return nil
}

const keyColumns = `id, org_id, name, source, cert_pem, chain_pem, key_sealed, not_before, not_after, active, revoked_at, revoked_reason,
	authority_id, created_at, created_by`

type rowScanner interface{ Scan(...any) error }

func scanKey(r rowScanner) (Key, error) {
	var k Key
	var certPEM, chainPEM string
	var nb, na, revoked, created int64
	var active int
	if err := r.Scan(&k.ID, &k.OrgID, &k.Name, &k.Source, &certPEM, &chainPEM, &k.keySeal, &nb, &na, &active, &revoked,
		&k.RevokedReason, &k.AuthorityID, &created, &k.CreatedBy); err != nil {
		return Key{}, err
	}
	k.NotBefore, k.NotAfter, k.CreatedAt, k.Active = store.Time(nb), store.Time(na), store.Time(created), active == 1
	if revoked != 0 {
		k.RevokedAt = store.Time(revoked)
	}
	k.Chain, k.chainErr = parseCerts(certPEM + chainPEM)
	if k.chainErr == nil && len(k.Chain) > 0 {
		c := k.Chain[0]
		k.Subject, k.Issuer, k.Serial = c.Subject.CommonName, c.Issuer.CommonName, hex.EncodeToString(c.SerialNumber.Bytes())
	}
	return k, nil
}

// Keys lists the organisation's signing keys, the active one first, then
// the newest. Administrators only.
func (s *Store) Keys(ctx context.Context, sub *platform.Subject) ([]Key, error) {
	if err := s.access.Check(ctx, sub, access.Read, keysResource(sub.OrgID)); err != nil {
		return nil, err
	}
	return s.orgKeys(ctx, sub.OrgID)
}

func (s *Store) orgKeys(ctx context.Context, orgID string) ([]Key, error) {
	rows, err := s.db.Query(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE org_id = ? ORDER BY active DESC, created_at DESC, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Key
	for rows.Next() {
		k, err := scanKey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// Key is one of the organisation's keys. Administrators only.
func (s *Store) Key(ctx context.Context, sub *platform.Subject, id string) (Key, error) {
	if err := s.access.Check(ctx, sub, access.Read, keysResource(sub.OrgID)); err != nil {
		return Key{}, err
	}
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ? AND org_id = ?`, id, sub.OrgID))
	if store.IsNoRows(err) {
		return Key{}, platform.NotFound("signing key")
	}
	return k, err
}

// SealingKey returns the organisation's active signing key and its
// certificate chain (the signing certificate first), refusing an expired
// or revoked one with a clear message. The private key is unsealed from
// the encrypted file store for this call only.
func (s *Store) SealingKey(ctx context.Context, orgID string) (crypto.Signer, []*x509.Certificate, error) {
	k, err := scanKey(s.db.QueryRow(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE org_id = ? AND active = 1`, orgID))
	if store.IsNoRows(err) {
		return nil, nil, platform.Errorf(platform.CodeConflict, "The council has no signing key yet: an administrator imports one or creates the demo's at /signing-keys")
	}
	if err != nil {
		return nil, nil, err
	}
	if err := k.usable(s.now()); err != nil {
		return nil, nil, err
	}
	if k.chainErr != nil {
		return nil, nil, platform.Internal(k.chainErr)
	}
	key, err := s.unseal(ctx, k.keySeal)
	if err != nil {
		return nil, nil, err
	}
	cred := &ca.Credential{Key: key, Chain: k.Chain}
	if err := ca.CheckSigning(cred, s.now()); err != nil {
		return nil, nil, platform.Errorf(platform.CodeConflict, "The council's signing key cannot seal: %s", platform.AsError(err).Message)
	}
	return key, k.Chain, nil
}

// ActivateKey makes a key the one that seals, in place of the one before.
// A revoked, expired or not-yet-valid key is refused.
func (s *Store) ActivateKey(ctx context.Context, sub *platform.Subject, id string) (Key, error) {
	var k Key
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, keysResource(sub.OrgID)); err != nil {
			return err
		}
		var err error
		k, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ? AND org_id = ?`, id, sub.OrgID))
		if store.IsNoRows(err) {
			return platform.NotFound("signing key")
		}
		if err != nil {
			return err
		}
		if err := k.usable(s.now()); err != nil {
			return err
		}
		if err := activate(ctx, tx, sub.OrgID, id); err != nil {
			return err
		}
		k.Active = true
		e := audit.For(sub, "signing.key_activate", "signing_key", id, audit.Success)
		e.Detail = k.Subject
		return s.audit.Record(tx, e)
	})
	return k, err
}

// activate leaves id the organisation's only active key (the unique index
// also holds the line).
func activate(ctx context.Context, tx *store.Tx, orgID, id string) error {
	if _, err := tx.Exec(ctx, `UPDATE signing_keys SET active = 0 WHERE org_id = ? AND active = 1 AND id <> ?`, orgID, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `UPDATE signing_keys SET active = 1 WHERE id = ? AND org_id = ?`, id, orgID)
	return err
}

// RevokeKey withdraws a key for good: it seals nothing more, and a key the
// internal certificate authority issued appears on its CRL from now.
func (s *Store) RevokeKey(ctx context.Context, sub *platform.Subject, id, reason string) (Key, error) {
	if len(reason) > 500 {
		return Key{}, platform.Invalid("Write the reason in 500 characters or fewer", platform.FieldError{Field: "reason", Message: "Write the reason in 500 characters or fewer"})
	}
	if reason == "" {
		reason = "withdrawn by an administrator"
	}
	var k Key
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Update, keysResource(sub.OrgID)); err != nil {
			return err
		}
		var err error
		k, err = scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM signing_keys WHERE id = ? AND org_id = ?`, id, sub.OrgID))
		if store.IsNoRows(err) {
			return platform.NotFound("signing key")
		}
		if err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return platform.Errorf(platform.CodeConflict, "This key was already revoked")
		}
		k.RevokedAt, k.RevokedReason, k.Active = s.now(), reason, false
		if _, err := tx.Exec(ctx, `UPDATE signing_keys SET revoked_at = ?, revoked_reason = ?, active = 0 WHERE id = ?`,
			store.Millis(k.RevokedAt), reason, id); err != nil {
			return err
		}
		e := audit.For(sub, "signing.key_revoke", "signing_key", id, audit.Success)
		e.Detail = k.Subject + ": " + reason
		return s.audit.Record(tx, e)
	})
	return k, err
}

// seal keeps a private key in the encrypted file store (AES-256-GCM under
// the master key) and returns the blob's ID, which is what the tables hold.
func (s *Store) seal(ctx context.Context, key crypto.Signer) (string, error) {
	if s.opts.Files == nil {
		return "", platform.Internal(fmt.Errorf("signing: no file store to keep keys in"))
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", platform.Internal(err)
	}
	info, err := s.opts.Files.Put(ctx, bytes.NewReader(der))
	if err != nil {
		return "", err
	}
	return info.ID, nil
}

// unseal reads a private key back from the file store.
func (s *Store) unseal(ctx context.Context, id string) (crypto.Signer, error) {
	if s.opts.Files == nil {
		return nil, platform.Internal(fmt.Errorf("signing: no file store to read keys from"))
	}
	rc, _, err := s.opts.Files.Open(ctx, id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	der, err := io.ReadAll(io.LimitReader(rc, 64<<10))
	if err != nil {
		return nil, err
	}
	key, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, platform.Internal(fmt.Errorf("signing: a sealed key does not parse: %w", err))
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, platform.Internal(fmt.Errorf("signing: a sealed key of type %T cannot sign", key))
	}
	return signer, nil
}

func certsPEM(certs []*x509.Certificate) string {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}) // writes to memory: cannot fail
	}
	return b.String()
}

func parseCerts(s string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	rest := []byte(s)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return out, nil
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
}
