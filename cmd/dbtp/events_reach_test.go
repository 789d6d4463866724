package main

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
)

// A complaint's events reach only the modules they concern. Records is
// asked when files come or the case closes, signing when the state entered
// asks for a signature, workplace when the case is an equipment request;
// before, every case event cost each of them a delivery job and a read of
// the whole case (three quarters of a submission's background work).
func TestCaseEventsReachOnlyTheModulesTheyConcern(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	_, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	chris, err := demoEnv(r.app).Person(ctx, org, "resident@kent.example")
	if err != nil {
		t.Fatal(err)
	}
	eng := r.app.services()
	submit := func(evidence bool) string {
		t.Helper()
		a := definition.Answers{"name": "Chris Walker", "email": "resident@kent.example", "service_area": "waste",
			"details": "Missed bins again", "complained_before": "no", "desired_outcome": "Collect them"}
		var o services.SubmitOptions
		if evidence {
			pdf := []byte("%PDF-1.4 notes on the bins")
			a["evidence"] = definition.File{ID: "upload-1", Name: "bins.pdf", MediaType: "application/pdf", Size: int64(len(pdf))}
			o.Files = map[string][]byte{"upload-1": pdf}
		}
		c, err := eng.Submit(ctx, chris, "complaints", a, o)
		if err != nil {
			t.Fatalf("submit: %v %v", err, platform.AsError(err).Fields)
		}
		return c.ID
	}
	// delivered names the subscribers the case's submission was fanned
	// out to, once its dispatch job has run.
	delivered := func(caseID string) []string {
		t.Helper()
		var evt string
		if err := r.app.db.QueryRow(ctx, "SELECT id FROM events WHERE subject = ? AND type = 'case.submitted'", caseID).Scan(&evt); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(60 * time.Second)
		for {
			var state string
			if err := r.app.db.QueryRow(ctx, "SELECT state FROM jobs WHERE kind = 'events.dispatch' AND unique_key = ?", evt).Scan(&state); err != nil {
				t.Fatal(err)
			}
			if state == jobs.Completed {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the submission's event was not dispatched (%s)", state)
			}
			<-time.After(50 * time.Millisecond)
		}
		rows, err := r.app.db.Query(ctx, "SELECT args FROM jobs WHERE kind = 'events.deliver' AND unique_key LIKE ?", evt+"/%")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var subs []string
		for rows.Next() {
			var raw string
			var a struct{ Subscriber string }
			if err := rows.Scan(&raw); err != nil || json.Unmarshal([]byte(raw), &a) != nil {
				t.Fatalf("%v %s", err, raw)
			}
			subs = append(subs, a.Subscriber)
		}
		slices.Sort(subs)
		return subs
	}
	for _, s := range delivered(submit(false)) {
		if strings.HasPrefix(s, "records.") || strings.HasPrefix(s, "signing.") || strings.HasPrefix(s, "workplace.") {
			t.Errorf("a complaint with no files was delivered to %s", s)
		}
	}
	if got := delivered(submit(true)); !slices.Contains(got, "records.case_files") || slices.Contains(got, "signing.case_signatures") {
		t.Errorf("a complaint with a file was delivered to %v: want records.case_files and not signing", got)
	}
}
