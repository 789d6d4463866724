package postweb

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/post/provider/httpsms/smstest"
	"dbtp/internal/post/provider/logprov"
	"dbtp/internal/post/provider/notifytest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestProvidersFromSettings(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		gw := smstest.Start(t, "gateway-token")
		up := notifytest.Start(t, "26785a09-ab16-4eb0-8407-a37497a57506", "3d844edf-8d35-48ac-975b-e847b4f122b0")
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_SMS_PROVIDER": "http", "DBTP_POST_SMS_URL": gw.URL, "DBTP_POST_SMS_TOKEN": "gateway-token",
			"DBTP_POST_LETTER_PROVIDER": "notify", "DBTP_POST_NOTIFY_URL": up.URL, "DBTP_POST_NOTIFY_API_KEY": up.Key()})
		p := &e.m.delivery
		if got := p.providers[post.KindSMS]; got == nil || got.Name() != "http-sms" {
			t.Fatalf("sms provider %v", got)
		}
		if got := p.providers[post.KindLetter]; got == nil || got.Name() != "notify" {
			t.Fatalf("letter provider %v", got)
		}
		if got := p.providers[post.KindEmail]; got != nil {
			t.Fatalf("email provider %v without a relay", got)
		}
		_, err := p.build(e.m, post.KindSMS, "pigeon")
		if err == nil || !strings.Contains(err.Error(), "DBTP_POST_SMS_PROVIDER") || !strings.Contains(err.Error(), "http") {
			t.Fatalf("unknown provider: %v", err)
		}
		if _, err := p.build(e.m, post.KindLetter, "smtp"); err == nil {
			t.Fatal("smtp accepted for letters")
		}
		// Another part's provider, offered by name.
		p.offer("printdrop", logprov.New(slog.New(slog.DiscardHandler)))
		if got, err := p.build(e.m, post.KindLetter, "printdrop"); err != nil || got == nil {
			t.Fatalf("offered provider: %v %v", got, err)
		}
	})
}

