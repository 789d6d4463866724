package revocation

import (
	"crypto/sha256"
	"sync"
)

// Signature checks are remembered: every seal checks the same few
// certificates and CRLs against the same issuers (the council's chain, the
// TSA's, each earlier signer's), and an ECDSA verification costs far more
// than hashing the bytes it covers. A check's result depends only on the
// signed object's DER and the issuer certificate's DER (its key, its
// constraints), so it is keyed by the SHA-256 of both: the same bytes get
// the same answer, and anything different is checked afresh.
var verified struct {
	sync.Mutex
	m map[[32]byte]bool
}

// maxVerified bounds the memory: past it, everything is forgotten at once
// (cheap, and rare: a node sees few distinct certificates).
const maxVerified = 4096

// signedBy returns check's verdict (nil error) for signed (a certificate
// or CRL, DER) and issuer (a certificate, DER), from memory when the same
// pair was checked before.
func signedBy(signed, issuer []byte, check func() error) bool {
	h := sha256.New()
	h.Write(signed)
	h.Write(issuer) // DER is self-delimiting: the pair is unambiguous
	var key [32]byte
	h.Sum(key[:0])
	verified.Lock()
	ok, found := verified.m[key]
	verified.Unlock()
	if found {
		return ok
	}
	ok = check() == nil
	verified.Lock()
	if verified.m == nil || len(verified.m) >= maxVerified {
		verified.m = make(map[[32]byte]bool)
	}
	verified.m[key] = ok
	verified.Unlock()
	return ok
}
