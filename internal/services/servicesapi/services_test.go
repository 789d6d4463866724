package servicesapi

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
)

func sqlite(t *testing.T) *env { return newEnv(t, storetest.Open(t, store.SQLite, testMods)) }

func serviceIDs(r res) []string {
	var ids []string
	for _, it := range items(r) {
		ids = append(ids, str(it, "id"))
	}
	return ids
}

func TestListServices(t *testing.T) {
	e := sqlite(t)
	// A resident sees what residents may start; the flags say so.
	r := e.call(e.rita, "GET", "/api/v1/services", "")
	want(t, r, http.StatusOK, "rita lists")
	if ids := serviceIDs(r); !slices.Equal(ids, []string{"complaints", "subject-access-request"}) {
		t.Fatalf("rita sees %v", ids)
	}
	c := items(r)[0]
	if c["may_start"] != true || c["may_work_on"] != false || c["may_start_for"] != false || str(c, "href") != "/api/v1/services/complaints" {
		t.Fatalf("rita's complaints entry: %v", c)
	}
	// A caseworker in Customer Services works on complaints, and may submit
	// one for a resident who phoned.
	r = e.call(e.cara, "GET", "/api/v1/services", "")
	want(t, r, http.StatusOK, "cara lists")
	for _, it := range items(r) {
		if str(it, "id") == "complaints" && (it["may_work_on"] != true || it["may_start_for"] != true) {
			t.Fatalf("cara's complaints entry: %v", it)
		}
	}
	// The admin sees every built-in, a page at a time.
	r = e.call(e.admin, "GET", "/api/v1/services?limit=2", "")
	want(t, r, http.StatusOK, "admin page 1")
	all := serviceIDs(r)
	for next := str(r.json, "next_cursor"); next != ""; next = str(r.json, "next_cursor") {
		r = e.call(e.admin, "GET", "/api/v1/services?limit=2&cursor="+next, "")
		want(t, r, http.StatusOK, "admin next page")
		all = append(all, serviceIDs(r)...)
	}
	if !slices.Equal(all, []string{"complaints", "equipment-collection", "key-decisions", "risk-register", "subject-access-request", "technology-roadmap"}) {
		t.Fatalf("admin pages: %v", all)
	}
	want(t, e.call(e.admin, "GET", "/api/v1/services?limit=0", ""), http.StatusBadRequest, "limit 0")
	want(t, e.call(e.admin, "GET", "/api/v1/services?cursor=junk", ""), http.StatusBadRequest, "junk cursor")
	want(t, e.call(e.admin, "GET", "/api/v1/services?colour=red", ""), http.StatusBadRequest, "unknown parameter")
	// The other organisation has published nothing.
	r = e.call(e.boss, "GET", "/api/v1/services", "")
	want(t, r, http.StatusOK, "boss lists")
	if len(items(r)) != 0 {
		t.Fatalf("another organisation sees %v", serviceIDs(r))
	}
	want(t, e.call("", "GET", "/api/v1/services", ""), http.StatusUnauthorized, "no token")
}

func TestReadDefinitionAndSchema(t *testing.T) {
	e := sqlite(t)
	r := e.call(e.rita, "GET", "/api/v1/services/complaints", "")
	want(t, r, http.StatusOK, "get complaints")
	def := r.json["definition"].(map[string]any)
	if def["id"] != "complaints" || def["version"] != 2.0 || r.json["builtin"] != true || !strings.Contains(str(r.json, "source"), "reference_prefix: COMP") {
		t.Fatalf("definition: %.300s", r.body)
	}
	want(t, e.call(e.rita, "GET", "/api/v1/services/complaints?version=2", ""), http.StatusOK, "version 2")
	want(t, e.call(e.rita, "GET", "/api/v1/services/complaints?version=7", ""), http.StatusNotFound, "version 7")
	r = e.call(e.rita, "GET", "/api/v1/services/complaints?version=x", "")
	want(t, r, http.StatusBadRequest, "version x")
	wantFields(t, r, "version x", "version")
	want(t, e.call(e.rita, "GET", "/api/v1/services/parking", ""), http.StatusNotFound, "unknown service")
	want(t, e.call(e.boss, "GET", "/api/v1/services/complaints", ""), http.StatusNotFound, "other organisation")

	// The schema is public: editors and CI fetch it without a token.
	r = e.call("", "GET", "/api/v1/services/schema", "")
	want(t, r, http.StatusOK, "schema")
	if r.json["$id"] != definition.SchemaID || !strings.HasPrefix(r.header.Get("Content-Type"), "application/schema+json") {
		t.Fatalf("schema: %s %.200s", r.header.Get("Content-Type"), r.body)
	}
}

