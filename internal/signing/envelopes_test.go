package signing

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/blob/blobtest"
	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/platform"
	"dbtp/internal/signing/pades"
	"dbtp/internal/signing/signingtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// draft is a three-page contract as a draft sent by sub.
func (e *env) draft(sub *platform.Subject, title string) Envelope {
	e.t.Helper()
	env, err := e.ss.Create(e.ctx, sub, NewEnvelope{Title: title, PDF: signingtest.Contract(e.t, 3), RemindEveryDays: 3, ExpiresInDays: 10})
	noErr(e.t, err)
	return env
}

// ready is a draft with a supplier (step 1) and Cara (step 2) signing,
// Mo approving beside Cara, and Rosa copied, with a signature field each.
func (e *env) ready(sub *platform.Subject, title string) Envelope {
	e.t.Helper()
	env := e.draft(sub, title)
	rs, err := e.ss.SetRecipients(e.ctx, sub, e.id.Directory(), env.ID, []RecipientInput{
		{Step: 1, Role: RoleSigner, Name: "Sam Supplier", Email: "sam@supplier.example", Phone: "07700 900123"},
		{Step: 5, Role: RoleSigner, UserID: e.cara.UserID},
		{Step: 5, Role: RoleApprover, UserID: e.mo.UserID},
		{Step: 9, Role: RoleCopy, UserID: e.rosa.UserID},
	})
	noErr(e.t, err)
	_, err = e.ss.SetFields(e.ctx, sub, env.ID, []FieldInput{
		{RecipientID: rs[0].ID, Kind: FieldSignature, Position: "bottom of the last page"},
		{RecipientID: rs[0].ID, Kind: FieldInitials, Position: "bottom of each page"},
		{RecipientID: rs[1].ID, Kind: FieldSignature, Page: 3, X: 320, Y: 60},
		{RecipientID: rs[1].ID, Kind: FieldDate, Page: 3, X: 320, Y: 40},
	})
	noErr(e.t, err)
	return env
}

func TestEnvelopeLifecycle(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := e.ready(e.pat, "Supply contract CT-2026-017")
		if env.Status != EnvelopeDraft || env.Pages != 3 || env.UnitID != e.units["Procurement"] || len(env.OriginalSHA256) != 64 {
			t.Fatalf("draft: %+v", env)
		}
		got, err := e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if len(got.Recipients) != 4 {
			t.Fatalf("recipients: %+v", got.Recipients)
		}
		// Steps 1, 5, 5, 9 are renumbered 1, 2, 2, 3; staff named from the directory.
		steps := []int{got.Recipients[0].Step, got.Recipients[1].Step, got.Recipients[2].Step, got.Recipients[3].Step}
		if steps[0] != 1 || steps[1] != 2 || steps[2] != 2 || steps[3] != 3 || got.Recipients[1].Name != "Cara" || got.Recipients[0].Phone != "+447700900123" {
			t.Fatalf("steps %v, recipients %+v", steps, got.Recipients)
		}
		// 1 + 3 (one per page) + 2 fields; the named one on the last page.
		if len(got.Fields) != 6 {
			t.Fatalf("fields: %+v", got.Fields)
		}
		last := 0
		for _, f := range got.Fields {
			if f.Kind == FieldSignature && f.RecipientID == got.Recipients[0].ID {
				last = f.Page
			}
		}
		if last != 3 {
			t.Fatalf("bottom of the last page landed on page %d", last)
		}
		// Changing the recipients keeps the fields of those who stay.
		_, err = e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 1, Role: RoleSigner, Name: "Sam Supplier", Email: "SAM@supplier.example"},
			{Step: 2, Role: RoleSigner, UserID: e.cara.UserID},
		})
		noErr(t, err)
		got, err = e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if len(got.Recipients) != 2 || len(got.Fields) != 6 {
			t.Fatalf("after change: %d recipients, %d fields", len(got.Recipients), len(got.Fields))
		}

		e.clock.Add(24 * time.Hour)
		sent, err := e.ss.Send(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if sent.Status != EnvelopeSent || sent.CurrentStep != 1 || !sent.ExpiresAt.Equal(e.clock.Now().AddDate(0, 0, 10)) {
			t.Fatalf("sent: status %s step %d expires %s", sent.Status, sent.CurrentStep, sent.ExpiresAt)
		}
		// Sent: the draft can no longer change, nor be sent again.
		_, err = e.ss.SetFields(e.ctx, e.pat, env.ID, nil)
		wantCode(t, err, platform.CodeConflict)
		_, err = e.ss.Send(e.ctx, e.pat, env.ID)
		wantCode(t, err, platform.CodeConflict)

		_, err = e.ss.Void(e.ctx, e.pat, env.ID, "  ")
		wantField(t, err, "reason")
		voided, err := e.ss.Void(e.ctx, e.pat, env.ID, "The supplier withdrew its tender")
		noErr(t, err)
		if voided.Status != EnvelopeVoided || voided.Reason != "The supplier withdrew its tender" {
			t.Fatalf("voided: %+v", voided)
		}
		_, err = e.ss.Void(e.ctx, e.pat, env.ID, "again")
		wantCode(t, err, platform.CodeConflict)
		evs, err := e.ss.Events(e.ctx, e.pat, env.ID)
		noErr(t, err)
		var actions []string
		for _, ev := range evs {
			actions = append(actions, ev.Action)
		}
		if len(actions) < 3 || actions[0] != "created" || actions[1] != "sent" || actions[len(actions)-1] != "voided" {
			t.Fatalf("evidence: %v", actions)
		}
		rc, _, err := e.ss.EnvelopeDocument(e.ctx, e.pat, env.ID, DocOriginal)
		noErr(t, err)
		rc.Close()
		_, _, err = e.ss.EnvelopeDocument(e.ctx, e.pat, env.ID, DocSealed)
		wantCode(t, err, platform.CodeNotFound)
	})
}

