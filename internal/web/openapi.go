package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"dbtp/internal/platform"
)

// APIPrefix is where the documented JSON API lives.
const APIPrefix = "/api/v1/"

// Schema is a JSON Schema (draft 2020-12, as OpenAPI 3.1 uses). Write one
// by hand or derive it from a Go type with SchemaOf.
type Schema map[string]any

// Param documents a path, query or header parameter.
type Param struct {
	Name        string
	In          string // "path", "query" or "header"
	Description string
	Required    bool
	Schema      Schema // defaults to {"type": "string"}
}

// Response documents one success response; Schema nil means no body.
type Response struct {
	Description string
	Schema      Schema
}

// Op documents one API operation. Problem responses (4XX, 5XX) are added to
// every operation, and path parameters are taken from the route pattern
// unless Params describes them.
type Op struct {
	Summary     string
	Description string
	OperationID string
	Tags        []string
	Params      []Param
	Request     Schema           // JSON request body; nil when there is none
	Responses   map[int]Response // success responses, e.g. {200: {...}}
	Scopes      []string         // token scopes required; empty means any valid token
	Public      bool             // needs no token at all
}

// API registers documented JSON routes and builds the OpenAPI document.
type API struct {
	router *Router
	cfg    Config
	gate   ScopeGate
	mu     sync.Mutex
	ops    map[string]map[string]Op // path -> lower-case method -> operation
}

func newAPI(rt *Router, cfg Config) *API {
	return &API{router: rt, cfg: cfg, ops: map[string]map[string]Op{}}
}

// Handle mounts h on pattern (which must name a method and a path under
// /api/v1/) and records its documentation. A bad pattern panics, like
// ServeMux, because it is a programming error found at start-up.
func (a *API) Handle(pattern string, op Op, h http.Handler, opts ...RouteOption) {
	method, path, err := splitPattern(pattern)
	if err != nil || !strings.HasPrefix(path, APIPrefix) {
		panic(fmt.Sprintf("web: API route %q must be \"METHOD /api/v1/...\"", pattern))
	}
	if op.Summary == "" || len(op.Responses) == 0 {
		panic(fmt.Sprintf("web: API route %q needs a Summary and at least one Response", pattern))
	}
	if len(op.Scopes) > 0 && a.gate != nil {
		h = a.gated(method+" "+path, op.Scopes, h)
	}
	a.router.Handle(pattern, h, opts...)
	path = openAPIPath(path)
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ops[path] == nil {
		a.ops[path] = map[string]Op{}
	}
	a.ops[path][strings.ToLower(method)] = op
}

// ScopeGate refuses a subject (a token) that lacks scope before the
// operation runs; the access point's CheckScope is the one cmd/dbtp wires.
type ScopeGate func(ctx context.Context, sub *platform.Subject, scope, operation string) error

// gated checks every scope the operation documents, so what the OpenAPI
// document says a route needs is exactly what is enforced.
func (a *API) gated(operation string, scopes []string, h http.Handler) http.Handler {
	return HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		for _, sc := range scopes {
			if err := a.gate(r.Context(), SubjectOf(r), sc, operation); err != nil {
				return err
			}
		}
		h.ServeHTTP(w, r)
		return nil
	})
}

// HandleFunc is Handle for an error-returning handler.
func (a *API) HandleFunc(pattern string, op Op, h func(http.ResponseWriter, *http.Request) error, opts ...RouteOption) {
	a.Handle(pattern, op, HandlerFunc(h), opts...)
}

var wildcard = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

// openAPIPath turns a ServeMux path into an OpenAPI path template:
// "{rest...}" becomes "{rest}" and the end-anchor "{$}" disappears.
func openAPIPath(p string) string {
	p = strings.ReplaceAll(p, "{$}", "")
	return wildcard.ReplaceAllString(p, "{$1}")
}

// Document is the OpenAPI 3.1 document; its fields are what dbtp uses.
type Document struct {
	OpenAPI    string                          `json:"openapi"`
	Info       map[string]string               `json:"info"`
	Servers    []map[string]string             `json:"servers,omitempty"`
	Paths      map[string]map[string]Operation `json:"paths"`
	Components map[string]any                  `json:"components"`
}

// Operation is one operation in the Document.
type Operation struct {
	Summary     string                `json:"summary"`
	Description string                `json:"description,omitempty"`
	OperationID string                `json:"operationId,omitempty"`
	Tags        []string              `json:"tags,omitempty"`
	Parameters  []map[string]any      `json:"parameters,omitempty"`
	RequestBody map[string]any        `json:"requestBody,omitempty"`
	Responses   map[string]any        `json:"responses"`
	Security    []map[string][]string `json:"security"`
}