// TestPublishDefinition: an invalid upload lists every problem with its line
// and path and stores nothing; a valid one is the new latest version.
func TestPublishDefinition(t *testing.T) {
	e := sqlite(t)
	cur := e.call(e.admin, "GET", "/api/v1/services/complaints", "")
	want(t, cur, http.StatusOK, "current")
	src := str(cur.json, "source")
	v2 := strings.Replace(src, "\nversion: 2\n", "\nversion: 3\n", 1)

	bad := strings.Replace(v2, "reference_prefix: COMP", "reference_prefix: comp", 1)
	bad = strings.Replace(bad, "initial: submitted", "initial: nowhere", 1)
	bad = strings.Replace(bad, "    type: yes_no", "    type: maybe", 1)
	r := e.send(e.admin, "POST", "/api/v1/services", "application/yaml", bad)
	want(t, r, http.StatusUnprocessableEntity, "invalid definition")
	wantFields(t, r, "invalid definition", "reference_prefix", "workflow.initial")
	problems, _ := r.json["problems"].([]any)
	if len(problems) < 3 || len(fields(r)) != len(problems) {
		t.Fatalf("want every problem listed: %s", r.body)
	}
	for _, p := range problems {
		p := p.(map[string]any)
		if p["line"].(float64) < 1 || str(p, "path") == "" || str(p, "message") == "" {
			t.Fatalf("problem without line or path: %v", p)
		}
	}
	if got := e.call(e.admin, "GET", "/api/v1/services/complaints", ""); got.json["definition"].(map[string]any)["version"] != 2.0 {
		t.Fatal("an invalid definition changed the latest version")
	}
	r = e.send(e.admin, "POST", "/api/v1/services", "text/yaml", "id: [unclosed\n")
	want(t, r, http.StatusUnprocessableEntity, "YAML syntax error")

	// Who may publish: not a read token, not a non-admin.
	want(t, e.send(e.cara, "POST", "/api/v1/services", "application/yaml", v2), http.StatusForbidden, "caseworker publishes")
	want(t, e.send(e.caraRead, "POST", "/api/v1/services", "application/yaml", bad), http.StatusForbidden, "read token publishes")

	r = e.send(e.admin, "POST", "/api/v1/services", "application/yaml; charset=utf-8", v2)
	want(t, r, http.StatusCreated, "publish v2")
	if loc := r.header.Get("Location"); loc != "/api/v1/services/complaints?version=3" {
		t.Fatalf("Location %q", loc)
	}
	got := e.call(e.rita, "GET", "/api/v1/services/complaints", "")
	if got.json["definition"].(map[string]any)["version"] != 3.0 || got.json["builtin"] != false || str(got.json, "source") != v2 {
		t.Fatalf("latest after publish: %.300s", got.body)
	}
	// The same version again is a conflict; the JSON form works too.
	body, _ := json.Marshal(UploadRequest{Source: v2})
	want(t, e.call(e.admin, "POST", "/api/v1/services", string(body)), http.StatusConflict, "v2 again")
	v3 := strings.Replace(v2, "\nversion: 3\n", "\nversion: 4\n", 1)
	body, _ = json.Marshal(UploadRequest{Source: v3})
	want(t, e.call(e.admin, "POST", "/api/v1/services", string(body)), http.StatusCreated, "v3 as JSON")

	// Malformed uploads.
	r = e.call(e.admin, "POST", "/api/v1/services", `{"source": "id: x", "format": "yaml"}`)
	want(t, r, http.StatusBadRequest, "unknown JSON member")
	wantFields(t, r, "unknown JSON member", "format")
	want(t, e.send(e.admin, "POST", "/api/v1/services", "text/plain", v2), http.StatusBadRequest, "text/plain")
	want(t, e.send(e.admin, "POST", "/api/v1/services", "application/yaml", "id: x\n\xff\xfe"), http.StatusBadRequest, "invalid UTF-8")
	want(t, e.send(e.admin, "POST", "/api/v1/services", "application/yaml", "  \n"), http.StatusUnprocessableEntity, "empty YAML")
	huge := "# " + strings.Repeat("x", definition.MaxSize) + "\n" + v2
	want(t, e.send(e.admin, "POST", "/api/v1/services", "application/yaml", huge), http.StatusRequestEntityTooLarge, "huge YAML")
	want(t, e.send(e.admin, "POST", "/api/v1/services", "application/yaml", strings.Repeat("#", uploadLimit+10)), http.StatusRequestEntityTooLarge, "over the route limit")
}

func TestAPIDocumented(t *testing.T) {
	e := sqlite(t)
	undocumented, unrouted := web.CheckAPIDocumented(e.srv.Srv.Router(), e.srv.Srv.API().Document())
	if len(undocumented) > 0 || len(unrouted) > 0 {
		t.Fatalf("undocumented %v, unrouted %v", undocumented, unrouted)
	}
	doc := e.srv.Srv.API().Document()
	for path, ops := range doc.Paths {
		if !strings.HasPrefix(path, "/api/v1/services") && !strings.HasPrefix(path, "/api/v1/cases") {
			continue
		}
		for method, op := range ops {
			if op.OperationID == "" || len(op.Tags) != 1 || op.Description == "" {
				t.Errorf("%s %s is not fully documented: %+v", method, path, op)
			}
			if path != "/api/v1/services/schema" && (len(op.Security) != 1 || len(op.Security[0]["bearer"]) != 1) {
				t.Errorf("%s %s names no scope", method, path)
			}
		}
	}
	if len(doc.Paths["/api/v1/cases/{id}/transitions"]["post"].RequestBody) == 0 {
		t.Fatal("the transition request is not documented")
	}
}
