package revfetch

import (
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/internal/revocation"
)

// authority is a CA made in the test whose certificates name its CRL and
// OCSP responder on a loopback HTTP server, which counts what it is asked.
type authority struct {
	ca          *ca.Authority
	srv         *httptest.Server
	crls, ocsps atomic.Int32
	down        atomic.Bool // every request answers 503
}

func newAuthority(t *testing.T, now time.Time) *authority {
	t.Helper()
	a := &authority{}
	var err error
	if a.ca, err = ca.New("Revfetch Test Root", now); err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /crl", func(w http.ResponseWriter, r *http.Request) {
		a.crls.Add(1)
		crl, err := a.ca.CRL(now)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(crl)
	})
	mux.HandleFunc("POST /ocsp", func(w http.ResponseWriter, r *http.Request) {
		a.ocsps.Add(1)
		req, _ := io.ReadAll(r.Body)
		resp, err := a.ca.OCSP(req, now)
		if err != nil {
			http.Error(w, err.Error(), 400)
			return
		}
		w.Write(resp)
	})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(a.srv.Close)
	return a
}

// issue gives a document-signing certificate naming the given CRL and
// OCSP addresses (empty: none).
func (a *authority) issue(t *testing.T, now time.Time, crl, ocspURL string) *x509.Certificate {
	t.Helper()
	a.ca.CRLURL, a.ca.OCSPURL = crl, ocspURL
	cred, err := a.ca.IssueDocumentSigning(pkix.Name{CommonName: "Northshire Council seal"}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	return cred.Chain[0]
}

func TestFetchCRLAndOCSPKeptUntilStale(t *testing.T) {
	now := time.Now().UTC()
	clock := now
	a := newAuthority(t, now)
	cert := a.issue(t, now, a.srv.URL+"/crl", a.srv.URL+"/ocsp")
	f := &Fetcher{Now: func() time.Time { return clock }}
	ctx := context.Background()
	rev, err := f.Fetch(ctx, cert, a.ca.Cert)
	if err != nil || len(rev.CRLs) != 1 || len(rev.OCSPs) != 1 {
		t.Fatalf("fetch: %v, %d CRLs, %d OCSP responses", err, len(rev.CRLs), len(rev.OCSPs))
	}
	if st, _ := revocation.Check(cert, a.ca.Cert, rev.CRLs, rev.OCSPs, now); st != revocation.Good {
		t.Fatalf("status %s", st)
	}
	// Kept: asked again, nothing is fetched.
	if _, err := f.Fetch(ctx, cert, a.ca.Cert); err != nil || a.crls.Load() != 1 || a.ocsps.Load() != 1 {
		t.Fatalf("second fetch: %v; asked %d CRLs, %d OCSP", err, a.crls.Load(), a.ocsps.Load())
	}
	// Revoked at the CA: seen once what was kept is past MaxAge.
	a.ca.Revoke(cert.SerialNumber, now.Add(-time.Minute))
	clock = now.Add(DefaultMaxAge + time.Second)
	rev, err = f.Fetch(ctx, cert, a.ca.Cert)
	if err != nil || a.crls.Load() != 2 || a.ocsps.Load() != 2 {
		t.Fatalf("after MaxAge: %v; asked %d CRLs, %d OCSP", err, a.crls.Load(), a.ocsps.Load())
	}
	if st, _ := revocation.Check(cert, a.ca.Cert, rev.CRLs, nil, now); st != revocation.Revoked {
		t.Fatalf("CRL says %s", st)
	}
	if st, _ := revocation.Check(cert, a.ca.Cert, nil, rev.OCSPs, now); st != revocation.Revoked {
		t.Fatalf("OCSP says %s", st)
	}
}

func TestFetchRefusals(t *testing.T) {
	now := time.Now().UTC()
	a := newAuthority(t, now)
	other := newAuthority(t, now)
	ctx := context.Background()
	f := &Fetcher{}
	wantErr := func(what string, cert, issuer *x509.Certificate, temporary bool, words string) {
		t.Helper()
		_, err := f.Fetch(ctx, cert, issuer)
		if err == nil || IsTemporary(err) != temporary || !strings.Contains(err.Error(), words) {
			t.Fatalf("%s: %v (temporary %v)", what, err, IsTemporary(err))
		}
		if !temporary && platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("%s: code %s", what, platform.CodeOf(err))
		}
	}
	// Naming nothing: nothing to fetch, and no error.
	if rev, err := f.Fetch(ctx, a.issue(t, now, "", ""), a.ca.Cert); err != nil || len(rev.CRLs)+len(rev.OCSPs) != 0 {
		t.Fatalf("no addresses: %v %+v", err, rev)
	}
	// Another CA's CRL at the named address.
	wantErr("another CA's CRL", a.issue(t, now, other.srv.URL+"/crl", ""), a.ca.Cert, false, "not signed by the issuer")
	// Only http and https are asked.
	wantErr("ldap", a.issue(t, now, "ldap://ldap.example/cn=crl", ""), a.ca.Cert, false, "only http and https")
	// A server that is down, or gone: temporary.
	a.down.Store(true)
	wantErr("503", a.issue(t, now, a.srv.URL+"/crl", a.srv.URL+"/ocsp"), a.ca.Cert, true, "503")
	a.down.Store(false)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close()
	wantErr("closed", a.issue(t, now, gone.URL+"/crl", ""), a.ca.Cert, true, "no answer")

	// Redirects are not followed; answers are capped; slow servers time out.
	odd := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, a.srv.URL+"/crl", http.StatusFound)
		case "/huge":
			w.Write(make([]byte, 2048))
		case "/slow":
			<-r.Context().Done()
		}
	}))
	t.Cleanup(odd.Close)
	wantErr("redirect", a.issue(t, now, odd.URL+"/moved", ""), a.ca.Cert, false, "redirects are not followed")
	if a.crls.Load() != 0 {
		t.Fatal("the redirect was followed")
	}
	f.MaxCRLSize = 1024
	wantErr("too large", a.issue(t, now, odd.URL+"/huge", ""), a.ca.Cert, false, "over 1024 bytes")
	f.Timeout = 50 * time.Millisecond
	wantErr("slow", a.issue(t, now, odd.URL+"/slow", ""), a.ca.Cert, true, "no answer")

	// A second distribution point is tried when the first fails.
	f = &Fetcher{}
	a.ca.CRLURL = ""
	cred, err := a.ca.IssueDocumentSigning(pkix.Name{CommonName: "Two points"}, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	cert := cred.Chain[0]
	cert.CRLDistributionPoints = []string{odd.URL + "/huge", a.srv.URL + "/crl"}
	if rev, err := f.Fetch(ctx, cert, a.ca.Cert); err != nil || len(rev.CRLs) != 1 {
		t.Fatalf("second point: %v %+v", err, rev)
	}
}
