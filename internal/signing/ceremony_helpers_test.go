package signing

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/events"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
)

// cerMods adds the events tables: the ceremony publishes EventEnvelope.
var cerMods = append(append([]store.Migrations{}, testMods...), events.Migrations)

// cer is the shared env with a signing store wired as the module wires
// it for the ceremony: the real mail.Printer writing to a buffer (links
// and codes are read from it as a recipient reads their email), an events
// bus, the test PKI's council key given to the seal through
// Options.SealWith, and a time-stamping authority.
type cer struct {
	*env
	ss    *Store
	pki   *signingtest.PKI
	bus   *events.Bus
	out   *cerBuffer
	texts *textLog
	files FileStore
	// delivered are the EventEnvelope events subscribers received.
	delivered []EnvelopeEvent
	mu        sync.Mutex
}

type cerBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *cerBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *cerBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// newCeremony wires the store; tsaURL empty means dbtp's own TSA from
// the test PKI.
func newCeremony(t testing.TB, db *store.DB, tsaURL string) *cer {
	t.Helper()
	e := newEnv(t, db)
	c := &cer{env: e, pki: signingtest.NewPKI(t), out: &cerBuffer{}}
	// The test PKI's certificates are valid from now: the clock follows.
	e.clock.Set(time.Now().UTC().Truncate(time.Millisecond))
	if tsaURL == "" {
		tsaURL = c.pki.TSAURL
	}
	ap := access.New(e.log)
	noErr(t, ap.Register(ResourceType, Policy))
	bus, err := events.New(db, e.jobs, ap, e.log, events.Options{Clock: e.clock})
	noErr(t, err)
	noErr(t, bus.Declare(EventEnvelope))
	noErr(t, bus.Subscribe("test", []string{EventEnvelope}, func(ctx context.Context, ev events.Event) error {
		var p EnvelopeEvent
		noErr(t, json.Unmarshal(ev.Data, &p))
		c.mu.Lock()
		c.delivered = append(c.delivered, p)
		c.mu.Unlock()
		return nil
	}))
	c.bus = bus
	c.files = blobtest.Disk(t)
	crl := c.pki.CRL(t)
	c.texts = &textLog{}
	c.ss = New(db, e.log, ap, Options{Files: c.files, Now: e.clock.Now, Jobs: e.jobs, Events: bus, Mail: &mail.Printer{W: c.out}, Texts: c.texts,
		BaseURL: "http://dbtp.test", TSAURL: tsaURL,
		SealWith: func(ctx context.Context, orgID string) (*ca.Credential, pades.RevocationSource, error) {
			return c.pki.Council, pades.CRLs(crl), nil
		}})
	noErr(t, c.ss.RegisterJobs())
	return c
}

// textLog stands where digital post's SMS is wired in cmd/dbtp (whose
// test takes codes through post to an SMS gateway): it keeps the texts,
// or refuses them while down is set.
type textLog struct {
	mu   sync.Mutex
	sent []Text
	down error
}

func (l *textLog) SendText(_ context.Context, t Text) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.down != nil {
		return l.down
	}
	l.sent = append(l.sent, t)
	return nil
}

func (l *textLog) texts() []Text {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Text(nil), l.sent...)
}

// ceremonyRecipient describes a recipient for insertCeremonyTestEnvelope.
type ceremonyRecipient struct {
	step        int
	role        string
	user        *platform.Subject // staff signing in; nil: an outside party
	name, email string
	phone       string // +447...: their code by text message
	mayReassign bool
	fields      []Field // placed for them (ID, envelope and recipient are filled in)
}

