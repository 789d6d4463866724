package recordsweb

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// fileSome files an invoice (declared) and a care plan, as Ann and Fred.
func (e *env) fileSome() {
	e.t.Helper()
	rs := e.m.Store()
	d, err := rs.Create(e.ctx, e.subject("Fred"), records.NewDocument{Metadata: records.Metadata{ClassID: e.classID("FIN.01.01"), Title: "Invoice 4471",
		UnitID: e.units["Finance"]}, Name: "invoice.txt", MediaType: "text/plain", Content: strings.NewReader("invoice 4471: £120")})
	noErr(e.t, err)
	_, err = rs.Declare(e.ctx, e.subject("Fred"), d.ID)
	noErr(e.t, err)
	_, err = rs.Create(e.ctx, e.subject("Ann"), records.NewDocument{Metadata: records.Metadata{ClassID: e.classID("ADM.01.02"), Title: "Care plan",
		UnitID: e.units["Adults"], Classification: platform.OfficialSensitive}, Name: "plan.txt", MediaType: "text/plain", Content: strings.NewReader("plan")})
	noErr(e.t, err)
}

func zipNames(t testing.TB, b []byte) []string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	noErr(t, err)
	var out []string
	for _, f := range zr.File {
		out = append(out, f.Name)
	}
	return out
}

// spoil changes one byte in the middle of the named file of an archive.
func spoil(t testing.TB, b []byte, suffix string) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	noErr(t, err)
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, err := f.Open()
		noErr(t, err)
		data, err := io.ReadAll(rc)
		noErr(t, err)
		rc.Close()
		if strings.HasSuffix(f.Name, suffix) {
			data[len(data)/2] ^= 1
		}
		w, err := zw.Create(f.Name)
		noErr(t, err)
		w.Write(data)
	}
	noErr(t, zw.Close())
	return out.Bytes()
}

// postArchive uploads an archive on the import page (nil: no file).
func (e *env) postArchive(b *webtest.Browser, archive []byte) *webtest.Response {
	e.t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	noErr(e.t, mw.WriteField(web.CSRFField, b.CSRFToken()))
	if archive != nil {
		fw, err := mw.CreateFormFile("archive", "export.zip")
		noErr(e.t, err)
		fw.Write(archive)
	}
	noErr(e.t, mw.Close())
	return b.Do("POST", "/records/import", &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// TestExportImportPages: a records manager downloads an export of a class
// from the page and imports it into another council; a tampered archive
// is refused with the reason on the form and nothing stored; caseworkers
// are offered neither and refused both.
func TestExportImportPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.fileSome()
		rosa := e.browser("Rosa")
		want(t, rosa.Get("/records"), 200, `href="/records/export"`, `href="/records/import"`)
		want(t, rosa.Get("/records/export"), 200, "Export records", "Everything: the whole file plan", "FIN.01 Accounts payable", "not encrypted")
		r := rosa.Get("/records/export/download?class=FIN.01")
		want(t, r, 200)
		if r.Header.Get("Content-Type") != "application/zip" || !strings.Contains(r.Header.Get("Content-Disposition"), "records-export-") {
			t.Fatalf("download headers %v", r.Header)
		}
		archive := []byte(r.Body)
		names := strings.Join(zipNames(t, archive), " ")
		if !strings.Contains(names, "manifest.json") || !strings.Contains(names, "invoice.txt") || strings.Contains(names, "plan.txt") {
			t.Fatalf("class export holds %s", names)
		}
		want(t, rosa.Get("/records/export/download?class=NOPE"), 400, "There is no class NOPE")

		ann := e.browser("Ann")
		want(t, ann.Get("/records/export"), 403, "Only records managers and administrators")
		r = ann.Get("/records/export/download")
		want(t, r, 403)
		if r.Header.Get("Content-Type") == "application/zip" {
			t.Fatal("a caseworker was sent an archive")
		}
		want(t, ann.Get("/records/import"), 403)

		e2 := newEnv(t, storetest.Open(t, db.Dialect(), testMods))
		rosa2 := e2.browser("Rosa")
		want(t, rosa2.Get("/records/import"), 200, "Import records", `name="archive"`)
		want(t, e2.postArchive(rosa2, nil), 422, "Choose the .zip file an export made")
		want(t, e2.postArchive(rosa2, spoil(t, archive, "invoice.txt")), 422, "Nothing was imported", "does not match its SHA-256")
		if p, _ := e2.m.Store().List(e2.ctx, e2.sys, records.Filter{}); len(p.Documents) != 0 {
			t.Fatal("a refused import stored documents")
		}
		want(t, e2.postArchive(rosa2, archive), 200, "Records imported", "1 records (1 declared", "FIN, FIN.01, FIN.01.01")
		want(t, e2.postArchive(rosa2, archive), 409, "already in this database")
		if p, _ := e2.m.Store().List(e2.ctx, e2.sys, records.Filter{}); len(p.Documents) != 1 || p.Documents[0].Title != "Invoice 4471" {
			t.Fatalf("after import: %+v", p.Documents)
		}
	})
}

