package workplaceweb

import (
	"fmt"
	"net/http"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// Importing devices through the pages: a CSV upload (with an example file
// to start from) and, when Intune is set up, an import from Intune. The
// result says what was added and updated; a refused file lists every
// problem with its row and column, and nothing of it is applied.

type importPage struct {
	*web.Form
	Header string
	Intune bool
	Result *workplace.ImportResult
	Source string
}

func (p *assetsPart) importForm(r *http.Request, f *web.Form) (importPage, error) {
	sub, err := staff(r)
	if err != nil {
		return importPage{}, err
	}
	if !workplace.CanKeep(sub) {
		return importPage{}, platform.Errorf(platform.CodeForbidden, "Only workplace managers import devices")
	}
	return importPage{Form: f, Header: strings.Join(workplace.CSVHeader, ","), Intune: p.intune != nil}, nil
}

func (p *assetsPart) importPage(w http.ResponseWriter, r *http.Request) error {
	pg, err := p.importForm(r, web.NewForm(nil))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/devices_import", pg)
}

// exampleCSV is a file to start from: the header and two devices.
func (p *assetsPart) exampleCSV(w http.ResponseWriter, r *http.Request) error {
	if _, err := staff(r); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="devices-example.csv"`)
	_, err := fmt.Fprintf(w, "%s\r\n%s\r\n%s\r\n", strings.Join(workplace.CSVHeader, ","),
		"5CG1234XYZ,laptop,KCC-L-01234,HP,EliteBook 840 G9,Windows,11 23H2,yes,compliant,2026-03-02,corporate,jo.baker@example.org",
		"F2LXK0Q1N72J,mobile,,Apple,iPhone 13,iOS,17.4,yes,noncompliant,2026-02-20T09:15:00Z,corporate,")
	return err
}

func (p *assetsPart) importDevices(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pg, err := p.importForm(r, web.NewForm(nil))
	if err != nil {
		return err
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		pg.Form = web.FormErrors(r, platform.Invalid("Choose a file", platform.FieldError{Field: "file", Message: "Choose a CSV file to upload"}))
		return web.Render(w, r, http.StatusUnprocessableEntity, "workplace/devices_import", pg)
	}
	defer file.Close()
	res, err := p.a.ImportCSV(r.Context(), sub, file)
	if platform.CodeOf(err) == platform.CodeInvalid {
		pg.Form = web.FormErrors(r, err)
		return web.Render(w, r, http.StatusUnprocessableEntity, "workplace/devices_import", pg)
	}
	if err != nil {
		return err
	}
	pg.Result, pg.Source = &res, "the file"
	return web.Render(w, r, http.StatusOK, "workplace/devices_import", pg)
}

func (p *assetsPart) importIntune(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pg, err := p.importForm(r, web.NewForm(nil))
	if err != nil {
		return err
	}
	res, err := p.a.ImportIntune(r.Context(), sub, p.intune)
	if assetsShownAgain(err) {
		pg.Form = web.FormErrors(r, err)
		return web.Render(w, r, assetsStatus(err), "workplace/devices_import", pg)
	}
	if err != nil {
		return err
	}
	pg.Result, pg.Source = &res, "Intune"
	return web.Render(w, r, http.StatusOK, "workplace/devices_import", pg)
}
