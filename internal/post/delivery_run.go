package post

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
	"dbtp/internal/post/provider"
	"dbtp/internal/store"
)

// outgoing is a notification as delivery sees it, with its service's
// settings beside it.
type outgoing struct {
	Notification
	DispatchAt    int64
	RateSlot      int64
	ServiceName   string
	ReplyTo       string
	SMSSender     string
	LetterContact string
	RatePerMinute int
	CallbackURL   string
}

const outgoingColumns = `n.id, n.org_id, n.service_id, n.template_id, n.template_version, n.kind, n.recipient, n.address, n.personalisation,
	n.subject, n.body, n.reference, n.case_id, n.person_id, n.key_type, n.status, n.large_print, n.postage, n.provider, n.provider_ref, n.attempts,
	n.pdf_blob, n.pages, n.scheduled_for, n.created_at, n.sent_at, n.completed_at, n.dispatch_at, n.rate_slot,
	s.name, s.email_reply_to, s.sms_sender, s.letter_contact, s.rate_per_minute, s.callback_url`

func scanOutgoing(r rowScanner) (outgoing, error) {
	var o outgoing
	var addr, pers string
	var large int
	var sched, created, sent, completed int64
	err := r.Scan(&o.ID, &o.OrgID, &o.ServiceID, &o.TemplateID, &o.TemplateVersion, &o.Kind, &o.Recipient, &addr, &pers,
		&o.Subject, &o.Body, &o.Reference, &o.CaseID, &o.PersonID, &o.KeyType, &o.Status, &large, &o.Postage, &o.Provider, &o.ProviderRef, &o.Attempts,
		&o.PDFBlob, &o.Pages, &sched, &created, &sent, &completed, &o.DispatchAt, &o.RateSlot,
		&o.ServiceName, &o.ReplyTo, &o.SMSSender, &o.LetterContact, &o.RatePerMinute, &o.CallbackURL)
	if err != nil {
		return o, err
	}
	if addr != "" {
		o.Address = strings.Split(addr, "\n")
	}
	if pers != "" && pers != "{}" {
		_ = json.Unmarshal([]byte(pers), &o.Personalisation) // stored by the send path as JSON; bad JSON renders without it
	}
	o.LargePrint = large == 1
	o.ScheduledFor, o.CreatedAt, o.SentAt, o.CompletedAt = store.Time(sched), store.Time(created), store.Time(sent), store.Time(completed)
	return o, nil
}

func (s *Store) loadOutgoing(ctx context.Context, tx *store.Tx, id string) (outgoing, error) {
	q := "SELECT " + outgoingColumns + " FROM post_notifications n JOIN post_services s ON s.id = n.service_id WHERE n.id = ?"
	if tx != nil {
		if tx.Dialect() == store.Postgres {
			q += " FOR UPDATE OF n"
		}
		return scanOutgoing(tx.QueryRow(ctx, q, id))
	}
	return scanOutgoing(s.db.QueryRow(ctx, q, id))
}

// deliver hands one notification to its provider. It is run by the
// JobDeliver job, at least once: the notification's own status and
// dispatch mark make a second run send nothing that was sent. last says
// this is the job's last attempt: a temporary failure then fails the
// message as a technical failure instead of retrying.
func (dl *Deliverer) deliver(ctx context.Context, id string, last bool) error {
	s := dl.s
	o, err := s.loadOutgoing(ctx, nil, id)
	if store.IsNoRows(err) {
		return nil // gone (a test's or an operator's deletion): nothing to send
	}
	if err != nil {
		return err
	}
	if o.Status != StatusCreated {
		return nil // handed over, finished or cancelled already
	}
	now := s.now()
	if o.ScheduledFor.After(now) {
		return dl.requeue(ctx, o, o.ScheduledFor)
	}
	p := dl.d.Providers[o.Kind]
	if o.KeyType == KeyTest {
		// Notify's test keys: the message goes nowhere and is "delivered".
		return dl.finish(ctx, o, 0, "test", provider.Result{Status: finalOK(o.Kind)}, nil)
	}
	if p == nil {
		return dl.temporary(ctx, o, 0, last, fmt.Errorf("no %s provider is set on this node (see DBTP_POST_%s_PROVIDER)", kindWords(o.Kind), strings.ToUpper(o.Kind)))
	}
	msg, pdf, err := dl.message(ctx, o)
	if err != nil {
		if provider.IsPermanent(err) {
			return dl.finish(ctx, o, 0, p.Name(), provider.Result{}, err)
		}
		return err
	}
	// Claim the send: the status is still created and nobody is mid-send,
	// the rate limit lets it go now, and the mark that a provider call has
	// begun commits before the call is made.
	var claimed, busy bool
	var mark int64
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		cur, err := s.loadOutgoing(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != StatusCreated {
			return nil
		}
		now := s.now()
		if cur.DispatchAt != 0 {
			if ip, ok := p.(provider.Idempotent); !ok || !ip.Idempotent() {
				if now.Sub(store.Time(cur.DispatchAt)) < inFlight {
					busy = true // another run may be sending it this minute
					return nil
				}
				return dl.interrupted(ctx, tx, cur)
			}
		}
		slot := store.Time(cur.RateSlot)
		if cur.RateSlot == 0 {
			if slot, err = dl.takeSlot(ctx, tx, cur.ServiceID, cur.Kind, cur.RatePerMinute, now); err != nil {
				return err
			}
		}
		if slot.After(now) {
			if _, err := tx.Exec(ctx, "UPDATE post_notifications SET rate_slot = ?, updated_at = ? WHERE id = ?", store.Millis(slot), store.Millis(now), id); err != nil {
				return err
			}
			return dl.enqueueAt(ctx, tx, cur, slot)
		}
		mark = store.Millis(now)
		if mark <= cur.DispatchAt {
			mark = cur.DispatchAt + 1 // a mark of its own, even within the same millisecond
		}
		if _, err := tx.Exec(ctx, `UPDATE post_notifications SET dispatch_at = ?, rate_slot = 0, attempts = attempts + 1, provider = ?, pdf_blob = ?, pages = ?,
			updated_at = ? WHERE id = ?`, mark, p.Name(), pdf.blob, pdf.pages, store.Millis(now), id); err != nil {
			return err
		}
		claimed = true
		return nil
	})
	if busy {
		return errors.New("another delivery of this message is under way; asking again later")
	}
	if err != nil || !claimed {
		return err
	}
	o.Attempts++
	res, err := p.Send(ctx, msg)
	if err != nil && !provider.IsPermanent(err) {
		return dl.temporary(context.WithoutCancel(ctx), o, mark, last, err)
	}
	return dl.finish(context.WithoutCancel(ctx), o, mark, p.Name(), res, err)
}