func TestSendAMessageFromACase(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		gw := smstest.Start(t, "gateway-token")
		e := newEnvWith(t, db, map[string]string{"DBTP_POST_SMS_PROVIDER": "http", "DBTP_POST_SMS_URL": gw.URL, "DBTP_POST_SMS_TOKEN": "gateway-token"})
		e.m.UseCases(oneCase{CaseInfo{ID: "case_1", Reference: "ASC-2026-000123", PersonID: e.users["Rita"].ID, PersonName: "Rita Test",
			Email: "rita@example.org"}})
		email := e.adultsTemplate(post.KindEmail, "Your assessment ((reference))", "Dear ((name)),\n\nYour assessment is on ((date)).")
		sms := e.adultsTemplate(post.KindSMS, "", "Hello ((name)), your assessment is on ((date)). Ref ((reference))")
		cas := e.browser("Cas")
		// Step 1: how to send it, then which template of that channel.
		res := cas.Get("/post/send?case=case_1")
		want(t, res, 200, "Send a message", "ASC-2026-000123", "How do you want to send it?", `value="email"`, `value="sms"`)
		if strings.Contains(res.Body, `value="letter"`) || strings.Contains(res.Body, " checked") {
			t.Fatal("a channel without templates is offered, or one is chosen for someone with no preference")
		}
		want(t, cas.Get("/post/send?case=case_1&channel=email"), 200, "Which email template?", `<option value="`+email.ID+`">Assessment email</option>`)
		if strings.Contains(cas.Get("/post/send?case=case_1&channel=email").Body, sms.ID) {
			t.Fatal("a text message template is offered for email")
		}
		want(t, cas.Get("/post/send?"+url.Values{"case": {"case_1"}, "channel": {"email"}, "template": {email.ID}}.Encode()), 200,
			`value="rita@example.org"`, `value="Rita Test"`, `value="ASC-2026-000123"`, `<label class="govuk-label" for="p3">Date</label>`)
		// Continue with nothing chosen, or a channel without its template.
		want(t, cas.Get("/post/send?case=case_1&channel="), 422, "Choose how to send the message", `href="#channel"`)
		want(t, cas.Get("/post/send?case=case_1&channel=sms&template="), 422, "Choose a template", `href="#template"`, "Which text message template?")
		want(t, cas.Get("/post/send?case=case_1&channel=sms&template=nope"), 422, "Choose a template you can send")
		want(t, cas.Get("/post/send?case=nope"), 404)
		// With an API token too (a script working through cases).
		want(t, e.do("GET", "/post/send?case=case_1", http.Header{"Authorization": {"Bearer " + e.token("Cas", "read")}}, nil), 200, "Send a message")
		want(t, e.browser("Rita").Get("/post/send?case=case_1"), 403)
		// Sid (Finance) sends nothing for Adults.
		want(t, e.browser("Sid").Get("/post/send?case=case_1"), 200, "There are no templates you can send yet")

		// Step 2: every mistake named at once.
		path := "/post/send?" + url.Values{"case": {"case_1"}, "template": {sms.ID}}.Encode()
		res = cas.PostForm(path, url.Values{"to": {"01632 960000"}, "p1": {"Rita"}})
		want(t, res, 422, "Enter a UK mobile number", "Enter date", "Enter reference")
		if strings.Contains(res.Body, "Enter name") {
			t.Fatal("a given placeholder reported missing")
		}
		// No number at all is asked for, not counted.
		res = cas.PostForm(path, url.Values{"to": {" "}, "p1": {"Rita"}})
		want(t, res, 422, "Enter a mobile number")
		if strings.Contains(res.Body, "Not enough digits") {
			t.Fatal("an empty number is counted")
		}
		// The summary is in the form's order: the email's placeholders come
		// reference (its subject), name, date; not alphabetically.
		res = cas.PostForm("/post/send?"+url.Values{"case": {"case_1"}, "template": {email.ID}}.Encode(), url.Values{"to": {"rita@example.org"}})
		want(t, res, 422)
		summary := res.Body[strings.Index(res.Body, "govuk-error-summary"):]
		summary = summary[:strings.Index(summary, "</ul>")]
		if i, j, k := strings.Index(summary, "Enter reference"), strings.Index(summary, "Enter name"), strings.Index(summary, "Enter date"); i < 0 || !(i < j && j < k) {
			t.Fatalf("the summary is not in the form's order: %d %d %d\n%s", i, j, k, summary)
		}
		// Step 3: Continue shows the message as it will be sent, and
		// stores nothing; Change goes back with everything kept.
		filled := url.Values{"to": {"07700 900123"}, "p1": {"Rita"}, "p2": {"Tuesday 3 March"}, "p3": {"ASC-2026-000123"}}
		res = cas.PostForm(path, filled)
		want(t, res, 200, "Check your message", "Hello Rita, your assessment is on Tuesday 3 March. Ref ASC-2026-000123",
			"447700900123", "sent as 1 text message", `name="p2" value="Tuesday 3 March"`, `name="send"`, `name="change"`)
		if ms, _ := e.m.Store().CaseMessages(e.ctx, e.subject("Cas"), "case_1"); len(ms) != 0 {
			t.Fatalf("checking the message stored it: %+v", ms)
		}
		back := url.Values{"change": {"yes"}}
		for k, v := range filled {
			back[k] = v
		}
		want(t, cas.PostForm(path, back), 200, `id="p2" name="p2" type="text" value="Tuesday 3 March"`, `value="07700 900123"`, "Continue")
		send := url.Values{"send": {"yes"}}
		for k, v := range filled {
			send[k] = v
		}
		res = cas.PostForm(path, send)
		if res.Status != 303 || res.Header.Get("Location") != "/cases/case_1" {
			t.Fatalf("send: %d %s\n%s", res.Status, res.Header.Get("Location"), res.Body)
		}
		ms, err := e.m.Store().CaseMessages(e.ctx, e.subject("Cas"), "case_1")
		noErr(t, err)
		if len(ms) != 1 || ms[0].Kind != post.KindSMS || ms[0].To != "+447700900123" || ms[0].Status != post.StatusCreated || ms[0].Service != "Adult social care" {
			t.Fatalf("case messages: %+v", ms)
		}
		// The message's page names the case by its reference.
		want(t, cas.Get("/post/messages/"+ms[0].ID), 200, "ASC-2026-000123", `href="/cases/case_1"`)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		got := gw.Messages()
		if len(got) != 1 || got[0].Body != "Hello Rita, your assessment is on Tuesday 3 March. Ref ASC-2026-000123" || got[0].From != "NCC" {
			t.Fatalf("gateway: %+v", got)
		}
		ms, _ = e.m.Store().CaseMessages(e.ctx, e.subject("Cas"), "case_1")
		if ms[0].Status != post.StatusSending {
			t.Fatalf("after delivery: %+v", ms[0])
		}
		// The gateway's receipt, read back by the receipts job.
		gw.SetStatus(got[0].Ref, "delivered")
		e.clock.Add(61 * 1e9)
		_, err = e.jobs.RunDue(e.ctx)
		noErr(t, err)
		ms, _ = e.m.Store().CaseMessages(e.ctx, e.subject("Cas"), "case_1")
		if ms[0].Status != post.StatusDelivered {
			t.Fatalf("after the receipt: %+v", ms[0])
		}
	})
}

