package post

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/post/callback"
	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/logprov"
	"dbtp/internal/post/provider/smtpmail"
	"dbtp/internal/store"
)

// The delivery part's additions to the shared engine env.

// smtpTo is the SMTP provider sending through a relay at addr.
func smtpTo(t testing.TB, addr string) provider.Provider {
	t.Helper()
	s, err := mail.New(mail.Config{Addr: addr, From: "Northshire Council <noreply@northshire.example>", StartTLS: mail.TLSNone})
	noErr(t, err)
	return smtpmail.New(mail.NewPool(s, 8))
}

// deliverer registers delivery on the env's queue with these providers
// and the real callback poster (loopback allowed).
func (e *env) deliverer(d Delivery) *Deliverer {
	e.t.Helper()
	if d.Callbacks == nil {
		d.Callbacks = callback.New(true)
	}
	if d.Providers == nil {
		d.Providers = map[string]provider.Provider{}
	}
	for _, k := range []string{KindSMS, KindLetter} {
		if d.Providers[k] == nil {
			d.Providers[k] = logprov.New(slog.New(slog.DiscardHandler))
		}
	}
	dl, err := e.ps.HandleDelivery(d)
	noErr(e.t, err)
	return dl
}

// template stores a template of sv directly (the templates part makes
// them through its own engine; delivery only reads them).
func (e *env) template(sv Service, kind, subject, body string) Template {
	e.t.Helper()
	t := Template{ID: NewUUID(), OrgID: sv.OrgID, ServiceID: sv.ID, UnitID: sv.UnitID, Kind: kind, Name: "Test " + kind, Subject: subject, Body: body,
		Version: 1, Statutory: true}
	now := store.Millis(e.clock.Now())
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(e.ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, version, statutory, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, 1, ?, ?)`, t.ID, t.OrgID, t.ServiceID, t.UnitID, t.Kind, t.Name, t.Subject, t.Body, now, now); err != nil {
			return err
		}
		_, err := tx.Exec(e.ctx, "INSERT INTO post_template_versions (template_id, version, subject, body, created_at) VALUES (?, 1, ?, ?, ?)",
			t.ID, t.Subject, t.Body, now)
		return err
	}))
	return t
}

// notification stores a notification in status created with its
// delivery job through the send path's insert (the same write every send
// makes), without its checks, so a test can store what a check would
// refuse. change adjusts it first.
func (e *env) notification(t Template, to string, p map[string]any, change ...func(*Notification)) Notification {
	e.t.Helper()
	now := e.clock.Now()
	n := Notification{ID: NewUUID(), OrgID: t.OrgID, ServiceID: t.ServiceID, TemplateID: t.ID, TemplateVersion: t.Version, Kind: t.Kind,
		Recipient: to, Personalisation: p, Subject: t.Subject, Body: t.Body, KeyType: KeyNormal, Status: StatusCreated, CreatedAt: now, UpdatedAt: now}
	if t.Kind == KindLetter {
		n.Address = strings.Split(to, "\n")
		n.Recipient = n.Address[0]
		n.Postage = "second"
	}
	for _, c := range change {
		c(&n)
	}
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error { return e.ps.insert(e.ctx, tx, &n, platform.System(n.OrgID), nil) }))
	return n
}

// status reads a notification's delivery fields.
type deliveryState struct {
	Status, Provider, LastError, PDFBlob string
	Attempts, Pages                      int
	DispatchAt, SentAt, CompletedAt      int64
}

func (e *env) state(id string) deliveryState {
	e.t.Helper()
	var s deliveryState
	noErr(e.t, e.db.QueryRow(e.ctx, `SELECT status, provider, last_error, pdf_blob, attempts, pages, dispatch_at, sent_at, completed_at
		FROM post_notifications WHERE id = ?`, id).Scan(&s.Status, &s.Provider, &s.LastError, &s.PDFBlob, &s.Attempts, &s.Pages, &s.DispatchAt,
		&s.SentAt, &s.CompletedAt))
	return s
}

// run runs every due job.
func (e *env) run() {
	e.t.Helper()
	_, err := e.jobs.RunDue(e.ctx)
	noErr(e.t, err)
}

// setService changes a service's columns directly (the sending part owns
// the pages and engine calls that do it).
func (e *env) setService(id, set string, args ...any) {
	e.t.Helper()
	noErr(e.t, e.db.Write(e.ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(e.ctx, "UPDATE post_services SET "+set+" WHERE id = ?", append(args, id)...)
		return err
	}))
}

// receiver is a service's callback endpoint: a real HTTP server that
// keeps what it is sent and answers with the statuses in fail first.
type receiver struct {
	*httptest.Server
	mu   sync.Mutex
	got  []received
	fail []int
}

type received struct {
	Auth string
	Body Receipt
}

func newReceiver(t testing.TB, fail ...int) *receiver {
	r := &receiver{fail: fail}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if len(r.fail) > 0 {
			w.WriteHeader(r.fail[0])
			r.fail = r.fail[1:]
			return
		}
		var rc Receipt
		if err := json.Unmarshal(b, &rc); err != nil || req.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		r.got = append(r.got, received{Auth: req.Header.Get("Authorization"), Body: rc})
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) received() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

// after moves the clock on past d.
func (e *env) after(d time.Duration) { e.clock.Add(d + time.Millisecond) }
