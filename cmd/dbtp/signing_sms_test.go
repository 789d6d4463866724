package main

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/post/provider/httpsms/smstest"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
	"dbtp/internal/signing/signingtest"
)

var (
	csrfRE        = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
	smsCodeRE     = regexp.MustCompile(`is (\d{6})\.`)
	signingTextRE = regexp.MustCompile(`(by text message to the mobile number ending 123)`)
)

// TestSigningCodeByText is a one-time code by text message from end to
// end on the demo: Jo sends a contract through the API to a supplier whose
// code goes by text message; the link arrives by email (at a real SMTP
// server), the code through digital post and its HTTP SMS provider at the
// SMS gateway stand-in, never by email; the code typed into the link's
// page opens the document. A number that is not a UK mobile is refused by
// the API with a clear message, and nothing is written.
func TestSigningCodeByText(t *testing.T) {
	gw := smstest.Start(t, "gateway-token")
	relay := smtpdtest.Start(t, "")
	settings := map[string]string{"DBTP_POST_SMS_PROVIDER": "http", "DBTP_POST_SMS_URL": gw.URL, "DBTP_POST_SMS_TOKEN": "gateway-token"}
	r := startDemoEnv(t, t.TempDir(), func(k string) string { return settings[k] },
		"--smtp-addr", relay.Addr, "--smtp-from", "Kent County Council <noreply@kent.example>", "--smtp-starttls", "none")
	tok := r.token(t, "staff", "read", "write")
	pdf := base64.StdEncoding.EncodeToString(signingtest.Contract(t, 2))
	envelope := func(phone string) string {
		return `{"title":"Supply contract CT-2026-SMS","pdf":"` + pdf + `","send":true,
			"recipients":[{"step":1,"role":"signer","name":"Sam Supplier","email":"sam@supplier.example","code_by":"sms","phone":"` + phone + `"}],
			"fields":[{"recipient":0,"kind":"signature","position":"bottom of the last page"}]}`
	}
	post := func(body string) (int, string) {
		req, err := http.NewRequest("POST", r.url+"/api/v1/envelopes", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}

	// A landline: refused on the phone field, in words that say what to do.
	code, body := post(envelope("01632 960000"))
	if code != http.StatusUnprocessableEntity && code != http.StatusBadRequest || !strings.Contains(body, "recipients[0].phone") ||
		!strings.Contains(body, "Enter a UK mobile number") {
		t.Fatalf("a landline for the code: %d %s", code, body)
	}
	if c, list := getWithToken(t, r.url+"/api/v1/envelopes?q=CT-2026-SMS", tok); c != http.StatusOK || strings.Contains(list, "CT-2026-SMS") {
		t.Fatalf("a refused envelope was written: %d %s", c, list)
	}

	if code, body := post(envelope("07700 900123")); code != http.StatusCreated {
		t.Fatalf("create and send: %d %s", code, body)
	}
	link := r.url + waitMail(t, relay, "sam@supplier.example", signingLinkRE)
	jar, _ := cookiejar.New(nil)
	sam := &http.Client{Jar: jar}
	page := func(res *http.Response, err error) (int, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body = page(sam.Get(link))
	if code != http.StatusOK || !signingTextRE.MatchString(body) || strings.Contains(body, "CT-2026-SMS") {
		t.Fatalf("the link's page: %d %s", code, body)
	}
	form := func(body string, v url.Values) url.Values {
		m := csrfRE.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no CSRF token in %s", body)
		}
		v.Set("csrf_token", m[1])
		return v
	}
	code, body = page(sam.PostForm(link+"?do=code", form(body, url.Values{})))
	if code != http.StatusOK || !strings.Contains(body, "We have sent a 6-digit code by text message") {
		t.Fatalf("asking for the code: %d %s", code, body)
	}
	var text smstest.Message
	deadline := time.Now().Add(60 * time.Second)
	for text.Body == "" {
		for _, m := range gw.Messages() {
			if m.To == "+447700900123" {
				text = m
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no text message at the gateway: %+v", gw.Messages())
		}
		time.Sleep(50 * time.Millisecond) // waiting for post's delivery job, not timing it
	}
	sms := smsCodeRE.FindStringSubmatch(text.Body)
	if sms == nil || !strings.Contains(text.Body, "CT-2026-SMS") {
		t.Fatalf("the text: %q", text.Body)
	}
	for _, m := range relay.Messages() {
		if strings.Contains(m.To, "sam@supplier.example") && strings.Contains(m.Body, sms[1]) {
			t.Fatal("the code went by email too")
		}
	}
	code, body = page(sam.PostForm(link+"?do=verify", form(body, url.Values{"code": {sms[1]}})))
	if code != http.StatusOK || !strings.Contains(body, "CT-2026-SMS") || !strings.Contains(body, `name="typed"`) {
		t.Fatalf("after the code: %d %s", code, body)
	}
}
