package records

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sort"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// state is what an import could change: the rows of every records table,
// the audit log and the objects in the file store.
type state struct {
	classes, docs, versions, carried, audit int
	objects                                 int
}

func (e *env) snapshot(t testing.TB) state {
	t.Helper()
	var s state
	for q, n := range map[string]*int{
		`SELECT COUNT(*) FROM records_classes`: &s.classes, `SELECT COUNT(*) FROM records_documents`: &s.docs,
		`SELECT COUNT(*) FROM records_versions`: &s.versions, `SELECT COUNT(*) FROM records_carried_events`: &s.carried,
		`SELECT COUNT(*) FROM audit_entries`: &s.audit,
	} {
		noErr(t, e.db.QueryRow(e.ctx, q).Scan(n))
	}
	rep, err := e.files.Verify(e.ctx, nil)
	noErr(t, err)
	s.objects = rep.Objects + rep.Orphans
	return s
}

func (e *env) unchanged(t testing.TB, before state) {
	t.Helper()
	if after := e.snapshot(t); after != before {
		t.Fatalf("a refused import changed something: before %+v, after %+v", before, after)
	}
}

// rezip rebuilds an archive: edit may change or drop (nil) each file;
// extra files are added at the end, in name order.
func rezip(t testing.TB, b []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	files := unzip(t, b)
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	noErr(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	add := func(name string, data []byte) {
		w, err := zw.Create(name)
		noErr(t, err)
		_, err = w.Write(data)
		noErr(t, err)
	}
	for _, f := range zr.File {
		data := files[f.Name]
		if edit != nil {
			data = edit(f.Name, data)
		}
		if data != nil {
			add(f.Name, data)
		}
	}
	names := make([]string, 0, len(extra))
	for n := range extra {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		add(n, extra[n])
	}
	noErr(t, zw.Close())
	return out.Bytes()
}

// consistent edits and adds files, then rewrites the manifest's list to
// match, as a forger would: what is left to catch the change is the
// format's own rules.
func consistent(t testing.TB, b []byte, edit func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	edited := rezip(t, b, edit, extra)
	files := unzip(t, edited)
	var m fmtManifest
	noErr(t, json.Unmarshal(files[manifestName], &m))
	m.Files = nil
	zr, err := zip.NewReader(bytes.NewReader(edited), int64(len(edited)))
	noErr(t, err)
	for _, f := range zr.File {
		if f.Name != manifestName {
			sum := sha256.Sum256(files[f.Name])
			m.Files = append(m.Files, fmtFile{Path: f.Name, Size: int64(len(files[f.Name])), SHA256: hex.EncodeToString(sum[:])})
		}
	}
	mb, err := json.Marshal(m)
	noErr(t, err)
	return rezip(t, edited, func(name string, data []byte) []byte {
		if name == manifestName {
			return mb
		}
		return data
	}, nil)
}

// TestImportRefusesBadArchives tampers with a real export in every way the
// issue names and more: each is refused whole with a message naming the
// problem, and nothing at all is stored.
func TestImportRefusesBadArchives(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ids := e.fileAll()
		good, _ := e.export(e.rosa, Scope{})
		care := recordsDir + ids["care"] + "/"
		content := ""
		for name := range unzip(t, good) {
			if strings.HasPrefix(name, care+"v1/") {
				content = name
			}
		}
		db2 := storetest.Open(t, db.Dialect(), testMods)
		e2 := newEnv(t, db2)
		flip := func(target string) func(string, []byte) []byte {
			return func(name string, data []byte) []byte {
				if name == target {
					data = bytes.Clone(data)
					data[len(data)/2] ^= 1
				}
				return data
			}
		}
		drop := func(target string) func(string, []byte) []byte {
			return func(name string, data []byte) []byte {
				if name == target {
					return nil
				}
				return data
			}
		}
		replace := func(target, old, new string) func(string, []byte) []byte {
			return func(name string, data []byte) []byte {
				if name == target {
					if !bytes.Contains(data, []byte(old)) {
						t.Fatalf("%s has no %q", name, old)
					}
					return bytes.Replace(data, []byte(old), []byte(new), 1)
				}
				return data
			}
		}
		var manifestHash string
		{
			var m fmtManifest
			noErr(t, json.Unmarshal(unzip(t, good)[manifestName], &m))
			for _, f := range m.Files {
				if f.Path == care+metadataName {
					manifestHash = f.SHA256
				}
			}
		}
		cases := []struct {
			name, want string
			archive    []byte
			lim        ImportLimits
		}{
			{"one byte of content changed", content + " does not match its SHA-256", rezip(t, good, flip(content), nil), ImportLimits{}},
			{"one byte of metadata changed", care + metadataName + " does not match", rezip(t, good, flip(care+metadataName), nil), ImportLimits{}},
			{"a manifest hash changed", care + metadataName + " does not match", rezip(t, good, replace(manifestName, manifestHash, strings.Repeat("0", 64)), nil), ImportLimits{}},
			{"a file missing", "missing from the archive", rezip(t, good, drop(content), nil), ImportLimits{}},
			{"an extra file", "not listed in manifest.json", rezip(t, good, nil, map[string][]byte{"records/notes.txt": []byte("hi")}), ImportLimits{}},
			{"a ../ path", "unsafe or unexpected name", rezip(t, good, nil, map[string][]byte{"../evil.txt": []byte("x")}), ImportLimits{}},
			{"an absolute path", "unsafe or unexpected name", rezip(t, good, nil, map[string][]byte{"/etc/passwd": []byte("x")}), ImportLimits{}},
			{"a name twice", "appears twice", rezip(t, good, nil, map[string][]byte{"README.TXT": []byte("x")}), ImportLimits{}},
			{"no manifest", "has no manifest.json", rezip(t, good, drop(manifestName), nil), ImportLimits{}},
			{"not a zip", "not a ZIP archive", []byte("PK\x03\x04 this is not really a zip"), ImportLimits{}},
			{"content listed but unused", "not the content of any version", consistent(t, good, nil, map[string][]byte{care + "v1/extra.bin": []byte("x")}), ImportLimits{}},
			{"a file outside the format", "not part of the format", consistent(t, good, nil, map[string][]byte{"notes.txt": []byte("x")}), ImportLimits{}},
			{"content moved", "its path must be in", consistent(t, good, replace(care+metadataName, `"path": "`+care+`v1/`, `"path": "`+care+`v2/`), nil), ImportLimits{}},
			{"an unknown class", "class \"NOPE.01\" is not in fileplan.json", consistent(t, good, replace(care+metadataName, `"code": "ADM.01.02"`, `"code": "NOPE.01"`), nil), ImportLimits{}},
			{"an unknown field", "a field this format does not define", consistent(t, good, replace(care+metadataName, `"title":`, `"colour": "red", "title":`), nil), ImportLimits{}},
			{"a hold naming a record not in it", "which is not in the archive", consistent(t, good, replace(holdsName, `[]`, `[{"id":"rhd_01h00000000000000000000000","title":"Inquiry","reason":"r","placed_at":"2026-01-01T00:00:00Z","placed_by":{},"record_ids":["rec_01h00000000000000000000000"],"class_codes":[],"case_ids":[],"events":[]}]`), nil), ImportLimits{}},
			{"a hold without a reason", "Give the reason", consistent(t, good, replace(holdsName, `[]`, `[{"id":"rhd_01h00000000000000000000000","title":"Inquiry","reason":" ","placed_at":"2026-01-01T00:00:00Z","placed_by":{},"record_ids":[],"class_codes":["FIN.01"],"case_ids":[],"events":[]}]`), nil), ImportLimits{}},
			{"a disposal done without its certificate", "has a certificate", consistent(t, good, replace(care+metadataName, `"disposal": []`, `"disposal": [{"id":"rdp_01h00000000000000000000000","queued_at":"2026-01-01T00:00:00Z","due_at":"2026-01-01T00:00:00Z","action":"destroy","schedule":"s","two_stage":false,"stage":0,"state":"done","approvals":[],"updated_at":"2026-01-01T00:00:00Z"}]`), nil), ImportLimits{}},
			{"an extension beyond retain_until", "later than its retain_until", consistent(t, good, replace(care+metadataName, `"extensions": []`, `"extensions": [{"until":"2099-01-01T00:00:00Z","reason":"Appeal","by":{},"at":"2026-01-01T00:00:00Z"}]`), nil), ImportLimits{}},
			{"counts that do not add up", "counts", consistent(t, good, replace(manifestName, `"records": 4`, `"records": 5`), nil), ImportLimits{}},
			{"a newer format", "version 3 of the format", consistent(t, good, replace(manifestName, `"format_version": 2`, `"format_version": 3`), nil), ImportLimits{}},
			{"a zip bomb", "add up to more than", good, ImportLimits{MaxEntries: 1000, MaxTotalBytes: 100_000, MaxJSONBytes: 1 << 20, MaxManifestBytes: 1 << 20}},
			{"too many entries", "more than the limit of 5", good, ImportLimits{MaxEntries: 5, MaxTotalBytes: 1 << 30, MaxJSONBytes: 1 << 20, MaxManifestBytes: 1 << 20}},
			{"a huge JSON file", "larger than the limit", good, ImportLimits{MaxEntries: 1000, MaxTotalBytes: 1 << 30, MaxJSONBytes: 200, MaxManifestBytes: 1 << 20}},
		}
		for _, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				lim := c.lim
				if lim.MaxEntries == 0 {
					lim = DefaultImportLimits()
				}
				before := e2.snapshot(t)
				_, err := e2.rs.ImportLimited(e2.ctx, e2.rosa, bytes.NewReader(c.archive), int64(len(c.archive)), lim)
				var pe *platform.Error
				if !errors.As(err, &pe) || pe.Code != platform.CodeInvalid || !strings.Contains(pe.Message, c.want) || !strings.Contains(pe.Message, "nothing was stored") {
					t.Fatalf("want a refusal saying %q, got %v", c.want, err)
				}
				e2.unchanged(t, before)
			})
		}
		// After all that, the untouched archive still imports.
		_, err := e2.rs.Import(e2.ctx, e2.rosa, bytes.NewReader(good), int64(len(good)))
		noErr(t, err)
	})
}

