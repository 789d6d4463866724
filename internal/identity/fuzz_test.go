package identity

import (
	"strings"
	"testing"
)

func FuzzDecodeSessionToken(f *testing.F) {
	f.Add(b64url.EncodeToString(make([]byte, 32)))
	f.Add(b64url.EncodeToString(randomBytes(32)))
	f.Add(strings.Repeat("_", sessionTokenLen))
	f.Add(strings.Repeat("=", sessionTokenLen))
	f.Add("")
	f.Add("abc")
	f.Fuzz(func(t *testing.T, v string) {
		raw, ok := decodeSessionToken(v)
		if !ok {
			return
		}
		if len(raw) != 32 || b64url.EncodeToString(raw) != v {
			t.Fatalf("accepted %q as %x, which is not its canonical form", v, raw)
		}
	})
}

func FuzzDecodeAPIToken(f *testing.F) {
	f.Add(tokenPrefix + tokenEncoding.EncodeToString(randomBytes(32)))
	f.Add(tokenPrefix + strings.Repeat("z", tokenBodyLen))
	f.Add(tokenPrefix + strings.Repeat("A", tokenBodyLen))
	f.Add("dbtp_")
	f.Add("Bearer dbtp_abc")
	f.Fuzz(func(t *testing.T, v string) {
		raw, ok := decodeAPIToken(v)
		if !ok {
			return
		}
		if len(raw) != 32 || tokenPrefix+tokenEncoding.EncodeToString(raw) != v {
			t.Fatalf("accepted %q, which is not canonical", v)
		}
	})
}

func FuzzDecodeHash(f *testing.F) {
	salt := make([]byte, 16)
	key := make([]byte, 32)
	f.Add(encodeHash(owaspParams, salt, key))
	f.Add("$argon2id$v=19$m=4294967295,t=1,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2id$v=19$m=19456,t=2,p=0$AAAA$AAAA")
	f.Add("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("$argon2id$v=19$m=10,t=1,p=1$00000000000$000000000000000000000A\r")
	f.Add("")
	f.Fuzz(func(t *testing.T, v string) {
		p, s, k, err := decodeHash(v)
		if err != nil {
			return
		}
		// Anything accepted is cheap enough to verify and re-encodes exactly.
		if p.memory > 256*1024 || p.time > 16 || p.threads < 1 || p.threads > 16 || len(s) < 8 || len(k) < 16 {
			t.Fatalf("accepted dangerous parameters %+v", p)
		}
		if got := encodeHash(p, s, k); got != v {
			t.Fatalf("re-encoded %q as %q", v, got)
		}
	})
}

func TestPasswordHashRoundTrip(t *testing.T) {
	s := &Service{hashSem: make(chan struct{}, 1), params: owaspParams}
	ctx := t.Context()
	h, err := s.hashPassword(ctx, testPassword)
	noErr(t, err)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q", h)
	}
	h2, _ := s.hashPassword(ctx, testPassword)
	if h == h2 {
		t.Fatal("salt not random")
	}
	for pw, want := range map[string]bool{testPassword: true, testPassword + " ": false, "": false} {
		ok, err := s.verifyPassword(ctx, h, pw)
		noErr(t, err)
		if ok != want {
			t.Errorf("verify(%q) = %v", pw, ok)
		}
	}
	if ok, _ := s.verifyPassword(ctx, "", testPassword); ok {
		t.Fatal("empty hash matched")
	}
	if ok, _ := s.verifyPassword(ctx, "garbage", testPassword); ok {
		t.Fatal("garbage hash matched")
	}
	if p := GeneratePassword(); len(p) != 23 || checkPasswordPolicy(p, "a@b.org", "A B") != nil {
		t.Fatalf("generated %q", p)
	}
}