func TestEnvelopeNotReady(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := e.draft(e.pat, "Empty")
		_, err := e.ss.Send(e.ctx, e.pat, env.ID)
		wantField(t, err, "recipients")
		_, err = e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{{Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@supplier.example"}})
		noErr(t, err)
		_, err = e.ss.Send(e.ctx, e.pat, env.ID)
		wantField(t, err, "fields") // a signer without a signature field
		got, err := e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if got.Status != EnvelopeDraft || got.CurrentStep != 0 {
			t.Fatalf("a refused send changed the envelope: %+v", got)
		}
		wantCode(t, e.ss.Discard(e.ctx, e.rosa, env.ID), platform.CodeForbidden)
		noErr(t, e.ss.Discard(e.ctx, e.pat, env.ID))
		_, err = e.ss.Get(e.ctx, e.pat, env.ID)
		wantCode(t, err, platform.CodeNotFound)
		sent := e.ready(e.pat, "Sent")
		_, err = e.ss.Send(e.ctx, e.pat, sent.ID)
		noErr(t, err)
		wantCode(t, e.ss.Discard(e.ctx, e.pat, sent.ID), platform.CodeConflict)
	})
}

func TestEnvelopeBadInput(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		contract := signingtest.Contract(t, 2)
		_, err := e.ss.Create(e.ctx, e.pat, NewEnvelope{PDF: contract})
		wantField(t, err, "title")
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "No file"})
		wantField(t, err, "pdf")
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Not a PDF", PDF: []byte("Dear supplier, ...")})
		wantField(t, err, "pdf")
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Malformed", PDF: append([]byte("%PDF-1.7\n"), bytes.Repeat([]byte("garbage "), 100)...)})
		wantField(t, err, "pdf")
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Truncated", PDF: contract[:len(contract)/2]})
		wantField(t, err, "pdf")
		huge := append([]byte("%PDF-1.7\n"), make([]byte, MaxPDFSize)...)
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Enormous", PDF: huge})
		wantCode(t, err, platform.CodeTooLarge)
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "x", ExpiresInDays: 400, RemindEveryDays: -1, PDF: contract})
		wantField(t, err, "expires_in_days")
		wantField(t, err, "remind_every_days")

		// Already signed.
		p := signingtest.NewPKI(t)
		res, err := pades.Sign(context.Background(), contract, pades.Options{Credential: p.Signer(t, "Someone"), Level: pades.LevelBB})
		noErr(t, err)
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Signed", PDF: res.PDF})
		wantField(t, err, "pdf")

		// Encrypted (qpdf makes one).
		signingtest.Need(t, "qpdf")
		dir := t.TempDir()
		in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
		noErr(t, os.WriteFile(in, contract, 0o600))
		if b, err := exec.Command("qpdf", "--encrypt", "secret", "owner", "256", "--", in, out).CombinedOutput(); err != nil {
			t.Fatalf("qpdf: %v %s", err, b)
		}
		enc, err := os.ReadFile(out)
		noErr(t, err)
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "Encrypted", PDF: enc})
		wantField(t, err, "pdf")
		if pe := platform.AsError(err); len(pe.Fields) == 0 || !bytes.Contains([]byte(pe.Fields[0].Message), []byte("encrypted")) {
			t.Fatalf("encrypted: %+v", pe.Fields)
		}

		// Nothing was written by any of those.
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM signing_envelopes").Scan(&n))
		if n != 0 {
			t.Fatalf("%d envelopes written by refused uploads", n)
		}

		env := e.draft(e.pat, "Contract")
		_, err = e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 0, Role: "witness", Name: "", Email: "not an address"},
			{Step: 1, Role: RoleSigner, UserID: e.other.UserID},
			{Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@example.com", Phone: "call me"},
		})
		for _, f := range []string{"recipients[0].role", "recipients[0].step", "recipients[0].name", "recipients[0].email", "recipients[1].user_id", "recipients[2].phone"} {
			wantField(t, err, f)
		}
		rs, err := e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@example.com"}, {Step: 2, Role: RoleCopy, Name: "Carl", Email: "carl@example.com"}})
		noErr(t, err)
		_, err = e.ss.SetFields(e.ctx, e.pat, env.ID, []FieldInput{
			{RecipientID: rs[0].ID, Kind: "stamp", Page: 1},
			{RecipientID: rs[1].ID, Kind: FieldSignature, Page: 1},
			{RecipientID: "rcp_nobody", Kind: FieldSignature, Page: 1},
			{RecipientID: rs[0].ID, Kind: FieldSignature, Page: 4},
			{RecipientID: rs[0].ID, Kind: FieldSignature, Page: 1, X: -5},
			{RecipientID: rs[0].ID, Kind: FieldSignature, Position: "somewhere nice"},
			{RecipientID: rs[0].ID, Kind: FieldText, Page: 1, Width: 5000},
		})
		for _, f := range []string{"fields[0].kind", "fields[1].recipient_id", "fields[2].recipient_id", "fields[3].page", "fields[4].x", "fields[5].position", "fields[6].width"} {
			wantField(t, err, f)
		}
		got, err := e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if len(got.Fields) != 0 || len(got.Recipients) != 2 {
			t.Fatalf("a refused change wrote: %+v", got)
		}
	})
}

