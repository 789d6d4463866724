package workplaceweb

import (
	"mime"
	"net/http"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

var (
	tagDevices    = []string{"devices"}
	deviceIDParam = web.Param{Name: "id", In: "path", Required: true, Description: "The device's ID (dev_...)."}
)

func (p *assetsPart) devicesAPI(api *web.API) {
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	api.HandleFunc("GET /api/v1/devices", web.Op{Summary: "List devices", OperationID: "listDevices", Tags: tagDevices, Scopes: read,
		Description: "The device inventory by serial number for workplace managers; anyone else gets the devices assigned to them.",
		Params: []web.Param{{Name: "report", In: "query", Description: "noncompliant (out of compliance), unassigned or stale (not seen for 30 days); empty: all in use"},
			{Name: "kind", In: "query", Description: "laptop, desktop, mobile, tablet or other"}, {Name: "person", In: "query", Description: "A user ID"},
			{Name: "q", In: "query", Description: "Text in the serial number, name, model or person's name"},
			{Name: "retired", In: "query", Description: "yes: retired devices only"}, cursorQuery, limitQuery},
		Responses: map[int]web.Response{200: {Description: "One page.", Schema: web.SchemaOf(web.List[workplace.Device]{})}},
	}, p.apiDevices)
	api.HandleFunc("POST /api/v1/devices", web.Op{Summary: "Add a device", OperationID: "createDevice", Tags: tagDevices, Scopes: write,
		Description: "Workplace managers. The serial number is unique in the organisation; person_id assigns it.",
		Request:     web.SchemaOf(workplace.DeviceInput{}),
		Responses:   map[int]web.Response{201: {Description: "The device; Location names it.", Schema: web.SchemaOf(workplace.Device{})}},
	}, p.apiCreateDevice)
	api.HandleFunc("POST /api/v1/devices/import", web.Op{Summary: "Import devices from CSV", OperationID: "importDevices", Tags: tagDevices, Scopes: write,
		Description: "Workplace managers. The body is text/csv with the header serial,kind,name,manufacturer,model,os,os_version,encrypted,compliance,last_check_in,ownership,assigned_to " +
			"(assigned_to is an email address). Every row is checked first: any problem refuses the whole file with 422 naming each row and column; otherwise the devices are added, or updated by serial number, in one write.",
		Request:   web.Schema{"type": "string", "description": "text/csv"},
		Responses: map[int]web.Response{200: {Description: "What was imported.", Schema: web.SchemaOf(workplace.ImportResult{})}},
	}, p.apiImport, web.MaxBody(maxImportBytes))
	api.HandleFunc("GET /api/v1/devices/{id}", web.Op{Summary: "Get a device", OperationID: "getDevice", Tags: tagDevices, Scopes: read, Params: []web.Param{deviceIDParam},
		Responses: map[int]web.Response{200: {Description: "The device.", Schema: web.SchemaOf(workplace.Device{})}},
	}, p.apiDevice)
	api.HandleFunc("PUT /api/v1/devices/{id}", web.Op{Summary: "Change a device", OperationID: "updateDevice", Tags: tagDevices, Scopes: write, Params: []web.Param{deviceIDParam},
		Description: "Workplace managers. Replaces the device's details; person_id empty unassigns it.",
		Request:     web.SchemaOf(workplace.DeviceInput{}),
		Responses:   map[int]web.Response{200: {Description: "The device.", Schema: web.SchemaOf(workplace.Device{})}},
	}, p.apiUpdateDevice)
	api.HandleFunc("POST /api/v1/devices/{id}/retire", web.Op{Summary: "Retire a device", OperationID: "retireDevice", Tags: tagDevices, Scopes: write, Params: []web.Param{deviceIDParam},
		Description: "Workplace managers. Takes it out of use and out of the reports; it stays on record.",
		Responses:   map[int]web.Response{200: {Description: "The device.", Schema: web.SchemaOf(workplace.Device{})}},
	}, p.apiRetire)
}

func (p *assetsPart) apiDevices(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := web.ParseLimit(q.Get("limit"))
	if err != nil {
		return err
	}
	after, err := cursorParam(r)
	if err != nil {
		return err
	}
	page, err := p.a.Devices(r.Context(), sub, workplace.DeviceFilter{Report: q.Get("report"), Kind: q.Get("kind"), PersonID: q.Get("person"), Text: q.Get("q"),
		Retired: q.Get("retired") == "yes", After: after, Limit: limit})
	if err != nil {
		return err
	}
	out := web.List[workplace.Device]{Items: page.Devices}
	if out.Items == nil {
		out.Items = []workplace.Device{}
	}
	if page.Next != "" {
		out.NextCursor = web.EncodeCursor(page.Next)
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *assetsPart) apiDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	d, err := p.a.Device(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (p *assetsPart) apiCreateDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.DeviceInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := p.a.CreateDevice(r.Context(), sub, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/devices/"+d.ID)
	return web.WriteJSON(w, http.StatusCreated, d)
}

func (p *assetsPart) apiUpdateDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	var in workplace.DeviceInput
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	d, err := p.a.UpdateDevice(r.Context(), sub, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (p *assetsPart) apiRetire(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	d, err := p.a.Retire(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, d)
}

func (p *assetsPart) apiImport(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return platform.Invalid("Send the file as text/csv", platform.FieldError{Field: "body", Message: "The body must be a CSV file sent with Content-Type: text/csv"})
	}
	res, err := p.a.ImportCSV(r.Context(), sub, r.Body)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, res)
}