// TestOnlyRecordsManagersMove: caseworkers, managers, staff, residents and
// other organisations can neither export nor import; each refusal is
// audited and nothing is written, to the archive or the store.
func TestOnlyRecordsManagersMove(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.fileAll()
		good, _ := e.export(e.admin, Scope{})
		for _, who := range []*platform.Subject{e.ann, e.mel, e.sid, e.rita} {
			var buf bytes.Buffer
			_, err := e.rs.Export(e.ctx, who, Scope{}, &buf)
			wantCode(t, err, platform.CodeForbidden)
			if buf.Len() > 0 {
				t.Fatalf("%s: %d bytes written before the refusal", who.Name, buf.Len())
			}
			before := e.snapshot(t)
			_, err = e.rs.Import(e.ctx, who, bytes.NewReader(good), int64(len(good)))
			wantCode(t, err, platform.CodeForbidden)
			before.audit++ // the refusal, and nothing else
			e.unchanged(t, before)
		}
		// Another organisation's admin exports only their own records.
		b, sum := e.export(e.other, Scope{})
		if sum.Counts.Records != 1 || bytes.Contains(b, []byte("Care plan")) {
			t.Fatalf("the trading company's export: %+v", sum.Counts)
		}
		var buf bytes.Buffer
		_, err := e.rs.Export(e.ctx, e.other, Scope{ClassID: e.class("ADM.01").ID}, &buf)
		wantCode(t, err, platform.CodeNotFound)
	})
}

