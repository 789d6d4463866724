package postweb

import (
	"cmp"
	"fmt"
	"strings"

	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// The Notify API's JSON, field for field as GOV.UK Notify writes it, so
// its client libraries read dbtp's answers unchanged. Absent values are
// null, as Notify's are, never left out.

func strOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

type v2TemplateRef struct {
	ID      string `json:"id"`
	Version int    `json:"version"`
	URI     string `json:"uri"`
}

type v2EmailContent struct {
	Body                   string  `json:"body"`
	Subject                string  `json:"subject"`
	FromEmail              string  `json:"from_email"`
	OneClickUnsubscribeURL *string `json:"one_click_unsubscribe_url"`
}

type v2SMSContent struct {
	Body       string `json:"body"`
	FromNumber string `json:"from_number"`
}

type v2LetterContent struct {
	Body    string `json:"body"`
	Subject string `json:"subject"`
}

// v2Sent is the answer to a send (201).
type v2Sent struct {
	ID           string        `json:"id"`
	Reference    *string       `json:"reference"`
	Content      any           `json:"content"`
	URI          string        `json:"uri"`
	Template     v2TemplateRef `json:"template"`
	ScheduledFor *string       `json:"scheduled_for"`
}

type v2Precompiled struct {
	ID        string  `json:"id"`
	Reference *string `json:"reference"`
	Postage   string  `json:"postage"`
}

// v2Notification is a notification as GET /v2/notifications/{id} and the
// list show it.
type v2Notification struct {
	ID                  string         `json:"id"`
	Reference           *string        `json:"reference"`
	EmailAddress        *string        `json:"email_address"`
	PhoneNumber         *string        `json:"phone_number"`
	Line1               *string        `json:"line_1"`
	Line2               *string        `json:"line_2"`
	Line3               *string        `json:"line_3"`
	Line4               *string        `json:"line_4"`
	Line5               *string        `json:"line_5"`
	Line6               *string        `json:"line_6"`
	Line7               *string        `json:"line_7"`
	Postcode            *string        `json:"postcode"`
	Postage             *string        `json:"postage"`
	Type                string         `json:"type"`
	Status              string         `json:"status"`
	Template            v2TemplateRef  `json:"template"`
	Body                string         `json:"body"`
	Subject             *string        `json:"subject"`
	CreatedAt           *string        `json:"created_at"`
	CreatedByName       *string        `json:"created_by_name"`
	SentAt              *string        `json:"sent_at"`
	CompletedAt         *string        `json:"completed_at"`
	ScheduledFor        *string        `json:"scheduled_for"`
	EstimatedDelivery   *string        `json:"estimated_delivery,omitempty"`
	OneClickUnsubscribe *string        `json:"one_click_unsubscribe"`
	IsCostDataReady     bool           `json:"is_cost_data_ready"`
	CostInPounds        float64        `json:"cost_in_pounds"`
	CostDetails         map[string]any `json:"cost_details"`
}

type v2Links struct {
	Current string `json:"current"`
	Next    string `json:"next,omitempty"`
}

type v2List struct {
	Notifications []v2Notification `json:"notifications"`
	Links         v2Links          `json:"links"`
}

type v2Template struct {
	ID                 string                     `json:"id"`
	Name               string                     `json:"name"`
	Type               string                     `json:"type"`
	CreatedAt          *string                    `json:"created_at"`
	UpdatedAt          *string                    `json:"updated_at"`
	CreatedBy          string                     `json:"created_by"`
	Version            int                        `json:"version"`
	Body               string                     `json:"body"`
	Subject            *string                    `json:"subject"`
	LetterContactBlock *string                    `json:"letter_contact_block"`
	Postage            *string                    `json:"postage"`
	Personalisation    map[string]map[string]bool `json:"personalisation"`
}

type v2Preview struct {
	ID      string  `json:"id"`
	Type    string  `json:"type"`
	Version int     `json:"version"`
	Body    string  `json:"body"`
	HTML    *string `json:"html"`
	Subject *string `json:"subject"`
	Postage *string `json:"postage"`
}

func (p *sendingPart) base() string { return strings.TrimSuffix(p.m.d.Config.BaseURL, "/") }

func (p *sendingPart) templateRef(n post.Notification) v2TemplateRef {
	return v2TemplateRef{ID: n.TemplateID, Version: n.TemplateVersion,
		URI: fmt.Sprintf("%s/services/%s/templates/%s", p.base(), n.ServiceID, n.TemplateID)}
}

// v2Status is the status Notify's API shows: letters are "accepted" until
// the printer has them, then "received".
func v2Status(n post.Notification) string {
	if n.Kind != post.KindLetter {
		return n.Status
	}
	switch n.Status {
	case post.StatusCreated, post.StatusSending, post.StatusPending:
		return post.StatusAccepted
	case post.StatusDelivered:
		return post.StatusReceived
	}
	return n.Status
}

func (p *sendingPart) v2Notification(n post.Notification) v2Notification {
	out := v2Notification{ID: n.ID, Reference: strOrNil(n.Reference), Type: n.Kind, Status: v2Status(n), Template: p.templateRef(n), Body: n.Body,
		CreatedAt: notify.Time(n.CreatedAt), SentAt: notify.Time(n.SentAt), CompletedAt: notify.Time(n.CompletedAt),
		ScheduledFor: notify.Time(n.ScheduledFor), IsCostDataReady: true, CostDetails: map[string]any{}}
	switch n.Kind {
	case post.KindEmail:
		out.EmailAddress, out.Subject = strOrNil(n.Recipient), &n.Subject
	case post.KindSMS:
		out.PhoneNumber = strOrNil(n.Recipient)
		out.CostDetails = map[string]any{"billable_sms_fragments": n.Fragments, "international_rate_multiplier": 1.0, "sms_rate": 0.0}
	case post.KindLetter:
		out.Subject, out.Postage = &n.Subject, strOrNil(n.Postage)
		// The address lines as given, and the last of them (the postcode
		// or the country) again as postcode, as Notify's clients read both.
		lines := []**string{&out.Line1, &out.Line2, &out.Line3, &out.Line4, &out.Line5, &out.Line6, &out.Line7}
		addr := n.Address
		if len(addr) > 0 {
			out.Postcode = strOrNil(addr[len(addr)-1])
		}
		for i, l := range addr {
			if i < len(lines) {
				*lines[i] = strOrNil(l)
			}
		}
		est := n.CreatedAt.AddDate(0, 0, 3)
		if n.Postage == "first" {
			est = n.CreatedAt.AddDate(0, 0, 2)
		}
		out.EstimatedDelivery = notify.Time(est)
		out.CostDetails = map[string]any{"billable_sheets_of_paper": (n.Pages + 1) / 2, "postage": n.Postage}
	}
	return out
}

// v2Template is t as Notify's API shows it; authors are the emails of
// the people who wrote templates, by user id (templateAuthors).
func (p *sendingPart) v2Template(t post.Template, sv post.Service, authors map[string]string) v2Template {
	out := v2Template{ID: t.ID, Name: t.Name, Type: t.Kind, CreatedAt: notify.Time(t.CreatedAt), UpdatedAt: notify.Time(t.UpdatedAt),
		CreatedBy: cmp.Or(authors[t.UpdatedBy], t.UpdatedBy), Version: t.Version, Body: t.Body, Personalisation: map[string]map[string]bool{}}
	if t.Kind != post.KindSMS {
		out.Subject = &t.Subject
	}
	if t.Kind == post.KindLetter {
		out.LetterContactBlock = strOrNil(sv.LetterContact)
		second := "second"
		out.Postage = &second
	}
	for _, name := range notifyPlaceholders(t) {
		out.Personalisation[name] = map[string]bool{"required": true}
	}
	return out
}
