package graphtest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestStandInIsStrict: the stand-in refuses what Entra ID and Graph
// refuse, so a client that passes against it is not relying on leniency.
func TestStandInIsStrict(t *testing.T) {
	s := New(t)
	cfg := s.Config()
	hc := s.graph.Client()

	tokenWith := func(form url.Values, basic bool) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, cfg.TokenURL, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if basic {
			req.SetBasicAuth(ClientID, ClientSecret)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	good := url.Values{"grant_type": {"client_credentials"}, "client_id": {ClientID}, "client_secret": {ClientSecret},
		"scope": {"https://graph.microsoft.com/.default"}}
	if status, body := tokenWith(good, false); status != http.StatusOK || body["access_token"] == "" || body["token_type"] != "Bearer" {
		t.Fatalf("good credentials: %d %v", status, body)
	}
	basic := url.Values{"grant_type": {"client_credentials"}, "scope": {"https://graph.microsoft.com/.default"}}
	if status, _ := tokenWith(basic, true); status != http.StatusOK {
		t.Errorf("credentials by HTTP Basic: %d", status)
	}
	for field, value := range map[string]string{"client_secret": "wrong", "scope": "Files.Read.All", "grant_type": "password", "client_id": "other"} {
		form := url.Values{}
		for k, v := range good {
			form[k] = v
		}
		form.Set(field, value)
		status, body := tokenWith(form, false)
		if status == http.StatusOK || !strings.HasPrefix(body["error_description"].(string), "AADSTS") {
			t.Errorf("%s=%s: %d %v, want refused in Entra's shape", field, value, status, body)
		}
	}

	// Graph without a token, or with one it did not issue.
	for _, auth := range []string{"", "Bearer made-up"} {
		req, _ := http.NewRequest(http.MethodGet, cfg.BaseURL+"/drives/"+SharePointDriveID+"/items/"+CarePlanID, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var ge struct {
			Error struct{ Code string } `json:"error"`
		}
		json.NewDecoder(resp.Body).Decode(&ge)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || ge.Error.Code != "InvalidAuthenticationToken" {
			t.Errorf("Authorization %q: %d %q, want 401 InvalidAuthenticationToken", auth, resp.StatusCode, ge.Error.Code)
		}
	}
	if n := s.Hits(CarePlanID); n != 0 {
		t.Errorf("unauthenticated requests counted as hits: %d", n)
	}
}
