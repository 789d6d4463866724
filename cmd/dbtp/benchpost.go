package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"dbtp/internal/loadgen"
	"dbtp/internal/post"
	"dbtp/internal/post/postweb"
)

// The post mix of dbtp bench: email notifications POSTed to GOV.UK
// Notify's /v2/notifications/email on the running server, each with a
// fresh HS256 token as Notify's client libraries make them, at
// --concurrency for --duration, --rounds times. Every 201 is a
// notification and its delivery job committed. The key is a test key, so
// the server's delivery pretends and sends nothing anywhere.

const benchPostService = "Load test sending service"

// benchPostPrepare makes (once) a sending service without a rate limit and
// an email template in the bench organisation, and a new test key each
// run (a key's whole value is only known when it is made).
func benchPostPrepare(ctx context.Context, a *app) (serviceID, secret, templateID string, err error) {
	var pm *postweb.Module
	for _, m := range a.mods {
		if p, ok := m.(*postweb.Module); ok {
			pm = p
		}
	}
	if pm == nil || pm.Store() == nil {
		return "", "", "", errors.New("the post module is not running")
	}
	ps := pm.Store()
	org, sys, _, err := benchOrgAndPassword(ctx, a)
	if err != nil {
		return "", "", "", err
	}
	unit, err := a.deps.Directory.UnitID(ctx, org.ID, "Digital post")
	if err != nil || unit == "" {
		u, err := a.identity.CreateUnit(ctx, sys, "Digital post")
		if err != nil {
			return "", "", "", err
		}
		unit = u.ID
	}
	svs, err := ps.Services(ctx, sys)
	if err != nil {
		return "", "", "", err
	}
	var sv post.Service
	for _, s := range svs {
		if s.Name == benchPostService {
			sv = s
		}
	}
	if sv.ID == "" {
		if sv, err = ps.CreateService(ctx, sys, post.ServiceInput{Name: benchPostService, UnitID: unit}); err != nil {
			return "", "", "", err
		}
		if sv, err = ps.UpdateService(ctx, sys, sv.ID, post.ServiceSettings{Name: sv.Name, RatePerMinute: 0}); err != nil {
			return "", "", "", err
		}
	}
	ts, err := ps.TemplatesForService(ctx, sv.ID, post.KindEmail)
	if err != nil {
		return "", "", "", err
	}
	if len(ts) > 0 {
		templateID = ts[0].ID
	} else {
		// The templates engine makes the bench's template, as staff would.
		t, err := ps.CreateTemplate(ctx, sys, post.TemplateInput{ServiceID: sv.ID, Kind: post.KindEmail, Name: "Complaint acknowledgement",
			Subject: "Your complaint ((reference))", Body: "Dear ((name)),\n\nWe have your complaint ((reference)) and will answer within 20 working days."})
		if err != nil {
			return "", "", "", err
		}
		templateID = t.ID
	}
	k, _, err := ps.CreateAPIKey(ctx, sys, sv.ID, "dbtp bench "+time.Now().UTC().Format("2006-01-02 15:04:05"), post.KeyTest)
	if err != nil {
		return "", "", "", err
	}
	return sv.ID, k.Secret, templateID, nil
}

// benchPost drives the Notify API once benchPostPrepare has run and the
// app is closed.
func benchPost(ctx context.Context, env *cliEnv, base, serviceID, secret, templateID string, conc, rounds int, d time.Duration) error {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc, MaxConnsPerHost: conc}}
	send := func(ctx context.Context, n int) error {
		tok, err := jwt.Signed(signer).Claims(map[string]any{"iss": serviceID, "iat": time.Now().Unix()}).Serialize()
		if err != nil {
			return err
		}
		body, _ := json.Marshal(map[string]any{"email_address": "rita.resident@example.org", "template_id": templateID,
			"personalisation": map[string]any{"name": "Rita", "reference": fmt.Sprintf("BENCH-%d", n)}, "reference": fmt.Sprintf("bench-%d", n)})
		req, err := http.NewRequestWithContext(ctx, "POST", base+"/v2/notifications/email", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(res.Body, 4096))
		if res.StatusCode != http.StatusCreated {
			return fmt.Errorf("status %d: %s", res.StatusCode, bytes.TrimSpace(b))
		}
		return nil
	}
	for r := range max(1, rounds) {
		s := loadgen.Closed(ctx, conc, d, send)
		ok := s.Requests - s.Errors
		fmt.Fprintf(env.stdout, "post round %d, %d at once:\n  %-28s %6d in %s = %6.0f/s; p50 %s p95 %s p99 %s; errors %d\n", r+1, conc,
			"Notify API email sends", ok, s.Elapsed.Round(time.Millisecond), float64(ok)/s.Elapsed.Seconds(), ms(s.P50), ms(s.P95), ms(s.P99), s.Errors)
		for reason, n := range s.Reasons {
			fmt.Fprintf(env.stdout, "    error %q x%d\n", reason, n)
		}
	}
	return nil
}
