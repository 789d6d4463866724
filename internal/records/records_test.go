package records

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestFileVersionDeclare follows a document from upload to record: its
// content round-trips through the encrypted store, versions stack up, and
// once declared nothing about its content or key metadata can change, for
// an administrator either.
func TestFileVersionDeclare(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.ann, "ADM.01.02", "Care plan review", "Adults", platform.Official, "first draft of the plan")
		if d.Versions != 1 || d.AuthorName != "Ann" || d.Declared() || d.State != StateActive {
			t.Fatalf("new document %+v", d)
		}
		// Care plans go eight years after the case closes; no case has
		// closed, so the due date is not known yet.
		if !d.DueAt.IsZero() {
			t.Fatalf("due %v before the trigger", d.DueAt)
		}
		e.clock.Add(time.Hour)
		d, err := e.rs.AddVersion(e.ctx, e.ann, d.ID, NewVersion{Name: "../../etc/passwd\x07", MediaType: "text/plain; charset=utf-8", Content: strings.NewReader("second draft"), Expected: 1})
		noErr(t, err)
		if d.Versions != 2 {
			t.Fatalf("versions %d", d.Versions)
		}
		_, err = e.rs.AddVersion(e.ctx, e.ann, d.ID, NewVersion{Name: "late.txt", Content: strings.NewReader("stale"), Expected: 1})
		wantCode(t, err, platform.CodeConflict)
		vs, err := e.rs.Versions(e.ctx, e.ann, d.ID)
		noErr(t, err)
		if len(vs) != 2 || vs[0].Number != 2 || vs[0].Name != "passwd" || vs[0].MediaType != "text/plain" {
			t.Fatalf("versions %+v", vs)
		}
		sum := sha256.Sum256([]byte("second draft"))
		if vs[0].BlobID != hex.EncodeToString(sum[:]) {
			t.Fatal("the version's hash is not its content's SHA-256")
		}
		rc, v, err := e.rs.Open(e.ctx, e.ann, d.ID, 1)
		noErr(t, err)
		b, _ := io.ReadAll(rc)
		rc.Close()
		if string(b) != "first draft of the plan" || v.Number != 1 {
			t.Fatalf("version 1 reads %q", b)
		}

		// Metadata may change before declaration.
		m := Metadata{ClassID: d.ClassID, Title: "Care plan review (J Smith)", UnitID: d.UnitID, Tags: []string{"Care plan", "care plan", " review "},
			Subjects: []Person{{Name: "John Smith", BirthDate: "1941-05-02"}}}
		d, err = e.rs.UpdateMetadata(e.ctx, e.ann, d.ID, m)
		noErr(t, err)
		if strings.Join(d.Tags, ",") != "care plan,review" || d.Subjects[0].Name != "John Smith" {
			t.Fatalf("metadata %+v", d)
		}
		_, err = e.rs.UpdateMetadata(e.ctx, e.ann, d.ID, Metadata{ClassID: d.ClassID, Title: "x", Subjects: []Person{{Name: "A", BirthDate: "1941-13-40"}}})
		wantField(t, err, "subjects.0.birth_date")

		d, err = e.rs.Declare(e.ctx, e.ann, d.ID)
		noErr(t, err)
		if !d.Declared() || d.DeclaredBy != "Ann" {
			t.Fatalf("declared %+v", d)
		}
		// The platform declaring (a case's file kept as the case closes)
		// is named as the page names it, not by its account name "dbtp".
		kept := e.file(e.sys, "ADM.01.02", "Kept from a case", "Adults", platform.Official, "closing letter")
		kept, err = e.rs.Declare(e.ctx, e.sys, kept.ID)
		noErr(t, err)
		if kept.DeclaredBy != "the platform" {
			t.Fatalf("declared by the platform reads %q", kept.DeclaredBy)
		}
		for _, who := range []*platform.Subject{e.ann, e.admin, e.rosa, e.sys} {
			_, err = e.rs.AddVersion(e.ctx, who, d.ID, NewVersion{Name: "x.txt", Content: strings.NewReader("tampering")})
			wantCode(t, err, platform.CodeConflict)
			wantCode(t, e.rs.Delete(e.ctx, who, d.ID), platform.CodeConflict)
			changed := m
			changed.Title = "Something else"
			_, err = e.rs.UpdateMetadata(e.ctx, who, d.ID, changed)
			wantCode(t, err, platform.CodeConflict)
		}
		_, err = e.rs.Declare(e.ctx, e.ann, d.ID)
		wantCode(t, err, platform.CodeConflict)
		// Tags stay editable, and the marking may only go up.
		up := Metadata{ClassID: d.ClassID, Title: d.Title, UnitID: d.UnitID, Subjects: d.Subjects, Tags: []string{"reviewed"}, Classification: platform.OfficialSensitive}
		d, err = e.rs.UpdateMetadata(e.ctx, e.ann, d.ID, up)
		noErr(t, err)
		if d.Classification != platform.OfficialSensitive || d.Tags[0] != "reviewed" {
			t.Fatalf("after raising %+v", d)
		}
		up.Classification = platform.Official
		_, err = e.rs.UpdateMetadata(e.ctx, e.ann, d.ID, up)
		wantCode(t, err, platform.CodeConflict)
		// Content is still there, unchanged, after everything.
		rc, _, err = e.rs.Open(e.ctx, e.ann, d.ID, 0)
		noErr(t, err)
		b, _ = io.ReadAll(rc)
		rc.Close()
		if string(b) != "second draft" {
			t.Fatalf("latest reads %q", b)
		}
	})
}