// inFlight is how long a dispatch mark may belong to a run still sending:
// the delivery job's timeout and the jobs queue's lease grace. A mark
// older than that was left by a node that stopped; a newer one may be a
// second job for the same message at work right now, which must not be
// mistaken for an interrupted send.
const inFlight = 3 * time.Minute

type letterPDF struct {
	blob  string
	pages int
}

// message renders o for its provider. A letter's PDF is made once and
// kept in the file store; later attempts send the same file.
func (dl *Deliverer) message(ctx context.Context, o outgoing) (provider.Message, letterPDF, error) {
	m := provider.Message{ID: o.ID, Kind: o.Kind, To: o.Recipient, Subject: o.Subject, Text: o.Body, ReplyTo: o.ReplyTo, Sender: o.SMSSender,
		Address: o.Address, LargePrint: o.LargePrint, Postage: o.Postage, Reference: o.Reference}
	r := dl.render(ctx, o)
	if r != nil {
		m.Subject, m.Text, m.HTML = r.Subject, r.Text, r.HTML
	}
	if o.Kind != KindLetter {
		return m, letterPDF{}, dl.addUnsubscribe(ctx, o, &m)
	}
	out := letterPDF{blob: o.PDFBlob, pages: o.Pages}
	files := dl.s.opts.Files
	if o.PDFBlob != "" && files != nil {
		rc, _, err := files.Open(ctx, o.PDFBlob)
		if err != nil {
			return m, out, err
		}
		defer rc.Close()
		if m.PDF, err = io.ReadAll(rc); err != nil {
			return m, out, err
		}
		return m, out, nil
	}
	// The letters part's letter (Store.Letter: the service's return
	// address, the council's logo, the date it was made), headed with the
	// council's name when the node has one.
	sv := Service{Name: o.ServiceName, LetterContact: o.LetterContact}
	l := dl.s.Letter(sv, o.Notification, r)
	if dl.d.Council != "" {
		l.Council = dl.d.Council
	}
	if r == nil {
		l.Heading = m.Subject
		l.Blocks = []notify.Block{{Kind: notify.Paragraph, Lines: strings.Split(o.Body, "\n")}}
	}
	pdf, pages, err := letter.Render(l)
	if err != nil {
		return m, out, provider.Permanent(fmt.Errorf("the letter cannot be made: %w", err))
	}
	m.PDF, out.pages = pdf, pages
	if files != nil {
		info, err := files.Put(ctx, bytes.NewReader(pdf))
		if err != nil {
			return m, out, err
		}
		out.blob = info.ID
	}
	return m, out, nil
}

// render fills the template in again for the parts the row does not keep
// (an email's HTML, a letter's blocks); nil when the template or its
// version is gone, and the stored subject and text are sent as they are.
func (dl *Deliverer) render(ctx context.Context, o outgoing) *notify.Rendered {
	if o.TemplateID == "" {
		return nil
	}
	t, err := dl.template(ctx, o)
	if err != nil {
		return nil
	}
	r, err := notify.Render(o.Kind, t.Subject, t.Body, o.Personalisation)
	if err != nil {
		return nil
	}
	return r
}

// interrupted ends a message an earlier run began handing to a provider
// that cannot tell a repeat: it may have gone, so it is not sent again.
func (dl *Deliverer) interrupted(ctx context.Context, tx *store.Tx, o outgoing) error {
	return dl.setFinal(ctx, tx, o, StatusTechnicalFailure, "", o.DispatchAt,
		"delivery stopped while the provider had the message (a node stopped mid-send); it is not sent again so that nobody gets it twice")
}

