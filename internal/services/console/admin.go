package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// definitionsPage is the data of console/definitions.
type definitionsPage struct {
	*web.Form
	Table web.Table
}

// definitionPage is the data of console/definition.
type definitionPage struct {
	Published services.Published
	Details   []web.SummaryRow
	Source    string
}

func (c *console) definitions(w http.ResponseWriter, r *http.Request) error {
	return c.renderDefinitions(w, r, &web.Form{}, http.StatusOK)
}

func (c *console) renderDefinitions(w http.ResponseWriter, r *http.Request, form *web.Form, status int) error {
	sub, err := needStaff(r, platform.RoleAdmin)
	if err != nil {
		return err
	}
	defs, err := c.svc.ListDefinitions(r.Context(), sub)
	if err != nil {
		return err
	}
	p := &definitionsPage{Form: form, Table: web.Table{Caption: "Published services",
		Head: []web.Cell{{Text: "Service"}, {Text: "ID"}, {Text: "Version", Numeric: true}, {Text: "Published"}}}}
	for _, d := range defs {
		published := shortDate(d.PublishedAt)
		if d.Builtin {
			published += " (built in)"
		}
		p.Table.Rows = append(p.Table.Rows, []web.Cell{{Text: d.Def.Title, Href: "/services/admin/" + d.Def.ID},
			{Text: d.Def.ID}, {Text: strconv.Itoa(d.Def.Version), Numeric: true}, {Text: published}})
	}
	return web.Render(w, r, status, "console/definitions", p)
}

func (c *console) definition(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r, platform.RoleAdmin)
	if err != nil {
		return err
	}
	version := 0
	if v := r.URL.Query().Get("version"); v != "" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			return platform.Invalid("The version is not valid", platform.FieldError{Field: "version", Message: "must be a whole number, 1 or more"})
		}
	}
	pub, err := c.svc.GetDefinition(r.Context(), sub, r.PathValue("sid"), version)
	if err != nil {
		return err
	}
	by := c.name(r.Context(), sub, pub.PublishedBy)
	if pub.Builtin {
		by = "Built into dbtp"
	}
	p := definitionPage{Published: pub, Source: string(pub.Source), Details: []web.SummaryRow{
		{Key: "ID", Value: pub.Def.ID},
		{Key: "Version", Value: strconv.Itoa(pub.Def.Version)},
		{Key: "Reference prefix", Value: pub.Def.ReferencePrefix},
		{Key: "Owning business unit", Value: pub.Def.OwnerUnit},
		{Key: "Published", Value: dateTime(pub.PublishedAt)},
		{Key: "Published by", Value: by},
	}}
	for v := pub.Def.Version - 1; v >= 1; v-- {
		p.Details = append(p.Details, web.SummaryRow{Key: "Earlier version", Value: "Version " + strconv.Itoa(v),
			Href: fmt.Sprintf("/services/admin/%s?version=%d", pub.Def.ID, v), ActionText: "View"})
	}
	return web.Render(w, r, http.StatusOK, "console/definition", p)
}

// upload publishes a definition from a file or pasted text. Every problem
// the loader finds is listed with its line, and nothing is published
// unless there are none.
func (c *console) upload(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r, platform.RoleAdmin)
	if err != nil {
		return err
	}
	src := []byte(r.PostFormValue("source"))
	name := "pasted text"
	if fh, hdr, ferr := r.FormFile("file"); ferr == nil {
		defer fh.Close()
		b, err := io.ReadAll(io.LimitReader(fh, definition.MaxSize+1))
		if err != nil {
			return platform.Internal(err)
		}
		if len(b) > 0 {
			src, name = b, hdr.Filename
		}
	}
	fail := func(msg string, fields ...platform.FieldError) error {
		form := web.FormErrors(r, platform.Invalid(msg, fields...))
		if len(fields) == 0 {
			form.Message = msg
		}
		return c.renderDefinitions(w, r, form, http.StatusUnprocessableEntity)
	}
	switch {
	case len(strings.TrimSpace(string(src))) == 0:
		return fail("", platform.FieldError{Field: "file", Message: "Choose a YAML file or paste the definition"})
	case len(src) > definition.MaxSize:
		return fail("", platform.FieldError{Field: "file", Message: "The definition must be smaller than 1 MB"})
	}
	def, err := definition.Parse(src, name)
	var verr *definition.ValidationError
	if errors.As(err, &verr) {
		fields := make([]platform.FieldError, len(verr.Problems))
		for i, pr := range verr.Problems {
			msg := fmt.Sprintf("Line %d", pr.Line)
			if pr.Path != "" {
				msg += ", " + pr.Path
			}
			// Every problem points at the pasted text, the one input an
			// author can correct on this page.
			fields[i] = platform.FieldError{Field: "source", Message: msg + ": " + pr.Message}
		}
		return fail("", fields...)
	}
	if err != nil {
		return fail("", platform.FieldError{Field: "source", Message: err.Error()})
	}
	pub, err := c.svc.PublishDefinition(r.Context(), sub, def, src)
	if err != nil {
		switch platform.CodeOf(err) {
		case platform.CodeInvalid, platform.CodeConflict, platform.CodeNotFound:
			e := platform.AsError(err)
			var fields []platform.FieldError
			for _, f := range e.Fields {
				fields = append(fields, platform.FieldError{Field: "source", Message: f.Field + ": " + f.Message})
			}
			if len(fields) == 0 {
				fields = []platform.FieldError{{Field: "source", Message: e.Message}}
			}
			return fail("", fields...)
		}
		return err
	}
	web.SetFlash(w, r, fmt.Sprintf("Published %s version %d", pub.Def.Title, pub.Def.Version))
	http.Redirect(w, r, "/services/admin/"+pub.Def.ID, http.StatusSeeOther)
	return nil
}
