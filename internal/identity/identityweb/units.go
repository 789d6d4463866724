package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// unitsPage is the data of identity/units.
type unitsPage struct {
	*web.Form
	Units []identity.Unit
}

// unitPage is the data of identity/unit (rename) and identity/unit-delete.
type unitPage struct {
	*web.Form
	Unit identity.Unit
}

func (ui *webUI) routeUnits(rt *web.Router) {
	rt.Handle("GET /business-units", signedIn(ui.units))
	rt.Handle("POST /business-units", signedIn(ui.createUnit))
	rt.Handle("GET /business-units/{id}", signedIn(ui.unitForm))
	rt.Handle("POST /business-units/{id}", signedIn(ui.renameUnit))
	rt.Handle("GET /business-units/{id}/delete", signedIn(ui.unitDeleteForm))
	rt.Handle("POST /business-units/{id}/delete", signedIn(ui.deleteUnit))
}

func (ui *webUI) renderUnits(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	ctx := r.Context()
	if err := ui.requireAdmin(ctx, sub, "business_unit"); err != nil {
		return err
	}
	units, err := ui.s.ListUnits(ctx, sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, status, "identity/units", unitsPage{Form: f, Units: units})
}

func (ui *webUI) units(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderUnits(w, r, sub, http.StatusOK, nil)
}

func (ui *webUI) createUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	u, err := ui.s.CreateUnit(r.Context(), sub, r.PostFormValue("name"))
	if about(err) {
		return ui.renderUnits(w, r, sub, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/business-units", u.Name+" added")
}

// renderUnit shows the rename or delete page of one unit of the subject's
// organisation; any other ID is not found.
func (ui *webUI) renderUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject, name string, status int, f *web.Form) error {
	ctx := r.Context()
	if err := ui.requireAdmin(ctx, sub, "business_unit"); err != nil {
		return err
	}
	u, err := ui.s.GetUnit(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(url.Values{"name": {u.Name}})
	}
	return web.Render(w, r, status, name, unitPage{Form: f, Unit: u})
}

func (ui *webUI) unitForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderUnit(w, r, sub, "identity/unit", http.StatusOK, nil)
}

func (ui *webUI) renameUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	u, err := ui.s.RenameUnit(r.Context(), sub, r.PathValue("id"), r.PostFormValue("name"))
	if about(err) {
		return ui.renderUnit(w, r, sub, "identity/unit", web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/business-units", "Business unit renamed to "+u.Name)
}

func (ui *webUI) unitDeleteForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderUnit(w, r, sub, "identity/unit-delete", http.StatusOK, &web.Form{})
}

func (ui *webUI) deleteUnit(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	u, err := ui.s.GetUnit(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	err = ui.s.DeleteUnit(ctx, sub, u.ID)
	if about(err) {
		return ui.renderUnit(w, r, sub, "identity/unit-delete", web.StatusOf(err), &web.Form{Message: platform.AsError(err).Message})
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/business-units", u.Name+" deleted")
}
