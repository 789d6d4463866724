package main

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/post/postweb"
	"dbtp/internal/services"
)

func (a *app) post() *postweb.Module {
	for _, m := range a.mods {
		if p, ok := m.(*postweb.Module); ok {
			return p
		}
	}
	return nil
}

// TestInboundPostFiledOnCase: a letter quoting a case's reference is
// rendered to a PDF and uploaded to the running platform; the reading
// job reads it with the real tesseract, finds the case through the
// services engine, files the scan on it (the records module then keeps
// it as a record) with a note, and tells its caseworker through the
// services outbox. The demonstration's letters wait in triage beside it.
func TestInboundPostFiledOnCase(t *testing.T) {
	for _, tool := range []string{"tesseract", "pdftoppm"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatalf("%s is not installed", tool)
			}
			t.Skipf("%s is not installed", tool)
		}
	}
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, org, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	in, eng := r.app.post().Inbound(), r.app.services()
	// The demonstration filed one letter on a case and left three.
	demo, err := in.List(ctx, sys, post.InboundFilter{})
	if err != nil || len(demo) != 4 {
		t.Fatalf("demo post: %d %v", len(demo), err)
	}
	page, err := eng.Search(ctx, sys, services.CaseFilter{Text: "COMP", Sort: services.SortNewest}, "", 1)
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("a complaint: %v", err)
	}
	c := page.Cases[0]
	letter := inbound.TypedLetter("Ms Sarah Price\n8 Bank Street\nMaidstone\nME14 1PX\n\nYour reference: " + c.Reference +
		"\n\nDear Sir or Madam,\n\nI have more to add to my complaint, which I set out below.\n\nYours sincerely,\n\nSarah Price")
	_, items, err := in.Receive(ctx, sys, post.Arrival{Source: post.SourceUpload, Files: []post.Upload{{Name: "price.pdf", Content: letter}}})
	if err != nil {
		t.Fatal(err)
	}
	id := items[0].ID
	deadline := time.Now().Add(2 * time.Minute)
	var it post.InboundItem
	for {
		if it, err = in.Get(ctx, sys, id); err != nil {
			t.Fatal(err)
		}
		if it.Status == post.InboundRouted || time.Now().After(deadline) {
			break
		}
		<-time.After(200 * time.Millisecond)
	}
	if it.Status != post.InboundRouted || it.CaseID != c.ID || it.RoutedHow != "auto" {
		j, _ := r.app.jobs.List(ctx, jobs.Filter{Kind: post.JobInboundRead, AllOrgs: true})
		t.Fatalf("item %+v\njobs %+v", it, j)
	}
	atts, err := eng.ListAttachments(ctx, sys, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var blob string
	for _, a := range atts {
		if a.ID == "att_"+strings.TrimPrefix(id, "pin_") && a.Name == "price.pdf" {
			blob = a.SHA256
		}
	}
	if blob == "" {
		t.Fatalf("not filed on %s: %+v", c.Reference, atts)
	}
	notes, err := eng.ListNotes(ctx, sys, c.ID)
	if err != nil || !strings.Contains(notes[len(notes)-1].Body, "Post received (price.pdf") {
		t.Fatalf("notes %+v %v", notes, err)
	}
	msgs, err := services.NewOutbox(r.app.db, nil).ForCase(ctx, org.ID, c.ID)
	if err != nil || !strings.Contains(msgs[len(msgs)-1].Subject, "Post received for "+c.Reference) {
		t.Fatalf("caseworker not told: %+v %v", msgs, err)
	}
	// The records module files case files as records from the case's
	// events, in the background.
	for {
		filed, err := r.app.records().Store().FileInUse(ctx, blob)
		if err != nil {
			t.Fatal(err)
		}
		if filed {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the scan was not filed as a record")
		}
		<-time.After(200 * time.Millisecond)
	}
	// Routing it again by hand is refused, and nothing is filed twice.
	if _, err := in.Route(ctx, sys, id, c.Reference, false); platform.CodeOf(err) != platform.CodeConflict {
		t.Fatalf("routed twice: %v", err)
	}
}