func TestEnvelopeAccess(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		pats := e.ready(e.pat, "Pat's contract")
		caras := e.draft(e.cara, "Decision record 21/00097")
		// Readers: the sender, their unit (Mo), the records manager, the admin.
		for _, sub := range []*platform.Subject{e.pat, e.mo, e.rosa, e.admin} {
			_, err := e.ss.Get(e.ctx, sub, pats.ID)
			noErr(t, err)
		}
		_, err := e.ss.Get(e.ctx, e.cara, pats.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.Get(e.ctx, e.rita, pats.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.Get(e.ctx, e.other, pats.ID)
		wantCode(t, err, platform.CodeNotFound) // another organisation's: as if missing
		// Changers: the sender and the unit's manager; not the records manager.
		_, err = e.ss.SetFields(e.ctx, e.rosa, pats.ID, nil)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.SetFields(e.ctx, e.cara, pats.ID, nil)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.Send(e.ctx, e.mo, pats.ID)
		noErr(t, err)
		_, err = e.ss.Void(e.ctx, e.other, pats.ID, "mine now")
		wantCode(t, err, platform.CodeNotFound)
		// Creating for a unit one is not in.
		_, err = e.ss.Create(e.ctx, e.pat, NewEnvelope{Title: "x", UnitID: e.units["Finance"], PDF: signingtest.Contract(t, 1)})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.Create(e.ctx, e.rita, NewEnvelope{Title: "x", PDF: signingtest.Contract(t, 1)})
		wantCode(t, err, platform.CodeForbidden)

		// Lists follow the same rule.
		titles := func(sub *platform.Subject, q ListQuery) []string {
			t.Helper()
			p, err := e.ss.List(e.ctx, sub, q)
			noErr(t, err)
			var out []string
			for _, env := range p.Envelopes {
				out = append(out, env.Title)
			}
			return out
		}
		if got := titles(e.pat, ListQuery{}); len(got) != 1 || got[0] != pats.Title {
			t.Fatalf("pat lists %v", got)
		}
		if got := titles(e.cara, ListQuery{}); len(got) != 1 || got[0] != caras.Title {
			t.Fatalf("cara lists %v", got)
		}
		if got := titles(e.rosa, ListQuery{}); len(got) != 2 {
			t.Fatalf("rosa lists %v", got)
		}
		if got := titles(e.rosa, ListQuery{Status: EnvelopeSent}); len(got) != 1 || got[0] != pats.Title {
			t.Fatalf("sent: %v", got)
		}
		if got := titles(e.admin, ListQuery{Q: "21/000"}); len(got) != 1 || got[0] != caras.Title {
			t.Fatalf("search: %v", got)
		}
		_, err = e.ss.List(e.ctx, e.rita, ListQuery{})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.List(e.ctx, e.pat, ListQuery{Status: "lost"})
		wantField(t, err, "status")
		_, err = e.ss.List(e.ctx, e.pat, ListQuery{Cursor: "!!"})
		wantField(t, err, "cursor")
	})
}

