package postweb

import (
	"html/template"
	"io"
	"net/http"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// The sent messages' pages: /post/messages (every message of the services
// the person may read, newest first, filtered by service, channel, status
// and recipient or reference, 50 a page) and /post/messages/{id} (one
// message: what was sent, to whom, and its status history).

type messagesPage struct {
	*web.Form
	Services []web.Option
	Kinds    []web.Option
	Statuses []web.Option
	Table    web.Table
	Pages    web.Pagination
	Filtered bool
}

var sendKindText = map[string]string{post.KindEmail: "Email", post.KindSMS: "Text message", post.KindLetter: "Letter"}

// sendStatusText is a status in words, as Notify's pages put them.
var sendStatusText = map[string]string{
	post.StatusCreated: "Queued", post.StatusSending: "Sending", post.StatusPending: "Sending", post.StatusSent: "Sent abroad",
	post.StatusDelivered: "Delivered", post.StatusTemporaryFailure: "Inbox or phone not accepting messages",
	post.StatusPermanentFailure: "Email address or phone number does not exist", post.StatusTechnicalFailure: "Technical failure",
	post.StatusAccepted: "Accepted by the printer", post.StatusReceived: "Printed and posted", post.StatusCancelled: "Cancelled",
	post.StatusValidationFailed: "Letter could not be printed",
}

func sendStatusWords(n post.Notification) string {
	if n.Kind == post.KindLetter {
		switch n.Status {
		case post.StatusCreated, post.StatusSending:
			return "Waiting to be printed"
		case post.StatusDelivered, post.StatusReceived:
			return "Printed and posted"
		}
	}
	if t, ok := sendStatusText[n.Status]; ok {
		return t
	}
	return n.Status
}

func (p *sendingPart) messagesPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := post.NotificationFilter{Kind: q.Get("kind"), Limit: 50}
	if s := q.Get("service"); s != "" {
		f.ServiceIDs = []string{s}
	}
	if st := q.Get("status"); st != "" {
		if !post.ValidStatus(st) {
			return platform.Invalid("Check the filter", platform.FieldError{Field: "status", Message: "Choose a status from the list"})
		}
		f.Statuses = []string{st}
	}
	if f.Kind != "" && sendKindText[f.Kind] == "" {
		return platform.Invalid("Check the filter", platform.FieldError{Field: "kind", Message: "Choose email, text message or letter"})
	}
	// One box finds a recipient (an address or number, as typed, or a
	// person's name) or the caller's reference.
	if text := strings.TrimSpace(q.Get("q")); text != "" {
		if addr, err := notify.ValidateEmail(text); err == nil {
			f.Recipient = addr
		} else if ph, err := notify.PhoneE164(text, true); err == nil {
			f.Recipient = ph
		} else if f.Text, f.PersonIDs, err = p.peopleNamed(r, sub, text); err != nil {
			return err
		}
	}
	if f.Before, err = sendCursor(r); err != nil {
		return err
	}
	ns, more, err := p.m.ps.Notifications(r.Context(), sub, f)
	if err != nil {
		return err
	}
	svs, err := p.m.ps.Services(r.Context(), sub)
	if err != nil {
		return err
	}
	pg := messagesPage{Form: web.NewForm(q), Filtered: len(q) > 0 && q.Get("cursor") == "" || len(q) > 1,
		Services: []web.Option{{Value: "", Text: "All services"}}, Kinds: []web.Option{{Value: "", Text: "All channels"}},
		Statuses: []web.Option{{Value: "", Text: "Any status"}, {Value: post.StatusCreated, Text: "Queued"}, {Value: "sending", Text: "Sending"},
			{Value: post.StatusDelivered, Text: "Delivered"}, {Value: "failed", Text: "Failed"}, {Value: post.StatusReceived, Text: "Printed and posted"}},
		Table: web.Table{Caption: "Messages, newest first", Head: []web.Cell{{Text: "Recipient"}, {Text: "Message"}, {Text: "Sent"}, {Text: "Status"}}}}
	names := map[string]string{}
	for _, sv := range svs {
		names[sv.ID] = sv.Name
		pg.Services = append(pg.Services, web.Option{Value: sv.ID, Text: sv.Name})
	}
	for _, k := range []string{post.KindEmail, post.KindSMS, post.KindLetter} {
		pg.Kinds = append(pg.Kinds, web.Option{Value: k, Text: sendKindText[k]})
	}
	// The people the messages are about, named beside their address: a
	// search by name then shows why each message matched.
	var people []string
	for _, n := range ns {
		if n.PersonID != "" {
			people = append(people, n.PersonID)
		}
	}
	named, err := p.m.d.Directory.People(r.Context(), sub, people)
	if err != nil {
		return err
	}
	for _, n := range ns {
		to := n.Recipient
		if who := named[n.PersonID].Name; who != "" && who != to {
			to += " (" + who + ")"
		}
		what := n.Subject
		if what == "" {
			what = n.Body
		}
		if len([]rune(what)) > 60 {
			what = string([]rune(what)[:60]) + "…"
		}
		pg.Table.Rows = append(pg.Table.Rows, []web.Cell{{Text: to, Href: "/post/messages/" + n.ID},
			{Text: sendKindText[n.Kind] + ": " + what}, {Text: sendUKTime(n.CreatedAt)}, {Text: sendStatusWords(n)}})
	}
	if more && len(ns) > 0 {
		pg.Pages.Next = web.CursorURL(r, web.EncodeCursor(ns[len(ns)-1].ID))
	}
	return web.Render(w, r, http.StatusOK, "post/messages_list", pg)
}

