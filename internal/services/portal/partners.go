package portal

import (
	"context"
	"net/http"
	"net/url"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/web"
)

// Partners work with the council under data-sharing agreements: on
// /partners they start the services an agreement names (an NHS referral to
// adult social care) and follow what they referred. Every page acts with
// the subject services.ActUnder makes, in the council's organisation with
// the partner role alone, and says whose organisation the person acts for
// and where what they send goes.

type sharedService struct {
	Title, Summary, Href string
}

type sharedAgreement struct {
	Title, Host, Until string
	Services           []sharedService
}

type referralRow struct {
	Reference, Href, Service, Status, Submitted, Host string
}

type partnersPage struct {
	Org        string
	Agreements []sharedAgreement
	Referrals  []referralRow
}

// orgName names an organisation for pages, or "" when unknown.
func (p *portal) orgName(ctx context.Context, id string) string {
	if p.opts.OrgName == nil {
		return ""
	}
	return p.opts.OrgName(ctx, id)
}

// partners lists what a partner may start under each agreement in force,
// and what they have referred.
func (p *portal) partners(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	if !sub.HasRole(platform.RolePartner) {
		return platform.Errorf(platform.CodeForbidden, "This page is for partner organisations working with the council.")
	}
	agreements, err := p.svc.PartnerAgreements(ctx, sub)
	if err != nil {
		return err
	}
	mine := p.orgName(ctx, sub.OrgID)
	d := partnersPage{Org: mine}
	for _, a := range agreements {
		as, _, err := p.svc.ActUnder(ctx, sub, a.ID, mine)
		if err != nil {
			return err
		}
		host := p.orgName(ctx, a.OrgID)
		sa := sharedAgreement{Title: a.Title, Host: host, Until: showDate(a.EndsAt)}
		for _, id := range a.Services {
			pub, err := p.svc.GetDefinition(ctx, as, id, 0)
			if err != nil || !services.CanStart(as, pub.Def) || len(pub.Def.Pages) == 0 {
				continue // withdrawn since the agreement was made
			}
			sa.Services = append(sa.Services, sharedService{Title: pub.Def.Title, Summary: pub.Def.Summary,
				Href: "/partners/" + a.ID + "/" + pub.Def.ID + "/start"})
		}
		d.Agreements = append(d.Agreements, sa)
		page, err := p.svc.Search(ctx, as, services.CaseFilter{Applicant: sub.UserID, Sort: services.SortNewest}, "", 100)
		if err != nil {
			return err
		}
		for _, c := range page.Cases {
			d.Referrals = append(d.Referrals, referralRow{Reference: c.Reference, Href: "/partners/" + a.ID + "/referrals/" + c.Reference,
				Service: c.Title, Status: p.stateLabel(ctx, c), Submitted: showDate(c.SubmittedAt), Host: host})
		}
	}
	return web.Render(w, r, http.StatusOK, "portal/partners", d)
}

// partnerJourney is a partner filling in a shared service under agreement.
func (p *portal) partnerJourney(r *http.Request, sub *platform.Subject) (*journey, error) {
	ctx := r.Context()
	dsa := r.PathValue("dsa")
	as, a, err := p.svc.ActUnder(ctx, sub, dsa, p.orgName(ctx, sub.OrgID))
	if err != nil {
		return nil, err
	}
	id := r.PathValue("id")
	if !a.Covers(id) {
		return nil, platform.Errorf(platform.CodeForbidden, "Your organisation's data-sharing agreement does not cover this service.")
	}
	def, err := p.definition(ctx, as, id)
	if err != nil {
		return nil, err
	}
	if !services.CanStart(as, def) {
		return nil, platform.Errorf(platform.CodeForbidden, "This service is not open to partners.")
	}
	j := &journey{sub: as, def: def, base: "/partners/" + url.PathEscape(dsa) + "/" + def.ID}
	j.under = "You are acting for " + p.orgName(ctx, sub.OrgID) + " under the data-sharing agreement “" + a.Title +
		"”. What you send goes to " + p.orgName(ctx, a.OrgID) + "."
	return j, nil
}

func (p *portal) partnerPost(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	j, err := p.partnerJourney(r, sub)
	if err != nil {
		return err
	}
	switch r.PathValue("action") {
	case "check-answers":
		return p.submit(w, r, j)
	case "delete-draft":
		return p.deleteDraft(w, r, j)
	}
	return platform.NotFound("page")
}

// referral shows a partner one of their referrals (status, the council's
// response and messages) and takes their reply, as a resident's request
// page does.
func (p *portal) referral(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	as, _, err := p.svc.ActUnder(ctx, sub, r.PathValue("dsa"), p.orgName(ctx, sub.OrgID))
	if err != nil {
		return err
	}
	ref := r.PathValue("ref")
	base := "/partners/" + url.PathEscape(r.PathValue("dsa")) + "/referrals/" + url.PathEscape(ref)
	if r.Method == http.MethodPost {
		c, err := p.svc.FindByReference(ctx, as, ref)
		if err != nil {
			return err
		}
		_, err = p.svc.AddNote(ctx, as, c.ID, r.PostFormValue("text"), services.ToApplicant)
		if about(err) {
			return p.trackAt(w, r, as, ref, base, web.StatusOf(err), web.FormErrors(r, err))
		}
		if err != nil {
			return err
		}
		return seeOther(w, r, base, "Your message has been sent")
	}
	return p.trackAt(w, r, as, ref, base, http.StatusOK, nil)
}
