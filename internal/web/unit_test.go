package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/platform"
)

func TestConfigValidation(t *testing.T) {
	for _, c := range []struct {
		cfg Config
		ok  bool
	}{
		{Config{CouncilName: "X"}, true},
		{Config{}, false},
		{Config{CouncilName: "X", BrandColour: "#ffdd00"}, false}, // yellow: white text unreadable
		{Config{CouncilName: "X", BrandColour: "red"}, false},
		{Config{CouncilName: "X", BrandColour: "#0b0c0c"}, true},
		{Config{CouncilName: "X", BaseURL: "ftp://x"}, false},
		{Config{CouncilName: "X", BaseURL: "https://x.example/sub"}, false},
		{Config{CouncilName: "X", BaseURL: "https://x.example/"}, true},
		{Config{CouncilName: "X", SecretKey: []byte("short")}, false},
	} {
		_, err := c.cfg.withDefaults()
		if (err == nil) != c.ok {
			t.Errorf("%+v: err = %v, want ok=%v", c.cfg, err, c.ok)
		}
	}
}

func TestSafeReturn(t *testing.T) {
	for in, want := range map[string]string{
		"/cases/1?tab=notes":   "/cases/1?tab=notes",
		"":                     "/",
		"https://evil.example": "/",
		"//evil.example":       "/",
		"/\\evil.example":      "/",
		"/\t/evil.example":     "/",
		"/\n/evil.example":     "/",
		"javascript:alert(1)":  "/",
		"cases":                "/",
	} {
		if got := SafeReturn(in); got != want {
			t.Errorf("SafeReturn(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDecodeJSON(t *testing.T) {
	type item struct {
		Title string   `json:"title"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
	}
	cases := []struct {
		body, field, msg string
	}{
		{`{"title":"a","extra":1}`, "extra", ""},
		{`{"count":"three"}`, "count", ""},
		{`{"title":"a"} {"title":"b"}`, "", "single JSON value"},
		{`{"title":"a"`, "", "ends in the middle"},
		{`{"title":}`, "", "not valid JSON"},
		{``, "", "empty"},
		{`[1]`, "", "must be an object, not array"},
		{`{"title":"a\u0000b"}`, "", "control characters"},
		{"{\"title\":\"\xff\"}", "", "UTF-8"},
		{strings.Repeat("[", 100) + strings.Repeat("]", 100), "", "nested too deeply"},
	}
	for _, c := range cases {
		var v item
		err := UnmarshalStrict([]byte(c.body), &v)
		e := platform.AsError(err)
		if err == nil || e.Code != platform.CodeInvalid {
			t.Errorf("%q: err = %v, want invalid", c.body, err)
			continue
		}
		if c.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != c.field) {
			t.Errorf("%q: fields %+v, want %q", c.body, e.Fields, c.field)
		}
		if c.msg != "" && !strings.Contains(e.Message, c.msg) {
			t.Errorf("%q: message %q lacks %q", c.body, e.Message, c.msg)
		}
	}
	var v item
	if err := UnmarshalStrict([]byte(` {"title":"é","count":2,"tags":["x"]} `), &v); err != nil || v.Title != "é" || v.Count != 2 {
		t.Errorf("good body: %v %+v", err, v)
	}
}

func TestCursor(t *testing.T) {
	c := EncodeCursor("2025-01-02T03:04:05Z", "usr_01")
	got, err := DecodeCursor(c)
	if err != nil || !slices.Equal(got, []string{"2025-01-02T03:04:05Z", "usr_01"}) {
		t.Fatalf("round trip: %v %v", got, err)
	}
	if got, err := DecodeCursor(""); got != nil || err != nil {
		t.Errorf("empty cursor: %v %v", got, err)
	}
	for _, bad := range []string{"!!", "e30", EncodeCursor(), strings.Repeat("a", 600), "WyJjMiIsIngiXQ"} {
		if _, err := DecodeCursor(bad); platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("DecodeCursor(%q) = %v, want invalid", bad, err)
		}
	}
	for in, want := range map[string]int{"": 50, "1": 1, "200": 200} {
		if n, err := ParseLimit(in); err != nil || n != want {
			t.Errorf("ParseLimit(%q) = %d %v", in, n, err)
		}
	}
	for _, bad := range []string{"0", "201", "-1", "ten", "1e2"} {
		if _, err := ParseLimit(bad); StatusOf(err) != http.StatusUnprocessableEntity {
			t.Errorf("ParseLimit(%q) = %v, want 422", bad, err)
		}
	}
	b, _ := json.Marshal(List[int]{Items: []int{1}, NextCursor: "abc"})
	if string(b) != `{"items":[1],"next_cursor":"abc"}` {
		t.Errorf("envelope %s", b)
	}
}

func TestCheckAPIDocumented(t *testing.T) {
	s, err := NewServer(Config{CouncilName: "X"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ok := func(w http.ResponseWriter, r *http.Request) error { return nil }
	s.API().HandleFunc("GET /api/v1/users/{id}", Op{Summary: "Get a user", Responses: map[int]Response{200: {Description: "The user"}}}, ok)
	s.API().HandleFunc("GET /api/v1/files/{path...}", Op{Summary: "Get a file", Responses: map[int]Response{200: {Description: "The file"}}}, ok)
	s.Router().HandleFunc("GET /users", ok) // an HTML page: not the API's business
	undoc, unrouted := CheckAPIDocumented(s.Router(), s.API().Document())
	if len(undoc) != 0 || len(unrouted) != 0 {
		t.Fatalf("clean registry: undocumented %v, unrouted %v", undoc, unrouted)
	}

	s.Router().HandleFunc("DELETE /api/v1/users/{id}", ok) // deliberately undocumented
	doc := s.API().Document()
	doc.Paths["/api/v1/ghosts"] = map[string]Operation{"get": {Summary: "Nothing serves this"}}
	undoc, unrouted = CheckAPIDocumented(s.Router(), doc)
	if !slices.Equal(undoc, []string{"DELETE /api/v1/users/{id}"}) || !slices.Equal(unrouted, []string{"GET /api/v1/ghosts"}) {
		t.Errorf("undocumented %v, unrouted %v", undoc, unrouted)
	}

	op := doc.Paths["/api/v1/users/{id}"]["get"]
	if len(op.Parameters) != 1 || op.Parameters[0]["name"] != "id" || op.Parameters[0]["in"] != "path" {
		t.Errorf("path parameter not derived: %+v", op.Parameters)
	}
	if len(op.Security) != 1 || op.Responses["4XX"] == nil {
		t.Errorf("security or problem responses missing: %+v", op)
	}
	if _, err := json.Marshal(doc); err != nil {
		t.Error(err)
	}
}

func TestAPIHandleRejectsBadRoutes(t *testing.T) {
	s, _ := NewServer(Config{CouncilName: "X"}, nil)
	for _, pattern := range []string{"/api/v1/x", "GET /users", "GET /api/v2/x"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%q accepted", pattern)
				}
			}()
			s.API().Handle(pattern, Op{Summary: "x", Responses: map[int]Response{200: {}}}, http.NotFoundHandler())
		}()
	}
}

func TestSchemaOf(t *testing.T) {
	type inner struct {
		N int `json:"n"`
	}
	type T struct {
		ID    string            `json:"id"`
		Note  string            `json:"note,omitempty"`
		Skip  string            `json:"-"`
		Tags  []string          `json:"tags"`
		Meta  map[string]inner  `json:"meta"`
		Ptr   *inner            `json:"ptr"`
		Attrs map[string]string `json:"attrs,omitzero"`
	}
	s := SchemaOf(T{})
	props := s["properties"].(map[string]any)
	if _, ok := props["Skip"]; ok || len(props) != 6 {
		t.Errorf("properties %v", props)
	}
	if !slices.Equal(s["required"].([]string), []string{"id", "tags", "meta"}) {
		t.Errorf("required %v", s["required"])
	}
	if props["tags"].(Schema)["type"] != "array" {
		t.Errorf("tags %v", props["tags"])
	}
}

func TestNavCurrent(t *testing.T) {
	staff := &platform.Subject{Kind: platform.SubjectUser, Roles: []platform.Role{platform.RoleStaff}}
	items := []NavItem{{Label: "Home", Href: "/", Public: true}, {Label: "Cases", Href: "/cases"}, {Label: "Admin", Href: "/admin", Roles: []platform.Role{platform.RoleAdmin}}}
	links := navFor(items, staff, "/cases/123")
	if len(links) != 2 || links[0].Current || !links[1].Current {
		t.Errorf("links %+v", links)
	}
	if links := navFor(items, &platform.Subject{Kind: platform.SubjectAnonymous}, "/"); len(links) != 1 || !links[0].Current {
		t.Errorf("anonymous links %+v", links)
	}
}
