package records

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// fileAll gives e's council a varied set of documents: versions, a
// declared record, people, tags, a case, a class of its own, content that
// spans several encryption segments, a captured file, a destroyed record,
// reads and a refused read; and another organisation's document.
func (e *env) fileAll() (ids map[string]string) {
	e.t.Helper()
	ids = map[string]string{}
	grants, err := e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{ParentID: e.class("FIN.01").ID, Code: "FIN.01.09", Title: "Grants",
		Description: "Grant claims and awards", RetentionKey: "grants-7y", Schedule: Schedule{84, TriggerCreated, ActionDestroy, true}})
	noErr(e.t, err)
	_, err = e.rs.SaveClass(e.ctx, e.rosa, "", ClassInput{ParentID: e.class("FIN.01").ID, Code: "FIN.01.08", Title: "Old ledgers", Closed: true})
	noErr(e.t, err)

	big := make([]byte, 300_000) // several 64 KiB segments
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(rng.Uint32())
	}
	d, err := e.rs.Create(e.ctx, e.ann, NewDocument{Metadata: Metadata{ClassID: e.class("ADM.01.02").ID, Title: "Care plan for Mr Ægir Jones",
		UnitID: e.units["Adults"], Classification: platform.OfficialSensitive, Subjects: []Person{{Name: "Ægir Jones", BirthDate: "1941-05-02", PersonID: "usr_x"}},
		CaseID: "cas_0001", CaseRef: "ADM-2026-0001", Tags: []string{"care plan", "review"}},
		Name: "Care plan – Ægir's review (final).bin", MediaType: "application/octet-stream", Content: bytes.NewReader(big), Note: "first"})
	noErr(e.t, err)
	e.clock.Add(time.Hour)
	_, err = e.rs.AddVersion(e.ctx, e.ann, d.ID, NewVersion{Name: "care-plan-v2.txt", MediaType: "text/plain", Content: strings.NewReader("second version"), Note: "typo fixed"})
	noErr(e.t, err)
	_, err = e.rs.Declare(e.ctx, e.ann, d.ID)
	noErr(e.t, err)
	rc, _, err := e.rs.Open(e.ctx, e.rosa, d.ID, 1)
	noErr(e.t, err)
	rc.Close()
	_, err = e.rs.Document(e.ctx, e.cal, d.ID) // refused, and audited
	wantCode(e.t, err, platform.CodeNotFound)
	ids["care"] = d.ID

	e.clock.Add(time.Hour)
	g, err := e.rs.Create(e.ctx, e.mel, NewDocument{Metadata: Metadata{ClassID: grants.ID, Title: "Grant claim 2025/26", UnitID: e.units["Finance"]},
		Name: "claim.csv", MediaType: "text/csv", Content: strings.NewReader("a,b\n1,2\n")})
	noErr(e.t, err)
	_, err = e.rs.UpdateMetadata(e.ctx, e.mel, g.ID, Metadata{ClassID: grants.ID, Title: g.Title, UnitID: g.UnitID, Tags: []string{"grants"}})
	noErr(e.t, err)
	ids["grant"] = g.ID

	inv := e.file(e.mel, "FIN.01.01", "Invoice 4471", "Finance", platform.Official, "invoice 4471: £120")
	_, err = e.rs.Declare(e.ctx, e.mel, inv.ID)
	noErr(e.t, err)
	// Destroyed under its schedule: the disposal queue does this on its own
	// branch; here its effect (state, date, content gone) is made directly.
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, `UPDATE records_documents SET state = ?, disposed_at = ? WHERE id = ?`, StateDestroyed, store.Millis(e.clock.Now()), inv.ID)
		return err
	}))
	vs, err := e.rs.Versions(e.ctx, e.sys, inv.ID)
	noErr(e.t, err)
	noErr(e.t, e.files.Delete(e.ctx, vs[0].BlobID))
	ids["destroyed"] = inv.ID

	c, err := e.rs.Create(e.ctx, e.sys, NewDocument{Metadata: Metadata{ClassID: e.class("CUS.01.01").ID, Title: "Complaint letter", CaseID: "cas_0002", CaseRef: "CUS-2026-0002"},
		Name: "letter.eml", MediaType: "message/rfc822", Content: strings.NewReader("From: a@example.org\r\n\r\nHello"), Source: SourceCase,
		SourceRef: "cas_0002/att_1", TriggerAt: e.clock.Now().Add(-24 * time.Hour)})
	noErr(e.t, err)
	ids["captured"] = c.ID

	noErr(e.t, e.rs.EnsureFilePlan(e.ctx, e.other.OrgID))
	o, err := e.rs.Create(e.ctx, e.other, NewDocument{Metadata: Metadata{ClassID: e.classOf(e.other, "FIN.01.01").ID, Title: "Trading company invoice"},
		Name: "t.txt", MediaType: "text/plain", Content: strings.NewReader("trading")})
	noErr(e.t, err)
	ids["other"] = o.ID
	return ids
}

