package main

import (
	"strings"
	"testing"
	"time"
)

// Without a mail relay the demo prints each email it would send, so a
// newcomer can read the codes and notices (here, the seeded complaints'
// acknowledgements); a real relay is untouched by this.
func TestDemoPrintsEmail(t *testing.T) {
	r := startDemo(t, t.TempDir())
	deadline := time.Now().Add(60 * time.Second)
	for {
		out := r.out.String()
		if strings.Contains(out, "--- email to resident@kent.example (demo: printed, not sent") &&
			strings.Contains(out, "Subject: We have received your complaint COMP-") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no email printed by the demo within a minute:\n%s", out)
		}
		time.Sleep(100 * time.Millisecond) // waiting for the mail job, not timing it
	}
}
