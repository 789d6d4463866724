// Package httpsms is digital post's text message provider for any SMS
// gateway that speaks this small JSON interface (a council's aggregator,
// or an adapter in front of one):
//
// Send: POST {base}/messages with "Authorization: Bearer {token}" and
//
//	{"id": "<dbtp's notification id>", "to": "+447700900123", "from": "NCC", "body": "the text", "reference": "optional"}
//
// The gateway answers 200, 201 or 202 with {"id": "<its own id>", "status":
// "sending" | "delivered"}. A gateway must treat a second request with the
// same "id" as the same message: it answers as before and sends nothing
// more (dbtp repeats a request only when it cannot tell whether the first
// arrived). A 400, 404 or 422 with {"error": "why"} is a permanent failure
// (not a mobile number, say); 401, 403, 408, 429 and 5xx, or no answer,
// are temporary: the message waits and is tried again.
//
// Receipts: GET {base}/messages/{its id} answers {"id": ..., "status":
// "sending" | "delivered" | "failed" | "expired"}; dbtp asks every
// minute while a message is sending. "failed" is a permanent failure (the
// phone does not exist), "expired" a temporary one (the phone was off for
// the gateway's whole validity period).
package httpsms

import (
	"bytes"
	"context"
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

// Config is where the gateway is.
type Config struct {
	URL    string // base URL, e.g. https://sms.example.net/v1
	Token  string // bearer token
	Client *http.Client
}

// Provider sends text messages through the gateway.
type Provider struct {
	base   string
	token  string
	client *http.Client
}

// New checks cfg and returns the provider.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("httpsms: the gateway URL %q must be a full http(s) address", cfg.URL)
	}
	c := cfg.Client
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	return &Provider{base: strings.TrimRight(cfg.URL, "/"), token: cfg.Token, client: c}, nil
}

// Name is "http-sms".
func (p *Provider) Name() string { return "http-sms" }

// Idempotent: the interface asks gateways to treat a repeated id as one
// message.
func (p *Provider) Idempotent() bool { return true }

// Request is the gateway's send request.
type Request struct {
	ID        string `json:"id"`
	To        string `json:"to"`
	From      string `json:"from,omitempty"`
	Body      string `json:"body"`
	Reference string `json:"reference,omitempty"`
}

// Answer is the gateway's answer to a send or a status request.
type Answer struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// Send hands m to the gateway.
func (p *Provider) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if m.Kind != "sms" {
		return provider.Result{}, provider.Permanent(errors.New("the SMS gateway sends text messages only, not " + m.Kind))
	}
	body, _ := json.Marshal(Request{ID: m.ID, To: m.To, From: m.Sender, Body: m.Text, Reference: m.Reference})
	var a Answer
	if err := p.call(ctx, http.MethodPost, p.base+"/messages", body, &a); err != nil {
		return provider.Result{}, err
	}
	st := "sending"
	if a.Status == "delivered" {
		st = "delivered"
	}
	return provider.Result{Ref: a.ID, Status: st}, nil
}

// Check asks the gateway how message ref is doing.
func (p *Provider) Check(ctx context.Context, ref string) (string, error) {
	var a Answer
	if err := p.call(ctx, http.MethodGet, p.base+"/messages/"+url.PathEscape(ref), nil, &a); err != nil {
		return "", err
	}
	switch a.Status {
	case "delivered":
		return "delivered", nil
	case "failed":
		return "permanent-failure", nil
	case "expired":
		return "temporary-failure", nil
	}
	return "sending", nil
}

func (p *Provider) call(ctx context.Context, method, u string, body []byte, out *Answer) error {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+p.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("SMS gateway: %w", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	_ = json.Unmarshal(b, out)
	switch res.StatusCode {
	case http.StatusOK, http.StatusCreated, http.StatusAccepted:
		if out.ID == "" {
			return fmt.Errorf("SMS gateway: answer %s without an id", res.Status)
		}
		return nil
	case http.StatusBadRequest, http.StatusNotFound, http.StatusUnprocessableEntity:
		return provider.Permanent(fmt.Errorf("SMS gateway refused the message: %s %s", res.Status, out.Error))
	}
	return fmt.Errorf("SMS gateway: %s %s", res.Status, out.Error)
}