// TestExportScope: a class brings its documents and those of the classes
// under it, with the classes above it so the tree can be rebuilt; a case
// brings its own documents.
func TestExportScope(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		ids := e.fileAll()
		b, sum := e.export(e.rosa, Scope{ClassID: e.class("FIN.01").ID})
		files := unzip(t, b)
		var plan fmtFilePlan
		noErr(t, json.Unmarshal(files[filePlanName], &plan))
		var codes []string
		for _, c := range plan.Classes {
			codes = append(codes, c.Code)
		}
		if strings.Join(codes, " ") != "FIN FIN.01 FIN.01.01 FIN.01.08 FIN.01.09" || sum.Counts.Records != 2 ||
			files[recordsDir+ids["grant"]+"/"+metadataName] == nil || files[recordsDir+ids["destroyed"]+"/"+metadataName] == nil {
			t.Fatalf("class export: classes %v, %+v", codes, sum.Counts)
		}
		var m fmtManifest
		noErr(t, json.Unmarshal(files[manifestName], &m))
		if m.Scope.ClassCode != "FIN.01" {
			t.Fatalf("scope %+v", m.Scope)
		}
		b, sum = e.export(e.rosa, Scope{CaseID: "cas_0002"})
		if sum.Counts.Records != 1 || unzip(t, b)[recordsDir+ids["captured"]+"/"+metadataName] == nil {
			t.Fatalf("case export %+v", sum.Counts)
		}
		// A class part of the plan imports into a council that has the
		// default plan: the classes it has are reused, the new one made.
		b, _ = e.export(e.rosa, Scope{ClassID: e.class("FIN.01").ID})
		db2 := storetest.Open(t, db.Dialect(), testMods)
		e2 := newEnv(t, db2)
		_, err := e2.rs.SaveClass(e2.ctx, e2.rosa, e2.class("FIN.01.01").ID, ClassInput{ParentID: e2.class("FIN.01").ID, Code: "FIN.01.01",
			Title: "Invoices and payments", Schedule: Schedule{84, TriggerCreated, ActionDestroy, false}})
		noErr(t, err)
		got, err := e2.rs.Import(e2.ctx, e2.rosa, bytes.NewReader(b), int64(len(b)))
		noErr(t, err)
		if strings.Join(got.ClassesCreated, " ") != "FIN.01.08 FIN.01.09" || strings.Join(got.ClassesReused, " ") != "FIN FIN.01 FIN.01.01" || len(got.Notes) != 2 {
			t.Fatalf("import into a plan: %+v", got)
		}
		inv, err := e2.rs.Document(e2.ctx, e2.rosa, ids["destroyed"])
		noErr(t, err)
		if inv.State != StateDestroyed || inv.ClassID != e2.class("FIN.01.01").ID || !inv.DueAt.Equal(inv.CreatedAt.AddDate(0, 84, 0)) {
			t.Fatalf("tombstone after import %+v", inv)
		}
		_, _, err = e2.rs.Open(e2.ctx, e2.rosa, inv.ID, 0)
		wantCode(t, err, platform.CodeNotFound)
	})
}
