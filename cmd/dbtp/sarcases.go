package main

import (
	"context"
	"slices"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/records/recordsweb"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/services/servicesweb"
)

// sarCases adapts the services engine to the records module's subject
// access workspace (recordsweb.SARCases). The request is a case of the
// built-in subject-access-request service; the names below are its field
// and transition IDs, which a council's own version of it must keep.
type sarCases struct{ svc *servicesweb.Module }

const (
	sarService    = "subject-access-request"
	sarRelease    = "release"         // the move that sends the bundle
	sarBundle     = "response_bundle" // the file the requester is given
	sarMaxListing = 200
)

func (c sarCases) engine() (*services.Service, error) {
	if eng := c.svc.Engine(); eng != nil {
		return eng, nil
	}
	return nil, platform.NotFound("the services engine")
}

func (c sarCases) SARRequests(ctx context.Context, sub *platform.Subject) ([]recordsweb.SARRequest, error) {
	eng, err := c.engine()
	if err != nil {
		return nil, err
	}
	// Soonest due first; closed requests have no clock and come last.
	page, err := eng.Search(ctx, sub, services.CaseFilter{Service: sarService, Sort: services.SortDue}, "", sarMaxListing)
	if err != nil {
		return nil, err
	}
	out := make([]recordsweb.SARRequest, 0, len(page.Cases))
	for _, cs := range page.Cases {
		def, err := eng.PinnedDefinition(ctx, cs)
		if err != nil {
			return nil, err
		}
		out = append(out, request(def, cs))
	}
	return out, nil
}

// request is what a case says about a request without its answers.
func request(def *definition.Definition, cs services.Case) recordsweb.SARRequest {
	r := recordsweb.SARRequest{ID: cs.ID, Reference: cs.Reference, Href: "/cases/" + cs.ID, State: cs.State, Status: cs.State, Open: !cs.Terminal,
		UnitID: cs.UnitID, Version: cs.Version, Received: cs.SubmittedAt, DueAt: cs.DueAt, AtRiskAt: cs.AtRiskAt, Summary: cs.Summary, Retention: def.Retention}
	for _, st := range def.Workflow.States {
		if st.ID == cs.State {
			r.Status = st.Label
		}
	}
	if dl := def.Workflow.Deadline; dl != nil && dl.Extension != nil {
		if t := def.Transition(dl.Extension.Transition); t != nil {
			r.Extended = cs.State == t.To
		}
	}
	return r
}

func (c sarCases) SARRequest(ctx context.Context, sub *platform.Subject, caseID string) (recordsweb.SARRequest, error) {
	eng, err := c.engine()
	if err != nil {
		return recordsweb.SARRequest{}, err
	}
	cs, err := eng.GetCase(ctx, sub, caseID)
	if err != nil {
		return recordsweb.SARRequest{}, err
	}
	if cs.ServiceID != sarService {
		return recordsweb.SARRequest{}, platform.NotFound("subject access request")
	}
	def, err := eng.PinnedDefinition(ctx, cs)
	if err != nil {
		return recordsweb.SARRequest{}, err
	}
	r := request(def, cs)
	text := func(id string) string { s, _ := cs.Answers[id].(string); return strings.TrimSpace(s) }
	r.Person = records.SARPerson{Names: []string{text("name")}, BirthDate: text("birth_date"), UserID: cs.ApplicantID}
	for _, n := range strings.Split(text("other_names"), ",") {
		if n = strings.TrimSpace(n); n != "" {
			r.Person.Names = append(r.Person.Names, n)
		}
	}
	for _, id := range []string{"email", "phone"} {
		if v := text(id); len(v) >= 4 {
			r.Person.Identifiers = append(r.Person.Identifiers, v)
		}
	}
	if f := def.Field("address"); f != nil {
		r.Address = strings.Join(forms.DisplayLines(f, cs.Answers["address"]), ", ")
	}
	r.Wants = text("details")
	moves, err := eng.AllowedTransitions(ctx, sub, cs)
	if err != nil {
		return recordsweb.SARRequest{}, err
	}
	r.CanRelease = slices.ContainsFunc(moves, func(t definition.Transition) bool { return t.ID == sarRelease })
	if f, ok := services.AnswerFile(cs.Answers[sarBundle]); ok {
		atts, err := eng.ListAttachments(ctx, sub, cs.ID)
		if err != nil {
			return recordsweb.SARRequest{}, err
		}
		for _, a := range atts {
			if a.ID == f.ID {
				r.Released = &recordsweb.ReleaseFile{AttachmentID: a.ID, Name: a.Name, BlobID: a.SHA256, Size: a.Size}
			}
		}
	}
	return r, nil
}

func (c sarCases) CasesAbout(ctx context.Context, sub *platform.Subject, p records.SARPerson, requestID string) ([]recordsweb.CaseContent, error) {
	eng, err := c.engine()
	if err != nil {
		return nil, err
	}
	found, err := eng.CasesAbout(ctx, sub, services.PersonQuery{UserID: p.UserID, Names: p.Names, BirthDate: p.BirthDate, Exclude: []string{requestID}})
	if err != nil {
		return nil, err
	}
	out := make([]recordsweb.CaseContent, 0, len(found))
	for _, f := range found {
		cs := f.Case
		def, err := eng.PinnedDefinition(ctx, cs)
		if err != nil {
			return nil, err
		}
		cc := recordsweb.CaseContent{ID: cs.ID, Reference: cs.Reference, Service: cs.Title, Why: f.Why, UnitID: cs.UnitID,
			Classification: cs.Classification, ApplicantID: cs.ApplicantID, Submitted: cs.SubmittedAt, Status: request(def, cs).Status}
		// Every answer, staff's too: all of it is about the person until
		// the officer decides otherwise.
		for i := range def.Fields {
			fd := &def.Fields[i]
			if lines := forms.DisplayLines(fd, cs.Answers[fd.ID]); len(lines) > 0 {
				cc.Answers = append(cc.Answers, pdfs.CaseAnswer{Label: fd.Label, Lines: lines})
			}
		}
		notes, err := eng.ListNotes(ctx, sub, cs.ID)
		if err != nil {
			return nil, err
		}
		for _, n := range notes {
			audience := "Internal note"
			if n.Visibility == services.ToApplicant {
				audience = "Message with the applicant"
			}
			cc.Messages = append(cc.Messages, pdfs.CaseMessage{At: n.CreatedAt, From: n.AuthorName, Audience: audience, Body: n.Body})
		}
		out = append(out, cc)
	}
	return out, nil
}

func (c sarCases) Release(ctx context.Context, sub *platform.Subject, caseID string, version int64, f recordsweb.ReleaseFile) error {
	eng, err := c.engine()
	if err != nil {
		return err
	}
	_, _, err = eng.Respond(ctx, sub, caseID, sarRelease, version, sarBundle, services.ResponseIn{AttachmentID: f.AttachmentID, Name: f.Name,
		MediaType: "application/pdf", BlobID: f.BlobID, Size: f.Size})
	return err
}
