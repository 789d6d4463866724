package signing

import (
	"context"
	"crypto"
	"crypto/x509"

	"dbtp/internal/platform"
)

// SealingKey returns the organisation's active signing key and its
// certificate chain (the signing certificate first), refusing an expired
// or revoked one with a clear message. SKELETON: the keys part owns it;
// the ceremony part seals with it.
func (s *Store) SealingKey(ctx context.Context, orgID string) (crypto.Signer, []*x509.Certificate, error) {
	return nil, nil, platform.Errorf(platform.CodeConflict, "The council has no signing key yet: an administrator imports one or creates the demo's")
}