func (e *env) classOf(sub *platform.Subject, code string) Class {
	e.t.Helper()
	all, err := e.rs.Classes(e.ctx, sub)
	noErr(e.t, err)
	for _, c := range all {
		if c.Code == code {
			return c
		}
	}
	e.t.Fatalf("no class %s", code)
	return Class{}
}

func (e *env) export(sub *platform.Subject, sc Scope) ([]byte, Summary) {
	e.t.Helper()
	var buf bytes.Buffer
	sum, err := e.rs.Export(e.ctx, sub, sc, &buf)
	noErr(e.t, err)
	return buf.Bytes(), sum
}

// unzip returns every file of a small archive.
func unzip(t testing.TB, b []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	noErr(t, err)
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		noErr(t, err)
		out[f.Name], err = io.ReadAll(rc)
		noErr(t, err)
		rc.Close()
	}
	return out
}

// TestExportImportRoundTrip exports a council's records from one database
// and imports them into a new organisation in another: every field of
// every class, document and version, the content byte for byte, the
// declared state and the history come through, and a second export of
// the imported records describes them in exactly the same words.
func TestExportImportRoundTrip(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ids := e.fileAll()
		archive, sum := e.export(e.rosa, Scope{OrgName: "Northshire Council"})
		files := unzip(t, archive)
		var m fmtManifest
		noErr(t, json.Unmarshal(files[manifestName], &m))
		want := Counts{Classes: len(defaultPlan) + len(generalPlan) + 2, Records: 4, Declared: 2, Tombstones: 1, Versions: 5, Files: 4,
			ContentBytes: 300_000 + int64(len("second version")+len("a,b\n1,2\n")+len("From: a@example.org\r\n\r\nHello"))}
		want.Events = sum.Counts.Events
		if sum.Counts != want || m.Counts != want || sum.ExportID != m.ExportID || m.Organisation.Name != "Northshire Council" || m.ExportedBy.Name != "Rosa" {
			t.Fatalf("summary %+v, manifest %+v, want %+v", sum, m, want)
		}
		if len(m.Files) != len(files)-1 {
			t.Fatalf("manifest lists %d files, archive has %d besides it", len(m.Files), len(files)-1)
		}
		if _, ok := files[recordsDir+ids["other"]+"/"+metadataName]; ok || bytes.Contains(archive, []byte("Trading company")) {
			t.Fatal("another organisation's document is in the export")
		}
		if _, ok := files[recordsDir+ids["destroyed"]+"/v1/invoice-4471.txt"]; ok {
			t.Fatal("a destroyed record's content is in the export")
		}
		wantExportAudited(t, e, sum.ExportID, "4 records")

		// Into a new organisation of another database.
		db2 := storetest.Open(t, db.Dialect(), testMods)
		e2 := newEnv(t, db2)
		east := e2.mustOrg("eastshire", "Eastshire Council", platform.OrgCouncil)
		rhys := e2.user(platform.System(east.ID), "rhys", platform.RoleRecords)
		got, err := e2.rs.Import(e2.ctx, rhys, bytes.NewReader(archive), int64(len(archive)))
		noErr(t, err)
		if got.Counts != want || got.ExportID != sum.ExportID || got.ManifestSHA256 != sum.ManifestSHA256 || len(got.ClassesCreated) != want.Classes || len(got.Notes) > 0 {
			t.Fatalf("import summary %+v", got)
		}

		sameClasses(t, e, e2, e.sys, platform.System(east.ID))
		sameDocuments(t, e, e2, east.ID)
		for _, id := range []string{ids["care"], ids["grant"], ids["destroyed"], ids["captured"]} {
			before, err := e.rs.history(e.ctx, e.log, e.org.ID, ResourceType, id)
			noErr(t, err)
			carried, err := e2.rs.carried(e2.ctx, east.ID, ResourceType, id)
			noErr(t, err)
			if len(before) == 0 || !reflect.DeepEqual(before, carried) {
				t.Fatalf("history of %s: exported %+v, carried %+v", id, before, carried)
			}
		}
		// The imported records, exported again, are described identically.
		again, _ := e2.export(rhys, Scope{})
		files2 := unzip(t, again)
		for name, b := range files {
			if strings.HasSuffix(name, "/"+metadataName) || strings.Contains(name, "/v") || name == readmeName || name == holdsName {
				if !bytes.Equal(b, files2[name]) {
					t.Fatalf("%s differs after the round trip:\n%s\n---\n%s", name, b, files2[name])
				}
			}
			if strings.HasSuffix(name, "/"+eventsName) {
				var a, b2 fmtEvents
				noErr(t, json.Unmarshal(b, &a))
				noErr(t, json.Unmarshal(files2[name], &b2))
				if len(b2.Events) != len(a.Events)+1 || !reflect.DeepEqual(a.Events, b2.Events[:len(a.Events)]) || b2.Events[len(a.Events)].Action != "records.import" {
					t.Fatalf("%s: history not carried whole, then the import", name)
				}
			}
		}

		d, err := e2.rs.Document(e2.ctx, rhys, ids["care"])
		noErr(t, err)
		if !d.Declared() {
			t.Fatal("the declared record is not declared after import")
		}
		_, err = e2.rs.AddVersion(e2.ctx, rhys, d.ID, NewVersion{Name: "x.txt", Content: strings.NewReader("x")})
		wantCode(t, err, platform.CodeConflict)

		// The same archive again, anywhere in that database: refused whole.
		before := e2.snapshot(t)
		_, err = e2.rs.Import(e2.ctx, e2.rosa, bytes.NewReader(archive), int64(len(archive)))
		wantCode(t, err, platform.CodeConflict)
		e2.unchanged(t, before)
	})
}

