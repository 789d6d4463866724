package console

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// casePage is the data of console/case.
type casePage struct {
	*web.Form
	Case        services.Case
	Service     string
	State       string
	Tag         slaTag
	Details     []web.SummaryRow
	Answers     []web.SummaryRow
	Internal    []web.SummaryRow
	Transitions []transitionButton
	Timeline    []timelineItem
	Notes       []noteItem
	Tasks       []taskItem
	Attachments []attachmentItem
	Staff       []web.Option
	OthersCan   []string      // moves from this state other people make, and who
	StaffHTML   template.HTML // Staff drawn for the reassignment (see optionsHTML)
	Visibility  []web.Option
	Messages    []messageItem // sent through digital post, when it is wired
	SendURL     string
}

// messageItem is a message sent about the case, with its delivery status.
type messageItem struct {
	When, Kind, To, Subject, Status, Tag, Sender, URL string
}

type transitionButton struct {
	ID, Label string
	Form      bool // has required fields: a link to its own form
}

type timelineItem struct{ When, Who, What string }

type noteItem struct {
	When, Who, Body string
	ToApplicant     bool
}

type taskItem struct {
	ID, Title, Due, Done string
	IsDone               bool
}

// attachmentItem is a case file as its page lists it; RecordURL is the
// record it is kept as, when the viewer may read that record.
type attachmentItem struct{ ID, Name, Size, When, RecordURL string }

// casePage shows one case. Errors from the page's own forms come back here
// with form set (notes, tasks, assignment, attachments share one page).
func (c *console) casePage(w http.ResponseWriter, r *http.Request) error {
	return c.renderCase(w, r, nil, http.StatusOK)
}

func (c *console) renderCase(w http.ResponseWriter, r *http.Request, form *web.Form, status int) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	detail, err := c.svc.GetCaseDetail(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	cs := detail.Case
	def, err := c.svc.PinnedDefinition(ctx, cs)
	if err != nil {
		return err
	}
	name := c.names(ctx, sub, cs.ApplicantID, cs.AssigneeID, cs.SubmittedBy)
	p := &casePage{Form: form, Case: cs, Service: def.Title, State: stateName(def, cs.State), Tag: c.tagFor(&cs, c.opts.Now())}
	if p.Form == nil {
		p.Form = &web.Form{}
	}
	applicant := name(cs.ApplicantID)
	if applicant == "" {
		applicant = cs.ApplicantEmail
	}
	assignee := name(cs.AssigneeID)
	if assignee == "" {
		assignee = "Nobody"
	}
	if cs.Queue != "" {
		assignee += " (" + queueLabel(cs.Queue) + " queue)"
	}
	p.Details = []web.SummaryRow{
		{Key: "Reference", Value: cs.Reference},
		{Key: "Service", Value: def.Title + " (version " + strconv.Itoa(cs.ServiceVersion) + ")"},
		{Key: "Status", Value: p.State},
		{Key: "Applicant", Value: applicant},
		{Key: "Submitted", Value: dateTime(cs.SubmittedAt)},
		{Key: "Assigned to", Value: assignee},
	}
	if !cs.DueAt.IsZero() {
		p.Details = append(p.Details, web.SummaryRow{Key: "Due", Value: dateTime(cs.DueAt)})
	}
	if cs.SubmittedBy != "" && cs.SubmittedBy != cs.ApplicantID {
		p.Details = append(p.Details, web.SummaryRow{Key: "Submitted by", Value: name(cs.SubmittedBy) + " for the applicant"})
	}
	fo := forms.Options{AllowInternal: true, People: func(id string) (string, bool) {
		n := name(id)
		return n, n != "" && n != id
	}}
	for _, row := range forms.Summary(def, cs.Answers, fo) {
		p.Answers = append(p.Answers, web.SummaryRow{Key: row.Label, Value: orNotAnswered(row.Lines)})
	}
	for i := range def.Fields {
		f := &def.Fields[i]
		if v, ok := cs.Answers[f.ID]; ok && f.Internal {
			lines := forms.DisplayLines(f, v)
			if f.Type == definition.TypePerson && len(lines) == 1 {
				lines = []string{name(lines[0])} // the person, never their ID
			}
			p.Internal = append(p.Internal, web.SummaryRow{Key: f.Label, Value: orNotAnswered(lines)})
		}
	}
	allowed, err := c.svc.AllowedTransitions(ctx, sub, cs)
	if err != nil {
		return err
	}
	for _, t := range allowed {
		if f := requiredFile(def, t); f != nil {
			// The console's forms take no files: a move that gives the
			// applicant a file (a subject access bundle) is made where
			// that file is prepared, which calls the engine's Respond.
			p.OthersCan = append(p.OthersCan, t.Label+": made where "+strings.ToLower(f.Label)+" is prepared, as it gives the applicant a file")
			continue
		}
		p.Transitions = append(p.Transitions, transitionButton{ID: t.ID, Label: t.Label, Form: len(t.Requires) > 0})
	}
	// Moves from here that others make: say who, rather than leave a
	// caseworker looking at a task only a manager can finish.
	for _, t := range def.Workflow.Transitions {
		if !slices.Contains(t.From, cs.State) || t.Applicant && len(t.Roles) == 0 || slices.ContainsFunc(allowed, func(a definition.Transition) bool { return a.ID == t.ID }) {
			continue
		}
		who := "staff who can work on the case"
		if len(t.Roles) > 0 {
			var rs []string
			for _, r := range t.Roles {
				rs = append(rs, roleNames[r])
			}
			who = "a " + strings.Join(rs, " or a ")
		}
		if len(t.Units) > 0 {
			who += " in " + strings.Join(t.Units, " or ")
		}
		p.OthersCan = append(p.OthersCan, t.Label+": "+who)
	}
	if err := c.loadCaseLists(ctx, sub, def, p, detail, name); err != nil {
		return err
	}
	c.loadMessages(ctx, sub, p)
	// Giving the case to someone else is for those who may work on it in
	// their own right: a person who holds it only because it is assigned
	// to them (a risk's owner in another unit) works on it, but does not
	// pass it on.
	if c.svc.CanReassign(sub, cs) {
		staff, err := c.opts.People.StaffIn(ctx, sub)
		if err != nil {
			return err
		}
		p.Staff = append([]web.Option{{Value: "", Text: "Choose a person"}}, c.workers(ctx, sub.OrgID, staff, cs)...)
	}
	p.Visibility = []web.Option{
		{Value: string(services.Internal), Text: "Internal note", Hint: "Only staff can see it"},
		{Value: string(services.ToApplicant), Text: "Message to the applicant", Hint: "The applicant can read it on their case page"},
	}
	if p.Form.Value("visibility") == "" {
		if p.Form.Input == nil {
			p.Form.Input = map[string][]string{}
		}
		p.Form.Input.Set("visibility", string(services.Internal))
	}
	p.StaffHTML = optionsHTML(p.Staff, p.Form, "assignee_id")
	return web.Render(w, r, status, "console/case", p)
}

