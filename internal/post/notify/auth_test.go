package notify

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	svc    = "26785a09-ab16-4eb0-8407-a37497a57506"
	secret = "3d844edf-8d35-48ac-975b-e847b4f122b0"
	other  = "8b3aa916-ec82-434e-b0c5-d5d9b371d6a3"
)

func TestParseKey(t *testing.T) {
	id, s, err := ParseKey("my-test-key-" + svc + "-" + secret)
	if err != nil || id != svc || s != secret {
		t.Fatalf("%q %q %v", id, s, err)
	}
	for _, bad := range []string{"", "short", svc + secret + "xx", "k-" + svc + "-" + strings.Repeat("z", 36)} {
		if _, _, err := ParseKey(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestBearerToken(t *testing.T) {
	for h, msg := range map[string]string{"": MsgNoToken, "Basic abc": MsgNotBearer, "Bear": MsgNotBearer} {
		_, err := BearerToken(h)
		wantAuth(t, err, 401, msg)
	}
	if tok, err := BearerToken("bearer abc"); err != nil || tok != "abc" {
		t.Fatal(tok, err)
	}
}

func wantAuth(t *testing.T, err error, status int, msg string) {
	t.Helper()
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != status || ae.Errors[0].Error != ErrAuth || ae.Errors[0].Message != msg {
		t.Fatalf("want %d %q, got %v", status, msg, err)
	}
}

func TestVerifyToken(t *testing.T) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	keys := map[string]ServiceKeys{
		svc:                                    {Found: true, Keys: []Key{{ID: "k-old", Secret: other, Revoked: true}, {ID: "k1", Secret: secret}}},
		other:                                  {Found: true, Archived: true, Keys: []Key{{ID: "k2", Secret: secret}}},
		"11111111-1111-4111-8111-111111111111": {Found: true},
	}
	lookup := func(id string) (ServiceKeys, error) { return keys[id], nil }
	id, kid, err := VerifyToken(Token(svc, secret, now.Add(-29*time.Second)), lookup, now)
	if err != nil || id != svc || kid != "k1" {
		t.Fatalf("%q %q %v", id, kid, err)
	}
	check := func(tok, msg string) {
		t.Helper()
		_, _, err := VerifyToken(tok, lookup, now)
		wantAuth(t, err, 403, msg)
	}
	check(Token(svc, secret, now.Add(-31*time.Second)), MsgClock)
	check(Token(svc, secret, now.Add(31*time.Second)), MsgClock)
	check(Token(svc, other, now), MsgRevoked)
	check(Token(svc, "wrong", now), MsgKeyNotFound)
	check(Token(other, secret, now), MsgArchived)
	check(Token("11111111-1111-4111-8111-111111111111", secret, now), MsgNoKeys)
	check(Token("22222222-1111-4111-8111-111111111111", secret, now), MsgServiceNotFound)
	check(Token("not-a-uuid", secret, now), MsgServiceIDType)
	check(Token("", secret, now), MsgNoIss)
	check("a.b", MsgBadToken)
	check("!!.!!.!!", MsgBadToken)
	// A token whose claims were changed after signing (a forgery).
	tok := Token(svc, secret, now)
	parts := strings.Split(tok, ".")
	parts[1] = base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + svc + `","iat":` + "9999999999" + `}`))
	check(strings.Join(parts, "."), MsgKeyNotFound)
	// Signed with the key but another algorithm named.
	head := base64.RawURLEncoding.EncodeToString([]byte(`{"typ":"JWT","alg":"HS512"}`))
	signing := head + "." + parts[1]
	check(signing+"."+b64(sign(signing, secret)), MsgAlgorithm)
	// alg none, unsigned.
	none := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none"}`)) + "." + strings.Split(tok, ".")[1] + "."
	check(none, MsgKeyNotFound)
}

func TestVerifyWithLiveKeys(t *testing.T) {
	now := time.Now()
	id, kid, err := Verify(Token(svc, secret, now), func(string) ([]string, []string, error) { return []string{"k"}, []string{secret}, nil }, now)
	if err != nil || id != svc || kid != "k" {
		t.Fatal(id, kid, err)
	}
	_, _, err = Verify(Token(svc, secret, now), func(string) ([]string, []string, error) { return nil, nil, nil }, now)
	wantAuth(t, err, 403, MsgNoKeys)
}

func TestAPIErrorJSON(t *testing.T) {
	got := string(BadRequest("Missing personalisation: name").JSON())
	if got != `{"status_code":400,"errors":[{"error":"BadRequestError","message":"Missing personalisation: name"}]}` {
		t.Fatal(got)
	}
	if len(Validation("a", "b").Errors) != 2 {
		t.Fatal("two")
	}
}

func FuzzVerifyToken(f *testing.F) {
	now := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	f.Add(Token(svc, secret, now))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Fuzz(func(t *testing.T, tok string) {
		id, _, err := VerifyToken(tok, func(string) (ServiceKeys, error) {
			return ServiceKeys{Found: true, Keys: []Key{{ID: "k", Secret: secret}}}, nil
		}, now)
		if err == nil && tok != Token(id, secret, now) && !strings.Contains(tok, "=") {
			// Only a token signed with the secret passes; re-signing its
			// claims may differ in bytes, so check the signature directly.
			p := strings.Split(tok, ".")
			sig, _ := unb64(p[2])
			if string(sig) != string(sign(p[0]+"."+p[1], secret)) {
				t.Fatalf("accepted %q", tok)
			}
		}
		var ae *APIError
		if err != nil && !errors.As(err, &ae) {
			t.Fatalf("not an APIError: %v", err)
		}
	})
}

func TestNotifyErrorWords(t *testing.T) {
	if got := RateLimited("normal", 3000, 60).Errors[0]; got.Message != "Exceeded rate limit for key type LIVE of 3000 requests per 60 seconds" || got.Error != ErrRateLimit {
		t.Fatal(got)
	}
	if got := DailyLimited(1000); got.Status != 429 || got.Errors[0].Message != "Exceeded send limits (1000) for today" {
		t.Fatal(got)
	}
	if got := NotFound(); got.Status != 404 || got.Errors[0].Error != "NoResultFound" {
		t.Fatal(got)
	}
	if got := TemplateArchived("x").Errors[0].Message; got != "Template x has been deleted" {
		t.Fatal(got)
	}
}