// maxNamedPeople bounds the people a name search looks for: a name
// common enough to match more is narrowed by typing more of it.
const maxNamedPeople = 200

// peopleNamed is text as a name search: the directory's people whose name
// (or email address) holds it, as sub may see them, by ID.
func (p *sendingPart) peopleNamed(r *http.Request, sub *platform.Subject, text string) (string, []string, error) {
	found, err := p.m.d.Directory.SearchPeople(r.Context(), sub, platform.PeopleQuery{Text: text, Limit: maxNamedPeople})
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, 0, len(found.People))
	for _, who := range found.People {
		ids = append(ids, who.ID)
	}
	return text, ids, nil
}

// sendCursor is the engine's cursor from a page's or the API's opaque one.
func sendCursor(r *http.Request) (string, error) {
	parts, err := web.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil || len(parts) == 0 {
		return "", err
	}
	return parts[0], nil
}

type messagePage struct {
	Message post.Notification
	Service post.Service
	Rows    []web.SummaryRow
	History []web.SummaryRow
	Kind    string
	// Body is the body formatted as the check page shows it (headings,
	// lists, rules), from the template's version and the personalisation
	// it was sent with; BodyLines, the body's non-empty lines, one
	// paragraph each, when there is no template to format it by (the
	// workflow's email, a template since gone).
	Body      template.HTML
	BodyLines []string
	// PDFURL is a letter's PDF as posted, once delivery has made it.
	PDFURL string
}

func (p *sendingPart) messagePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, sv, err := p.m.ps.Notification(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := messagePage{Message: n, Service: sv, Kind: sendKindText[n.Kind]}
	to := n.Recipient
	if len(n.Address) > 0 {
		to = strings.Join(n.Address, ", ")
	}
	pg.Rows = []web.SummaryRow{{Key: "To", Value: to}, {Key: "Service", Value: sv.Name, Href: "/post/services/" + sv.ID, ActionText: "View"},
		{Key: "Channel", Value: pg.Kind}, {Key: "Status", Value: sendStatusWords(n)}}
	if n.TemplateID != "" {
		name := n.TemplateID
		if t, err := p.m.ps.TemplateForService(r.Context(), sv.ID, n.TemplateID, n.TemplateVersion); err == nil {
			name = t.Name
			pg.Body = renderedBody(t, n)
		}
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Template", Value: name + ", version " + strconv.Itoa(n.TemplateVersion),
			Href: "/post/templates/" + n.TemplateID, ActionText: "View"})
	} else if n.PDFBlob != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Template", Value: "None: the sender's own PDF"})
	}
	if n.Reference != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Sender's reference", Value: n.Reference})
	}
	if n.CaseID != "" {
		// The case's reference, when the reader may see the case (the
		// services engine answers, through the delivery part's Cases).
		ref := n.CaseID
		if cs := p.m.delivery.cases; cs != nil {
			if c, err := cs.CaseForPost(r.Context(), sub, n.CaseID); err == nil && c.Reference != "" {
				ref = c.Reference
			}
		}
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Case", Value: ref, Href: "/cases/" + n.CaseID, ActionText: "View"})
	}
	if n.ChannelReason != "" {
		// The sender chose another channel than the person prefers.
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Why not their preferred channel", Value: n.ChannelReason})
	}
	sender := "A member of staff"
	if strings.HasPrefix(n.CreatedBy, "api:") {
		sender = "A system, with an API key (" + n.KeyType + ")"
	} else if people, err := p.m.d.Directory.People(r.Context(), sub, []string{n.CreatedBy}); err == nil && people[n.CreatedBy].Name != "" {
		sender = people[n.CreatedBy].Name
	}
	pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Sent by", Value: sender})
	if n.Kind == post.KindSMS && n.Fragments > 0 {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Billed as", Value: sendPlural(n.Fragments, "text message")})
	}
	if n.Kind == post.KindLetter {
		// Only a letter has a format (large print is for the printer).
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Format", Value: letterFormat(n.LargePrint)},
			web.SummaryRow{Key: "Postage", Value: postageWords(n.Postage)})
		if n.PDFBlob != "" {
			pg.PDFURL = "/post/messages/" + n.ID + "/letter.pdf"
		}
	}
	pg.History = sendHistory(n)
	if pg.Body == "" {
		for _, l := range strings.Split(n.Body, "\n") {
			if strings.TrimSpace(l) != "" {
				pg.BodyLines = append(pg.BodyLines, l)
			}
		}
	}
	return web.Render(w, r, http.StatusOK, "post/messages_message", pg)
}