// requiredFile is the first file field transition t requires, or nil.
func requiredFile(def *definition.Definition, t definition.Transition) *definition.Field {
	for _, id := range t.Requires {
		if f := def.Field(id); f != nil && f.Type == definition.TypeFile {
			return f
		}
	}
	return nil
}

// loadCaseLists fills the timeline, notes, tasks and attachments.
func (c *console) loadCaseLists(ctx context.Context, sub *platform.Subject, def *definition.Definition, p *casePage, detail services.CaseDetail, name func(string) string) error {
	id := p.Case.ID
	events := detail.Timeline
	for i := len(events) - 1; i >= 0; i-- { // newest first
		e := events[i]
		who := e.ActorName
		if who == "" {
			who = name(e.ActorID)
		}
		if who == "" {
			who = "The system"
		}
		p.Timeline = append(p.Timeline, timelineItem{When: dateTime(e.At), Who: who, What: eventText(def, e, name)})
	}
	notes := detail.Notes
	for i := len(notes) - 1; i >= 0; i-- {
		n := notes[i]
		who := n.AuthorName
		if who == "" {
			who = name(n.AuthorID)
		}
		p.Notes = append(p.Notes, noteItem{When: dateTime(n.CreatedAt), Who: who, Body: n.Body, ToApplicant: n.Visibility == services.ToApplicant})
	}
	for _, t := range detail.Tasks {
		it := taskItem{ID: t.ID, Title: t.Title, Due: shortDate(t.DueAt), IsDone: t.Done}
		if t.Done {
			it.Done = "Done " + shortDate(t.DoneAt)
			if by := name(t.DoneBy); by != "" {
				it.Done += " by " + by
			}
		}
		p.Tasks = append(p.Tasks, it)
	}
	atts, err := c.svc.ListAttachments(ctx, sub, id)
	if err != nil {
		return err
	}
	var kept map[string]string
	if c.opts.FileRecords != nil && len(atts) > 0 {
		// The case page still shows when records cannot say.
		kept, _ = c.opts.FileRecords(ctx, sub, id)
	}
	for _, a := range atts {
		p.Attachments = append(p.Attachments, attachmentItem{ID: a.ID, Name: a.Name, Size: forms.FormatSize(a.Size), When: dateTime(a.CreatedAt),
			RecordURL: kept[a.ID]})
	}
	return nil
}

func eventText(def *definition.Definition, e services.Event, name func(string) string) string {
	switch e.Kind {
	case services.EventSubmitted:
		return "Submitted: " + stateName(def, e.ToState)
	case services.EventTransition:
		return e.Detail + ": " + stateName(def, e.FromState) + " to " + stateName(def, e.ToState)
	case services.EventAssigned:
		// The engine records user IDs; people read names.
		if id, ok := strings.CutPrefix(e.Detail, "assigned to "); ok {
			id, rest, _ := strings.Cut(id, " ")
			if rest != "" {
				rest = " " + rest
			}
			return "Assigned to " + name(id) + rest
		}
	}
	if e.Detail == "" {
		return e.Kind
	}
	return strings.ToUpper(e.Detail[:1]) + e.Detail[1:]
}

