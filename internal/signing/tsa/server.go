package tsa

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/digitorus/timestamp"
)

// Server is a small RFC 3161 time-stamping authority, an http.Handler that
// answers POSTed application/timestamp-query bodies. It is for tests and the
// demo: a council in production points the client at a qualified TSA.
type Server struct {
	Cert *x509.Certificate // with the critical timeStamping extended key usage
	Key  crypto.Signer
	// Policy is the TSA policy written in each token (a private arc by default).
	Policy asn1.ObjectIdentifier
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DemoPolicy is the TSA policy of dbtp's own authority.
var DemoPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 55555, 1, 1}

const maxQuerySize = 16 << 10

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST an application/timestamp-query", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxQuerySize+1))
	if err != nil || len(body) > maxQuerySize {
		http.Error(w, "the timestamp query is too large", http.StatusRequestEntityTooLarge)
		return
	}
	req, err := timestamp.ParseRequest(body)
	if err != nil {
		s.reply(w, rejection(timestamp.BadDataFormat))
		return
	}
	if req.HashAlgorithm == 0 || len(req.HashedMessage) != req.HashAlgorithm.Size() {
		s.reply(w, rejection(timestamp.BadAlgorithm))
		return
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	policy := s.Policy
	if policy == nil {
		policy = DemoPolicy
	}
	ts := &timestamp.Timestamp{
		HashAlgorithm:     req.HashAlgorithm,
		HashedMessage:     req.HashedMessage,
		Time:              now().UTC(),
		Accuracy:          time.Second,
		Nonce:             req.Nonce,
		Policy:            policy,
		AddTSACertificate: true, // verifiers need the certificate; ask or not
	}
	resp, err := ts.CreateResponseWithOpts(s.Cert, s.Key, crypto.SHA256)
	if err != nil {
		slog.Error("tsa: signing a timestamp", "err", err)
		s.reply(w, rejection(timestamp.SystemFailure))
		return
	}
	s.reply(w, resp)
}

func rejection(fi timestamp.FailureInfo) []byte {
	b, err := timestamp.CreateErrorResponse(timestamp.Rejection, fi)
	if err != nil {
		return nil
	}
	return b
}

func (s *Server) reply(w http.ResponseWriter, b []byte) {
	if b == nil {
		http.Error(w, "cannot answer", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/timestamp-reply")
	_, _ = w.Write(b)
}
