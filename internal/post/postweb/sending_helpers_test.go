package postweb

import (
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"dbtp/internal/post"
	"dbtp/internal/web/webtest"
)

// rowTemplate makes a template of kind for the env's service, at
// version 1, through the templates engine (as Mia, who manages it).
func (e *env) rowTemplate(kind, name, subject, body string) post.Template {
	e.t.Helper()
	t, err := e.m.Store().CreateTemplate(e.ctx, e.subject("Mia"), post.TemplateInput{ServiceID: e.service.ID, Kind: kind, Name: name,
		Subject: subject, Body: body})
	noErr(e.t, err)
	return t
}

// newVersion makes version 2 of t with a new body (the templates engine:
// an edit is a new version).
func (e *env) newVersion(t post.Template, body string) {
	e.t.Helper()
	_, err := e.m.Store().UpdateTemplate(e.ctx, e.subject("Mia"), t.ID, post.TemplateInput{Name: t.Name, Subject: t.Subject, Body: body})
	noErr(e.t, err)
}

// notifyClient calls the Notify API as GOV.UK Notify's client libraries
// do: a fresh JWT for each request (HS256, header typ JWT, claims iss =
// the service id and iat = now in whole seconds), JSON bodies, their
// user agent.
type notifyClient struct {
	e          *env
	serviceID  string
	secret     string
	skew       time.Duration // added to iat, to play a client with a wrong clock
	fixedToken string        // sent as it is when set
}

// apiKey makes an API key of keyType for the env's service and a client
// using its whole key, as a council system would be configured.
func (e *env) notifyKey(keyType string) (*notifyClient, post.APIKey, string) {
	e.t.Helper()
	k, whole, err := e.m.Store().CreateAPIKey(e.ctx, e.subject("Mia"), e.service.ID, "Case system", keyType)
	noErr(e.t, err)
	// The libraries take the last 73 characters: the service id and the secret.
	return &notifyClient{e: e, serviceID: whole[len(whole)-73 : len(whole)-37], secret: whole[len(whole)-36:]}, k, whole
}

func signToken(t testing.TB, secret string, claims map[string]any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	noErr(t, err)
	tok, err := jwt.Signed(sig).Claims(claims).Serialize()
	noErr(t, err)
	return tok
}

func (c *notifyClient) token() string {
	if c.fixedToken != "" {
		return c.fixedToken
	}
	return signToken(c.e.t, c.secret, map[string]any{"iss": c.serviceID, "iat": c.e.clock.Now().Add(c.skew).Unix()})
}

func (c *notifyClient) header() http.Header {
	return http.Header{"Authorization": {"Bearer " + c.token()}, "Content-Type": {"application/json"},
		"User-Agent": {"NOTIFY-API-PYTHON-CLIENT/10.0.1"}}
}

func (c *notifyClient) post(path string, body any) *webtest.Response {
	c.e.t.Helper()
	b, err := json.Marshal(body)
	noErr(c.e.t, err)
	return c.e.do("POST", path, c.header(), b)
}

func (c *notifyClient) get(path string) *webtest.Response {
	c.e.t.Helper()
	return c.e.do("GET", path, c.header(), nil)
}

// decode reads a response's JSON into a map, as a client library would.
func decodeNotify(t testing.TB, r *webtest.Response) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("not JSON (%v): %s", err, r.Body)
	}
	return m
}

// wantNotifyError checks Notify's error JSON: the status, and the first
// error's class and message.
func wantNotifyError(t testing.TB, r *webtest.Response, status int, class, message string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	var body struct {
		StatusCode int `json:"status_code"`
		Errors     []struct {
			Error   string `json:"error"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(r.Body), &body); err != nil || body.StatusCode != status || len(body.Errors) == 0 {
		t.Fatalf("not Notify's error JSON: %s", r.Body)
	}
	if body.Errors[0].Error != class || body.Errors[0].Message != message {
		t.Fatalf("error %s %q, want %s %q", body.Errors[0].Error, body.Errors[0].Message, class, message)
	}
}

// queued counts the delivery jobs waiting.
func (e *env) deliveriesQueued() int {
	e.t.Helper()
	var n int
	noErr(e.t, e.db.QueryRow(e.ctx, "SELECT COUNT(*) FROM jobs WHERE kind = ?", post.JobDeliver).Scan(&n))
	return n
}

// testingPG says whether benchmarks run on PostgreSQL (DBTP_BENCH_PG=1).
func testingPG() bool { return os.Getenv("DBTP_BENCH_PG") == "1" }
