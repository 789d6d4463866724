package recordsweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/web"
)

// The subject access workspace: /records/sars lists the requests, and
// /records/sars/{case} is where one is answered. Everything is done as the
// officer: the services module decides which requests and cases they see,
// the records module which records, and the SAR policy whether they work
// on requests at all (records managers, and the unit answering it).

type sarHandlers struct {
	*handlers
	sars    SARCases
	council string
	now     func() time.Time
}

func (h *sarHandlers) routes(rt *web.Router) {
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(f))
	}
	page("GET /records/sars", h.list)
	page("POST /records/sars/{case}/find", h.find)
	page("POST /records/sars/{case}/release", h.release)
	page("GET /records/sars/{case}/{item}", h.itemPage)
	page("POST /records/sars/{case}/{item}/decide", h.decide)
	page("POST /records/sars/{case}/{item}/redact", h.redact)
	page("GET /records/sars/{case}/{item}/preview/{n}", h.preview) // not .../pages/{n}: that would clash with /records/{id}/versions/{n}/pages/{p}
}

// docSubpage is GET /records/{id}/{page}: a document's edit page, or, for
// /records/sars/{case}, a request's workspace. http.ServeMux refuses
// "/records/sars/{case}" beside "/records/{id}/edit" (both would match
// /records/sars/edit), so one pattern is registered and dispatched here.
func (h *handlers) docSubpage(w http.ResponseWriter, r *http.Request) error {
	switch {
	case r.PathValue("id") == "sars" && h.sar != nil:
		return h.sar.workspace(w, r, http.StatusOK, nil)
	case r.PathValue("page") == "edit":
		return h.editForm(w, r)
	}
	return platform.NotFound("page")
}

// formError reports whether err is about what was typed, to show on the form.
func formError(err error) bool {
	c := platform.CodeOf(err)
	return c == platform.CodeInvalid || c == platform.CodeTooLarge
}

func sarURL(caseID string) string { return "/records/sars/" + url.PathEscape(caseID) }

type sarListRow struct {
	SARRequest
	ClockText, ClockTag, Progress string
}

func (h *sarHandlers) list(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	reqs, err := h.sars.SARRequests(ctx, sub)
	if err != nil {
		return err
	}
	ids := make([]string, len(reqs))
	for i, q := range reqs {
		ids[i] = q.ID
	}
	sums, err := h.rs.SARSummaries(ctx, sub, ids)
	if err != nil {
		return err
	}
	rows := make([]sarListRow, len(reqs))
	for i, q := range reqs {
		row := sarListRow{SARRequest: q}
		row.ClockText, row.ClockTag = q.Clock(h.now())
		switch s, ok := sums[q.ID]; {
		case ok && !s.ReleasedAt.IsZero():
			row.Progress = "Released " + s.ReleasedAt.Format("2 January 2006")
		case ok && !s.SearchedAt.IsZero():
			row.Progress = fmt.Sprintf("%d found, %d to review", s.Items, s.Pending)
		default:
			row.Progress = "Not searched yet"
		}
		rows[i] = row
	}
	return web.Render(w, r, http.StatusOK, "records/sars", struct{ Rows []sarListRow }{rows})
}

// sarRow is an item as the workspace lists it.
type sarRow struct {
	*records.SARItem
	Href string
}

type sarPage struct {
	*web.Form
	Req                SARRequest
	SAR                *records.SAR
	ClockText          string
	ClockTag           string
	Items              []sarRow
	Pending, Included  int
	Excluded, Redacted int
	Open               bool // the search and review may go on
	Confirm            []web.Option
}

// open loads a request as sub sees it and its workspace.
func (h *sarHandlers) open(ctx context.Context, sub *platform.Subject, caseID string) (SARRequest, *records.SAR, []*records.SARItem, error) {
	req, err := h.sars.SARRequest(ctx, sub, caseID)
	if err != nil {
		return req, nil, nil, err
	}
	if _, err := h.rs.OpenSAR(ctx, sub, req.ID, req.Reference, req.UnitID, req.Person); err != nil {
		return req, nil, nil, err
	}
	sar, items, err := h.rs.SAR(ctx, sub, req.ID)
	return req, sar, items, err
}

func (h *sarHandlers) workspace(w http.ResponseWriter, r *http.Request, status int, form *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	caseID := r.PathValue("page")
	if caseID == "" {
		caseID = r.PathValue("case")
	}
	req, sar, items, err := h.open(r.Context(), sub, caseID)
	if err != nil {
		return err
	}
	p := sarPage{Form: form, Req: req, SAR: sar, Open: req.Open && !sar.Released(),
		Confirm: []web.Option{{Value: "yes", Text: "I have reviewed every item included, and its redactions"}}}
	p.ClockText, p.ClockTag = req.Clock(h.now())
	if p.Form == nil {
		p.Form = web.NewForm(url.Values{"names": {strings.Join(sar.Person.Names, "\n")}, "birth_date": {sar.Person.BirthDate},
			"identifiers": {strings.Join(sar.Person.Identifiers, "\n")}})
	}
	for _, it := range items {
		p.Items = append(p.Items, sarRow{SARItem: it, Href: sarURL(req.ID) + "/" + url.PathEscape(it.ID)})
		switch it.Decision {
		case records.DecisionPending:
			p.Pending++
		case records.DecisionInclude:
			p.Included++
			if it.Redacted() {
				p.Redacted++
			}
		case records.DecisionExclude:
			p.Excluded++
		}
	}
	return web.Render(w, r, status, "records/sar", p)
}

