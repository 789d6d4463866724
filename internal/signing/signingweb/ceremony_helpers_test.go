package signingweb

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/ca"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
)

// cerEnv is the shared web env with the engine wired for the ceremony:
// emails printed by the real mail.Printer to a buffer (links and codes are
// read from it as a recipient reads their email), the test PKI's council
// key for the seal (until the keys part's SealingKey holds one) and its
// TSA, and the clock at the time the PKI's certificates start.
type cerEnv struct {
	*env
	pki *signingtest.PKI
	out *cerBuffer
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

func newCeremonyEnv(t testing.TB, db *store.DB) *cerEnv {
	t.Helper()
	c := &cerEnv{pki: signingtest.NewPKI(t), out: &cerBuffer{}}
	crl := c.pki.CRL(t)
	testOptions = func(o *signing.Options) {
		o.Mail = &mail.Printer{W: c.out}
		o.SealWith = func(context.Context, string) (*ca.Credential, pades.RevocationSource, error) {
			return c.pki.Council, pades.CRLs(crl), nil
		}
	}
	t.Cleanup(func() { testOptions = nil })
	c.env = newEnvWith(t, db, map[string]string{"DBTP_SIGNING_TSA_URL": c.pki.TSAURL})
	testOptions = nil
	c.clock.Set(time.Now().UTC().Truncate(time.Millisecond))
	return c
}

// cerWebRecipient is one recipient for insertCeremonyTestEnvelope.
type cerWebRecipient struct {
	step        int
	role        string
	user        string // a person of the env, by first name; "": outside
	name, email string
	mayReassign bool
	fields      []signing.Field
}

// insertCeremonyTestEnvelope is a TEST HELPER that inserts a sent envelope's rows
// directly, with step 1's recipients notified, and emails the outside
// ones their links (the envelopes part has the real create and send,
// which starts the step through the engine).
func (c *cerEnv) insertCeremonyTestEnvelope(title string, rs ...cerWebRecipient) (string, []string) {
	c.t.Helper()
	doc := signingtest.Contract(c.t, 2)
	info, err := c.m.d.Blob.Put(c.ctx, bytes.NewReader(doc))
	noErr(c.t, err)
	sum := sha256.Sum256(doc)
	now := store.Millis(c.clock.Now())
	id := platform.NewID("env")
	pat := c.users["Pat"]
	ids := make([]string, len(rs))
	noErr(c.t, c.db.Write(c.ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(c.ctx, `INSERT INTO signing_envelopes (id, org_id, unit_id, title, status, sender_id, sender_name, original_blob, current_blob,
			original_sha256, pages, current_step, created_at, sent_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			id, c.org.ID, c.units["Procurement"], title, signing.EnvelopeSent, pat.ID, pat.Name, info.ID, info.ID, hex.EncodeToString(sum[:]), 2, 1, now, now, now); err != nil {
			return err
		}
		for i, r := range rs {
			ids[i] = platform.NewID("rcp")
			user := ""
			if r.user != "" {
				user, r.name = c.users[r.user].ID, c.users[r.user].Name
			}
			status := signing.RecipientWaiting
			if r.step == 1 {
				status = signing.RecipientNotified
			}
			if _, err := tx.Exec(c.ctx, `INSERT INTO signing_recipients (id, envelope_id, org_id, step, role, user_id, name, email, status, may_reassign, created_at, updated_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, ids[i], id, c.org.ID, r.step, r.role, user, r.name, r.email, status, map[bool]int{true: 1}[r.mayReassign], now+int64(i), now); err != nil {
				return err
			}
			for _, f := range r.fields {
				if _, err := tx.Exec(c.ctx, `INSERT INTO signing_fields (id, envelope_id, recipient_id, kind, page, x, y, width, height, required, label)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, platform.NewID("fld"), id, ids[i], f.Kind, f.Page, f.X, f.Y, f.Width, f.Height, map[bool]int{true: 1}[f.Required], f.Label); err != nil {
					return err
				}
			}
		}
		return nil
	}))
	for i, r := range rs {
		if r.step == 1 && r.user == "" {
			noErr(c.t, c.m.ss.SendLink(c.ctx, ids[i]))
		}
	}
	return id, ids
}

var (
	cerLinkRE = regexp.MustCompile(`http://dbtp\.test(/signing/[A-Za-z0-9_-]{20,})`)
	cerCodeRE = regexp.MustCompile(`Your code is (\d{6})`)
)

// last finds re's first group in the newest email to to that has it.
func (c *cerEnv) last(to string, re *regexp.Regexp) string {
	c.t.Helper()
	ms := strings.Split(c.out.String(), "\n--- email to ")
	for i := len(ms) - 1; i > 0; i-- {
		if strings.HasPrefix(ms[i], to+" ") {
			if m := re.FindStringSubmatch(ms[i]); m != nil {
				return m[1]
			}
		}
	}
	c.t.Fatalf("no email to %s matches %s:\n%s", to, re, c.out.String())
	return ""
}
