// Package provider is where digital post's messages go: email by SMTP,
// text messages by an HTTP gateway, letters to a print and hybrid-mail
// drop (a folder or an SFTP server), or everything on to GOV.UK Notify
// itself. The delivery job picks one provider per channel and classifies
// its errors: a permanent one fails the message, any other is retried.
package provider

import (
	"context"
	"errors"
)

// Message is one message handed to a provider, fully rendered.
type Message struct {
	ID         string // the notification's ID: providers pass it on so receipts and duplicates can be matched
	Kind       string // "email", "sms" or "letter"
	To         string // email address or phone number (E.164, "+447700900123")
	Subject    string // email
	Text       string // email's text part; the text message itself
	HTML       string // email's HTML part (optional)
	ReplyTo    string // email
	Sender     string // text messages: the sender name or number
	Address    []string
	PDF        []byte // letters: the rendered letter
	LargePrint bool
	Postage    string // letters: "first", "second", "europe", "rest-of-world"
	Reference  string // the caller's reference
	// For GOV.UK Notify as the upstream: the template and personalisation
	// as the caller sent them are not used; the rendered message is sent
	// through a plain pass-through template configured on the upstream.
}

// Result is what the provider said.
type Result struct {
	Ref string // the provider's own reference, for receipts
	// Status is the notification's status once the provider took it:
	// "sending" (a receipt will follow), "delivered" (the provider knows
	// it arrived: an SMTP relay's acceptance counts) or, for letters,
	// "received" (the printer has it).
	Status string
}

// Provider sends messages of the kinds it names.
type Provider interface {
	Name() string
	Send(ctx context.Context, m Message) (Result, error)
}

// PermanentError marks a failure that retrying cannot mend (an address
// that does not exist, a number that is not a mobile): the message fails
// permanently. Any other error is temporary and retried with backoff.
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent wraps err as a permanent failure.
func Permanent(err error) error { return &PermanentError{Err: err} }

// IsPermanent reports whether err is a permanent failure.
func IsPermanent(err error) bool {
	var p *PermanentError
	return errors.As(err, &p)
}
