package web

import (
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// The fuzz targets check what must hold for any input: no panic, every
// failure is a 4xx-class platform error, and whatever is accepted obeys the
// rule it was accepted under.

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"title":"a","count":1,"tags":["x"]}`, `{"title":"\u0000"}`, `{"extra":true}`, `[]`, `{"title":"a"}{}`, "{\"title\":\"\xff\"}", `{"count":1e400}`, `{"tags":null}`, ``, `{"a":{"b":[[[[]]]]}}`} {
		f.Add([]byte(s))
	}
	type item struct {
		Title string         `json:"title"`
		Count int            `json:"count"`
		Tags  []string       `json:"tags"`
		Meta  map[string]any `json:"meta"`
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v item
		err := UnmarshalStrict(body, &v)
		if err != nil {
			if s := StatusOf(err); s != 400 && s != 422 {
				t.Fatalf("status %d for %q: %v", s, body, err)
			}
			return
		}
		if !utf8.Valid(body) || !validText(v.Title) {
			t.Fatalf("accepted bad text %q", body)
		}
		for _, tag := range v.Tags {
			if !validText(tag) {
				t.Fatalf("accepted bad tag in %q", body)
			}
		}
	})
}

func FuzzFormValues(f *testing.F) {
	for _, s := range []string{"a=b&c=d", "name=%FF", "name=a%00b", "%C3%28=x", "a=%zz", "a=caf%C3%A9", "a=line%0Abreak%09tab", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if err := ValidateValues(v); err != nil {
			if platform.CodeOf(err) != platform.CodeInvalid {
				t.Fatalf("code %s", platform.CodeOf(err))
			}
			return
		}
		for k, vs := range v {
			if !validText(k) || slices.ContainsFunc(vs, func(s string) bool { return !utf8.ValidString(s) || strings.ContainsRune(s, 0) }) {
				t.Fatalf("accepted %q", raw)
			}
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	for _, s := range []string{EncodeCursor("2025-01-01", "usr_1"), EncodeCursor("x"), "", "!!", "e30", "WyJjMSJd", strings.Repeat("A", 700)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		parts, err := DecodeCursor(s)
		if err != nil {
			if StatusOf(err) != 422 {
				t.Fatalf("status %d", StatusOf(err))
			}
			return
		}
		if s == "" {
			return
		}
		for _, p := range parts {
			if !validText(p) {
				t.Fatalf("accepted part %q", p)
			}
		}
		again, err := DecodeCursor(EncodeCursor(parts...))
		if err != nil || !slices.Equal(again, parts) {
			t.Fatalf("re-encoding %q: %v %v", parts, again, err)
		}
	})
}

func FuzzVerifyCSRFToken(f *testing.F) {
	key := bytes.Repeat([]byte{7}, 32)
	secret := bytes.Repeat([]byte{9}, csrfSecretLen)
	good := maskCSRF(key, secret)
	for _, s := range []string{good, "", "garbage", good[:len(good)-1], good + "A", strings.Repeat("A", len(good))} {
		f.Add(s, secret)
	}
	f.Fuzz(func(t *testing.T, token string, sec []byte) {
		ok := VerifyCSRFToken(key, sec, token)
		if ok && !bytes.Equal(sec, secret) && VerifyCSRFToken(key, secret, token) {
			t.Fatalf("one token verifies for two secrets")
		}
		if ok && len(sec) != csrfSecretLen {
			t.Fatalf("accepted a secret of %d bytes", len(sec))
		}
		// A token for the real secret verifies, however it is masked.
		if !VerifyCSRFToken(key, secret, maskCSRF(key, secret)) {
			t.Fatal("fresh token rejected")
		}
	})
}
