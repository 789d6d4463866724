package postweb

import (
	"fmt"
	"html/template"
	"net/http"
	"sort"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
	"dbtp/internal/web"
)

// checkPage is "Check your message": the message from a case as it will
// be sent, with every value filled in, before anything is stored. What was
// typed goes back in hidden fields with Send (or Change).
type checkPage struct {
	Case     CaseInfo
	Template post.Template
	Kind     string // "email", "text message", "letter"
	Rows     []web.SummaryRow
	Subject  string
	Body     template.HTML // escaped by notify
	Address  []string
	SMS      *smsPreview
	Hidden   []hiddenField
	Action   string
}

type hiddenField struct{ Name, Value string }

func (p *deliveryPart) checkPage(w http.ResponseWriter, r *http.Request, pg *sendPage, cp post.CasePreview) error {
	n := cp.Notification
	out := checkPage{Case: pg.Case, Template: cp.Template, Kind: post.KindWords(n.Kind), Subject: cp.Rendered.Subject,
		Body: template.HTML(cp.Rendered.PreviewHTML), Action: pg.Action}
	channel := sendKindText[n.Kind]
	if pg.PreferredKind == n.Kind {
		channel += " (their preferred way)"
	}
	out.Rows = []web.SummaryRow{{Key: "Template", Value: cp.Template.Name}, {Key: "Channel", Value: channel}}
	if n.ChannelReason != "" {
		out.Rows = append(out.Rows, web.SummaryRow{Key: "Why not by " + pg.Preferred, Value: n.ChannelReason})
	}
	switch n.Kind {
	case post.KindEmail:
		out.Rows = append(out.Rows, web.SummaryRow{Key: "To", Value: n.Recipient})
		if cp.Service.EmailReplyTo != "" {
			out.Rows = append(out.Rows, web.SummaryRow{Key: "Replies go to", Value: cp.Service.EmailReplyTo})
		}
	case post.KindSMS:
		out.Rows = append(out.Rows, web.SummaryRow{Key: "To", Value: n.Recipient})
		out.SMS = &smsPreview{Paragraphs: paragraphs(cp.Rendered), Words: smsWords(cp.Rendered)}
	case post.KindLetter:
		out.Address = n.Address
		out.Rows = append(out.Rows, web.SummaryRow{Key: "Address", Value: strings.Join(n.Address, ", ")})
		out.Rows = append(out.Rows, web.SummaryRow{Key: "Format", Value: letterFormat(n.LargePrint)},
			web.SummaryRow{Key: "Postage", Value: postageWords(n.Postage)})
	}
	out.Rows = append(out.Rows, web.SummaryRow{Key: "From", Value: cp.Service.Name})
	for k, vs := range r.PostForm {
		if k == web.CSRFField || k == "send" || k == "change" {
			continue
		}
		for _, v := range vs {
			out.Hidden = append(out.Hidden, hiddenField{Name: k, Value: v})
		}
	}
	sort.SliceStable(out.Hidden, func(i, j int) bool { return out.Hidden[i].Name < out.Hidden[j].Name })
	return web.Render(w, r, http.StatusOK, "post/delivery_check", out)
}

// smsPreview is a text message as filled in so far, one paragraph of
// lines at a time, with its length in words.
type smsPreview struct {
	Paragraphs [][]string `json:"paragraphs"`
	Words      string     `json:"words"`
}

// smsPreviewOf is t filled in with what is typed so far: a placeholder
// not yet typed shows as ((name)) and counts as written.
func smsPreviewOf(t post.Template, p map[string]any) *smsPreview {
	pv := post.PreviewOf(t, p)
	out := &smsPreview{Paragraphs: paragraphs(pv.Rendered), Words: smsWords(pv.Rendered)}
	if len(pv.Missing) > 0 {
		out.Words += " Not filled in yet: " + strings.Join(pv.Missing, ", ") + "."
	}
	return out
}

func paragraphs(r *notify.Rendered) [][]string {
	var out [][]string
	for _, b := range r.Blocks {
		out = append(out, b.Lines)
	}
	return out
}

// smsWords is a text message's length as the person sending it needs it:
// characters as counted for its alphabet, and how many texts it takes.
func smsWords(r *notify.Rendered) string {
	s := fmt.Sprintf("%s, sent as %s.", sendPlural(r.Chars, "character"), sendPlural(r.Fragments, "text message"))
	if r.Unicode {
		s += " It needs Unicode: 70 characters fit in one text message, 67 each when split."
	}
	return s
}

// smsCount is the script's question as placeholders are typed on a text
// message's form: the message so far and its count, in JSON. The counting
// is the send path's own (notify), so the page never disagrees with what
// is sent.
func (p *deliveryPart) smsCount(w http.ResponseWriter, r *http.Request, m *Module) error {
	if err := r.ParseForm(); err != nil {
		return platform.Invalid("The form could not be read")
	}
	pg, err := p.sendData(r, m, &web.Form{})
	if err != nil {
		return err
	}
	if pg.Template == nil || pg.Kind != post.KindSMS {
		return platform.Invalid("Only a text message is counted", platform.FieldError{Field: "template", Message: "Choose a text message template"})
	}
	return web.WriteJSON(w, http.StatusOK, smsPreviewOf(*pg.Template, personalisation(pg.Fields, r.PostForm)))
}
