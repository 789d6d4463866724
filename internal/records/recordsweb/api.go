package recordsweb

import (
	"bufio"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

// DocumentInput is a document's metadata as the API takes it.
type DocumentInput struct {
	ClassID        string           `json:"class_id"`
	Title          string           `json:"title"`
	UnitID         string           `json:"business_unit_id,omitempty"`
	Classification string           `json:"classification,omitempty"` // OFFICIAL (default) or OFFICIAL-SENSITIVE
	Subjects       []records.Person `json:"subjects,omitempty"`
	CaseID         string           `json:"case_id,omitempty"`
	CaseRef        string           `json:"case_reference,omitempty"`
	Tags           []string         `json:"tags,omitempty"`
	Declare        bool             `json:"declare,omitempty"` // file it as a record at once (create only)
}

func (in DocumentInput) metadata() records.Metadata {
	return records.Metadata{ClassID: in.ClassID, Title: in.Title, UnitID: in.UnitID, Classification: platform.Classification(in.Classification),
		Subjects: in.Subjects, CaseID: in.CaseID, CaseRef: in.CaseRef, Tags: in.Tags}
}

var (
	tagRecords    = []string{"records"}
	idParam       = web.Param{Name: "id", In: "path", Required: true, Description: "The document's ID (rec_...)."}
	numParam      = web.Param{Name: "n", In: "path", Required: true, Description: "The version number, from 1.", Schema: web.Schema{"type": "integer", "minimum": 1}}
	multipartBody = web.Schema{"type": "object", "description": "multipart/form-data: a part named metadata (JSON) and a part named file (the content)."}
)

func (h *handlers) routeAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	upload := web.MaxBody(h.maxBytes + 1<<20)
	api.HandleFunc("GET /api/v1/records", web.Op{Summary: "List documents and records", OperationID: "listRecords", Tags: tagRecords, Scopes: read,
		Description: "Documents you may read, most recently changed first. Filter by class (and the classes under it), case, and whether declared.",
		Params: []web.Param{{Name: "class", In: "query", Description: "A class ID (rcl_...)"}, {Name: "case", In: "query", Description: "A case ID"},
			{Name: "records", In: "query", Description: "yes: declared records only; no: documents not yet declared"},
			{Name: "cursor", In: "query"}, {Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 200}}},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[records.Document]{})}},
	}, h.apiList)
	api.HandleFunc("POST /api/v1/records", web.Op{Summary: "File a document", OperationID: "createRecord", Tags: tagRecords, Scopes: write,
		Description: "multipart/form-data with a part named metadata (a JSON DocumentInput) and then a part named file, in that order. The content is streamed into encrypted storage; its type is detected from the content.",
		Request:     multipartBody,
		Responses:   map[int]web.Response{201: {Description: "The new document; Location names it.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiCreate, upload, web.StreamBody())
	api.HandleFunc("POST /api/v1/records/capture/m365", web.Op{Summary: "Declare a Microsoft 365 file a record", OperationID: "captureM365", Tags: tagRecords, Scopes: write,
		Description: "Fetches a OneDrive or SharePoint file by its link through Microsoft Graph, checks Microsoft's hash of it, and files it as a declared record. " +
			"A file captured before is 409 with Location naming its record. 400 when capture is not set up.",
		Request:   web.SchemaOf(CaptureRequest{}),
		Responses: map[int]web.Response{201: {Description: "The new record.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiCaptureM365)
	api.HandleFunc("GET /api/v1/records/file-plan", web.Op{Summary: "The file plan", OperationID: "getFilePlan", Tags: tagRecords, Scopes: read,
		Description: "Every class of the organisation's file plan in code order, with its own and its effective retention schedule.",
		Responses:   map[int]web.Response{200: {Description: "The classes.", Schema: web.SchemaOf(web.List[records.Class]{})}},
	}, h.apiPlan)
	api.HandleFunc("GET /api/v1/records/{id}", web.Op{Summary: "Get a document", OperationID: "getRecord", Tags: tagRecords, Scopes: read, Params: []web.Param{idParam},
		Description: "A document you may read; one you may not is 404, as is one that does not exist.",
		Responses:   map[int]web.Response{200: {Description: "The document.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiGet)
	api.HandleFunc("PUT /api/v1/records/{id}/metadata", web.Op{Summary: "Change a document's details", OperationID: "updateRecordMetadata", Tags: tagRecords, Scopes: write,
		Params: []web.Param{idParam}, Request: web.SchemaOf(DocumentInput{}),
		Description: "Replaces the details. On a declared record only tags may change and the classification may only be raised; other changes are 409.",
		Responses:   map[int]web.Response{200: {Description: "The document.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiUpdate)
	api.HandleFunc("POST /api/v1/records/{id}/declare", web.Op{Summary: "Declare a record", OperationID: "declareRecord", Tags: tagRecords, Scopes: write,
		Params: []web.Param{idParam}, Description: "Freezes the document's content and key details. Nobody can then change or delete it; only its retention schedule disposes of it.",
		Responses: map[int]web.Response{200: {Description: "The record.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiDeclare)
	api.HandleFunc("DELETE /api/v1/records/{id}", web.Op{Summary: "Delete a document", OperationID: "deleteRecord", Tags: tagRecords, Scopes: write,
		Params: []web.Param{idParam}, Description: "Deletes a document that is not a declared record, with its versions. A declared record is 409 for everyone.",
		Responses: map[int]web.Response{204: {Description: "Deleted."}},
	}, h.apiDelete)
	api.HandleFunc("GET /api/v1/records/{id}/versions", web.Op{Summary: "List a document's versions", OperationID: "listRecordVersions", Tags: tagRecords, Scopes: read,
		Params:    []web.Param{idParam},
		Responses: map[int]web.Response{200: {Description: "Newest first.", Schema: web.SchemaOf(web.List[records.Version]{})}},
	}, h.apiVersions)
	api.HandleFunc("POST /api/v1/records/{id}/versions", web.Op{Summary: "Add a version", OperationID: "addRecordVersion", Tags: tagRecords, Scopes: write,
		Params: []web.Param{idParam}, Request: web.Schema{"type": "object", "description": "multipart/form-data: a part named file; optional fields note and expected (the version number you last saw)."},
		Description: "New content for a document not yet declared. A declared record is 409; a stale expected version is 409.",
		Responses:   map[int]web.Response{201: {Description: "The document.", Schema: web.SchemaOf(records.Document{})}},
	}, h.apiAddVersion, upload, web.StreamBody())
	api.HandleFunc("GET /api/v1/records/{id}/versions/{n}/content", web.Op{Summary: "Download a version", OperationID: "getRecordContent", Tags: tagRecords, Scopes: read,
		Params:    []web.Param{idParam, numParam},
		Responses: map[int]web.Response{200: {Description: "The content, with its stored type. Every download is audited."}},
	}, h.download)
}

func apiSubject(r *http.Request) (*platform.Subject, error) { return staff(r) }

func (h *handlers) apiList(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit := 50
	if s := q.Get("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 200 {
			return platform.Invalid("Check the query", platform.FieldError{Field: "limit", Message: "must be a whole number from 1 to 200"})
		}
	}
	page, err := h.rs.List(r.Context(), sub, records.Filter{ClassID: q.Get("class"), CaseID: q.Get("case"), Records: q.Get("records"), After: q.Get("cursor"), Limit: limit})
	if err != nil {
		return err
	}
	out := web.List[*records.Document]{Items: page.Documents, NextCursor: page.Next}
	if out.Items == nil {
		out.Items = []*records.Document{}
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (h *handlers) apiPlan(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	cs, err := h.rs.Classes(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[records.Class]{Items: cs})
}

func (h *handlers) apiGet(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	d, err := h.rs.Document(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

// metadataField decodes the metadata field of an upload.
func metadataField(raw string) (DocumentInput, error) {
	var in DocumentInput
	if raw == "" {
		return in, platform.Invalid("Send the document's details as a part named metadata, before the file", platform.FieldError{Field: "metadata", Message: "is missing"})
	}
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		return in, platform.Invalid("The metadata part is not valid JSON for a document: "+err.Error(), platform.FieldError{Field: "metadata", Message: "is not valid"})
	}
	return in, nil
}

func (h *handlers) apiCreate(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	fields, part, err := streamParts(r)
	if err != nil {
		return err
	}
	in, err := metadataField(fields["metadata"])
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(part, 64<<10)
	d, err := h.rs.Create(r.Context(), sub, records.NewDocument{Metadata: in.metadata(), Name: part.FileName(), MediaType: sniff(br, part.FileName()),
		Content: br, Source: records.SourceAPI, Declare: in.Declare})
	if err != nil {
		return err
	}
	if _, err := h.fileEmailParts(r.Context(), sub, d); err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/records/"+d.ID)
	return web.WriteJSON(w, http.StatusCreated, d)
}

func (h *handlers) apiUpdate(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	var in DocumentInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := h.rs.UpdateMetadata(r.Context(), sub, r.PathValue("id"), in.metadata())
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (h *handlers) apiDeclare(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	d, err := h.rs.Declare(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (h *handlers) apiDelete(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	if err := h.rs.Delete(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (h *handlers) apiVersions(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	vs, err := h.rs.Versions(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[records.Version]{Items: vs})
}

func (h *handlers) apiAddVersion(w http.ResponseWriter, r *http.Request) error {
	sub, err := apiSubject(r)
	if err != nil {
		return err
	}
	fields, part, err := streamParts(r)
	if err != nil {
		return err
	}
	br := bufio.NewReaderSize(part, 64<<10)
	expected := 0
	if s := fields["expected"]; s != "" {
		if expected, err = strconv.Atoi(s); err != nil || expected < 1 {
			return platform.Invalid("Check the request", platform.FieldError{Field: "expected", Message: "must be the version number you last saw"})
		}
	}
	d, err := h.rs.AddVersion(r.Context(), sub, r.PathValue("id"), records.NewVersion{Name: part.FileName(), MediaType: sniff(br, part.FileName()), Content: br,
		Note: fields["note"], Expected: expected})
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusCreated, d)
}