func stateName(def *definition.Definition, id string) string {
	if st := def.State(id); st != nil && st.Label != "" {
		return st.Label
	}
	return id
}

func orNotAnswered(lines []string) string {
	if len(lines) == 0 {
		return "Not answered"
	}
	return strings.Join(lines, ", ")
}

// afterChange reports a successful change with a flash and goes back to the
// case, or shows the case again with the form's errors.
func (c *console) afterChange(w http.ResponseWriter, r *http.Request, err error, flash string) error {
	if err == nil {
		web.SetFlash(w, r, flash)
		http.Redirect(w, r, "/cases/"+r.PathValue("id"), http.StatusSeeOther)
		return nil
	}
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeTooLarge:
		st := http.StatusUnprocessableEntity
		if platform.CodeOf(err) == platform.CodeTooLarge {
			st = http.StatusRequestEntityTooLarge
		}
		return c.renderCase(w, r, web.FormErrors(r, err), st)
	case platform.CodeConflict:
		return c.conflict(w, r, err)
	}
	return err
}

func (c *console) assign(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	who := r.PostFormValue("assignee_id")
	if who == "" {
		return c.afterChange(w, r, platform.Invalid("", platform.FieldError{Field: "assignee_id", Message: "Choose who to give the case to"}), "")
	}
	_, err = c.svc.Assign(r.Context(), sub, r.PathValue("id"), services.Assignment{AssigneeID: who})
	return c.afterChange(w, r, err, "Case assigned to "+c.name(r.Context(), sub, who))
}

func (c *console) addNote(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	vis := services.Visibility(r.PostFormValue("visibility"))
	_, err = c.svc.AddNote(r.Context(), sub, r.PathValue("id"), r.PostFormValue("text"), vis)
	msg := "Note added"
	if vis == services.ToApplicant {
		msg = "Message sent to the applicant"
	}
	return c.afterChange(w, r, err, msg)
}

func (c *console) addTask(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	in := services.NewTask{Title: r.PostFormValue("title")}
	if d := strings.TrimSpace(r.PostFormValue("due")); d != "" {
		due, perr := parseDay(d)
		if perr != nil {
			return c.afterChange(w, r, platform.Invalid("", platform.FieldError{Field: "due", Message: "Enter a real date, for example 2026-03-27"}), "")
		}
		// A task is due by the end of its day.
		in.DueAt = due.AddDate(0, 0, 1).Add(-1)
	}
	_, err = c.svc.CreateTask(r.Context(), sub, r.PathValue("id"), in)
	return c.afterChange(w, r, err, "Task added")
}

func (c *console) completeTask(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	err = c.svc.CompleteTask(r.Context(), sub, r.PathValue("id"), r.PathValue("tid"))
	return c.afterChange(w, r, err, "Task marked as done")
}

// loadMessages lists the messages digital post sent about the case. The
// case page still shows when post cannot say (it is the case's page).
func (c *console) loadMessages(ctx context.Context, sub *platform.Subject, p *casePage) {
	if c.opts.Post == nil {
		return
	}
	p.SendURL = c.opts.Post.SendURL(p.Case.ID)
	ms, err := c.opts.Post.CaseMessages(ctx, sub, p.Case.ID)
	if err != nil {
		return
	}
	for i := len(ms) - 1; i >= 0; i-- { // newest first
		m := ms[i]
		p.Messages = append(p.Messages, messageItem{When: dateTime(m.CreatedAt), Kind: messageKinds[m.Kind], To: m.To, Subject: m.Subject,
			Status: messageStatus(m.Status), Tag: messageTag(m.Status), Sender: m.Sender, URL: m.URL})
	}
}

var messageKinds = map[string]string{"email": "Email", "sms": "Text message", "letter": "Letter"}

// messageStatus is Notify's status in words.
func messageStatus(st string) string {
	switch st {
	case "created", "sending", "pending":
		return "Sending"
	case "delivered", "sent":
		return "Delivered"
	case "accepted":
		return "Printing"
	case "received":
		return "Posted"
	case "permanent-failure":
		return "Not delivered: address not found"
	case "temporary-failure":
		return "Not delivered: inbox or phone unavailable"
	case "technical-failure":
		return "Not delivered: technical failure"
	case "cancelled":
		return "Cancelled"
	case "validation-failed":
		return "Not sent: letter could not be printed"
	}
	return st
}

func messageTag(st string) string {
	switch st {
	case "delivered", "sent", "received":
		return "govuk-tag--green"
	case "permanent-failure", "temporary-failure", "technical-failure", "validation-failed":
		return "govuk-tag--red"
	}
	return "govuk-tag--grey"
}
