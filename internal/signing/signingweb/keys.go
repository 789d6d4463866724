package signingweb

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/tsa"
	"dbtp/internal/web"
)

// keysPart is the council's signing keys (the administrators' pages at
// /signing-keys), the verification page and API anyone may use, the
// demo's time-stamping authority and the internal authority's CRLs.
type keysPart struct {
	m *Module
	// maxVerify caps a PDF uploaded for verification.
	maxVerify int64
	// trusted are roots verification trusts beside the council's own
	// (DBTP_SIGNING_TRUST_PEM): a production TSA's, a national CA's.
	trusted []*x509.Certificate

	// The demo TSA's server, kept a minute: every seal asks it, and
	// building it unseals a key.
	tsaMu    sync.Mutex
	tsaSrv   *tsa.Server
	tsaUntil time.Time
}

// DemoTSAPath is where the demo's RFC 3161 time-stamping authority
// answers. It is under /api/ because its clients are programs posting
// application/timestamp-query bodies without the pages' CSRF token.
const DemoTSAPath = "/api/v1/signing/tsa"

// defaultVerifyMB is the size cap of a PDF to verify, in megabytes: the
// signing packages' own cap.
const defaultVerifyMB = 64

func (p *keysPart) init(ctx context.Context, m *Module) error {
	p.m = m
	p.maxVerify = defaultVerifyMB << 20
	if v := m.d.Config.Getenv("DBTP_SIGNING_VERIFY_MAX_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1024 {
			return platform.Errorf(platform.CodeInvalid, "DBTP_SIGNING_VERIFY_MAX_MB must be a whole number of megabytes from 1 to 1024, not %q", v)
		}
		p.maxVerify = int64(n) << 20
	}
	if f := m.d.Config.Getenv("DBTP_SIGNING_TRUST_PEM"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("DBTP_SIGNING_TRUST_PEM: %w", err)
		}
		for rest := b; ; {
			var blk *pem.Block
			if blk, rest = pem.Decode(rest); blk == nil {
				break
			}
			c, err := x509.ParseCertificate(blk.Bytes)
			if err != nil {
				return fmt.Errorf("DBTP_SIGNING_TRUST_PEM: %s: a certificate does not parse: %w", f, err)
			}
			p.trusted = append(p.trusted, c)
		}
		if len(p.trusted) == 0 {
			return fmt.Errorf("DBTP_SIGNING_TRUST_PEM: %s holds no PEM certificates", f)
		}
	}
	return nil
}

func (p *keysPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	admin := []platform.Role{platform.RoleAdmin}
	srv.Renderer().AddNav(web.NavItem{Label: "Signing keys", Href: "/signing-keys", Roles: admin, Order: 74, Group: web.AdminGroup})
	// Anyone may check a document: a footer link on every page, rather
	// than one more item in everyone's menu.
	srv.Renderer().AddFooterLink("Verify a signed document", "/verification")
	// Uploads: the PDF and the multipart form around it.
	limit := web.MaxBody(p.maxVerify + 1<<20)
	rt.HandleFunc("GET /verification", p.verificationPage)
	rt.HandleFunc("POST /verification", p.verifyForm, limit)
	srv.API().HandleFunc("POST /api/v1/verification", verificationOp, p.verifyAPI, limit)
	srv.API().HandleFunc("POST "+DemoTSAPath, tsaOp, p.serveTSA, web.MaxBody(64<<10))
	rt.HandleFunc("GET /signing/crl/{id}", p.crl)
	rt.HandleFunc("GET /signing/root/{id}", p.root)
	srv.API().HandleFunc("GET /api/v1/signing-keys", keysOp, p.keysAPI)

	rt.Handle("GET /signing-keys", web.RequireSignedInFunc(p.keysPage))
	rt.HandleFunc("POST /signing-keys/import", p.importKey, web.MaxBody(2<<20))
	rt.HandleFunc("POST /signing-keys/demo-ca", p.createDemoCA)
	rt.HandleFunc("POST /signing-keys/{id}/activate", p.activate)
	rt.HandleFunc("POST /signing-keys/{id}/revoke", p.revoke)
	return nil
}

func (p *keysPart) start(ctx context.Context, m *Module) error { return nil }

