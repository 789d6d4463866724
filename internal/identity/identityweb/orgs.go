package identityweb

import (
	"dbtp/internal/identity"
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// orgsPage is the data of identity/orgs.
type orgsPage struct {
	*web.Form
	HostAdmin bool
	Orgs      []orgRow         // every organisation, for host admins
	Own       []web.SummaryRow // the subject's own organisation, for everyone else
	Kinds     []web.Option
}

type orgRow struct {
	platform.Org
	KindText string
	Added    string
	Host     bool
}

var kindText = map[platform.OrgKind]string{
	platform.OrgCouncil:        "Council",
	platform.OrgTradingCompany: "Trading company",
	platform.OrgPartner:        "Partner",
}

func (ui *webUI) routeOrgs(rt *web.Router) {
	rt.Handle("GET /organisations", signedIn(ui.orgs))
	rt.Handle("POST /organisations", signedIn(ui.createOrg))
}

func (ui *webUI) renderOrgs(w http.ResponseWriter, r *http.Request, sub *platform.Subject, status int, f *web.Form) error {
	ctx := r.Context()
	hostAdmin, hostID, err := ui.s.HostAdmin(ctx, sub)
	if err != nil {
		return err
	}
	page := orgsPage{Form: f, HostAdmin: hostAdmin}
	if !hostAdmin {
		o, err := ui.s.GetOrg(ctx, sub, sub.OrgID)
		if err != nil {
			return err
		}
		page.Own = []web.SummaryRow{
			{Key: "Name", Value: o.Name},
			{Key: "Short name", Value: o.Slug},
			{Key: "Kind", Value: kindText[o.Kind]},
			{Key: "Added", Value: dateText(o.CreatedAt)},
		}
		return web.Render(w, r, status, "identity/orgs", page)
	}
	orgs, err := ui.s.ListOrgs(ctx, sub)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		page.Orgs = append(page.Orgs, orgRow{Org: o, KindText: kindText[o.Kind], Added: dateText(o.CreatedAt), Host: o.ID == hostID})
	}
	for _, k := range []platform.OrgKind{platform.OrgCouncil, platform.OrgTradingCompany, platform.OrgPartner} {
		page.Kinds = append(page.Kinds, web.Option{Value: string(k), Text: kindText[k]})
	}
	if page.Form == nil {
		page.Form = web.NewForm(url.Values{"kind": {string(platform.OrgPartner)}})
	}
	return web.Render(w, r, status, "identity/orgs", page)
}

func (ui *webUI) orgs(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return ui.renderOrgs(w, r, sub, http.StatusOK, nil)
}

func (ui *webUI) createOrg(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	o, err := ui.s.CreateOrg(r.Context(), sub, identity.NewOrg{Slug: r.PostFormValue("slug"), Name: r.PostFormValue("name"), Kind: platform.OrgKind(r.PostFormValue("kind"))})
	if about(err) {
		return ui.renderOrgs(w, r, sub, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/organisations", o.Name+" added")
}
