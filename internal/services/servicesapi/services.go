package servicesapi

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// ServiceSummary is one service in the list: its latest version and what
// the person asking may do with it.
type ServiceSummary struct {
	ID              string                  `json:"id"`
	Version         int                     `json:"version"`
	Title           string                  `json:"title"`
	Summary         string                  `json:"summary,omitempty"`
	ReferencePrefix string                  `json:"reference_prefix"`
	OwnerUnit       string                  `json:"owner_unit,omitempty"`
	Classification  platform.Classification `json:"classification"`
	Who             []definition.Audience   `json:"who"`
	MayStart        bool                    `json:"may_start"`     // start it for themselves
	MayStartFor     bool                    `json:"may_start_for"` // submit it on a resident's behalf (assisted digital)
	MayWorkOn       bool                    `json:"may_work_on"`   // move its cases through the workflow
	Builtin         bool                    `json:"builtin"`       // shipped with dbtp
	PublishedAt     time.Time               `json:"published_at"`  // of this version
	Href            string                  `json:"href"`          // the definition
}

// DefinitionView is one published version of a service definition.
type DefinitionView struct {
	Definition  *definition.Definition `json:"definition"`
	Builtin     bool                   `json:"builtin"`
	PublishedBy string                 `json:"published_by"`
	PublishedAt time.Time              `json:"published_at"`
	Source      string                 `json:"source"` // the YAML as published
}

// UploadRequest is the JSON form of an upload: the YAML as a string.
type UploadRequest struct {
	Source string `json:"source"`
}

var (
	tagServices = []string{"services"}
	pageParams  = []web.Param{
		{Name: "cursor", In: "query", Description: "The next_cursor of the previous page; omit for the first page."},
		{Name: "limit", In: "query", Description: "Items per page, 1 to 200 (default 50).", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}},
	}
	serviceID = web.Param{Name: "id", In: "path", Required: true, Description: "The service's ID, e.g. complaints."}
)

// uploadLimit allows a definition of definition.MaxSize even as a JSON
// string, whose escaping can double its length.
const uploadLimit = 2*definition.MaxSize + 4096

func (a *api) routeServices(api *web.API) {
	api.Handle("GET /api/v1/services", web.Op{
		Summary: "List services", OperationID: "listServices", Tags: tagServices, Scopes: []string{platform.ScopeRead},
		Description: "The latest version of each service of your organisation that you may start, submit for a resident, or work on, by ID. " +
			"The flags describe the person the token belongs to.",
		Params:    pageParams,
		Responses: map[int]web.Response{200: {Description: "One page of services.", Schema: web.SchemaOf(web.List[ServiceSummary]{})}},
	}, a.route(a.listServices))
	api.Handle("GET /api/v1/services/schema", web.Op{
		Summary: "JSON Schema of service definitions", OperationID: "getServiceDefinitionSchema", Tags: tagServices, Public: true,
		Description: "The JSON Schema (draft 2020-12) that service definition YAML follows, for editors and CI. " +
			"Uploading is the authority: it also checks cross references and the page and workflow graphs.",
		Responses: map[int]web.Response{200: {Description: "The schema.", Schema: web.Schema{"type": "object"}}},
	}, web.HandlerFunc(a.getSchema))
	api.Handle("GET /api/v1/services/{id}", web.Op{
		Summary: "Get a service definition", OperationID: "getService", Tags: tagServices, Scopes: []string{platform.ScopeRead},
		Description: "The latest published version of a service's definition, or the version asked for, with its YAML source.",
		Params: []web.Param{serviceID,
			{Name: "version", In: "query", Description: "A published version; default the latest.", Schema: web.Schema{"type": "integer", "minimum": 1}}},
		Responses: map[int]web.Response{200: {Description: "The definition.", Schema: web.SchemaOf(DefinitionView{})}},
	}, a.route(a.getService))
	upload := web.SchemaOf(UploadRequest{})
	upload["description"] = "Or send the YAML itself with Content-Type: application/yaml."
	api.Handle("POST /api/v1/services", web.Op{
		Summary: "Publish a service definition", OperationID: "publishService", Tags: tagServices, Scopes: []string{platform.ScopeAdmin},
		Description: "Publishes a new version of a service from its YAML: send the YAML with Content-Type application/yaml (or text/yaml), " +
			"or JSON {\"source\": \"...\"}. The version must be greater than every published version; cases in flight keep theirs. " +
			"An invalid definition is refused with 422 listing every problem, each with its line and field path (errors and problems), and nothing is stored. " +
			"Needs an organisation admin's token with the admin scope.",
		Request:   upload,
		Responses: map[int]web.Response{201: {Description: "The published version; Location names it.", Schema: web.SchemaOf(DefinitionView{})}},
	}, a.route(a.publish), web.MaxBody(uploadLimit))
}