// demo gives the demo council its seal from the internal authority (and
// so the demo's TSA its certificate), once: a council that already has a
// key keeps it.
func (p *keysPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	ks, err := m.ss.Keys(ctx, sys)
	if err != nil || len(ks) > 0 {
		return err
	}
	_, err = m.ss.CreateDemoCA(ctx, sys, org.Name)
	return err
}

// tsaOp documents the demo's TSA in the OpenAPI document.
var tsaOp = web.Op{Summary: "Get an RFC 3161 timestamp from the demo's time-stamping authority", OperationID: "signingTimestamp", Tags: []string{"signing"}, Public: true,
	Description: "POST an application/timestamp-query (RFC 3161) body; the answer is an application/timestamp-reply. The authority's certificate is issued " +
		"by the host council's internal (demo) certificate authority; 503 until that authority exists. For the demo and tests: a council in production " +
		"sets DBTP_SIGNING_TSA_URL to a qualified time-stamping authority.",
	Responses: map[int]web.Response{200: {Description: "An RFC 3161 TimeStampResp (application/timestamp-reply)"}}}

// serveTSA answers with the host organisation's demo TSA credential.
func (p *keysPart) serveTSA(w http.ResponseWriter, r *http.Request) error {
	srv, err := p.demoTSA(r.Context())
	if platform.CodeOf(err) == platform.CodeNotFound {
		// 503, which TSA clients take as "try again later": sealing waits.
		w.Header().Set("Retry-After", "300")
		http.Error(w, "The demo's time-stamping authority has no certificate yet: an administrator creates the demo certificate authority at /signing-keys", http.StatusServiceUnavailable)
		return nil
	}
	if err != nil {
		return err
	}
	srv.ServeHTTP(w, r)
	return nil
}

// demoTSA is the TSA server for the host organisation's demo credential.
func (p *keysPart) demoTSA(ctx context.Context) (*tsa.Server, error) {
	now := time.Now()
	p.tsaMu.Lock()
	defer p.tsaMu.Unlock()
	if p.tsaSrv != nil && now.Before(p.tsaUntil) {
		return p.tsaSrv, nil
	}
	host, err := p.m.d.Directory.HostOrg(ctx)
	if err != nil {
		return nil, err
	}
	cred, err := p.m.ss.DemoTSA(ctx, host.ID)
	if err != nil {
		return nil, err
	}
	p.tsaSrv, p.tsaUntil = &tsa.Server{Cert: cred.Chain[0], Key: cred.Key, Now: p.m.d.Clock.Now}, now.Add(time.Minute)
	return p.tsaSrv, nil
}

// crl serves an internal authority's current CRL, which its certificates
// name as their distribution point.
func (p *keysPart) crl(w http.ResponseWriter, r *http.Request) error {
	der, err := p.m.ss.CRL(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(der)
	return err
}

// trimmed is a form value without surrounding space.
func trimmed(r *http.Request, name string) string { return strings.TrimSpace(r.PostFormValue(name)) }

var keysOp = web.Op{Summary: "List the council's signing keys", OperationID: "listSigningKeys", Tags: []string{"signing"}, Scopes: []string{platform.ScopeRead},
	Description: "Administrators only. The certificates' facts (never the private keys), the active key first. Import and creation are on the " +
		"/signing-keys pages, where the PKCS#12 password is typed.",
	Responses: map[int]web.Response{200: {Description: "The keys", Schema: web.Schema{"type": "object", "properties": map[string]any{
		"items": map[string]any{"type": "array", "items": web.SchemaOf(keyJSON{})}}}}}}

// keyJSON is a key as the API gives it, with its status now.
type keyJSON struct {
	signing.Key
	Status string `json:"status"`
}

func (p *keysPart) keysAPI(w http.ResponseWriter, r *http.Request) error {
	ks, err := p.m.ss.Keys(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	out := []keyJSON{}
	for _, k := range ks {
		out = append(out, keyJSON{Key: k, Status: k.Status(p.m.d.Clock.Now())})
	}
	return web.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// root serves an internal authority's root certificate (PEM), to import
// into a PDF reader's trusted certificates.
func (p *keysPart) root(w http.ResponseWriter, r *http.Request) error {
	c, err := p.m.ss.AuthorityRoot(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="dbtp-demo-root.pem"`)
	return pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}