func (e *env) apiRaw(token, method, path, contentType string, body []byte) *webtest.Response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.srv.URL+path, bytes.NewReader(body))
	noErr(e.t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := http.DefaultClient.Do(req)
	noErr(e.t, err)
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return &webtest.Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
}

// TestExportImportAPI: the same through /api/v1 with a records manager's
// token: the export streams a ZIP, the import answers with what it stored,
// and refusals are problems that say why.
func TestExportImportAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.fileSome()
		tok := e.token("Rosa", platform.ScopeRead, platform.ScopeWrite)
		r := e.apiRaw(tok, "GET", "/api/v1/records/export?class="+e.classID("FIN.01"), "", nil)
		want(t, r, 200)
		archive := []byte(r.Body)
		if r.Header.Get("Content-Type") != "application/zip" || len(zipNames(t, archive)) != 7 {
			t.Fatalf("export: %v, files %v", r.Header, zipNames(t, archive))
		}
		r = e.apiRaw(tok, "GET", "/api/v1/records/export", "", nil)
		want(t, r, 200)
		if n := len(zipNames(t, []byte(r.Body))); n != 4+2*3 { // README, file plan, holds, manifest; three files a record
			t.Fatalf("everything: %d files", n)
		}
		want(t, e.apiRaw(e.token("Ann", platform.ScopeRead), "GET", "/api/v1/records/export", "", nil), 403)
		want(t, e.apiRaw(e.token("Rosa", platform.ScopeWrite), "GET", "/api/v1/records/export", "", nil), 403)

		e2 := newEnv(t, storetest.Open(t, db.Dialect(), testMods))
		tok2 := e2.token("Rosa", platform.ScopeWrite)
		want(t, e2.apiRaw(tok2, "POST", "/api/v1/records/import", "text/plain", archive), 400, "Content-Type: application/zip")
		want(t, e2.apiRaw(e2.token("Ann", platform.ScopeWrite), "POST", "/api/v1/records/import", "application/zip", archive), 403)
		want(t, e2.apiRaw(e2.token("Rosa", platform.ScopeRead), "POST", "/api/v1/records/import", "application/zip", archive), 403)
		want(t, e2.apiRaw(tok2, "POST", "/api/v1/records/import", "application/zip", spoil(t, archive, "metadata.json")), 422, "does not match its SHA-256")
		r = e2.apiRaw(tok2, "POST", "/api/v1/records/import", "application/zip", archive)
		want(t, r, 200)
		var sum records.Summary
		noErr(t, json.Unmarshal([]byte(r.Body), &sum))
		if sum.Counts.Records != 1 || sum.Counts.Declared != 1 || !strings.HasPrefix(sum.ImportID, "rim_") || len(sum.ManifestSHA256) != 64 {
			t.Fatalf("import summary %+v", sum)
		}
		want(t, e2.apiRaw(tok2, "POST", "/api/v1/records/import", "application/zip", archive), 409, "already in this database")
	})
}

// runVerb runs a module verb as the CLI does: its flags, then Run.
func runVerb(t *testing.T, m *Module, d *module.Deps, name string, args ...string) (string, error) {
	t.Helper()
	for _, v := range m.Verbs() {
		if v.Name != name {
			continue
		}
		f := module.NewFlags(name, func(string) string { return "" })
		v.Flags(f)
		noErr(t, f.Set().Parse(args))
		var out bytes.Buffer
		err := v.Run(t.Context(), &module.Call{Stdout: &out, Stderr: io.Discard, Args: f.Set().Args(), Deps: d})
		return out.String(), err
	}
	t.Fatalf("no verb %q", name)
	return "", nil
}