func TestEnvelopePaging(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		for i := 0; i < 7; i++ {
			e.draft(e.pat, "Contract")
			e.clock.Add(time.Minute)
		}
		seen := map[string]bool{}
		cursor, pages := "", 0
		for {
			p, err := e.ss.List(e.ctx, e.pat, ListQuery{Limit: 3, Cursor: cursor})
			noErr(t, err)
			pages++
			for _, env := range p.Envelopes {
				if seen[env.ID] {
					t.Fatalf("%s twice", env.ID)
				}
				seen[env.ID] = true
			}
			if cursor = p.Next; cursor == "" {
				break
			}
		}
		if len(seen) != 7 || pages != 3 {
			t.Fatalf("%d envelopes in %d pages", len(seen), pages)
		}
	})
}

func TestEnvelopeExpiryAndReminders(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := e.ready(e.pat, "Contract")
		_, err := e.ss.Send(e.ctx, e.pat, env.ID)
		noErr(t, err)
		count := func(action string) int {
			var n int
			noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM signing_events WHERE envelope_id = ? AND action = ?", env.ID, action).Scan(&n))
			return n
		}
		// Step 1's recipient is notified, as the ceremony's startStep does.
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE signing_recipients SET status = ? WHERE envelope_id = ? AND step = 1", RecipientNotified, env.ID)
			return err
		}))
		// Reminders every 3 days while out (days 3, 6, 9), then expiry on day 10.
		for day := 1; day <= 9; day++ {
			e.clock.Add(24 * time.Hour)
			_, err := e.jobs.RunDue(e.ctx)
			noErr(t, err)
		}
		if n := count("reminded"); n != 3 {
			t.Fatalf("%d reminders by day 9", n)
		}
		got, err := e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if got.Status != EnvelopeSent {
			t.Fatalf("expired early: %s", got.Status)
		}
		before := count("reminded")
		e.clock.Add(24 * time.Hour)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		got, err = e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if got.Status != EnvelopeExpired || count("expired") != 1 || count("reminded") != before {
			t.Fatalf("after day 10: %s, expired %d", got.Status, count("expired"))
		}
	})
}

func TestEnvelopeCompose(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		in := Composed{NewEnvelope: NewEnvelope{Title: "One call", PDF: signingtest.Contract(t, 2)},
			Recipients: []RecipientInput{{Step: 2, Role: RoleSigner, UserID: e.cara.UserID}, {Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@example.com"}},
			Fields: []ComposedField{{Recipient: 0, FieldInput: FieldInput{Kind: FieldSignature, Position: "bottom right of the last page"}},
				{Recipient: 1, FieldInput: FieldInput{Kind: FieldSignature, Position: "bottom of the last page"}}},
			Send: true}
		bad := in
		bad.Fields = append([]ComposedField{}, in.Fields...)
		bad.Fields[1].Recipient = 7
		_, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), bad)
		wantField(t, err, "fields[1].recipient")
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM signing_envelopes").Scan(&n))
		if n != 0 {
			t.Fatal("a refused compose wrote an envelope")
		}
		env, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), in)
		noErr(t, err)
		if env.Status != EnvelopeSent || len(env.Recipients) != 2 || len(env.Fields) != 2 {
			t.Fatalf("composed: %+v", env)
		}
		// Cara (input 0, step 2) got the right-hand field; Sam (step 1) the left.
		for _, f := range env.Fields {
			r := env.Recipients[0]
			if f.RecipientID != r.ID {
				r = env.Recipients[1]
			}
			if (r.Name == "Cara") != (f.X > 300) || (r.Name == "Cara") != (r.Step == 2) {
				t.Fatalf("field %+v went to %+v", f, r)
			}
		}
	})
}

