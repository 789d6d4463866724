package post

import (
	"errors"
	"strings"
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSendBulk(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()
		sms := e.rowTemplate(sv, KindSMS, "Collection", "", "Hello ((name)), we collect on ((date)).")

		// Every bad row is listed and nothing is sent.
		bad := "phone number,name,date\n07700900123,Rita,Monday\n01632960123,Bob,Tuesday\n\n07700 900124,Ann,\nnot a number,Sue,Friday\n"
		_, err := e.ps.SendBulk(e.ctx, e.mia, sv.ID, sms.ID, strings.NewReader(bad))
		var be *BulkError
		if !errors.As(err, &be) || len(be.Rows) != 3 || be.Rows[0].Row != 3 || be.Rows[1].Row != 5 || be.Rows[2].Row != 6 {
			t.Fatalf("bulk errors: %v %+v", err, be)
		}
		if !strings.Contains(be.Rows[0].Message, "Not a UK mobile number") || !strings.Contains(be.Rows[1].Message, "date") {
			t.Fatalf("row messages %+v", be.Rows)
		}
		if e.rowCount("post_notifications") != 0 || e.deliveriesQueued() != 0 {
			t.Fatal("a refused file sent something")
		}
		_, err = e.ps.SendBulk(e.ctx, e.mia, sv.ID, sms.ID, strings.NewReader("phone number,name\n07700900123,Rita\n"))
		wantField(t, err, "file")
		wantErrText(t, err, "date")

		ns, err := e.ps.SendBulk(e.ctx, e.mia, sv.ID, sms.ID, strings.NewReader("\ufeffPhone Number,Name,Date\r\n07700900123,Rita,Monday\r\n+447700900124,Bob,Tuesday\r\n"))
		noErr(t, err)
		if len(ns) != 2 || ns[1].Body != "Hello Bob, we collect on Tuesday." || e.deliveriesQueued() != 2 {
			t.Fatalf("sent %+v, %d queued", ns, e.deliveriesQueued())
		}

		// Letters: Notify's address columns; the last line used is the postcode.
		letter := e.rowTemplate(sv, KindLetter, "Letter", "About", "Dear ((name))")
		_, err = e.ps.SendBulk(e.ctx, e.mia, sv.ID, letter.ID, strings.NewReader("address line 1,name\nRita,Rita\n"))
		wantErrText(t, err, "address line 2")
		ls, err := e.ps.SendBulk(e.ctx, e.mia, sv.ID, letter.ID, strings.NewReader(
			"Address Line 1,address line 2,address line 3,address line 7,name\nRita Resident,1 High Street,,ns1 1aa,Rita\n"))
		noErr(t, err)
		if len(ls) != 1 || len(ls[0].Address) != 3 || ls[0].Address[2] != "NS1 1AA" || ls[0].Body != "Dear Rita" {
			t.Fatalf("letter %+v", ls)
		}
	})
}