// renderedBody is n's body as the check page showed it before it was
// sent: t (the version n was sent with) filled in with n's
// personalisation by notify, which escapes it; "" if it no longer renders.
func renderedBody(t post.Template, n post.Notification) template.HTML {
	r, err := notify.Render(n.Kind, t.Subject, t.Body, n.Personalisation)
	if err != nil {
		return ""
	}
	return template.HTML(r.PreviewHTML)
}

// letterFormat is a letter's format in words.
func letterFormat(large bool) string {
	if large {
		return "Large print"
	}
	return "Standard print"
}

// postageWords is a letter's postage as the pages say it, the same on
// each: "Second class", "First class", "Economy", "Europe", "Rest of world".
func postageWords(p string) string {
	switch p {
	case "first", "second":
		return strings.ToUpper(p[:1]) + p[1:] + " class"
	case "rest-of-world":
		return "Rest of world"
	case "":
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

// providerWords is the history's line for a message handed to provider:
// the demo's log provider delivers nothing, and says so.
func providerWords(provider string) string {
	switch provider {
	case "log":
		return "Sent (demo: written to the log, not delivered)"
	case "notify":
		return "Sent to GOV.UK Notify"
	case "smtp":
		return "Sent to the email relay"
	case "http-sms":
		return "Sent to the text message gateway"
	case "printdrop":
		return "Sent to the printer"
	case "":
		return "Sent to the provider"
	}
	return "Sent to the provider (" + provider + ")"
}

func sendPlural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

// history is a message's status history from the times it keeps: queued
// (or scheduled), handed to the provider, and its final status, with the
// attempts and the last error when delivery had to retry.
func sendHistory(n post.Notification) []web.SummaryRow {
	out := []web.SummaryRow{{Key: sendUKTime(n.CreatedAt), Value: "Queued to be sent"}}
	if !n.ScheduledFor.IsZero() {
		out = append(out, web.SummaryRow{Key: sendUKTime(n.ScheduledFor), Value: "Scheduled to be sent"})
	}
	if !n.SentAt.IsZero() {
		out = append(out, web.SummaryRow{Key: sendUKTime(n.SentAt), Value: providerWords(n.Provider)})
	}
	if n.Attempts > 1 || n.LastError != "" && !post.Final(n.Status) {
		v := sendPlural(n.Attempts, "attempt") + " so far"
		if n.LastError != "" {
			v += "; the last failed: " + n.LastError
		}
		out = append(out, web.SummaryRow{Key: sendUKTime(n.UpdatedAt), Value: v})
	}
	if post.Final(n.Status) {
		at := n.CompletedAt
		if at.IsZero() {
			at = n.UpdatedAt
		}
		out = append(out, web.SummaryRow{Key: sendUKTime(at), Value: sendStatusWords(n)})
	}
	return out
}

// letterPDF is a letter's PDF exactly as it went to the printer (or as
// the sender gave it, for a precompiled letter), for staff who may read
// the message: the same check as its page.
func (p *sendingPart) letterPDF(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, _, err := p.m.ps.Notification(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return p.serveLetterPDF(w, r, n)
}

// serveLetterPDF streams the PDF of letter n, for staff (letterPDF) and
// for the resident it was sent to (sentPDF), each having checked first
// that they may see n.
func (p *sendingPart) serveLetterPDF(w http.ResponseWriter, r *http.Request, n post.Notification) error {
	if n.Kind != post.KindLetter || n.PDFBlob == "" || p.m.d.Blob == nil {
		return platform.NotFound("letter PDF")
	}
	rc, info, err := p.m.d.Blob.Open(r.Context(), n.PDFBlob)
	if err != nil {
		return err
	}
	defer rc.Close()
	sendScan(w, "application/pdf", "letter-"+n.ID+".pdf", info.Size)
	if _, err := io.Copy(w, rc); err != nil {
		panic(http.ErrAbortHandler) // cut off: the client sees fewer bytes than promised
	}
	return nil
}
