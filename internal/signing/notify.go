package signing

import (
	"context"
	"strings"

	"dbtp/internal/mail"
	"dbtp/internal/platform"
)

// Staff are told by email too. A member of staff whose turn comes gets
// an email with a link to the signing page (they sign signed in, so the
// link carries no secret); when the envelope is sealed, the sender and
// every member of staff among the recipients get an email with a link to
// download it (never the document itself: it stays behind the sign-in).
// Outside parties' links and copies are SendLink's and sendCopies'.

// notify emails a recipient whose turn it is: outside parties their link
// (SendLink), staff a link to sign signed in.
func (s *Store) notify(ctx context.Context, recipientID string) error {
	r, err := cerRecipient(ctx, s.db, recipientID)
	if err != nil {
		return err
	}
	if r.UserID == "" {
		return s.SendLink(ctx, recipientID)
	}
	env, err := cerEnvelope(ctx, s.db, r.EnvelopeID)
	if err != nil {
		return err
	}
	if !atTurn(env, r) || r.Email == "" || s.opts.Mail == nil {
		return nil
	}
	text := "Hello " + r.Name + ",\n\n" + env.SenderName + " asks you to " + cerVerb(r.Role) + " \"" + env.Title + "\". It is your turn now.\n\n" +
		"Sign in and open it here:\n" + s.link("/envelopes/"+env.ID+"/sign") + "\n\n" +
		"It is also on your list of envelopes waiting for you:\n" + s.link("/envelopes/to-sign") + "\n"
	return s.opts.Mail.Send(ctx, mail.Message{To: r.Email, Subject: "Please " + cerVerb(r.Role) + ": " + env.Title, Text: text})
}

func (s *Store) link(path string) string { return strings.TrimRight(s.opts.BaseURL, "/") + path }

// sendCompletionNotices emails the sender and the staff among the
// recipients that env is sealed, with a link to download it. A failed
// email does not undo the seal.
func (s *Store) sendCompletionNotices(ctx context.Context, env Envelope, rs []Recipient) {
	if s.opts.Mail == nil {
		return
	}
	sent := map[string]bool{}
	send := func(to, name, path string) {
		to = strings.TrimSpace(to)
		if to == "" || sent[strings.ToLower(to)] {
			return
		}
		sent[strings.ToLower(to)] = true
		_ = s.opts.Mail.Send(ctx, mail.Message{To: to, Subject: "Completed: " + env.Title,
			Text: "Hello " + name + ",\n\n\"" + env.Title + "\" has been signed by everyone and sealed by the council.\n\n" +
				"Sign in to download the sealed document:\n" + s.link(path) + "\n"})
	}
	if s.opts.PersonEmail != nil && env.SenderID != "" {
		send(s.opts.PersonEmail(ctx, env.OrgID, env.SenderID), env.SenderName, "/envelopes/"+env.ID)
	}
	for _, r := range rs {
		if r.UserID == "" || r.UserID == env.SenderID || r.Status == RecipientReassigned || r.Status == RecipientDeclined {
			continue
		}
		send(r.Email, r.Name, "/envelopes/"+env.ID+"/documents/sealed.pdf")
	}
}

// recipientMayDownload says whether sub is a member of staff among env's
// recipients, who may download its sealed document though the envelope
// is another unit's.
func (s *Store) recipientMayDownload(ctx context.Context, sub *platform.Subject, env Envelope) bool {
	if sub == nil || !sub.IsStaff() || sub.UserID == "" || sub.OrgID != env.OrgID || env.Status != EnvelopeCompleted {
		return false
	}
	var n int
	err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM signing_recipients WHERE envelope_id = ? AND user_id = ? AND status <> ?",
		env.ID, sub.UserID, RecipientReassigned).Scan(&n)
	return err == nil && n > 0
}