// personFrom reads who to look for from the workspace's form.
func personFrom(r *http.Request, req SARRequest) records.SARPerson {
	lines := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	}
	return records.SARPerson{Names: lines(r.PostFormValue("names")), BirthDate: r.PostFormValue("birth_date"),
		Identifiers: lines(r.PostFormValue("identifiers")), UserID: req.Person.UserID}
}

// find searches records and cases for the person and adds what is new.
func (h *sarHandlers) find(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, _, _, err := h.open(ctx, sub, r.PathValue("case"))
	if err != nil {
		return err
	}
	person := personFrom(r, req)
	added, err := h.search(ctx, sub, req, person)
	if formError(err) || platform.CodeOf(err) == platform.CodeConflict {
		return h.workspace(w, r, statusFor(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, fmt.Sprintf("Search done: %d new %s to review", added, map[bool]string{true: "item", false: "items"}[added == 1]))
	http.Redirect(w, r, sarURL(req.ID), http.StatusSeeOther)
	return nil
}

// search runs the finder: the cases about the person (set out as PDFs)
// from the services module, and the records.
func (h *sarHandlers) search(ctx context.Context, sub *platform.Subject, req SARRequest, person records.SARPerson) (int, error) {
	var found []records.FoundCase
	if len(person.Names) > 0 {
		cases, err := h.sars.CasesAbout(ctx, sub, person, req.ID)
		if err != nil {
			return 0, err
		}
		for _, c := range cases {
			pdf, err := pdfs.CasePDF(pdfs.CaseRecord{Council: h.council, Reference: c.Reference, Service: c.Service, Status: c.Status,
				Submitted: c.Submitted, Answers: c.Answers, Messages: c.Messages})
			if err != nil {
				return 0, err
			}
			found = append(found, records.FoundCase{ID: c.ID, Reference: c.Reference, Title: c.Service, Why: c.Why, UnitID: c.UnitID,
				Classification: c.Classification, ApplicantID: c.ApplicantID, Submitted: c.Submitted, PDF: pdf})
		}
	}
	return h.rs.FindForSAR(ctx, sub, req.ID, person, found)
}

// release sends the bundle: built from the included items, given to the
// requester with the request's move to released, filed as a declared
// record, and the workspace closed with an audit entry. A release whose
// case moved but whose filing failed is finished by asking again.
func (h *sarHandlers) release(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	req, sar, items, err := h.open(ctx, sub, r.PathValue("case"))
	if err != nil {
		return err
	}
	if sar.Released() {
		return platform.Errorf(platform.CodeConflict, "This request was answered on %s", sar.ReleasedAt.Format("2 January 2006"))
	}
	var b records.SARBundle
	f := req.Released
	if f == nil {
		// Not yet released: build and send it.
		if r.PostFormValue("confirm") != "yes" {
			return h.workspace(w, r, http.StatusUnprocessableEntity, web.FormErrors(r, platform.Invalid("Confirm the review",
				platform.FieldError{Field: "confirm", Message: "Confirm you have reviewed every item included, and its redactions"})))
		}
		if !req.Open || !req.CanRelease {
			return platform.Errorf(platform.CodeConflict, "This request is %s: it cannot be released now", strings.ToLower(req.Status))
		}
		b, err = h.rs.BuildSARBundle(ctx, sub, req.ID, "Information we hold about "+sar.Person.Names[0], h.council, req.Received)
		if formError(err) || platform.CodeOf(err) == platform.CodeForbidden {
			return h.workspace(w, r, statusFor(err), web.FormErrors(r, err))
		}
		if err != nil {
			return err
		}
		blobID, size, err := h.rs.PutSARBundle(ctx, sub, req.ID, b.PDF)
		if err != nil {
			return err
		}
		f = &ReleaseFile{AttachmentID: platform.NewID("att"), Name: req.Reference + " your information.pdf", BlobID: blobID, Size: size}
		if err := h.sars.Release(ctx, sub, req.ID, req.Version, *f); err != nil {
			return err
		}
	} else {
		// Sent, not yet filed: count what went out, from the decisions.
		for _, it := range items {
			if it.Decision == records.DecisionInclude {
				b.Items++
				if it.Redacted() {
					b.Redacted++
				}
			}
		}
	}
	doc, err := h.rs.FileSARBundle(ctx, sub, req.ID, records.BundleFiling{BlobID: f.BlobID, Size: f.Size, Name: f.Name,
		AttachmentID: f.AttachmentID, Retention: req.Retention})
	if err != nil {
		return err
	}
	if err := h.rs.MarkSARReleased(ctx, sub, req.ID, b, f.BlobID, doc.ID); err != nil {
		return err
	}
	msg := fmt.Sprintf("Released %d %s to %s and filed the bundle as a record", b.Items, map[bool]string{true: "item", false: "items"}[b.Items == 1], sar.Person.Names[0])
	if b.Gone > 0 {
		msg += fmt.Sprintf(". %d found were deleted before the release and are not in it", b.Gone)
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, sarURL(req.ID), http.StatusSeeOther)
	return nil
}
