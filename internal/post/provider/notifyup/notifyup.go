// Package notifyup sends digital post's messages on through GOV.UK
// Notify itself, for a council that keeps Notify as its carrier while its
// systems talk to dbtp. dbtp renders every message; Notify is given the
// result through pass-through templates the council makes once in its
// Notify service: an email template with subject "((subject))" and body
// "((body))", and a text message template with body "((body))". Letters
// go as precompiled PDFs (POST /v2/notifications/letter with "content").
//
// Requests are authenticated as Notify's client libraries do: a JWT
// (HS256) with the service id as issuer and the time of the request,
// signed with the key's secret, in "Authorization: Bearer". A 400 from
// Notify (a bad address) is a permanent failure; 403 (a wrong key), 429
// (its rate limit) and 5xx are temporary: messages wait and are tried
// again. Receipts are read back with GET /v2/notifications/{id}.
package notifyup

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/post/provider"
)

// DefaultURL is GOV.UK Notify's API.
const DefaultURL = "https://api.notifications.service.gov.uk"

// Config is the upstream Notify service.
type Config struct {
	URL            string // default DefaultURL
	APIKey         string // a Notify API key: "{name}-{service id}-{secret}"
	EmailTemplate  string // the pass-through email template's id
	SMSTemplate    string // the pass-through text message template's id
	EmailReplyToID string // optional: a reply-to address id of the Notify service
	Client         *http.Client
	Now            func() time.Time
}

// Provider sends through Notify.
type Provider struct {
	cfg       Config
	serviceID string
	secret    string
}

// New checks cfg and returns the provider.
func New(cfg Config) (*Provider, error) {
	if cfg.URL == "" {
		cfg.URL = DefaultURL
	}
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("notifyup: the Notify URL %q must be a full http(s) address", cfg.URL)
	}
	cfg.URL = strings.TrimRight(cfg.URL, "/")
	k := cfg.APIKey
	if len(k) < 75 || k[len(k)-37] != '-' || k[len(k)-74] != '-' {
		return nil, errors.New("notifyup: the API key must be a Notify key, \"{name}-{service id}-{secret}\"")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Provider{cfg: cfg, serviceID: k[len(k)-73 : len(k)-37], secret: k[len(k)-36:]}, nil
}

// Name is "notify".
func (p *Provider) Name() string { return "notify" }

// token is a fresh JWT for one request.
func (p *Provider) token() string {
	enc := base64.RawURLEncoding
	head := enc.EncodeToString([]byte(`{"typ":"JWT","alg":"HS256"}`))
	claims, _ := json.Marshal(map[string]any{"iss": p.serviceID, "iat": p.cfg.Now().Unix()})
	signing := head + "." + enc.EncodeToString(claims)
	mac := hmac.New(sha256.New, []byte(p.secret))
	mac.Write([]byte(signing))
	return signing + "." + enc.EncodeToString(mac.Sum(nil))
}

// Send hands m to Notify.
func (p *Provider) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	var path string
	body := map[string]any{}
	if m.Reference != "" {
		body["reference"] = m.Reference
	}
	switch m.Kind {
	case "email":
		if p.cfg.EmailTemplate == "" {
			return provider.Result{}, errors.New("notifyup: no pass-through email template is set")
		}
		path = "/v2/notifications/email"
		body["email_address"], body["template_id"] = m.To, p.cfg.EmailTemplate
		body["personalisation"] = map[string]string{"subject": m.Subject, "body": m.Text}
		if p.cfg.EmailReplyToID != "" {
			body["email_reply_to_id"] = p.cfg.EmailReplyToID
		}
	case "sms":
		if p.cfg.SMSTemplate == "" {
			return provider.Result{}, errors.New("notifyup: no pass-through text message template is set")
		}
		path = "/v2/notifications/sms"
		body["phone_number"], body["template_id"] = m.To, p.cfg.SMSTemplate
		body["personalisation"] = map[string]string{"body": m.Text}
	case "letter":
		path = "/v2/notifications/letter"
		if m.Reference == "" {
			body["reference"] = m.ID // Notify requires one for precompiled letters
		}
		body["content"] = base64.StdEncoding.EncodeToString(m.PDF)
		if m.Postage != "" {
			body["postage"] = m.Postage
		}
	default:
		return provider.Result{}, provider.Permanent(fmt.Errorf("notifyup: no such kind %q", m.Kind))
	}
	b, _ := json.Marshal(body)
	var out struct {
		ID string `json:"id"`
	}
	if err := p.call(ctx, http.MethodPost, path, b, &out); err != nil {
		return provider.Result{}, err
	}
	st := "sending"
	if m.Kind == "letter" {
		st = "accepted"
	}
	return provider.Result{Ref: out.ID, Status: st}, nil
}

// Check reads the notification's status back from Notify.
func (p *Provider) Check(ctx context.Context, ref string) (string, error) {
	var out struct {
		Status string `json:"status"`
	}
	if err := p.call(ctx, http.MethodGet, "/v2/notifications/"+url.PathEscape(ref), nil, &out); err != nil {
		return "", err
	}
	switch out.Status {
	case "delivered", "permanent-failure", "temporary-failure", "technical-failure", "received", "cancelled", "validation-failed", "sent":
		return out.Status, nil
	case "virus-scan-failed":
		return "validation-failed", nil
	}
	return "sending", nil // created, sending, pending, accepted, pending-virus-check
}

// apiError is Notify's error body.
type apiError struct {
	Errors []struct {
		Error   string `json:"error"`
		Message string `json:"message"`
	} `json:"errors"`
}

func (p *Provider) call(ctx context.Context, method, path string, body []byte, out any) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.cfg.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token())
	req.Header.Set("User-Agent", "dbtp-notifyup")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("GOV.UK Notify: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode == http.StatusOK || res.StatusCode == http.StatusCreated {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("GOV.UK Notify: answer: %w", err)
		}
		return nil
	}
	var ae apiError
	_ = json.Unmarshal(b, &ae)
	var words []string
	for _, e := range ae.Errors {
		words = append(words, e.Error+": "+e.Message)
	}
	err = fmt.Errorf("GOV.UK Notify: %s %s", res.Status, strings.Join(words, "; "))
	if res.StatusCode == http.StatusBadRequest {
		return provider.Permanent(err)
	}
	return err
}