func wantExportAudited(t *testing.T, e *env, exportID, detail string) {
	t.Helper()
	p, err := e.log.List(e.ctx, audit.Filter{OrgID: e.org.ID, ResourceType: exportResource, ResourceID: exportID})
	noErr(t, err)
	if len(p.Entries) != 1 || p.Entries[0].Action != "records.export" || !strings.Contains(p.Entries[0].Detail, detail) {
		t.Fatalf("export audit entries %+v", p.Entries)
	}
}

// sameClasses compares two organisations' file plans field by field.
func sameClasses(t *testing.T, e, e2 *env, a, b *platform.Subject) {
	t.Helper()
	ca, err := e.rs.Classes(e.ctx, a)
	noErr(t, err)
	cb, err := e2.rs.Classes(e2.ctx, b)
	noErr(t, err)
	for i := range ca {
		ca[i].OrgID = ""
	}
	for i := range cb {
		cb[i].OrgID = ""
	}
	if !reflect.DeepEqual(ca, cb) {
		t.Fatalf("file plans differ:\n%+v\n%+v", ca, cb)
	}
	for _, c := range ca {
		h, err := e.rs.history(e.ctx, e.log, e.org.ID, classResource, c.ID)
		noErr(t, err)
		got, err := e2.rs.carried(e2.ctx, b.OrgID, classResource, c.ID)
		noErr(t, err)
		if len(h)+len(got) > 0 && !reflect.DeepEqual(h, got) {
			t.Fatalf("class %s history: %+v, carried %+v", c.Code, h, got)
		}
	}
}

// sameDocuments compares every document and version of e's council with
// e2's organisation orgID, and the content byte for byte.
func sameDocuments(t *testing.T, e, e2 *env, orgID string) {
	t.Helper()
	ids := docIDs(t, e.db, e.org.ID)
	if got := docIDs(t, e2.db, orgID); !slices.Equal(ids, got) {
		t.Fatalf("documents %v, imported %v", ids, got)
	}
	for _, id := range ids {
		a, err := loadDocument(e.ctx, e.db.QueryRow, id)
		noErr(t, err)
		b, err := loadDocument(e2.ctx, e2.db.QueryRow, id)
		noErr(t, err)
		if b.OrgID != orgID {
			t.Fatalf("imported into %s", b.OrgID)
		}
		a.OrgID, a.TextStatus, a.TextError = "", "", ""
		b.OrgID, b.TextStatus, b.TextError = "", "", ""
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("document differs:\n%+v\n%+v", a, b)
		}
		va, vb := storedVersions(t, e.db, id), storedVersions(t, e2.db, id)
		if len(va) == 0 || !reflect.DeepEqual(va, vb) {
			t.Fatalf("versions differ:\n%+v\n%+v", va, vb)
		}
		if a.State != StateActive {
			continue
		}
		for _, v := range va {
			if !bytes.Equal(readBlob(t, e, v.BlobID), readBlob(t, e2, v.BlobID)) {
				t.Fatalf("content of %s v%d differs", id, v.Number)
			}
		}
	}
}

func docIDs(t *testing.T, db *store.DB, orgID string) []string {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT id FROM records_documents WHERE org_id = ? ORDER BY id`, orgID)
	noErr(t, err)
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		noErr(t, rows.Scan(&id))
		out = append(out, id)
	}
	return out
}

func storedVersions(t *testing.T, db *store.DB, id string) []Version {
	t.Helper()
	rows, err := db.Query(context.Background(), `SELECT `+versionColumns+` FROM records_versions WHERE document_id = ? ORDER BY number`, id)
	noErr(t, err)
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		noErr(t, err)
		out = append(out, v)
	}
	return out
}

func readBlob(t *testing.T, e *env, id string) []byte {
	t.Helper()
	b, err := e.files.ReadAll(e.ctx, id, 1<<20)
	noErr(t, err)
	return b
}
