package oidc

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestMemoryReplayGuard(t *testing.T) {
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	g := NewMemoryReplayGuard(2, clock.Now)
	ctx := context.Background()
	claim := func(key string, ttl time.Duration) (bool, error) {
		return g.Claim(ctx, key, clock.Now().Add(ttl))
	}
	if ok, err := claim("a", time.Minute); !ok || err != nil {
		t.Fatalf("first claim of a: %v, %v", ok, err)
	}
	if ok, err := claim("a", time.Minute); ok || err != nil {
		t.Fatalf("second claim of a: %v, %v; want refused", ok, err)
	}
	if ok, _ := claim("b", 2*time.Minute); !ok {
		t.Fatal("first claim of b refused")
	}
	// Full of live entries: refuse rather than forget one.
	if _, err := claim("c", time.Minute); !errors.Is(err, ErrReplayGuardFull) {
		t.Fatalf("claim when full: err = %v", err)
	}
	clock.Advance(time.Minute)
	if ok, err := claim("c", time.Minute); !ok || err != nil {
		t.Fatalf("claim after a expired: %v, %v", ok, err)
	}
	if ok, _ := claim("b", time.Minute); ok {
		t.Fatal("b was forgotten before it expired")
	}
	if g.Len() != 2 {
		t.Errorf("Len = %d, want 2", g.Len())
	}
	clock.Advance(time.Hour)
	if ok, _ := claim("d", time.Minute); !ok || g.Len() != 1 {
		t.Errorf("expired entries were not pruned: Len = %d", g.Len())
	}
}

func TestReplayKeyIsPerProviderAndOpaque(t *testing.T) {
	a, b := replayKey("entra", "state1"), replayKey("onelogin", "state1")
	if a == b || len(a) != 64 || a == replayKey("entra", "state2") {
		t.Errorf("keys %q %q do not separate providers and states", a, b)
	}
}

func BenchmarkMemoryReplayGuard(b *testing.B) {
	// The clock moves a millisecond per sign-in, so the guard reaches the
	// steady state of a busy node: 600,000 live entries, pruning as it goes.
	clock := &fakeClock{t: time.Unix(1_800_000_000, 0)}
	g := NewMemoryReplayGuard(1_000_000, clock.Now)
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		clock.Advance(time.Millisecond)
		if _, err := g.Claim(ctx, replayKey("entra", fmt.Sprint(i)), clock.Now().Add(flowLifetime)); err != nil {
			b.Fatal(err)
		}
	}
}
