package portal

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

type caseRow struct {
	Reference, Href, Service, Status, Submitted string
}

type draftRow struct {
	Service, Continue, Delete, Saved, Expires string
}

type requestsPage struct {
	Cases  []caseRow
	More   bool
	Drafts []draftRow
}

// requests lists the person's cases, newest first, and their saved drafts.
func (p *portal) requests(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ctx := r.Context()
	// A hundred requests is far more than a resident has; the rest are
	// reached by reference rather than by paging this list.
	page, err := p.svc.Search(ctx, sub, services.CaseFilter{Applicant: sub.UserID, Sort: services.SortNewest}, "", 100)
	if err != nil {
		return err
	}
	d := requestsPage{More: page.Next != ""}
	for _, c := range page.Cases {
		d.Cases = append(d.Cases, caseRow{Reference: c.Reference, Href: "/services/requests/" + c.Reference,
			Service: c.Title, Status: p.stateLabel(ctx, c), Submitted: showDate(c.SubmittedAt)})
	}
	drafts, err := p.svc.ListDrafts(ctx, sub)
	if err != nil {
		return err
	}
	for _, dr := range drafts {
		def, err := p.definition(ctx, sub, dr.ServiceID)
		if err != nil {
			continue // the service was withdrawn; its draft simply expires
		}
		j := &journey{sub: sub, def: def, base: "/services/" + def.ID}
		d.Drafts = append(d.Drafts, draftRow{Service: def.Title, Continue: p.resumeURL(j, dr.Answers, dr.Page),
			Delete: j.base + "/delete-draft", Saved: showDate(dr.UpdatedAt), Expires: showDate(dr.ExpiresAt)})
	}
	return web.Render(w, r, http.StatusOK, "portal/requests", d)
}

// stateLabel shows a case's state as its pinned definition names it.
func (p *portal) stateLabel(ctx context.Context, c services.Case) string {
	def, err := p.svc.PinnedDefinition(ctx, c)
	if err != nil {
		return c.State
	}
	return labelOf(def, c.State)
}

func labelOf(def *definition.Definition, state string) string {
	for _, st := range def.Workflow.States {
		if st.ID == state && st.Label != "" {
			return st.Label
		}
	}
	return state
}

type eventRow struct {
	When, Text string
}

type messageRow struct {
	When, From, Body string
	Mine             bool
}

// sentRow is a message the council sent the person about the case (an
// email, a text message or a letter), as their request page lists it.
type sentRow struct {
	When, Channel, Subject, Excerpt, Status string
	URL                                     string // the whole message's page, if post has one
}

type actionButton struct {
	ID, Label, Href string
}

type trackPage struct {
	*web.Form
	Case      services.Case
	Status    string
	Submitted string
	Events    []eventRow
	Messages  []messageRow
	Sent      []sentRow
	Actions   []actionButton
	Answers   []answerRow
	Response  []answerRow
	Action    string
	Reply     string // where a message is posted
	Back      string // the list this page came from
}

// track shows one of the person's cases. Another person's reference is
// "not found", exactly like a reference that does not exist.
func (p *portal) track(w http.ResponseWriter, r *http.Request, sub *platform.Subject, reference string, status int, f *web.Form) error {
	return p.trackAt(w, r, sub, reference, "/services/requests/"+reference, status, f)
}