// Document builds the OpenAPI document from everything registered so far.
func (a *API) Document() *Document {
	doc := &Document{
		OpenAPI: "3.1.0",
		Info: map[string]string{
			"title":       a.cfg.CouncilName + " dbtp API",
			"version":     "1",
			"description": "JSON API of the council's digital platform. Authenticate with an API token: Authorization: Bearer <token>. Errors are RFC 9457 problem documents. Lists use cursor pagination: pass next_cursor back as ?cursor=.",
		},
		Paths:      map[string]map[string]Operation{},
		Components: components(),
	}
	if a.cfg.BaseURL != "" {
		doc.Servers = []map[string]string{{"url": a.cfg.BaseURL}}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	for path, methods := range a.ops {
		doc.Paths[path] = map[string]Operation{}
		for method, op := range methods {
			doc.Paths[path][method] = operation(path, op)
		}
	}
	return doc
}

func operation(path string, op Op) Operation {
	o := Operation{Summary: op.Summary, Description: op.Description, OperationID: op.OperationID, Tags: op.Tags,
		Responses: map[string]any{
			"4XX": map[string]any{"$ref": "#/components/responses/Problem"},
			"5XX": map[string]any{"$ref": "#/components/responses/Problem"},
		}}
	documented := map[string]bool{}
	for _, p := range op.Params {
		documented[p.In+":"+p.Name] = true
		o.Parameters = append(o.Parameters, param(p))
	}
	for _, m := range wildcard.FindAllStringSubmatch(path, -1) {
		if !documented["path:"+m[1]] {
			o.Parameters = append(o.Parameters, param(Param{Name: m[1], In: "path", Required: true}))
		}
	}
	if op.Request != nil {
		o.RequestBody = map[string]any{"required": true, "content": map[string]any{"application/json": map[string]any{"schema": op.Request}}}
	}
	for status, r := range op.Responses {
		resp := map[string]any{"description": r.Description}
		if r.Schema != nil {
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": r.Schema}}
		}
		o.Responses[strconv.Itoa(status)] = resp
	}
	if op.Public {
		o.Security = []map[string][]string{}
	} else {
		o.Security = []map[string][]string{{"bearer": append([]string{}, op.Scopes...)}}
	}
	return o
}

func param(p Param) map[string]any {
	s := p.Schema
	if s == nil {
		s = Schema{"type": "string"}
	}
	m := map[string]any{"name": p.Name, "in": p.In, "schema": s, "required": p.Required || p.In == "path"}
	if p.Description != "" {
		m["description"] = p.Description
	}
	return m
}

func components() map[string]any {
	return map[string]any{
		"securitySchemes": map[string]any{
			"bearer": map[string]any{"type": "http", "scheme": "bearer", "description": "An API token issued by dbtp (dbtp token create)."},
		},
		"schemas": map[string]any{"Problem": SchemaOf(ProblemDetails{})},
		"responses": map[string]any{
			"Problem": map[string]any{
				"description": "An RFC 9457 problem: 400 malformed request, 401 no or bad token, 403 not allowed, 404 not found, 409 conflict, 413 body too large, 422 invalid fields in the request body (see errors; bad query parameters are 400 with errors too), 429 rate limited (see Retry-After), 500 internal error.",
				"content":     map[string]any{"application/problem+json": map[string]any{"schema": map[string]any{"$ref": "#/components/schemas/Problem"}}},
			},
		},
	}
}

// routeDocument serves the document itself, documented like any operation.
func (a *API) routeDocument() {
	a.Handle("GET /api/v1/openapi.json", Op{
		Summary: "This OpenAPI document", Tags: []string{"meta"}, Public: true,
		Responses: map[int]Response{200: {Description: "The OpenAPI 3.1 document.", Schema: Schema{"type": "object"}}},
	}, HandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		w.Header().Set("Cache-Control", "no-cache")
		return WriteJSON(w, http.StatusOK, a.Document())
	}))
}

// CheckAPIDocumented compares the routes registered under /api/v1/ with the
// paths in doc. It returns the routes with no documentation and the
// documented operations with no route, each as "METHOD /path", sorted; both
// empty means the document tells the truth. Routes registered without a
// method count as undocumented: every API route should name its method.
func CheckAPIDocumented(rt *Router, doc *Document) (undocumented, unrouted []string) {
	routed := map[string]bool{}
	for _, p := range rt.Patterns() {
		method, path, err := splitPattern(p)
		if err != nil {
			method, path = "ANY", strings.TrimSpace(p)
		}
		if !strings.HasPrefix(path, APIPrefix) {
			continue
		}
		routed[method+" "+openAPIPath(path)] = true
	}
	documented := map[string]bool{}
	for path, methods := range doc.Paths {
		for method := range methods {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	for k := range routed {
		if !documented[k] {
			undocumented = append(undocumented, k)
		}
	}
	for k := range documented {
		if !routed[k] {
			unrouted = append(unrouted, k)
		}
	}
	sort.Strings(undocumented)
	sort.Strings(unrouted)
	return slices.Clip(undocumented), slices.Clip(unrouted)
}
