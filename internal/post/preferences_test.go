package post

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestPrefsStore(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.rita.UserID

		// Never said anything: no preference, consent stands.
		p, err := e.ps.PreferencesOf(e.ctx, e.org.ID, rita)
		noErr(t, err)
		if p.PersonID != rita || p.Channel != "" || p.Unsubscribed || !p.UpdatedAt.IsZero() || !p.Allows(false) {
			t.Fatalf("zero preferences %+v", p)
		}

		// Rita asks for large-print letters and no messages that are not statutory.
		p, err = e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: KindLetter, Format: FormatLargePrint,
			Phone: "07700 900 123", Address: []string{"Rita Resident\n12 Mill Lane", "Northtown", "ns2 3bb"}})
		noErr(t, err)
		got, err := e.ps.PreferencesOf(e.ctx, e.org.ID, rita)
		noErr(t, err)
		if got.Channel != KindLetter || !got.LargePrint() || got.Phone != "+447700900123" || strings.Join(got.Address, "|") != "Rita Resident|12 Mill Lane|Northtown|NS2 3BB" ||
			!got.Unsubscribed || got.UnsubscribedAt.IsZero() || got.Allows(false) || !got.Allows(true) || got.UpdatedBy != rita {
			t.Fatalf("stored %+v", got)
		}
		// Another organisation sees nothing of it.
		other, err := e.ps.PreferencesOf(e.ctx, e.other.OrgID, rita)
		noErr(t, err)
		if other.Channel != "" {
			t.Fatalf("another org read %+v", other)
		}

		// Staff read them; a caseworker records a change said on the phone.
		seen, err := e.ps.PersonPreferences(e.ctx, e.sid, rita)
		noErr(t, err)
		if seen.Channel != KindLetter {
			t.Fatalf("staff saw %+v", seen)
		}
		_, err = e.ps.SetPreferences(e.ctx, e.sid, rita, PreferencesInput{Channel: KindEmail, Email: "rita@example.org"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ps.SetPreferences(e.ctx, e.cas, rita, PreferencesInput{Channel: KindEmail, Email: "rita@example.org", Consent: true})
		noErr(t, err)
		got, _ = e.ps.PreferencesOf(e.ctx, e.org.ID, rita)
		if got.Channel != KindEmail || got.Unsubscribed || !got.UnsubscribedAt.IsZero() || got.UpdatedBy != e.cas.UserID {
			t.Fatalf("after the caseworker %+v", got)
		}

		// A resident sees and sets only their own.
		_, err = e.ps.PersonPreferences(e.ctx, e.rita, e.cas.UserID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ps.SetPreferences(e.ctx, e.rita, e.cas.UserID, PreferencesInput{})
		wantCode(t, err, platform.CodeForbidden)
		// Another organisation's admin cannot reach into this one.
		_, err = e.ps.SetPreferences(e.ctx, e.other, rita, PreferencesInput{Consent: true})
		noErr(t, err) // it writes the other organisation's own row
		got, _ = e.ps.PreferencesOf(e.ctx, e.org.ID, rita)
		if got.UpdatedBy != e.cas.UserID {
			t.Fatalf("another org changed %+v", got)
		}
	})
}

func TestPrefsPreferred(t *testing.T) {
	for want, p := range map[string]Preferences{
		KindSMS:    {Channel: KindSMS, Email: "a@b.example"},
		KindEmail:  {Email: "a@b.example", Address: []string{"x"}},
		KindLetter: {Address: []string{"x"}, Phone: "+447700900123"},
		"":         {},
	} {
		if got := p.Preferred(); got != want {
			t.Errorf("%+v: %q, want %q", p, got, want)
		}
	}
}

func TestPrefsBadInput(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.rita.UserID
		_, err := e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: "pigeon", Format: "braille", Email: "rita@", Phone: "01234 567890",
			Address: []string{"Rita", "NS2"}})
		for _, f := range []string{"channel", "format", "email", "phone", "address"} {
			wantField(t, err, f)
		}
		_, err = e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: KindEmail})
		wantField(t, err, "email")
		_, err = e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: KindSMS})
		wantField(t, err, "phone")
		_, err = e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: KindLetter})
		wantField(t, err, "address")
		// Nothing was written.
		p, err := e.ps.PreferencesOf(e.ctx, e.org.ID, rita)
		noErr(t, err)
		if !p.UpdatedAt.IsZero() {
			t.Fatalf("a refused change was stored: %+v", p)
		}
		// Numbers are checked by notify.PhoneE164, as the send path checks them.
		for in, want := range map[string]string{"+44 (0)7700-900123": "+447700900123", "+447700900123": "+447700900123", "0044 7700 900123": "+447700900123",
			"+1 202 555 0143": "+12025550143", "07700 90012": "", "+44 20 7946 0000": ""} {
			got, err := notify.PhoneE164(in, true)
			if got != want || (err == nil) != (want != "") {
				t.Errorf("notify.PhoneE164(%q) = %q, %v", in, got, err)
			}
		}
	})
}

func TestPrefsUnsubscribeLink(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.rita.UserID
		_, err := e.ps.SetPreferences(e.ctx, e.rita, rita, PreferencesInput{Channel: KindEmail, Email: "rita@example.org", Consent: true})
		noErr(t, err)
		tok, err := e.ps.UnsubscribeToken(e.ctx, e.org.ID, rita)
		noErr(t, err)
		again, err := e.ps.UnsubscribeToken(e.ctx, e.org.ID, rita)
		noErr(t, err)
		if tok != again {
			t.Fatal("the same person's link changed")
		}
		// Forged and mangled tokens are refused and change nothing.
		other, err := e.ps.UnsubscribeToken(e.ctx, e.org.ID, e.cas.UserID)
		noErr(t, err)
		payload, _, _ := strings.Cut(tok, ".")
		_, mac, _ := strings.Cut(other, ".")
		for _, bad := range []string{"", "x", "a.b", payload + "." + mac, tok + "x", strings.Repeat("a", 500)} {
			_, err := e.ps.Unsubscribe(e.ctx, bad)
			wantCode(t, err, platform.CodeNotFound)
		}
		if p, _ := e.ps.PreferencesOf(e.ctx, e.org.ID, rita); p.Unsubscribed {
			t.Fatal("a forged token unsubscribed")
		}
		p, err := e.ps.Unsubscribe(e.ctx, tok)
		noErr(t, err)
		if !p.Unsubscribed || p.Channel != KindEmail || p.Email != "rita@example.org" {
			t.Fatalf("after unsubscribing %+v", p)
		}
		first := p.UnsubscribedAt
		e.clock.Add(time.Hour)
		p, err = e.ps.Unsubscribe(e.ctx, tok)
		noErr(t, err)
		if !p.UnsubscribedAt.Equal(first) {
			t.Fatal("unsubscribing twice moved the date")
		}
		// Someone with no preferences yet can unsubscribe too.
		if p, err := e.ps.Unsubscribe(e.ctx, other); err != nil || !p.Unsubscribed {
			t.Fatalf("%+v %v", p, err)
		}
	})
}