func TestEnvelopeTemplates(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, err := e.ss.CreateTemplate(e.ctx, e.pat, TemplateInput{Name: "", Body: "Hello ((9 lives))"})
		wantField(t, err, "name")
		wantField(t, err, "body")
		_, err = e.ss.CreateTemplate(e.ctx, e.rita, TemplateInput{Name: "x", Body: "y"})
		wantCode(t, err, platform.CodeForbidden)
		tpl, err := e.ss.CreateTemplate(e.ctx, e.pat, TemplateInput{Name: "Supply contract",
			Body: "# Parties\nNorthshire Council and ((Supplier)), of ((supplier address)).\n\n# Price\nThe price is £((price)), paid within 30 days.\n((supplier)) signs below."})
		noErr(t, err)
		if len(tpl.Fields) != 3 || tpl.Fields[0] != "supplier" || tpl.Fields[2] != "price" {
			t.Fatalf("merge fields %v", tpl.Fields)
		}
		list, err := e.ss.Templates(e.ctx, e.cara)
		noErr(t, err)
		if len(list) != 1 {
			t.Fatalf("templates: %+v", list)
		}
		_, err = e.ss.GetTemplate(e.ctx, e.other, tpl.ID)
		wantCode(t, err, platform.CodeNotFound)

		in := Composed{TemplateID: tpl.ID, Values: map[string]string{"supplier": "Acme Ltd", "supplier address": "1 High Street, Northtown"},
			Recipients: []RecipientInput{{Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@acme.example"}},
			Fields:     []ComposedField{{Recipient: 0, FieldInput: FieldInput{Kind: FieldSignature, Position: "bottom of the last page"}}}, Send: true}
		_, err = e.ss.Compose(e.ctx, e.pat, e.id.Directory(), in)
		wantField(t, err, "values.price")
		in.Values["price"] = "12,500"
		env, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), in)
		noErr(t, err)
		if env.Title != "Supply contract" || env.Pages != 1 || env.Status != EnvelopeSent {
			t.Fatalf("from a template: %+v", env)
		}
		rc, _, err := e.ss.EnvelopeDocument(e.ctx, e.pat, env.ID, DocOriginal)
		noErr(t, err)
		defer rc.Close()
		var b bytes.Buffer
		_, err = b.ReadFrom(rc)
		noErr(t, err)
		signingtest.QPDFCheck(t, b.Bytes())

		wantCode(t, e.ss.DeleteTemplate(e.ctx, e.cara, tpl.ID), platform.CodeForbidden) // another unit's
		noErr(t, e.ss.DeleteTemplate(e.ctx, e.pat, tpl.ID))
		_, err = e.ss.GetTemplate(e.ctx, e.pat, tpl.ID)
		wantCode(t, err, platform.CodeNotFound)
	})
}

// TestEnvelopeReminderMail: reminders are emailed (here through the
// platform's Printer transport) to those whose turn it is, naming the
// envelope, and staff are pointed to the envelope.
func TestEnvelopeReminderMail(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		var out bytes.Buffer
		q := jobs.New(db, jobs.Options{Clock: e.clock})
		ap := access.New(e.log)
		noErr(t, ap.Register(ResourceType, Policy))
		ss := New(db, e.log, ap, Options{Files: blobtest.Disk(t), Now: e.clock.Now, Jobs: q, Mail: &mail.Printer{W: &out}, BaseURL: "http://dbtp.test"})
		env, err := ss.Compose(e.ctx, e.pat, e.id.Directory(), Composed{NewEnvelope: NewEnvelope{Title: "Contract 42", PDF: signingtest.Contract(t, 1), RemindEveryDays: 2},
			Recipients: []RecipientInput{{Step: 1, Role: RoleSigner, Name: "Sam", Email: "sam@supplier.example"}, {Step: 1, Role: RoleApprover, UserID: e.mo.UserID}},
			Fields:     []ComposedField{{Recipient: 0, FieldInput: FieldInput{Kind: FieldSignature, Position: "bottom of the last page"}}}, Send: true})
		noErr(t, err)
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error { // as the ceremony's startStep does
			_, err := tx.Exec(e.ctx, "UPDATE signing_recipients SET status = ? WHERE envelope_id = ?", RecipientNotified, env.ID)
			return err
		}))
		e.clock.Add(49 * time.Hour)
		_, err = q.RunDue(e.ctx)
		noErr(t, err)
		got := out.String()
		for _, want := range []string{"sam@supplier.example", "Reminder: please sign Contract 42", "approve Contract 42", "http://dbtp.test/envelopes/" + env.ID} {
			if !strings.Contains(got, want) {
				t.Fatalf("reminders lack %q:\n%s", want, got)
			}
		}
	})
}