// TestNobodyElseFindsIt: a document of one unit cannot be found or
// fetched by a caseworker of another unit, by a resident or by another
// organisation's administrator, by any route; a refusal looks like "not
// found" and is audited.
func TestNobodyElseFindsIt(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		d := e.file(e.ann, "ADM.01.02", "Safeguarding note", "Adults", platform.OfficialSensitive, "private")
		for _, who := range []*platform.Subject{e.cal, e.sid, e.mel, e.rita, e.other} {
			_, err := e.rs.Document(e.ctx, who, d.ID)
			wantCode(t, err, platform.CodeNotFound)
			_, err = e.rs.Versions(e.ctx, who, d.ID)
			wantCode(t, err, platform.CodeNotFound)
			_, _, err = e.rs.Open(e.ctx, who, d.ID, 1)
			wantCode(t, err, platform.CodeNotFound)
			_, err = e.rs.Declare(e.ctx, who, d.ID)
			wantCode(t, err, platform.CodeNotFound)
			wantCode(t, e.rs.Delete(e.ctx, who, d.ID), platform.CodeNotFound)
			p, err := e.rs.List(e.ctx, who, Filter{})
			if err == nil && len(p.Documents) != 0 {
				t.Fatalf("%s lists %d documents", who.Name, len(p.Documents))
			}
		}
		for _, who := range []*platform.Subject{e.ann, e.rosa, e.admin} {
			if _, err := e.rs.Document(e.ctx, who, d.ID); err != nil {
				t.Fatalf("%s: %v", who.Name, err)
			}
			p, err := e.rs.List(e.ctx, who, Filter{})
			noErr(t, err)
			if len(p.Documents) != 1 {
				t.Fatalf("%s lists %d", who.Name, len(p.Documents))
			}
		}
		denied := 0
		p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, Limit: 500})
		noErr(t, err)
		for _, en := range p.Entries {
			if en.ResourceID == d.ID && en.Outcome == audit.Denied {
				denied++
			}
		}
		if denied == 0 {
			t.Fatal("refusals were not audited")
		}
	})
}