// temporary records a failure a retry may mend and lets the job retry it,
// or on the last attempt fails the message as a technical failure.
func (dl *Deliverer) temporary(ctx context.Context, o outgoing, mark int64, last bool, cause error) error {
	if last {
		return dl.s.db.Write(ctx, func(tx *store.Tx) error {
			return dl.setFinal(ctx, tx, o, StatusTechnicalFailure, "", mark, "gave up after "+fmt.Sprint(o.Attempts)+" attempts: "+errText(cause))
		})
	}
	err := dl.s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE post_notifications SET dispatch_at = 0, last_error = ?, updated_at = ? WHERE id = ? AND status = ? AND dispatch_at = ?",
			errText(cause), store.Millis(dl.s.now()), o.ID, StatusCreated, mark)
		return err
	})
	return errors.Join(cause, err)
}

// finish records the provider's answer: taken (sending, or delivered when
// the provider knows), or a permanent failure.
func (dl *Deliverer) finish(ctx context.Context, o outgoing, mark int64, name string, res provider.Result, sendErr error) error {
	return dl.s.db.Write(ctx, func(tx *store.Tx) error {
		if sendErr != nil {
			st := StatusPermanentFailure
			if o.Kind == KindLetter {
				st = StatusValidationFailed
			}
			return dl.setFinal(ctx, tx, o, st, name, mark, errText(sendErr))
		}
		st := res.Status
		if st == "" {
			st = StatusSending
			if o.Kind == KindLetter {
				st = StatusAccepted
			}
		}
		if Final(st) {
			if err := dl.setFinal(ctx, tx, o, st, name, mark, ""); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, "UPDATE post_notifications SET provider_ref = ?, sent_at = ? WHERE id = ?", res.Ref, store.Millis(dl.s.now()), o.ID)
			return err
		}
		now := store.Millis(dl.s.now())
		_, err := tx.Exec(ctx, `UPDATE post_notifications SET status = ?, provider = ?, provider_ref = ?, sent_at = ?, dispatch_at = 0, last_error = '', updated_at = ?
			WHERE id = ? AND status = ? AND dispatch_at = ?`, st, name, res.Ref, now, now, o.ID, StatusCreated, mark)
		return err
	})
}

// setFinal moves o from created (with the dispatch mark mark) to a final
// status and, when its service has a callback URL, queues the receipt.
func (dl *Deliverer) setFinal(ctx context.Context, tx *store.Tx, o outgoing, status, name string, mark int64, why string) error {
	now := store.Millis(dl.s.now())
	if name == "" {
		name = o.Provider
	}
	res, err := tx.Exec(ctx, `UPDATE post_notifications SET status = ?, provider = ?, last_error = ?, dispatch_at = 0, completed_at = ?, updated_at = ?
		WHERE id = ? AND status = ? AND dispatch_at = ?`, status, name, why, now, now, o.ID, StatusCreated, mark)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // another run recorded it first
	}
	return dl.queueCallback(ctx, tx, o.CallbackURL, o.OrgID, o.ID, status)
}

// requeue puts the delivery off until at (a scheduled send).
func (dl *Deliverer) requeue(ctx context.Context, o outgoing, at time.Time) error {
	return dl.s.db.Write(ctx, func(tx *store.Tx) error { return dl.enqueueAt(ctx, tx, o, at) })
}

func (dl *Deliverer) enqueueAt(ctx context.Context, tx *store.Tx, o outgoing, at time.Time) error {
	_, err := dl.s.opts.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: JobDeliver, OrgID: o.OrgID, Args: deliverArgs{ID: o.ID},
		Key: fmt.Sprintf("%s@%d", o.ID, store.Millis(at)), RunAt: at})
	return err
}

// finalOK is the status of a message that arrived.
func finalOK(kind string) string {
	if kind == KindLetter {
		return StatusReceived
	}
	return StatusDelivered
}

func kindWords(kind string) string {
	switch kind {
	case KindSMS:
		return "text message"
	case KindLetter:
		return "letter"
	}
	return kind
}

// errText keeps a stored error short.
func errText(err error) string {
	s := err.Error()
	if len(s) > 1000 {
		s = strings.ToValidUTF8(s[:1000], "")
	}
	return s
}

// template is o's template at its version. A version never changes once
// made, so versions are kept in memory (a few hundred: a council has that
// many templates in use, not more) and a busy queue reads each once.
func (dl *Deliverer) template(ctx context.Context, o outgoing) (Template, error) {
	key := o.TemplateID + "@" + strconv.Itoa(o.TemplateVersion)
	dl.mu.Lock()
	t, ok := dl.templates[key]
	dl.mu.Unlock()
	if ok {
		return t, nil
	}
	t, err := dl.s.TemplateForService(ctx, o.ServiceID, o.TemplateID, o.TemplateVersion)
	if err != nil || o.TemplateVersion == 0 {
		return t, err
	}
	dl.mu.Lock()
	if len(dl.templates) >= 500 {
		clear(dl.templates)
	}
	dl.templates[key] = t
	dl.mu.Unlock()
	return t, nil
}
