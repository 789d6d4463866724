package signingtest

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"dbtp/internal/signing/ca"
)

// OpenSSLTSA starts an independent RFC 3161 authority: `openssl ts -reply`
// behind a small HTTP handler on a loopback port, signing with cred (a
// certificate with the timeStamping usage). It returns the URL.
func OpenSSLTSA(t testing.TB, cred *ca.Credential) string {
	t.Helper()
	Need(t, "openssl")
	dir := t.TempDir()
	keyDER, err := x509.MarshalPKCS8PrivateKey(cred.Key)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("tsa.pem", PEM(cred.Chain[0]))
	var chain []byte
	for _, c := range cred.Chain[1:] {
		chain = append(chain, PEM(c)...)
	}
	write("chain.pem", chain)
	write("tsa.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	write("serial", []byte("01\n"))
	cfg := write("openssl.cnf", fmt.Appendf(nil, `[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = %s
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.55555.2.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
`, dir))
	var mu sync.Mutex // openssl keeps its serial in a file
	return ServeFunc(t, func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, 1<<16))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		q := filepath.Join(dir, "query.tsq")
		out := filepath.Join(dir, "reply.tsr")
		if err := os.WriteFile(q, body, 0o600); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		cmd := exec.Command("openssl", "ts", "-reply", "-config", cfg, "-queryfile", q, "-out", out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			http.Error(w, "openssl ts: "+err.Error()+": "+stderr.String(), http.StatusInternalServerError)
			return
		}
		reply, err := os.ReadFile(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(reply)
	})
}

// PEM encodes a certificate.
func PEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