// TestVisibleMatchesPolicy: the SQL rule lists exactly what the access
// point lets each kind of person read, for every combination of unit,
// marking and authorship, so searches and counts can trust it.
func TestVisibleMatchesPolicy(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ap := access.New(e.log)
		noErr(t, ap.Register(ResourceType, Policy))
		mgr2 := e.user(e.sys, "max", platform.RoleManager, e.units["Adults"], e.units["Children's"])
		designer := e.user(e.sys, "dee", platform.RoleDesigner)
		both := e.user(e.sys, "bo", platform.RoleStaff, e.units["Finance"])
		both.Roles = append(both.Roles, platform.RoleCaseworker)
		token := *e.ann
		token.Kind, token.Scopes = platform.SubjectToken, []string{platform.ScopeWrite}
		people := []*platform.Subject{e.admin, e.rosa, e.ann, e.cal, e.mel, e.sid, e.rita, e.other, mgr2, designer, both, &token}
		var docs []*Document
		for _, unit := range []string{"", "Adults", "Children's", "Finance"} {
			for _, cl := range []platform.Classification{platform.Official, platform.OfficialSensitive} {
				for _, author := range []*platform.Subject{e.rosa, e.sid, e.cal} {
					d := &Document{ID: platform.NewID("rec"), OrgID: e.org.ID, ClassID: e.class("GEN.01.01").ID, Title: "t", UnitID: e.units[unit],
						Classification: cl, AuthorID: author.UserID, Subjects: []Person{}, Tags: []string{}, Source: SourceUpload, State: StateActive,
						TextStatus: "none", CreatedAt: start, UpdatedAt: start}
					noErr(t, db.Write(e.ctx, func(tx *store.Tx) error { return e.rs.insertDocument(e.ctx, tx, d) }))
					docs = append(docs, d)
				}
			}
		}
		for _, who := range people {
			where, args := visibleSQL(who)
			rows, err := db.Query(e.ctx, `SELECT d.id FROM records_documents d WHERE `+where, args...)
			noErr(t, err)
			seen := map[string]bool{}
			for rows.Next() {
				var id string
				noErr(t, rows.Scan(&id))
				seen[id] = true
			}
			rows.Close()
			for _, d := range docs {
				if want := ap.Allowed(who, access.Read, d.resource()); want != seen[d.ID] {
					t.Errorf("%s (%v) on unit %q %s by %s: policy %v, SQL %v", who.Name, who.Roles, d.UnitID, d.Classification, d.AuthorID, want, seen[d.ID])
				}
			}
		}
	})
}

// TestBadUploads: an oversized file, an empty one, a missing class or
// title, and a closed class are refused with a clear message and leave
// nothing behind.
func TestBadUploads(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		small := New(db, e.log, e.rs.access, Options{Files: e.files, Now: e.clock.Now, MaxBytes: 1024})
		in := NewDocument{Metadata: Metadata{ClassID: e.class("FIN.01.01").ID, Title: "Invoice", UnitID: e.units["Finance"]}, Name: "big.bin",
			Content: bytes.NewReader(make([]byte, 1025))}
		_, err := small.Create(e.ctx, e.mel, in)
		wantCode(t, err, platform.CodeTooLarge)
		in.Content = strings.NewReader("")
		_, err = small.Create(e.ctx, e.mel, in)
		wantField(t, err, "file")
		in.Content = strings.NewReader("x")
		in.Title, in.ClassID = " ", ""
		_, err = small.Create(e.ctx, e.mel, in)
		wantField(t, err, "title")
		wantField(t, err, "class_id")
		in.Title, in.ClassID = "Invoice", e.class("FIN.01").ID+"x"
		_, err = small.Create(e.ctx, e.mel, in)
		wantField(t, err, "class_id")
		p, err := e.rs.List(e.ctx, e.admin, Filter{State: "all"})
		noErr(t, err)
		if len(p.Documents) != 0 {
			t.Fatalf("bad uploads left %d documents", len(p.Documents))
		}
		// A caseworker cannot file into a unit they do not work in.
		in.ClassID, in.Content = e.class("FIN.01.01").ID, strings.NewReader("x")
		_, err = small.Create(e.ctx, e.ann, in)
		wantCode(t, err, platform.CodeForbidden)
	})
}

// TestDeleteDraft: a document not yet declared can be deleted by its unit's
// manager; its content leaves the store unless another document shares it.
func TestDeleteDraft(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.file(e.mel, "FIN.01.01", "Invoice 1", "Finance", platform.Official, "same bytes")
		b := e.file(e.mel, "FIN.01.01", "Invoice 1 copy", "Finance", platform.Official, "same bytes")
		c := e.file(e.mel, "FIN.01.01", "Invoice 2", "Finance", platform.Official, "other bytes")
		vs, err := e.rs.Versions(e.ctx, e.mel, a.ID)
		noErr(t, err)
		shared := vs[0].BlobID
		vc, _ := e.rs.Versions(e.ctx, e.mel, c.ID)
		wantCode(t, e.rs.Delete(e.ctx, e.sid, c.ID), platform.CodeNotFound)
		noErr(t, e.rs.Delete(e.ctx, e.mel, a.ID))
		noErr(t, e.rs.Delete(e.ctx, e.mel, c.ID))
		if ok, _ := e.files.Exists(e.ctx, shared); !ok {
			t.Fatal("content still used by another document was deleted")
		}
		if ok, _ := e.files.Exists(e.ctx, vc[0].BlobID); ok {
			t.Fatal("the deleted document's content is still in the store")
		}
		if _, err := e.rs.Document(e.ctx, e.mel, a.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("deleted document still found: %v", err)
		}
		if _, err := e.rs.Document(e.ctx, e.mel, b.ID); err != nil {
			t.Fatal(err)
		}
	})
}

