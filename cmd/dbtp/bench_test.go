package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/services"
)

// The realistic mix runs end to end against a real server: the bench
// organisation is made (units, staff, residents, complaints through the
// engine, some moved on), everyone signs in through the form, and every
// scenario (queue, case page, a transition posted with the page's CSRF
// token and version, the portal, API search and submission) succeeds. A
// change to the pages the mix reads (the CSRF field, the version field,
// the transition links) fails here rather than silently in a load test.
func TestBenchRealisticMix(t *testing.T) {
	dir := t.TempDir()
	r := startDemo(t, dir)
	var out, errs bytes.Buffer
	env := &cliEnv{stdout: &out, stderr: &errs, getenv: func(string) string { return "" }}
	err := cmdBench(context.Background(), env, []string{"--data", dir, "--url", r.url, "--users", "8",
		"--cases", "40", "--rate", "60", "--duration", "2s", "--sign-in-concurrency", "4"})
	if err != nil {
		t.Fatalf("bench: %v\n%s\n%s", err, out.String(), errs.String())
	}
	report := out.String()
	if !strings.Contains(report, "errors 0 (0.000%)") {
		t.Fatalf("the mix had errors:\n%s", report)
	}
	line := regexp.MustCompile(`(?m)^  (staff queue|staff case page|staff transition|resident list|resident form|api search|api submit) +(\d+) =.*errors 0;`)
	seen := map[string]int{}
	for _, m := range line.FindAllStringSubmatch(report, -1) {
		seen[m[1]], _ = strconv.Atoi(m[2])
	}
	for _, name := range []string{"staff queue", "staff case page", "staff transition", "resident list", "resident form", "api search", "api submit"} {
		if seen[name] == 0 {
			t.Errorf("scenario %q did not run cleanly:\n%s", name, report)
		}
	}
	// The transitions really moved cases on: the complaints stand further
	// along than the setup left them (a third acknowledged, i%3 == 0, and
	// two of those answered, i%30 == 0), and the API's submissions are there.
	sys, _, err := r.app.orgSubject(context.Background(), benchOrg)
	if err != nil {
		t.Fatal(err)
	}
	page, err := r.app.services().Search(context.Background(), sys, services.CaseFilter{Service: "complaints", Sort: services.SortNewest}, "", 200)
	if err != nil {
		t.Fatal(err)
	}
	step := map[string]int{"submitted": 0, "stage1": 1, "stage1_responded": 2, "stage2": 3}
	score := 0
	for _, c := range page.Cases {
		score += step[c.State]
	}
	const setupScore = 14*1 + 2*1
	if len(page.Cases) < 40+seen["api submit"] || score <= setupScore {
		t.Fatalf("%d complaints (want %d); progress %d, want more than the setup's %d", len(page.Cases), 40+seen["api submit"], score, setupScore)
	}
}
