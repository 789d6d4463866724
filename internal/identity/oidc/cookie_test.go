package oidc

import (
	"bytes"
	"encoding/base64"
	"testing"
	"time"
)

func testSealer(t testing.TB, provider string) *sealer {
	s, err := newSealer(bytes.Repeat([]byte{7}, CookieKeySize), provider)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var sampleState = flowState{State: "st", Nonce: "no", Verifier: "ve", ReturnTo: "/cases?x=1"}

func TestSealRoundTrip(t *testing.T) {
	s := testSealer(t, "entra")
	now := time.Unix(1_800_000_000, 0)
	in := sampleState
	in.Expires = now.Add(flowLifetime).Unix()
	v := s.seal(in)
	out, err := s.open(v, now)
	if err != nil || out != in {
		t.Fatalf("open(seal(x)) = %+v, %v; want %+v", out, err, in)
	}
	if v == s.seal(in) {
		t.Error("two seals of the same state are identical; the GCM nonce is not random")
	}
	if _, err := s.open(v, now.Add(flowLifetime)); err != errExpiredCookie {
		t.Errorf("at expiry: err = %v, want expired", err)
	}
}

func TestSealBoundToProvider(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	st := sampleState
	st.Expires = now.Add(time.Minute).Unix()
	v := testSealer(t, "entra").seal(st)
	if _, err := testSealer(t, "onelogin").open(v, now); err != errBadCookie {
		t.Errorf("cookie sealed for entra opened for onelogin: err = %v", err)
	}
}

func TestOpenRejectsEveryBitFlip(t *testing.T) {
	s := testSealer(t, "entra")
	now := time.Unix(1_800_000_000, 0)
	st := sampleState
	st.Expires = now.Add(time.Minute).Unix()
	raw, _ := base64.RawURLEncoding.DecodeString(s.seal(st))
	for i := range raw {
		for bit := range 8 {
			b := bytes.Clone(raw)
			b[i] ^= 1 << bit
			if _, err := s.open(base64.RawURLEncoding.EncodeToString(b), now); err == nil {
				t.Fatalf("flipping bit %d of byte %d went unnoticed", bit, i)
			}
		}
	}
}

// FuzzOpenStateCookie feeds arbitrary cookie values to the decoder: it must
// never panic, and anything it accepts must be a complete, unexpired state
// that survives another seal and open unchanged.
func FuzzOpenStateCookie(f *testing.F) {
	s := testSealer(f, "entra")
	now := time.Unix(1_800_000_000, 0)
	st := sampleState
	st.Expires = now.Add(time.Minute).Unix()
	valid := s.seal(st)
	for _, seed := range []string{valid, valid[:len(valid)-1], valid + "A", "", "AQ", "AA",
		base64.RawURLEncoding.EncodeToString(make([]byte, 29)), "not base64!", "e30", string(make([]byte, 5000))} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, v string) {
		got, err := s.open(v, now)
		if err != nil {
			return
		}
		if got.State == "" || got.Nonce == "" || got.Verifier == "" || !now.Before(time.Unix(got.Expires, 0)) {
			t.Fatalf("accepted an incomplete or expired state: %+v", got)
		}
		again, err := s.open(s.seal(got), now)
		if err != nil || again != got {
			t.Fatalf("re-seal changed the state: %+v -> %+v, %v", got, again, err)
		}
	})
}