// trackAt is track with the page's own address: a partner's referral is at
// /partners/{agreement}/referrals/{ref}, and a reply is posted to it.
func (p *portal) trackAt(w http.ResponseWriter, r *http.Request, sub *platform.Subject, reference, base string, status int, f *web.Form) error {
	ctx := r.Context()
	c, err := p.svc.FindByReference(ctx, sub, reference)
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(ctx, c)
	if err != nil {
		return err
	}
	events, err := p.svc.Timeline(ctx, sub, c.ID)
	if err != nil {
		return err
	}
	notes, err := p.svc.ListNotes(ctx, sub, c.ID)
	if err != nil {
		return err
	}
	allowed, err := p.svc.AllowedTransitions(ctx, sub, c)
	if err != nil {
		return err
	}
	d := trackPage{Form: f, Case: c, Status: labelOf(def, c.State), Submitted: showDate(c.SubmittedAt),
		Action: base, Reply: base + "/messages"}
	if sub.Agreement != "" {
		d.Reply, d.Back = base, "/partners"
	}
	for _, e := range events {
		if !e.ApplicantVisible || e.Kind == services.EventNote {
			continue // messages are listed in full below
		}
		d.Events = append(d.Events, eventRow{When: showTime(e.At), Text: eventText(def, e, sub.UserID)})
	}
	for _, n := range notes {
		if n.Visibility != services.ToApplicant {
			continue
		}
		from := "The council"
		mine := n.AuthorID == c.ApplicantID && n.AuthorID != "" && n.ActingFor == ""
		if mine {
			from = "You"
		}
		d.Messages = append(d.Messages, messageRow{When: showTime(n.CreatedAt), From: from, Body: n.Body, Mine: mine})
	}
	if p.opts.SentMessages != nil && c.ApplicantID == sub.UserID {
		// What digital post sent them about it, newest first. The page
		// is theirs whether or not post can answer.
		if sent, err := p.opts.SentMessages(ctx, sub, c.ID); err == nil {
			for i := len(sent) - 1; i >= 0; i-- {
				m := sent[i]
				d.Sent = append(d.Sent, sentRow{When: showTime(m.CreatedAt), Channel: sentChannels[m.Kind], Subject: m.Subject,
					Excerpt: m.Excerpt, Status: sentStatus(m.Kind, m.Status), URL: m.URL})
			}
		}
	}
	for _, t := range allowed {
		// The portal offers only the moves meant for the applicant; staff
		// use the console, where required fields can be asked for.
		if t.Applicant && c.ApplicantID == sub.UserID {
			d.Actions = append(d.Actions, actionButton{ID: t.ID, Label: t.Label, Href: d.Action + "/move/" + t.ID})
		}
	}
	opts := forms.Options{}
	for _, row := range forms.Summary(def, c.Answers, opts) {
		d.Answers = append(d.Answers, answerRow{Key: row.Label, Lines: row.Lines})
	}
	files := ""
	if base == "/services/requests/"+reference {
		files = base + "/files/" // the applicant's own download route
	}
	d.Response = response(def, c.Answers, files)
	return web.Render(w, r, status, "portal/track", d)
}

var sentChannels = map[string]string{"email": "Email", "sms": "Text message", "letter": "Letter"}

// sentStatus is a message's status (GOV.UK Notify's) in the words a
// resident needs: whether it reached them, and if not, whose move it is.
func sentStatus(kind, status string) string {
	if kind == "letter" {
		switch status {
		case "created", "sending", "pending", "accepted":
			return "Being printed"
		case "received", "delivered", "sent":
			return "Posted"
		}
	}
	switch status {
	case "created", "sending", "pending":
		return "Being sent"
	case "delivered", "sent":
		return "Delivered"
	case "permanent-failure":
		return "Not delivered: the address or number did not work"
	case "temporary-failure":
		return "Not delivered: your inbox or phone was not taking messages"
	case "technical-failure", "validation-failed":
		return "Not sent: a problem on our side"
	}
	return "Being sent"
}

