package portal

import (
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// A service's public register (definition public_register): its cases with
// their public answers, to anyone, signed in or not. The forward plan of key
// decisions and their decision notices are one.

type registerRow struct {
	Reference, Href, Title, Status, Updated string
	Answers                                 []answerRow
}

type registerPage struct {
	Title, Summary, Base string
	Rows                 []registerRow
	Pages                web.Pagination
}

type registerEntryPage struct {
	Register, Base string
	Row            registerRow
}

func (p *portal) register(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	id := r.PathValue("service")
	def, entries, next, err := p.svc.PublicRegister(r.Context(), sub.OrgID, id, r.URL.Query().Get("cursor"), 50)
	if err != nil {
		return err
	}
	base := "/registers/" + url.PathEscape(def.ID)
	d := registerPage{Title: def.PublicRegister.Title, Summary: def.PublicRegister.Summary, Base: base}
	for _, e := range entries {
		d.Rows = append(d.Rows, registerRowOf(base, e))
	}
	if next != "" {
		d.Pages.Next = base + "?cursor=" + url.QueryEscape(next)
	}
	return web.Render(w, r, http.StatusOK, "portal/register", d)
}

func (p *portal) registerEntry(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	id := r.PathValue("service")
	e, err := p.svc.PublicCase(r.Context(), sub.OrgID, id, r.PathValue("reference"))
	if err != nil {
		return err
	}
	base := "/registers/" + url.PathEscape(id)
	return web.Render(w, r, http.StatusOK, "portal/register-entry",
		registerEntryPage{Register: e.Def.PublicRegister.Title, Base: base, Row: registerRowOf(base, e)})
}

// registerRowOf shows an entry's public answers in the definition's order,
// named as the register names them; the register's label field titles it.
func registerRowOf(base string, e services.PublicEntry) registerRow {
	row := registerRow{Reference: e.Reference, Href: base + "/" + url.PathEscape(e.Reference), Status: e.State, Updated: showDate(e.UpdatedAt)}
	for i := range e.Def.Fields {
		f := &e.Def.Fields[i]
		v, ok := e.Answers[f.ID]
		if !ok {
			continue
		}
		lines := forms.DisplayLines(f, v)
		if f.ID == e.Def.PublicRegister.Label && len(lines) > 0 {
			row.Title = lines[0]
		}
		key := f.Label
		if f.PublicLabel != "" {
			key = f.PublicLabel
		}
		row.Answers = append(row.Answers, answerRow{Key: key, Lines: lines})
	}
	if row.Title == "" {
		row.Title = e.Reference
	}
	return row
}
