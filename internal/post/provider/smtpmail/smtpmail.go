// Package smtpmail is digital post's email provider: it sends through an
// SMTP relay with the platform's mail package (the council's gateway, a
// provider's SMTP service, or in the demo the terminal). A relay's
// acceptance is as far as SMTP can see, so a message it takes is
// "delivered"; a 5xx refusal (no such mailbox) or an address no relay
// could take is a permanent failure; anything else (the relay is down,
// busy, or says 4xx) is temporary and retried.
package smtpmail

import (
	"context"
	"errors"
	"net/textproto"

	"dbtp/internal/mail"
	"dbtp/internal/post/provider"
)

// Provider sends email through a mail transport.
type Provider struct {
	t mail.Transport
}

// New returns the provider sending through t (a *mail.Sender, say).
func New(t mail.Transport) *Provider { return &Provider{t: t} }

// Name is "smtp".
func (p *Provider) Name() string { return "smtp" }

// String says where mail goes, for logs.
func (p *Provider) String() string { return "smtp: " + p.t.String() }

// Send hands m to the relay.
func (p *Provider) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if m.Kind != "email" {
		return provider.Result{}, provider.Permanent(errors.New("smtp sends email only, not " + m.Kind))
	}
	// The service's reply-to address: replies reach its inbox, not the
	// relay's no-reply sender. The mail package refuses one that is not a
	// single address on one line (a permanent failure, below).
	mm := mail.Message{To: m.To, Subject: m.Subject, Text: m.Text, ReplyTo: m.ReplyTo}
	if m.HTML != "" {
		// The same words for mail programs that show HTML: Notify's
		// formatting (headings, lists, links) survives there.
		mm.Alternatives = []mail.Part{{ContentType: "text/html; charset=UTF-8",
			Content: []byte("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"></head><body>\n" + m.HTML + "\n</body></html>\n")}}
	}
	err := p.t.Send(ctx, mm)
	if err != nil {
		var te *textproto.Error
		if errors.Is(err, mail.ErrInvalidMessage) || errors.As(err, &te) && te.Code >= 500 {
			return provider.Result{}, provider.Permanent(err)
		}
		return provider.Result{}, err
	}
	return provider.Result{Status: "delivered"}, nil
}
