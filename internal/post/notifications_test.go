package post

import (
	"errors"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSend(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()
		email := e.rowTemplate(sv, KindEmail, "Acknowledgement", "Your complaint ((ref))", "Dear ((name)),\n\nWe have your complaint ((ref)).")
		sms := e.rowTemplate(sv, KindSMS, "Collection", "", "We will collect on ((date)).")
		letter := e.rowTemplate(sv, KindLetter, "Letter", "About your complaint", "Dear ((name))")

		// A staff send: stored as created with its delivery queued in the
		// same write.
		n, err := e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: email.ID, To: "rita@example.org",
			Personalisation: map[string]any{"name": "Rita", "REF": "C-1", "extra": "ignored"}, Reference: "mine", CaseID: "case_1"})
		noErr(t, err)
		if n.Status != StatusCreated || n.Subject != "Your complaint C-1" || !strings.Contains(n.Body, "Dear Rita") || n.CreatedBy != e.mia.UserID {
			t.Fatalf("notification %+v", n)
		}
		if e.deliveriesQueued() != 1 {
			t.Fatalf("%d delivery jobs, want 1", e.deliveriesQueued())
		}
		got, _, err := e.ps.Notification(e.ctx, e.dee, n.ID)
		noErr(t, err)
		if got.Recipient != "rita@example.org" || got.Personalisation["name"] != "Rita" || got.Reference != "mine" || got.CaseID != "case_1" {
			t.Fatalf("read back %+v", got)
		}
		_, _, err = e.ps.Notification(e.ctx, e.other, n.ID)
		wantCode(t, err, platform.CodeNotFound)

		// Missing personalisation: one error listing every name; nothing stored.
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: email.ID, To: "rita@example.org"})
		var api *notify.APIError
		if !errors.As(err, &api) || api.Status != 400 || api.Errors[0].Error != "BadRequestError" ||
			api.Errors[0].Message != "Missing personalisation: name, ref" && api.Errors[0].Message != "Missing personalisation: ref, name" {
			t.Fatalf("missing personalisation: %v", err)
		}
		// Bad recipients, the wrong kind, unknown templates, a forbidden sender.
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{Kind: KindEmail, TemplateID: email.ID, To: "rita@", Personalisation: map[string]any{"name": 1, "ref": 2}})
		wantErrText(t, err, "Not a valid email address")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "01632 960123", Personalisation: map[string]any{"date": "Monday"}})
		wantErrText(t, err, "Not a UK mobile number")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{Kind: KindSMS, TemplateID: email.ID, To: "07700900123"})
		wantErrText(t, err, "email template is not suitable for sms notification")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: NewUUID(), To: "07700900123"})
		wantErrText(t, err, "Template not found")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: letter.ID, Personalisation: map[string]any{"name": "R", "address_line_1": "Rita",
			"address_line_2": "NS1 1AA"}})
		wantErrText(t, err, "Address must be at least 3 lines")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: email.ID, To: "rita@example.org",
			Personalisation: map[string]any{"name": "R", "ref": "1", "doc": map[string]any{"file": strings.Repeat("A", 3<<20)}}})
		wantErrText(t, err, "File is larger than 2MB")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": strings.Repeat("x", 1000)}})
		wantErrText(t, err, "Text messages cannot be longer than 918 characters")
		_, err = e.ps.Send(e.ctx, e.sid, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"}})
		wantCode(t, err, platform.CodeForbidden)
		if e.rowCount("post_notifications") != 1 || e.deliveriesQueued() != 1 {
			t.Fatalf("a refused send left a row or a job: %d, %d", e.rowCount("post_notifications"), e.deliveriesQueued())
		}

		// A letter takes its address from the personalisation, as Notify's API sends it.
		l, err := e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: letter.ID, Personalisation: map[string]any{"name": "Rita",
			"address_line_1": "Rita Resident", "address_line_2": "1 High Street", "address_line_3": "ns11aa"}})
		noErr(t, err)
		if l.Recipient != "Rita Resident" || len(l.Address) != 3 || l.Address[2] != "NS1 1AA" || l.Postage != "second" {
			t.Fatalf("letter %+v", l)
		}

		// Scheduled: the delivery runs then; not in the past, not beyond a day.
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"},
			ScheduledFor: e.clock.Now().Add(25 * time.Hour)})
		wantErrText(t, err, "scheduled_for datetime can only be 24 hours in the future")
		_, err = e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"},
			ScheduledFor: e.clock.Now().Add(-time.Hour)})
		wantErrText(t, err, "can not be in the past")
		at := e.clock.Now().Add(3 * time.Hour)
		sc, err := e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700 900123", Personalisation: map[string]any{"date": "Monday"},
			ScheduledFor: at})
		noErr(t, err)
		var runAt int64
		noErr(t, db.QueryRow(e.ctx, "SELECT run_at FROM jobs WHERE unique_key = ?", sc.ID).Scan(&runAt))
		if runAt != store.Millis(at) || sc.Recipient != "+447700900123" {
			t.Fatalf("scheduled job runs at %d, want %d; %+v", runAt, store.Millis(at), sc)
		}

		// Idempotent on the caller's key.
		a, err := e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"}, ClientKey: "k1"})
		noErr(t, err)
		b, err := e.ps.Send(e.ctx, e.mia, sv.ID, SendInput{TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"}, ClientKey: "k1"})
		noErr(t, err)
		if a.ID != b.ID {
			t.Fatal("a repeated client key sent twice")
		}

		// An API key's send names the key.
		k, _, err := e.ps.CreateAPIKey(e.ctx, e.mia, sv.ID, "CRM", KeyTest)
		noErr(t, err)
		kn, err := e.ps.SendWithKey(e.ctx, k, SendInput{Kind: KindSMS, TemplateID: sms.ID, To: "07700900123", Personalisation: map[string]any{"date": "Monday"}})
		noErr(t, err)
		if kn.KeyType != KeyTest || kn.CreatedBy != "api:"+k.ID {
			t.Fatalf("key send %+v", kn)
		}
	})
}