// insertCeremonyTestEnvelope is a TEST HELPER that inserts an envelope's rows
// directly (the envelopes part has the real create and send) and starts
// its first step as sending does. It returns the envelope and the
// recipients' IDs in the order given.
func (c *cer) insertCeremonyTestEnvelope(title string, doc []byte, rs ...ceremonyRecipient) (Envelope, []string) {
	c.t.Helper()
	info, err := c.files.Put(c.ctx, bytes.NewReader(doc))
	noErr(c.t, err)
	sum := sha256.Sum256(doc)
	now := store.Millis(c.clock.Now())
	env := Envelope{ID: platform.NewID("env"), OrgID: c.org.ID, UnitID: c.units["Procurement"], Title: title, Status: EnvelopeSent,
		SenderID: c.pat.UserID, SenderName: c.pat.Name, OriginalBlob: info.ID, CurrentBlob: info.ID, OriginalSHA256: hex.EncodeToString(sum[:])}
	ids := make([]string, len(rs))
	noErr(c.t, c.db.Write(c.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(c.ctx, `INSERT INTO signing_envelopes (id, org_id, unit_id, title, status, sender_id, sender_name, original_blob, current_blob,
			original_sha256, pages, created_at, sent_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			env.ID, env.OrgID, env.UnitID, env.Title, env.Status, env.SenderID, env.SenderName, env.OriginalBlob, env.CurrentBlob, env.OriginalSHA256, 1, now, now, now); err != nil {
			return err
		}
		for i, r := range rs {
			ids[i] = platform.NewID("rcp")
			user := ""
			if r.user != nil {
				user, r.name = r.user.UserID, r.user.Name
			}
			if _, err := tx.Exec(c.ctx, `INSERT INTO signing_recipients (id, envelope_id, org_id, step, role, user_id, name, email, phone, status, may_reassign, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ids[i], env.ID, env.OrgID, r.step, r.role, user, r.name, r.email, r.phone, RecipientWaiting, b2i(r.mayReassign), now+int64(i), now); err != nil {
				return err
			}
			for _, f := range r.fields {
				if _, err := tx.Exec(c.ctx, `INSERT INTO signing_fields (id, envelope_id, recipient_id, kind, page, x, y, width, height, required, label)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("fld"), env.ID, ids[i], f.Kind, f.Page, f.X, f.Y, f.Width, f.Height, b2i(f.Required), f.Label); err != nil {
					return err
				}
			}
		}
		return c.ss.startStep(c.ctx, tx, env, 1)
	}))
	return env, ids
}

// run works the due jobs (links by email, seals, event deliveries).
func (c *cer) run() {
	c.t.Helper()
	for i := 0; i < 5; i++ {
		n, err := c.jobs.RunDue(c.ctx)
		noErr(c.t, err)
		if n == 0 {
			return
		}
	}
}

var (
	cerLinkRE = regexp.MustCompile(`/signing/([A-Za-z0-9_-]{20,})`)
	cerCodeRE = regexp.MustCompile(`Your code is (\d{6})`)
)

// mails are the emails printed to to, oldest first.
func (c *cer) mails(to string) []string {
	var out []string
	for _, m := range strings.Split(c.out.String(), "\n--- email to ")[1:] {
		if strings.HasPrefix(m, to+" ") {
			out = append(out, m)
		}
	}
	return out
}

// last finds re's first group in the newest email to to that has it.
func (c *cer) last(to string, re *regexp.Regexp) string {
	c.t.Helper()
	ms := c.mails(to)
	for i := len(ms) - 1; i >= 0; i-- {
		if m := re.FindStringSubmatch(ms[i]); m != nil {
			return m[1]
		}
	}
	c.t.Fatalf("no email to %s matches %s; printed:\n%s", to, re, c.out.String())
	return ""
}

// identify goes through an outside party's link and code, as they would.
func (c *cer) identify(email string) Actor {
	c.t.Helper()
	token := c.last(email, cerLinkRE)
	noErr(c.t, c.ss.SendCode(c.ctx, token, "198.51.100.7"))
	session, err := c.ss.CheckCode(c.ctx, token, c.last(email, cerCodeRE), "198.51.100.7")
	noErr(c.t, err)
	return Actor{Token: token, Session: session, Addr: "198.51.100.7"}
}

func (c *cer) envelope(id string) Envelope {
	c.t.Helper()
	env, err := cerEnvelope(c.ctx, c.db, id)
	noErr(c.t, err)
	return env
}

func (c *cer) recipient(id string) Recipient {
	c.t.Helper()
	r, err := cerRecipient(c.ctx, c.db, id)
	noErr(c.t, err)
	return r
}
