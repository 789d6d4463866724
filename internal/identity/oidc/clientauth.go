package oidc

import (
	"crypto/rand"
	"encoding/base64"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"golang.org/x/oauth2"
)

// clientAssertionType is the RFC 7523 value for private_key_jwt.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// assertionLifetime is short because the assertion is sent once, straight
// to the token endpoint; One Login refuses assertions living over 5 minutes.
const assertionLifetime = 2 * time.Minute

// clientAssertion signs a fresh RFC 7523 client assertion for one token
// request. The audience is the token endpoint, as One Login and the OIDC
// core spec require; a random jti lets the provider refuse reuse.
func (p *Provider) clientAssertion(now time.Time) ([]oauth2.AuthCodeOption, error) {
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if p.cfg.PrivateKeyID != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), p.cfg.PrivateKeyID)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.SignatureAlgorithm(p.assertionAlg), Key: p.cfg.PrivateKey}, opts)
	if err != nil {
		return nil, err
	}
	var jti [16]byte
	_, _ = rand.Read(jti[:]) // crypto/rand never fails on supported platforms
	claims := jwt.Claims{
		Issuer:    p.cfg.ClientID,
		Subject:   p.cfg.ClientID,
		Audience:  jwt.Audience{p.oauth.Endpoint.TokenURL},
		ID:        base64.RawURLEncoding.EncodeToString(jti[:]),
		IssuedAt:  jwt.NewNumericDate(now),
		NotBefore: jwt.NewNumericDate(now),
		Expiry:    jwt.NewNumericDate(now.Add(assertionLifetime)),
	}
	assertion, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return nil, err
	}
	return []oauth2.AuthCodeOption{
		oauth2.SetAuthURLParam("client_assertion_type", clientAssertionType),
		oauth2.SetAuthURLParam("client_assertion", assertion),
	}, nil
}
