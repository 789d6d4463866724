package main

import (
	"strings"
	"testing"
)

// The council's administrators record data-sharing agreements from the
// command line; the demo's NHS agreement is listed, a new one for Maidstone
// is recorded, and bad input is refused with the reason.
func TestSharingVerbs(t *testing.T) {
	dir := t.TempDir()
	startDemo(t, dir)
	c := &cli{t: t, env: map[string]string{"DBTP_DATA": dir}}
	if out := c.ok("sharing", "list", "--org", "kent"); !strings.Contains(out, "Hospital discharge and community referrals") ||
		!strings.Contains(out, "adult-social-care-referral") {
		t.Fatalf("sharing list: %q", out)
	}
	c.fails(1, "not open to partners", "sharing", "add", "--org", "kent", "--partner", "maidstone", "--title", "Complaints",
		"--services", "complaints", "--until", "2027-03-31")
	c.fails(2, "--until", "sharing", "add", "--org", "kent", "--partner", "maidstone", "--title", "X",
		"--services", "adult-social-care-referral", "--until", "soon")
	c.fails(1, "no organisation", "sharing", "add", "--org", "kent", "--partner", "nobody", "--title", "X",
		"--services", "adult-social-care-referral", "--until", "2027-03-31")
	out := c.ok("sharing", "add", "--org", "kent", "--partner", "maidstone", "--title", "Housing referrals",
		"--services", "adult-social-care-referral", "--until", "2027-03-31")
	if !strings.HasPrefix(out, "dsa_") || !strings.Contains(out, "Maidstone Borough Council may start adult-social-care-referral in Kent County Council until 2027-03-31") {
		t.Fatalf("sharing add: %q", out)
	}
	if out := c.ok("sharing", "list", "--org", "kent"); !strings.Contains(out, "Housing referrals") {
		t.Fatalf("the new agreement is not listed: %q", out)
	}
}