// TestFilePlan: the default plan is seeded once, only records managers and
// admins change it, schedules are inherited, and bad entries are refused.
func TestFilePlan(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		noErr(t, e.rs.EnsureFilePlan(e.ctx, e.org.ID))
		all, err := e.rs.Classes(e.ctx, e.ann)
		noErr(t, err)
		if len(all) != len(defaultPlan)+len(generalPlan) {
			t.Fatalf("%d classes after seeding twice", len(all))
		}
		_, err = e.rs.Classes(e.ctx, e.rita)
		wantCode(t, err, platform.CodeForbidden)
		cus := e.class("CUS.01")
		in := ClassInput{ParentID: cus.ID, Code: "cus.01.02", Title: "Compliments"}
		_, err = e.rs.SaveClass(e.ctx, e.ann, "", in)
		wantCode(t, err, platform.CodeForbidden)
		c, err := e.rs.SaveClass(e.ctx, e.rosa, "", in)
		noErr(t, err)
		if c.Code != "CUS.01.02" || c.Level != LevelTransaction || c.Schedule.Set() || c.Effective.Set() {
			t.Fatalf("new class %+v", c)
		}
		in.Schedule = Schedule{PeriodMonths: 24, Trigger: TriggerCreated, Action: ActionDestroy}
		c, err = e.rs.SaveClass(e.ctx, e.rosa, c.ID, in)
		noErr(t, err)
		if c.Effective.Describe() != "Destroy 2 years after it was filed" {
			t.Fatalf("schedule says %q", c.Effective.Describe())
		}
		_, err = e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{ParentID: c.ID, Code: "CUS.01.02.01", Title: "Too deep"})
		wantField(t, err, "parent_id")
		_, err = e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{Code: "CUS", Title: "Duplicate"})
		wantField(t, err, "code")
		_, err = e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{Code: "bad code!", Title: "", Schedule: Schedule{Action: "burn", Trigger: "never", PeriodMonths: -1}})
		for _, f := range []string{"code", "title", "action", "trigger", "period_months"} {
			wantField(t, err, f)
		}
	})
}

// TestDueDates: each trigger counts from its own date.
func TestDueDates(t *testing.T) {
	created := time.Date(2020, 1, 15, 0, 0, 0, 0, time.UTC)
	d := &Document{CreatedAt: created, Subjects: []Person{{Name: "A", BirthDate: "2010-04-01"}, {Name: "B", BirthDate: "2012-06-30"}}}
	cases := []struct {
		sc   Schedule
		last time.Time
		trig time.Time
		want time.Time
	}{
		{Schedule{72, TriggerCreated, ActionDestroy, false}, time.Time{}, time.Time{}, time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)},
		{Schedule{12, TriggerModified, ActionReview, false}, created.AddDate(1, 0, 0), time.Time{}, time.Date(2022, 1, 15, 0, 0, 0, 0, time.UTC)},
		{Schedule{96, TriggerCaseClosed, ActionDestroy, false}, time.Time{}, time.Time{}, time.Time{}},
		{Schedule{96, TriggerCaseClosed, ActionDestroy, false}, time.Time{}, created, created.AddDate(8, 0, 0)},
		{Schedule{900, TriggerSubjectBirth, ActionDestroy, true}, time.Time{}, time.Time{}, time.Date(2087, 6, 30, 0, 0, 0, 0, time.UTC)},
		{Schedule{}, time.Time{}, time.Time{}, time.Time{}},
	}
	for i, c := range cases {
		d.TriggerAt = c.trig
		if got := DueAt(c.sc, d, c.last); !got.Equal(c.want) {
			t.Errorf("%d: %s: due %v, want %v", i, c.sc.Describe(), got, c.want)
		}
	}
}

func TestCleanName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd": "passwd", `C:\Users\me\report.pdf`: "report.pdf", "a\x00b\x1bc.txt": "abc.txt", "..": "document", "": "document",
		"ok name.docx": "ok name.docx", strings.Repeat("é", 150): strings.Repeat("é", 100),
	} {
		if got := CleanName(in); got != want {
			t.Errorf("CleanName(%q) = %q, want %q", in, got, want)
		}
	}
}
