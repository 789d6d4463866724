package postweb

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

	"dbtp/internal/module"
	"dbtp/internal/post"
)

// BenchMixes gives dbtp bench its post mix: email notifications POSTed to
// GOV.UK Notify's /v2/notifications/email, each with a fresh HS256 token
// as Notify's client libraries make them. Every 201 is a notification and
// its delivery job committed. The key is a test key, so the server's
// delivery pretends and sends nothing anywhere.
func (m *Module) BenchMixes() []module.BenchMix {
	return []module.BenchMix{{Name: "post", Help: "GOV.UK Notify API email sends", Prepare: m.benchPrepare}}
}

const benchService = "Load test sending service"

// benchPrepare makes (once) a sending service without a rate limit and an
// email template in the bench organisation, and a new test key each run
// (a key's whole value is only known when it is made).
func (m *Module) benchPrepare(ctx context.Context, env module.BenchEnv) (module.BenchLoad, error) {
	ps := m.Store()
	if ps == nil {
		return module.BenchLoad{}, errors.New("the post module is not running")
	}
	sys := env.Sys
	unit, err := env.Unit(ctx, "Digital post")
	if err != nil {
		return module.BenchLoad{}, err
	}
	svs, err := ps.Services(ctx, sys)
	if err != nil {
		return module.BenchLoad{}, err
	}
	var sv post.Service
	for _, s := range svs {
		if s.Name == benchService {
			sv = s
		}
	}
	if sv.ID == "" {
		if sv, err = ps.CreateService(ctx, sys, post.ServiceInput{Name: benchService, UnitID: unit}); err != nil {
			return module.BenchLoad{}, err
		}
		if sv, err = ps.UpdateService(ctx, sys, sv.ID, post.ServiceSettings{Name: sv.Name, RatePerMinute: 0}); err != nil {
			return module.BenchLoad{}, err
		}
	}
	ts, err := ps.TemplatesForService(ctx, sv.ID, post.KindEmail)
	if err != nil {
		return module.BenchLoad{}, err
	}
	var templateID string
	if len(ts) > 0 {
		templateID = ts[0].ID
	} else {
		// The templates engine makes the bench's template, as staff would.
		t, err := ps.CreateTemplate(ctx, sys, post.TemplateInput{ServiceID: sv.ID, Kind: post.KindEmail, Name: "Complaint acknowledgement",
			Subject: "Your complaint ((reference))", Body: "Dear ((name)),\n\nWe have your complaint ((reference)) and will answer within 20 working days."})
		if err != nil {
			return module.BenchLoad{}, err
		}
		templateID = t.ID
	}
	k, _, err := ps.CreateAPIKey(ctx, sys, sv.ID, "dbtp bench "+time.Now().UTC().Format("2006-01-02 15:04:05"), post.KeyTest)
	if err != nil {
		return module.BenchLoad{}, err
	}
	send, err := benchSender(sv.ID, k.Secret, templateID)
	return module.BenchLoad{Label: "Notify API email sends", Send: send}, err
}

// benchSender POSTs one email notification as a council system would.
func benchSender(serviceID, secret, templateID string) (func(ctx context.Context, base string, n int) error, error) {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.HS256, Key: []byte(secret)}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
	return func(ctx context.Context, base string, n int) error {
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
	}, nil
}