// The person's preferred channel leads and is chosen; sending another
// way needs a reason, kept with the message and shown on its page; large
// print still applies to letters; long placeholders are text areas; and a
// text message's count is asked again as it is typed.
func TestSendingFromACaseHonoursThePreferredChannel(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.users["Rita"]
		e.m.UseCases(oneCase{CaseInfo{ID: "case_1", Reference: "ASC-2026-000123", PersonID: rita.ID, PersonName: "Rita Test", Email: "rita@example.org"}})
		_, err := e.m.Store().SetPreferences(e.ctx, e.subject("Rita"), rita.ID, post.PreferencesInput{Channel: post.KindLetter, Format: post.FormatLargePrint,
			Address: []string{"Rita Test", "1 High Street", "Northshire", "NS1 1AA"}, Consent: true})
		noErr(t, err)
		email := e.adultsTemplate(post.KindEmail, "About ((reference))", "Dear ((name)),\n\n((message))\n\nAdult social care")
		letter := e.adultsTemplate(post.KindLetter, "Your assessment", "Dear ((name)),\n\nThe assessment on ((date)) found:\n\n((findings))\n\nYours sincerely")
		sms := e.adultsTemplate(post.KindSMS, "", "Hello ((name)), your visit is on ((date)).")
		cas := e.browser("Cas")

		// Step 1: letters first and chosen, in large print.
		res := cas.Get("/post/send?case=case_1")
		want(t, res, 200, "They prefer to hear by letter, in large print.", `id="channel" name="channel" type="radio" value="letter" checked`,
			"Their preferred way, in large print", "They prefer letters: you will be asked why not")
		want(t, cas.Get("/post/send?case=case_1&channel=sms"), 200, "By text message (they prefer letters: you will be asked why not).")
		if l, m := strings.Index(res.Body, `value="letter"`), strings.Index(res.Body, `value="email"`); l < 0 || m < l {
			t.Fatal("the preferred channel is not listed first")
		}
		if strings.Contains(res.Body, `value="email" checked`) {
			t.Fatal("email is chosen for someone who prefers letters")
		}

		// A letter: the address and large print filled in; a placeholder
		// on a line of its own is a text area, a date one line.
		res = cas.Get("/post/send?" + url.Values{"case": {"case_1"}, "channel": {"letter"}, "template": {letter.ID}}.Encode())
		want(t, res, 200, "1 High Street", `value="yes" checked`, `<textarea class="govuk-textarea" id="p3" name="p3"`, `<input class="govuk-input" id="p2" name="p2"`)
		if strings.Contains(res.Body, `name="reason"`) {
			t.Fatal("a reason is asked for the preferred channel")
		}
		lpath := "/post/send?" + url.Values{"case": {"case_1"}, "template": {letter.ID}}.Encode()
		lform := url.Values{"address": {"Rita Test\r\n1 High Street\r\nNorthshire\r\nNS1 1AA"}, "p1": {"Rita"}, "p2": {"2 March"},
			"p3": {"You need help at home.\r\n\r\nWe will arrange it."}}
		want(t, cas.PostForm(lpath, lform), 200, "Check your message", "Large print", "The assessment on 2 March found:", "You need help at home.",
			"Rita Test, 1 High Street, Northshire, NS1 1AA")

		// An email instead: a reason is needed, then kept.
		epath := "/post/send?" + url.Values{"case": {"case_1"}, "template": {email.ID}}.Encode()
		res = cas.Get(epath)
		want(t, res, 200, "Why not by letter?", `<textarea class="govuk-textarea" id="p3" name="p3"`) // ((message)): a text area
		eform := url.Values{"to": {"rita@example.org"}, "p1": {"ASC-2026-000123"}, "p2": {"Rita"}, "p3": {"Your carer starts on Monday."}}
		want(t, cas.PostForm(epath, eform), 422, "Say why this goes by email when they prefer letters", `href="#reason"`)
		eform.Set("reason", "She asked on the phone for an email this time: she is away from home.")
		want(t, cas.PostForm(epath, eform), 200, "Check your message", "Why not by letter", "she is away from home", "Your carer starts on Monday.")
		eform.Set("reason", strings.Repeat("x", post.MaxChannelReason+1))
		want(t, cas.PostForm(epath, eform), 422, "The reason must be 500 characters or fewer")
		eform.Set("reason", "She asked on the phone for an email this time: she is away from home.")
		eform.Set("send", "yes")
		want(t, cas.PostForm(epath, eform), 303)
		ms, err := e.m.Store().CaseMessages(e.ctx, e.subject("Cas"), "case_1")
		noErr(t, err)
		if len(ms) != 1 || ms[0].Kind != post.KindEmail {
			t.Fatalf("case messages: %+v", ms)
		}
		want(t, cas.Get("/post/messages/"+ms[0].ID), 200, "Why not their preferred channel", "she is away from home")

		// A text message: its count, then asked again as it is typed.
		spath := "/post/send?" + url.Values{"case": {"case_1"}, "template": {sms.ID}}.Encode()
		want(t, cas.Get(spath), 200, "The text message so far", "data-count-url=", "js/sms-count.js", "Not filled in yet: date.")
		count := "/post/send/count?" + url.Values{"case": {"case_1"}, "template": {sms.ID}}.Encode()
		res = cas.PostForm(count, url.Values{"p1": {"Rita"}, "p2": {"Tuesday"}})
		want(t, res, 200, `"words":"37 characters, sent as 1 text message."`, `"paragraphs":[["Hello Rita, your visit is on Tuesday."]]`)
		res = cas.PostForm(count, url.Values{"p1": {strings.Repeat("Rita ", 40)}, "p2": {"Tuesday"}})
		want(t, res, 200, "sent as 2 text messages.")
		want(t, cas.PostForm("/post/send/count?"+url.Values{"case": {"case_1"}, "template": {email.ID}}.Encode(), nil), 422, "Only a text message is counted")
		want(t, e.browser("Rita").PostForm(count, nil), 403)
		// Without the form's token it is refused, as any post is.
		want(t, cas.Do("POST", count, strings.NewReader("p1=Rita"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}), 403)
	})
}
