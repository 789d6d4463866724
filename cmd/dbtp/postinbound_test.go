package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/inbound"
	"dbtp/internal/post/postweb"
	"dbtp/internal/records"
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
	// Cases found by search name their person (the services engine's
	// search does not load answers: each is looked up).
	found, err := in.SearchCases(ctx, sys, c.Reference, 5)
	if err != nil || len(found) != 1 || found[0].Person() == "" {
		t.Fatalf("cases found without their person: %+v %v", found, err)
	}
	// Routing it again by hand is refused, and nothing is filed twice.
	if _, err := in.Route(ctx, sys, id, c.Reference, false); platform.CodeOf(err) != platform.CodeConflict {
		t.Fatalf("routed twice: %v", err)
	}

	// Filed on the wrong case: Sam Okafor moves it to another complaint,
	// saying why. The old case no longer lists it and says why; the new
	// case has it, and the records module keeps it there too; the record
	// made on the old case stays; the move is in the audit log.
	sam := caseworker(t, r)
	page, err = eng.Search(ctx, sys, services.CaseFilter{Text: "COMP", Sort: services.SortNewest}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	var c2 services.Case
	for _, o := range page.Cases {
		if o.ID != c.ID && o.UnitID == c.UnitID {
			c2 = o
			break
		}
	}
	if c2.ID == "" {
		t.Fatal("the demo has one complaint only")
	}
	_, err = in.Move(ctx, sam, id, post.MoveTo{Reference: c2.Reference, Reason: "The reference was misread"})
	var me *post.MismatchError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), "Sarah Price") {
		t.Fatalf("moving to someone else's complaint: %v", err)
	}
	moved, err := in.Move(ctx, sam, id, post.MoveTo{Reference: c2.Reference, Reason: "The reference was misread", Confirmed: true})
	if err != nil || moved.CaseID != c2.ID {
		t.Fatalf("moved %+v %v", moved, err)
	}
	if atts, err := eng.ListAttachments(ctx, sys, c.ID); err != nil || hasFile(atts, "price.pdf") {
		t.Fatalf("the old case still lists it: %+v %v", atts, err)
	}
	notes, err = eng.ListNotes(ctx, sys, c.ID)
	if err != nil || !strings.Contains(notes[len(notes)-1].Body, "moved to case "+c2.Reference+" by Sam Okafor: The reference was misread") {
		t.Fatalf("old case's notes %+v %v", notes, err)
	}
	atts, err = eng.ListAttachments(ctx, sys, c2.ID)
	if err != nil || !hasFile(atts, "price.pdf") {
		t.Fatalf("the new case does not list it: %+v %v", atts, err)
	}
	recordOf := func(caseID, attachment string) bool {
		t.Helper()
		docs, err := r.app.records().Store().List(ctx, sys, records.Filter{CaseID: caseID, Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs.Documents {
			if d.SourceRef == attachment {
				return true
			}
		}
		return false
	}
	for !recordOf(c2.ID, moved.AttachmentID) {
		if time.Now().After(deadline) {
			t.Fatal("the scan was not filed as a record of the new case")
		}
		<-time.After(200 * time.Millisecond)
	}
	if !recordOf(c.ID, "att_"+strings.TrimPrefix(id, "pin_")) {
		t.Fatal("the old case's record of the scan is gone")
	}
	entries, err := r.app.audit.List(ctx, audit.Filter{OrgID: org.ID, Action: "post.inbound_move", Limit: 10})
	if err != nil || len(entries.Entries) != 1 || entries.Entries[0].ActorID != sam.UserID || !strings.Contains(entries.Entries[0].Detail, "The reference was misread") {
		t.Fatalf("the move in the audit log: %+v %v", entries, err)
	}
}

func hasFile(atts []services.Attachment, name string) bool {
	for _, a := range atts {
		if a.Name == name {
			return true
		}
	}
	return false
}

// caseworker is Sam Okafor, signed in to the demo.
func caseworker(t *testing.T, r *running) *platform.Subject {
	t.Helper()
	ctx := context.Background()
	l := loginByEmail(t, r, "caseworker@kent.example")
	res, err := r.app.identity.SignIn(ctx, "kent", l.Email, l.Password, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	sub, err := r.app.identity.SessionSubject(ctx, res.Token, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return sub
}