// TestExportImportVerbs: `dbtp records export` writes a private archive
// only when it is whole, `dbtp records import` takes it into another
// database and refuses a spoiled copy or a second import.
func TestExportImportVerbs(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.fileSome()
		dir := t.TempDir()
		file := filepath.Join(dir, "finance.zip")
		out, err := runVerb(t, e.m, e.m.d, "records export", "--org", "northshire", "--class", "fin.01", "--out", file)
		noErr(t, err)
		if !strings.Contains(out, "1 records (1 declared") || !strings.Contains(out, "manifest SHA-256 ") {
			t.Fatalf("export said %q", out)
		}
		st, err := os.Stat(file)
		noErr(t, err)
		if st.Mode().Perm() != 0o600 {
			t.Fatalf("the archive is readable by others: %v", st.Mode())
		}
		if _, err := runVerb(t, e.m, e.m.d, "records export", "--org", "northshire", "--out", file); err == nil || !strings.Contains(err.Error(), "already exists") {
			t.Fatalf("overwrote an archive: %v", err)
		}
		if _, err := runVerb(t, e.m, e.m.d, "records export", "--org", "northshire", "--class", "NOPE", "--out", filepath.Join(dir, "x.zip")); err == nil {
			t.Fatal("exported an unknown class")
		}
		if _, err := runVerb(t, e.m, e.m.d, "records export", "--org", "nowhere", "--out", filepath.Join(dir, "y.zip")); err == nil || !strings.Contains(err.Error(), "no organisation") {
			t.Fatalf("unknown organisation: %v", err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("failed exports left files: %v", entries)
		}

		e2 := newEnv(t, storetest.Open(t, db.Dialect(), testMods))
		archive, err := os.ReadFile(file)
		noErr(t, err)
		spoiled := filepath.Join(dir, "spoiled.zip")
		noErr(t, os.WriteFile(spoiled, spoil(t, archive, "invoice.txt"), 0o600))
		if _, err := runVerb(t, e2.m, e2.m.d, "records import", "--org", "northshire", spoiled); err == nil || !strings.Contains(err.Error(), "does not match") {
			t.Fatalf("imported a spoiled archive: %v", err)
		}
		out, err = runVerb(t, e2.m, e2.m.d, "records import", "--org", "northshire", file)
		noErr(t, err)
		if !strings.Contains(out, "imported export rex_") || !strings.Contains(out, "1 records") {
			t.Fatalf("import said %q", out)
		}
		if _, err := runVerb(t, e2.m, e2.m.d, "records import", "--org", "northshire", file); platform.CodeOf(err) != platform.CodeConflict {
			t.Fatalf("imported twice: %v", err)
		}
	})
}

// TestSpoolIsEncrypted: the import spool gives back every byte at any
// offset, and the file on disk holds none of them in the clear.
func TestSpoolIsEncrypted(t *testing.T) {
	data := make([]byte, 300_000)
	rng := rand.New(rand.NewPCG(7, 8))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	marker := []byte("OFFICIAL-SENSITIVE: John Smith's care plan")
	copy(data[70_000:], marker) // across no boundary in particular
	sp, err := newSpool(bytes.NewReader(data))
	noErr(t, err)
	defer sp.Close()
	if sp.Size() != int64(len(data)) {
		t.Fatalf("size %d", sp.Size())
	}
	for _, c := range []struct{ off, n int }{{0, 10}, {65_530, 20}, {70_000, len(marker)}, {299_990, 10}, {131_000, 140_000}} {
		got := make([]byte, c.n)
		n, err := sp.ReadAt(got, int64(c.off))
		if err != nil || n != c.n || !bytes.Equal(got, data[c.off:c.off+c.n]) {
			t.Fatalf("ReadAt(%d, %d): %d, %v", c.off, c.n, n, err)
		}
	}
	if n, err := sp.ReadAt(make([]byte, 20), 299_990); n != 10 || err != io.EOF {
		t.Fatalf("read past the end: %d, %v", n, err)
	}
	st, err := sp.f.Stat()
	noErr(t, err)
	raw := make([]byte, st.Size())
	_, err = sp.f.ReadAt(raw, 0)
	noErr(t, err)
	if bytes.Contains(raw, marker) || bytes.Contains(raw, data[:64]) {
		t.Fatal("the spool holds plaintext")
	}
	if _, err := os.Stat(sp.f.Name()); !os.IsNotExist(err) {
		t.Fatal("the spool file still has a name in the temporary folder")
	}
}
