package main

import (
	"context"
	"net/url"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/postweb"
	"dbtp/internal/services"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/signing"
)

// wirePost builds the digital post module and connects it with the
// services module: the workflow's email goes through post (a notification
// with a status, on the case), case pages list the messages sent, and
// post's "send a message from a case" reads the case. Modules never
// import each other; these adapters translate. Engines are looked up at
// each call, as they are built during the modules' Init.
func wirePost(a *app, svc *servicesweb.Module) *postweb.Module {
	pm := &postweb.Module{}
	svc.Post = postOffice{pm: pm, svc: svc}
	pm.UseCases(postCases{svc: svc, a: a})
	return pm
}

// postOffice is digital post as services.Post.
type postOffice struct {
	pm  *postweb.Module
	svc *servicesweb.Module
}

// caseUnit is the business unit of the case a message is about, whose
// case updates service sends it; the message's own (a queue's) else.
func (p postOffice) caseUnit(ctx context.Context, m services.Message) string {
	if eng := p.svc.Engine(); eng != nil && m.CaseID != "" {
		if cs, err := eng.GetCase(ctx, platform.System(m.OrgID), m.CaseID); err == nil {
			return cs.UnitID
		}
	}
	return m.To.UnitID
}

func (p postOffice) SendEmail(ctx context.Context, m services.Message, to string) error {
	ps := p.pm.Store()
	if ps == nil {
		return platform.NotFound("digital post")
	}
	person := ""
	if m.To.Kind == services.ToUser {
		person = m.To.Value
	}
	_, err := ps.SendCaseEmail(ctx, post.CaseEmail{MessageID: m.ID, OrgID: m.OrgID, CaseID: m.CaseID, UnitID: p.caseUnit(ctx, m), Reference: m.Reference, PersonID: person,
		To: to, Subject: m.Subject, Body: m.Body})
	return err
}

func (p postOffice) CaseMessages(ctx context.Context, sub *platform.Subject, caseID string) ([]services.CaseMessage, error) {
	ps := p.pm.Store()
	if ps == nil {
		return nil, nil
	}
	ms, err := ps.CaseMessages(ctx, sub, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]services.CaseMessage, 0, len(ms))
	for _, m := range ms {
		// Each links to its page in post, where staff who may read the
		// sending service see what was sent and its history.
		out = append(out, services.CaseMessage{ID: m.ID, Kind: m.Kind, To: m.To, Subject: m.Subject, Status: m.Status, Sender: m.Service,
			CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt, URL: "/post/messages/" + url.PathEscape(m.ID)})
	}
	return out, nil
}

func (p postOffice) MessagesTo(ctx context.Context, sub *platform.Subject, caseID string) ([]services.CaseMessage, error) {
	ps := p.pm.Store()
	if ps == nil {
		return nil, nil
	}
	ms, err := ps.MessagesToPerson(ctx, sub, caseID)
	if err != nil {
		return nil, err
	}
	out := make([]services.CaseMessage, 0, len(ms))
	for _, m := range ms {
		// Each links to the person's own page of it (a letter as its PDF).
		out = append(out, services.CaseMessage{ID: m.ID, Kind: m.Kind, Subject: m.Subject, Excerpt: m.Excerpt, Status: m.Status, CreatedAt: m.CreatedAt,
			URL: "/post/sent/" + url.PathEscape(m.ID)})
	}
	return out, nil
}

// postTexts is digital post's SMS as the signing module sends its
// one-time codes: through the organisation's "Electronic signatures"
// sending service, delivered by the SMS provider.
type postTexts struct{ pm *postweb.Module }

func (p postTexts) SendText(ctx context.Context, t signing.Text) error {
	ps := p.pm.Store()
	if ps == nil {
		return platform.NotFound("digital post")
	}
	_, err := ps.SendPlatformText(ctx, post.PlatformText{MessageID: t.Key, OrgID: t.OrgID, Service: "Electronic signatures", To: t.To, Body: t.Body,
		Reference: t.Reference})
	return err
}

func (p postOffice) SendURL(caseID string) string {
	return "/post/send?case=" + url.QueryEscape(caseID)
}

// postCases is the services engine as post's send page reads cases.
type postCases struct {
	svc *servicesweb.Module
	a   *app
}

func (c postCases) CaseForPost(ctx context.Context, sub *platform.Subject, caseID string) (postweb.CaseInfo, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return postweb.CaseInfo{}, platform.NotFound("the services engine")
	}
	cs, err := eng.GetCase(ctx, sub, caseID)
	if err != nil {
		return postweb.CaseInfo{}, err
	}
	info := postweb.CaseInfo{ID: cs.ID, Reference: cs.Reference, PersonID: cs.ApplicantID, Email: cs.ApplicantEmail,
		Service: cs.Title, SubmittedAt: cs.SubmittedAt, DueAt: cs.DueAt, RequestPath: "/services/track"}
	if cs.ApplicantID != "" {
		// Their own page about it, once signed in; someone who applied
		// without an account finds it by reference and email instead.
		info.RequestPath = "/services/requests/" + url.PathEscape(cs.Reference)
	}
	if cs.Terminal {
		info.DueAt = time.Time{}
	}
	if cs.ApplicantID != "" && c.a.identity != nil {
		if p, err := c.a.identity.Directory().Person(ctx, sub, cs.ApplicantID); err == nil {
			info.PersonName = p.Name
			if info.Email == "" {
				info.Email = p.Email
			}
		}
	}
	return info, nil
}