func TestListNotifications(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()
		email := e.rowTemplate(sv, KindEmail, "E", "S", "Hello")
		sms := e.rowTemplate(sv, KindSMS, "T", "", "Hello")
		var ids []string
		for i := 0; i < 7; i++ {
			in := SendInput{TemplateID: email.ID, To: "rita@example.org", Reference: "even"}
			if i%2 == 1 {
				in = SendInput{TemplateID: sms.ID, To: "07700900123", Reference: "odd"}
			}
			n, err := e.ps.Send(e.ctx, e.mia, sv.ID, in)
			noErr(t, err)
			ids = append(ids, n.ID)
			e.clock.Add(time.Second)
		}
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE post_notifications SET status = ? WHERE id = ?", StatusPermanentFailure, ids[0])
			return err
		}))
		page, more, err := e.ps.ListForService(e.ctx, sv.ID, NotificationFilter{Limit: 3})
		noErr(t, err)
		if len(page) != 3 || !more || page[0].ID != ids[6] {
			t.Fatalf("first page %d more=%v", len(page), more)
		}
		page2, more, err := e.ps.ListForService(e.ctx, sv.ID, NotificationFilter{Limit: 3, Before: page[2].ID})
		noErr(t, err)
		if len(page2) != 3 || !more || page2[0].ID != ids[3] {
			t.Fatalf("second page %d more=%v", len(page2), more)
		}
		got, _, err := e.ps.ListForService(e.ctx, sv.ID, NotificationFilter{Kind: KindSMS})
		noErr(t, err)
		if len(got) != 3 {
			t.Fatalf("%d text messages, want 3", len(got))
		}
		got, _, err = e.ps.ListForService(e.ctx, sv.ID, NotificationFilter{Statuses: []string{"failed"}})
		noErr(t, err)
		if len(got) != 1 || got[0].ID != ids[0] {
			t.Fatalf("failed: %d", len(got))
		}
		got, _, err = e.ps.ListForService(e.ctx, sv.ID, NotificationFilter{Reference: "odd"})
		noErr(t, err)
		if len(got) != 3 {
			t.Fatalf("reference odd: %d", len(got))
		}
		got, _, err = e.ps.Notifications(e.ctx, e.cas, NotificationFilter{})
		noErr(t, err)
		if len(got) != 0 {
			t.Fatalf("another unit's caseworker sees %d", len(got))
		}
		got, _, err = e.ps.Notifications(e.ctx, e.dee, NotificationFilter{})
		noErr(t, err)
		if len(got) != 7 {
			t.Fatalf("the unit's designer sees %d", len(got))
		}
	})
}
