package main

import (
	"context"
	"io"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/recordsweb"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
)

func (a *app) records() *recordsweb.Module {
	for _, m := range a.mods {
		if r, ok := m.(*recordsweb.Module); ok {
			return r
		}
	}
	return nil
}

// TestCaseFilesBecomeRecords: a file added to a complaint becomes a
// declared record of the complaints class through the services events,
// sharing the content rather than copying it; services' collection of
// unused content leaves it alone, and filing again adds nothing.
func TestCaseFilesBecomeRecords(t *testing.T) {
	r := startDemo(t, t.TempDir())
	ctx := context.Background()
	sys, _, err := r.app.orgSubject(ctx, "kent")
	if err != nil {
		t.Fatal(err)
	}
	eng := r.app.services()
	page, err := eng.Search(ctx, sys, services.CaseFilter{Service: "complaints"}, "", 1)
	if err != nil || len(page.Cases) == 0 {
		t.Fatalf("no demo complaint: %v", err)
	}
	c := page.Cases[0]
	content := []byte("Photograph of the damaged fence, taken 3 March")
	att, err := eng.AddAttachment(ctx, sys, c.ID, definition.File{Name: "fence.txt", MediaType: "text/plain"}, content)
	if err != nil {
		t.Fatal(err)
	}
	rs := r.app.records().Store()
	var doc *records.Document
	deadline := time.Now().Add(60 * time.Second)
	for doc == nil {
		p, err := rs.List(ctx, sys, records.Filter{CaseID: c.ID})
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range p.Documents {
			if d.SourceRef == att.ID {
				doc = d
			}
		}
		if doc == nil {
			if time.Now().After(deadline) {
				t.Fatal("the case file was not filed as a record")
			}
			<-time.After(100 * time.Millisecond)
		}
	}
	cls, err := rs.Class(ctx, sys, doc.ClassID)
	if err != nil {
		t.Fatal(err)
	}
	if !doc.Declared() || doc.Source != records.SourceCase || doc.CaseRef != c.Reference || cls.Code != "CUS.01.01" || doc.UnitID != c.UnitID {
		t.Fatalf("filed %+v in %s", doc, cls.Code)
	}
	if _, err := eng.CollectFiles(ctx); err != nil {
		t.Fatal(err)
	}
	rc, _, err := rs.Open(ctx, sys, doc.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != string(content) {
		t.Fatalf("record reads %q", got)
	}
	if n, err := r.app.records().FileCase(ctx, sys.OrgID, c.ID); err != nil || n != 0 {
		t.Fatalf("filing again filed %d: %v", n, err)
	}
	if _, err := r.app.records().FileCase(ctx, sys.OrgID, "case_00000000000000000000000000"); platform.CodeOf(err) != platform.CodeNotFound {
		t.Fatalf("an unknown case: %v", err)
	}
}