func (a *api) listServices(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	if err := onlyParams(r.URL.Query(), "cursor", "limit"); err != nil {
		return err
	}
	pr, err := web.ParsePage(r)
	if err != nil {
		return err
	}
	after := ""
	if len(pr.Cursor) > 0 {
		after = pr.Cursor[0]
	}
	defs, err := a.svc.ListDefinitions(r.Context(), sub)
	if err != nil {
		return err
	}
	out := web.List[ServiceSummary]{Items: []ServiceSummary{}}
	for _, p := range defs {
		if p.Def.ID <= after {
			continue // listed by ID, so the cursor is the last ID served
		}
		s := a.summary(r, sub, p)
		if !s.MayStart && !s.MayStartFor && !s.MayWorkOn {
			continue
		}
		if len(out.Items) == pr.Limit {
			out.NextCursor = web.EncodeCursor(out.Items[len(out.Items)-1].ID)
			break
		}
		out.Items = append(out.Items, s)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (a *api) summary(r *http.Request, sub *platform.Subject, p services.Published) ServiceSummary {
	d := p.Def
	me := person(sub)
	return ServiceSummary{ID: d.ID, Version: d.Version, Title: d.Title, Summary: d.Summary, ReferencePrefix: d.ReferencePrefix,
		OwnerUnit: d.OwnerUnit, Classification: d.Classification, Who: d.Start.Who,
		MayStart:    services.CanStart(me, d),
		MayStartFor: isStaff(me) && d.Start.AllowsAssistedDigital(),
		MayWorkOn:   a.mayWorkOn(r.Context(), sub, d),
		Builtin:     p.Builtin, PublishedAt: p.PublishedAt, Href: "/api/v1/services/" + url.PathEscape(d.ID)}
}

func (a *api) getSchema(w http.ResponseWriter, r *http.Request) error {
	if err := onlyParams(r.URL.Query()); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/schema+json")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	w.WriteHeader(http.StatusOK)
	w.Write(definition.Schema())
	return nil
}

func (a *api) getService(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	q := r.URL.Query()
	if err := onlyParams(q, "version"); err != nil {
		return err
	}
	version := 0
	if v, ok := q["version"]; ok {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 1 {
			return platform.Invalid("The version is not valid.", platform.FieldError{Field: "version", Message: "must be a whole number from 1"})
		}
		version = n
	}
	p, err := a.svc.GetDefinition(r.Context(), sub, r.PathValue("id"), version)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, definitionView(p))
}

func definitionView(p services.Published) DefinitionView {
	return DefinitionView{Definition: p.Def, Builtin: p.Builtin, PublishedBy: p.PublishedBy, PublishedAt: p.PublishedAt, Source: string(p.Source)}
}

// publish parses the uploaded YAML, reporting every problem at once, and
// hands a valid definition to the engine, which checks the version, the
// business units and that the subject administers the organisation.
func (a *api) publish(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	src, err := uploadedSource(r)
	if err != nil {
		return err
	}
	def, err := definition.Parse(src, "definition.yaml")
	if err != nil {
		return definitionProblems(err)
	}
	p, err := a.svc.PublishDefinition(r.Context(), sub, def, src)
	if err != nil {
		return err
	}
	p.Source = src
	w.Header().Set("Location", fmt.Sprintf("/api/v1/services/%s?version=%d", url.PathEscape(def.ID), def.Version))
	return web.WriteJSON(w, http.StatusCreated, definitionView(p))
}

// uploadedSource reads the definition's YAML from either body shape.
func uploadedSource(r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		mt = ""
	}
	var src []byte
	switch mt {
	case "application/json":
		var in UploadRequest
		if err := decode(r, &in); err != nil {
			return nil, err
		}
		src = []byte(in.Source)
	case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml":
		src, err = io.ReadAll(r.Body)
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, tooLarge()
		}
		if err != nil {
			return nil, &platform.Error{Code: platform.CodeInvalid, Message: "The request body could not be read.", Err: err}
		}
		if !utf8.Valid(src) {
			return nil, platform.Invalid("The definition is not valid UTF-8.")
		}
	default:
		return nil, platform.Invalid("Send the definition as YAML with Content-Type: application/yaml, or as JSON {\"source\": \"...\"} with Content-Type: application/json.")
	}
	if len(src) > definition.MaxSize {
		return nil, tooLarge()
	}
	if strings.TrimSpace(string(src)) == "" {
		return nil, platform.Invalid("The definition is empty.", platform.FieldError{Field: "source", Message: "is required"})
	}
	return src, nil
}

func tooLarge() error {
	return platform.Errorf(platform.CodeTooLarge, "A service definition can be at most %d KiB.", definition.MaxSize>>10)
}

// onlyParams refuses query parameters an operation does not take, and
// repeated ones: a misspelt filter must not silently widen a search.
func onlyParams(q url.Values, known ...string) error {
	var bad []platform.FieldError
	names := make([]string, 0, len(q))
	for k := range q {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case !slices.Contains(known, k):
			bad = append(bad, platform.FieldError{Field: trimID(k), Message: "is not a parameter of this operation"})
		case len(q[k]) > 1:
			bad = append(bad, platform.FieldError{Field: k, Message: "must be given once"})
		}
	}
	if len(bad) > 0 {
		// Malformed whatever the method: on a POST the shell would make
		// field errors 422, which is for the body's content.
		return &malformed{platform.Invalid("Check the query parameters.", bad...)}
	}
	return nil
}
