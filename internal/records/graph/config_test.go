package graph_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/records/graph"
)

const secret = "Zq8~kcc.SuperSecretValue_0123456789"

func env(vars map[string]string) func(string) string {
	return func(k string) string { return vars[k] }
}

func TestConfigFromEnvOff(t *testing.T) {
	_, ok, err := graph.ConfigFromEnv(env(nil))
	if ok || err != nil {
		t.Fatalf("nothing set: ok=%v err=%v, want off without error", ok, err)
	}
	// A secret alone (left over from an old set-up) does not turn it on.
	_, ok, err = graph.ConfigFromEnv(env(map[string]string{graph.EnvClientSecret: secret}))
	if ok || err != nil {
		t.Fatalf("only the secret set: ok=%v err=%v, want off", ok, err)
	}
}

func TestConfigFromEnvDefaults(t *testing.T) {
	cfg, ok, err := graph.ConfigFromEnv(env(map[string]string{
		graph.EnvTenant: " kentcc.onmicrosoft.com ", graph.EnvClientID: "c4d5e6f7-0a1b-4c2d-9e3f-5a6b7c8d9e0f",
		graph.EnvClientSecret: secret,
	}))
	if err != nil || !ok {
		t.Fatalf("ok=%v err=%v", ok, err)
	}
	if cfg.BaseURL != "https://graph.microsoft.com/v1.0" ||
		cfg.TokenURL != "https://login.microsoftonline.com/kentcc.onmicrosoft.com/oauth2/v2.0/token" ||
		cfg.MaxBytes != 2<<30 || cfg.TenantID != "kentcc.onmicrosoft.com" || cfg.ClientSecret != secret {
		t.Errorf("defaults not applied: %+v", cfg)
	}
}

// TestConfigErrorsNameTheSettingNotTheSecret: each mistake is named by its
// environment setting, and the secret's value appears nowhere.
func TestConfigErrorsNameTheSettingNotTheSecret(t *testing.T) {
	full := map[string]string{
		graph.EnvTenant: "9e3b5c1a-4f2d-4e6b-8a7c-0d1e2f3a4b5c", graph.EnvClientID: "c4d5e6f7-0a1b-4c2d-9e3f-5a6b7c8d9e0f",
		graph.EnvClientSecret: secret,
	}
	cases := []struct {
		name, key, value, want string
	}{
		{"no client", graph.EnvClientID, "", graph.EnvClientID},
		{"no tenant", graph.EnvTenant, "", graph.EnvTenant},
		{"no secret", graph.EnvClientSecret, "", graph.EnvClientSecret},
		{"tenant with a path", graph.EnvTenant, "kent/../common", graph.EnvTenant},
		{"client not a GUID", graph.EnvClientID, "c4d5 e6f7", graph.EnvClientID},
		{"graph over http", graph.EnvBaseURL, "http://graph.example.org/v1.0", graph.EnvBaseURL},
		{"token URL over http", graph.EnvTokenURL, "http://login.example.org/t/oauth2/v2.0/token", graph.EnvTokenURL},
		{"token URL with a query", graph.EnvTokenURL, "https://login.microsoftonline.com/t/token?x=1", graph.EnvTokenURL},
		{"relative base URL", graph.EnvBaseURL, "/v1.0", graph.EnvBaseURL},
	}
	for _, c := range cases {
		vars := map[string]string{}
		for k, v := range full {
			vars[k] = v
		}
		vars[c.key] = c.value
		_, ok, err := graph.ConfigFromEnv(env(vars))
		if err == nil || ok {
			t.Errorf("%s: ok=%v err=nil, want an error", c.name, ok)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %q does not name %s", c.name, err, c.want)
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("%s: the error reveals the secret: %q", c.name, err)
		}
		if platform.CodeOf(err) != platform.CodeForbidden || !errors.Is(err, graph.ErrNotConfigured) {
			t.Errorf("%s: code %s, ErrNotConfigured %v", c.name, platform.CodeOf(err), errors.Is(err, graph.ErrNotConfigured))
		}
	}
	// A loopback http endpoint is the test stand-in's, and is accepted.
	vars := map[string]string{graph.EnvBaseURL: "http://127.0.0.1:8999/v1.0", graph.EnvTokenURL: "http://[::1]:8999/t/oauth2/v2.0/token"}
	for k, v := range full {
		vars[k] = v
	}
	if _, ok, err := graph.ConfigFromEnv(env(vars)); err != nil || !ok {
		t.Errorf("loopback http refused: %v", err)
	}
}

func TestConfigNeverPrintsTheSecret(t *testing.T) {
	cfg := graph.Config{TenantID: "kentcc.onmicrosoft.com", ClientID: "c4d5e6f7", ClientSecret: secret}
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("graph", "config", cfg)
	for _, s := range []string{fmt.Sprint(cfg), fmt.Sprintf("%+v", cfg), fmt.Sprintf("%#v", cfg), logged.String()} {
		if strings.Contains(s, secret) {
			t.Errorf("secret printed: %s", s)
		}
		if !strings.Contains(s, "redacted") {
			t.Errorf("the secret is not even marked as set: %s", s)
		}
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	_, err := graph.New(graph.Config{TenantID: "kentcc.onmicrosoft.com"})
	if !errors.Is(err, graph.ErrNotConfigured) {
		t.Fatalf("New without a client ID: %v", err)
	}
}