// response is what staff have given the applicant in the fields the
// definition shares with them (a response, an outcome), as soon as given.
// A file given as a response links to files+its ID when files is set.
func response(def *definition.Definition, answers definition.Answers, files string) []answerRow {
	var rows []answerRow
	for i := range def.Fields {
		fd := &def.Fields[i]
		if fd.Internal && fd.SharedWithApplicant && answers[fd.ID] != nil {
			row := answerRow{Key: fd.Label, Lines: forms.DisplayLines(fd, answers[fd.ID])}
			if f, ok := services.AnswerFile(answers[fd.ID]); ok && files != "" && fd.Type == definition.TypeFile {
				row.Href = files + url.PathEscape(f.ID)
				row.Lines = []string{"Download " + f.Name + " (" + forms.FormatSize(f.Size) + ")"}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// responseFile sends the applicant a file given as a response, as a
// download (never shown inline in the portal's origin).
func (p *portal) responseFile(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	a, content, err := p.svc.ResponseFile(r.Context(), sub, r.PathValue("ref"), r.PathValue("file"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content) // an error here is the client gone away: nothing left to tell it
	return nil
}

// eventText is an event as the applicant (me) reads it on their request.
func eventText(def *definition.Definition, e services.Event, me string) string {
	switch e.Kind {
	case services.EventSubmitted:
		if e.ActingFor != "" {
			return "Submitted for you by " + e.ActorName
		}
		return "Submitted"
	case services.EventTransition:
		return "Status changed to " + labelOf(def, e.ToState)
	case services.EventAttachment:
		if e.ActorID == me {
			return "You added a file"
		}
		return "The council added a file to its case record" // a staff file: the applicant sees that it was added, not the file
	}
	if e.Detail != "" {
		return e.Detail
	}
	return e.Kind
}

// reply adds the applicant's message to a case.
func (p *portal) reply(w http.ResponseWriter, r *http.Request, sub *platform.Subject, reference string) error {
	ctx := r.Context()
	c, err := p.svc.FindByReference(ctx, sub, reference)
	if err != nil {
		return err
	}
	_, err = p.svc.AddNote(ctx, sub, c.ID, r.PostFormValue("text"), services.ToApplicant)
	if about(err) {
		return p.track(w, r, sub, reference, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/services/requests/"+c.Reference, "Your message has been sent")
}

// movePage asks the applicant to confirm a move they may make (asking for
// a stage 2 review), with its reason when the move asks for one: such moves
// cannot be undone, so they are never one click on the request page.
type movePage struct {
	*web.Form
	Case     services.Case
	ID       string
	Label    string
	ToState  string
	Question string
	Action   string
	Back     string
}

func (p *portal) move(w http.ResponseWriter, r *http.Request, sub *platform.Subject, reference, transitionID string, status int, f *web.Form) error {
	ctx := r.Context()
	c, err := p.svc.FindByReference(ctx, sub, reference)
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(ctx, c)
	if err != nil {
		return err
	}
	allowed, err := p.svc.AllowedTransitions(ctx, sub, c)
	if err != nil {
		return err
	}
	back := "/services/requests/" + c.Reference
	for _, t := range allowed {
		if t.ID != transitionID || !t.Applicant || c.ApplicantID != sub.UserID {
			continue
		}
		if f == nil {
			f = web.NewForm(nil)
		}
		d := movePage{Form: f, Case: c, ID: t.ID, Label: t.Label, ToState: labelOf(def, t.To), Question: t.ApplicantReason,
			Action: back + "/transition", Back: back}
		return web.Render(w, r, status, "portal/move", d)
	}
	// Not (or no longer) a move this person can make here, e.g. the case
	// moved on since the request page was shown: say where it stands.
	return seeOtherNote(w, r, back, "The status of this request has changed. Check it below.")
}

// transition makes a move the applicant may make, once confirmed. The
// version on the form means a case changed by staff since the page was
// shown is a clear conflict, not a surprise.
func (p *portal) transition(w http.ResponseWriter, r *http.Request, sub *platform.Subject, reference string) error {
	ctx := r.Context()
	c, err := p.svc.FindByReference(ctx, sub, reference)
	if err != nil {
		return err
	}
	var version int64
	if _, err := fmt.Sscan(r.PostFormValue("version"), &version); err != nil {
		version = c.Version
	}
	id := r.PostFormValue("transition")
	c2, err := p.svc.ApplicantMove(ctx, sub, c.ID, id, version, r.PostFormValue("reason"))
	if platform.CodeOf(err) == platform.CodeInvalid {
		return p.move(w, r, sub, reference, id, web.StatusOf(err), web.FormErrors(r, err))
	}
	if about(err) {
		return p.track(w, r, sub, reference, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(ctx, c2)
	if err != nil {
		return err
	}
	return seeOther(w, r, "/services/requests/"+c.Reference, "Status changed to "+labelOf(def, c2.State))
}
