package services

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// codeSentTo reads the newest verification code in the outbox for email.
func (e *env) codeSentTo(email string) string {
	e.t.Helper()
	var subject string
	err := e.db.QueryRow(e.ctx, "SELECT subject FROM service_outbox WHERE to_kind = 'email' AND to_value = ? AND template = 'email-verification' ORDER BY created_at DESC, id DESC LIMIT 1",
		email).Scan(&subject)
	noErr(e.t, err)
	code, _, _ := strings.Cut(subject, " ")
	return code
}

// otherCode is a well-formed code that is not code.
func otherCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestEmailVerification(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1), equipment())
		org := e.org.ID

		_, err := e.svc.SendCode(e.ctx, org, "not an email", PurposeStart+"complaints", "192.0.2.1", "Complaints")
		wantField(t, err, "email")
		_, err = e.svc.SendCode(e.ctx, org, "pat@example.com\r\nBcc: x@example.com", PurposeStart+"complaints", "192.0.2.1", "Complaints")
		wantField(t, err, "email")

		v, err := e.svc.SendCode(e.ctx, org, " Pat@Example.COM ", PurposeStart+"complaints", "192.0.2.1", "Complaints")
		noErr(t, err)
		if v.Email != "Pat@example.com" || !v.ExpiresAt.Equal(start.Add(CodeLifetime)) {
			t.Fatalf("verification %+v", v)
		}
		code := e.codeSentTo("Pat@example.com")
		if len(code) != 6 {
			t.Fatalf("code %q", code)
		}
		var stored string
		noErr(t, db.QueryRow(e.ctx, "SELECT code_hash FROM email_verifications WHERE id = ?", v.ID).Scan(&stored))
		if strings.Contains(stored, code) {
			t.Fatal("code stored in the clear")
		}

		// A wrong code is refused and counted; the right one then works once.
		_, _, err = e.svc.CheckCode(e.ctx, org, v.ID, otherCode(code))
		wantField(t, err, "code")
		_, _, err = e.svc.CheckCode(e.ctx, other(e), v.ID, code)
		wantCode(t, err, platform.CodeNotFound) // another organisation's verification does not exist
		sess, token, err := e.svc.CheckCode(e.ctx, org, v.ID, code)
		noErr(t, err)
		if sess.Email != "Pat@example.com" || sess.Purpose != "start:complaints" || token == "" {
			t.Fatalf("session %+v", sess)
		}
		_, _, err = e.svc.CheckCode(e.ctx, org, v.ID, code)
		wantCode(t, err, platform.CodeInvalid)

		// The session holds answers, and submits as the verified address.
		got, err := e.svc.Session(e.ctx, org, token)
		noErr(t, err)
		noErr(t, e.svc.SaveSessionAnswers(e.ctx, got, "complaints", definition.Answers{"summary": "Bins not collected"}, "check"))
		wantCode(t, e.svc.SaveSessionAnswers(e.ctx, got, "equipment", definition.Answers{}, ""), platform.CodeForbidden)
		wantField(t, e.svc.SaveSessionAnswers(e.ctx, got, "complaints", definition.Answers{"colour": "red"}, ""), "colour")
		got, err = e.svc.Session(e.ctx, org, token)
		noErr(t, err)
		if got.Answers["summary"] != "Bins not collected" || got.Page != "check" {
			t.Fatalf("answers %+v", got)
		}
		_, err = e.svc.Session(e.ctx, org, token+"0")
		wantCode(t, err, platform.CodeUnauthorized)
		_, err = e.svc.Session(e.ctx, org, v.ID+"."+strings.Repeat("0", 64))
		wantCode(t, err, platform.CodeUnauthorized)
		anon := &platform.Subject{Kind: platform.SubjectAnonymous, OrgID: org}
		c, err := e.svc.Submit(e.ctx, anon, "complaints", got.Answers, SubmitOptions{ApplicantEmail: got.Email})
		noErr(t, err)
		noErr(t, e.svc.EndSession(e.ctx, got))
		_, err = e.svc.Session(e.ctx, org, token)
		wantCode(t, err, platform.CodeUnauthorized)

		// Tracking: the case shows only to its verified address.
		found, err := e.svc.CaseForEmail(e.ctx, got, c.Reference)
		noErr(t, err)
		if found.ID != c.ID {
			t.Fatalf("found %+v", found)
		}
		v2, err := e.svc.SendCode(e.ctx, org, "eve@example.com", PurposeTrack+c.Reference, "192.0.2.9", "Complaints")
		noErr(t, err)
		eve, _, err := e.svc.CheckCode(e.ctx, org, v2.ID, e.codeSentTo("eve@example.com"))
		noErr(t, err)
		_, err = e.svc.CaseForEmail(e.ctx, eve, c.Reference)
		wantCode(t, err, platform.CodeNotFound)

		// Expiry, by the engine's clock.
		v3, err := e.svc.SendCode(e.ctx, org, "sam@example.com", PurposeStart+"complaints", "192.0.2.2", "Complaints")
		noErr(t, err)
		e.clock.Set(start.Add(CodeLifetime + time.Second))
		_, _, err = e.svc.CheckCode(e.ctx, org, v3.ID, e.codeSentTo("sam@example.com"))
		if platform.CodeOf(err) != platform.CodeInvalid || !strings.Contains(err.Error(), "expired") {
			t.Fatalf("expired code: %v", err)
		}
		// A verified session ends after its lifetime.
		e.clock.Set(start.Add(SessionLifetime + time.Second))
		_, err = e.svc.Session(e.ctx, org, token)
		wantCode(t, err, platform.CodeUnauthorized)

		// Attempts: the fifth wrong code kills it, even for the right one.
		v4, err := e.svc.SendCode(e.ctx, org, "lee@example.com", PurposeStart+"complaints", "192.0.2.3", "Complaints")
		noErr(t, err)
		code4 := e.codeSentTo("lee@example.com")
		for range CodeAttempts {
			_, _, err = e.svc.CheckCode(e.ctx, org, v4.ID, otherCode(code4))
			wantField(t, err, "code")
		}
		_, _, err = e.svc.CheckCode(e.ctx, org, v4.ID, code4)
		if platform.CodeOf(err) != platform.CodeInvalid || !strings.Contains(err.Error(), "too many times") {
			t.Fatalf("after %d attempts: %v", CodeAttempts, err)
		}
		_, _, err = e.svc.CheckCode(e.ctx, org, v4.ID, "12345")
		wantField(t, err, "code")

		// Rate limits: per email address, then per network address.
		for range codesPerEmail {
			_, err = e.svc.SendCode(e.ctx, org, "flood@example.com", PurposeStart+"complaints", "192.0.2.4", "Complaints")
			noErr(t, err)
		}
		_, err = e.svc.SendCode(e.ctx, org, "FLOOD@example.com", PurposeStart+"complaints", "192.0.2.5", "Complaints")
		wantCode(t, err, platform.CodeRateLimited)
		for i := range codesPerAddr {
			_, err = e.svc.SendCode(e.ctx, org, "victim"+string(rune('a'+i))+"@example.com", PurposeStart+"complaints", "192.0.2.6", "Complaints")
			noErr(t, err)
		}
		_, err = e.svc.SendCode(e.ctx, org, "one-more@example.com", PurposeStart+"complaints", "192.0.2.6", "Complaints")
		wantCode(t, err, platform.CodeRateLimited)
		// An hour later the address may ask again.
		e.clock.Set(start.Add(SessionLifetime + time.Hour + time.Minute))
		_, err = e.svc.SendCode(e.ctx, org, "flood@example.com", PurposeStart+"complaints", "192.0.2.4", "Complaints")
		noErr(t, err)

		// Every step is audited, never with the code.
		var sends, checks int
		for _, en := range e.entries(org) {
			switch en.Action {
			case "email_verification.send":
				sends++
			case "email_verification.check":
				checks++
			}
			if strings.Contains(en.Detail, code) {
				t.Fatalf("audit holds the code: %+v", en)
			}
		}
		if sends < 5 || checks < 8 {
			t.Fatalf("audited %d sends, %d checks", sends, checks)
		}
	})
}

func other(e *env) string { return e.other.OrgID }
