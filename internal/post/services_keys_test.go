package post

import (
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestServiceSettingsAndKeys(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()

		// Settings: checked, kept by the owning unit's managers.
		_, err := e.ps.UpdateService(e.ctx, e.mia, sv.ID, ServiceSettings{Name: "", EmailReplyTo: "not an address", CallbackURL: "http://example.org/cb",
			RatePerMinute: -1, SMSSender: "far too long a name"})
		for _, f := range []string{"name", "email_reply_to", "callback_url", "rate_per_minute", "sms_sender"} {
			wantField(t, err, f)
		}
		_, err = e.ps.UpdateService(e.ctx, e.mia, sv.ID, ServiceSettings{Name: "N", CallbackURL: "https://example.org/cb"})
		wantField(t, err, "callback_token")
		_, err = e.ps.UpdateService(e.ctx, e.cas, sv.ID, ServiceSettings{Name: "N"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ps.UpdateService(e.ctx, e.other, sv.ID, ServiceSettings{Name: "N"})
		wantCode(t, err, platform.CodeNotFound)
		up, err := e.ps.UpdateService(e.ctx, e.mia, sv.ID, ServiceSettings{Name: "Northshire", RatePerMinute: 60, CallbackURL: "https://example.org/cb",
			CallbackToken: "a-long-enough-token"})
		noErr(t, err)
		// The token is kept when the URL is unchanged and none is given.
		up, err = e.ps.UpdateService(e.ctx, e.mia, sv.ID, ServiceSettings{Name: up.Name, RatePerMinute: 60, CallbackURL: up.CallbackURL})
		noErr(t, err)
		got, err := e.ps.ServiceByID(e.ctx, sv.ID)
		noErr(t, err)
		if got.Name != "Northshire" || got.RatePerMinute != 60 || got.CallbackToken != "a-long-enough-token" {
			t.Fatalf("service after update: %+v", got)
		}

		// Keys: the whole key once, of Notify's form, parsed by its rule.
		_, _, err = e.ps.CreateAPIKey(e.ctx, e.mia, sv.ID, "", "superuser")
		wantField(t, err, "name")
		wantField(t, err, "key_type")
		_, _, err = e.ps.CreateAPIKey(e.ctx, e.sid, sv.ID, "Finance", KeyNormal)
		wantCode(t, err, platform.CodeForbidden)
		k, whole, err := e.ps.CreateAPIKey(e.ctx, e.mia, sv.ID, "Case system (live)", KeyNormal)
		noErr(t, err)
		if !strings.HasPrefix(whole, "case_system_live-"+sv.ID+"-") || len(whole) != len("case_system_live-")+73 {
			t.Fatalf("whole key %q", whole)
		}
		sid, secret, err := notify.ParseKey(whole)
		noErr(t, err)
		if sid != sv.ID || secret != k.Secret {
			t.Fatalf("ParseKey(%q) = %s, %s", whole, sid, secret)
		}
		list, err := e.ps.APIKeys(e.ctx, e.dee, sv.ID)
		noErr(t, err)
		if len(list) != 1 || list[0].Secret != "" || list[0].Name != "Case system (live)" {
			t.Fatalf("keys listed: %+v", list)
		}
		_, keys, err := e.ps.ServiceKeys(e.ctx, sv.ID)
		noErr(t, err)
		if len(keys) != 1 || keys[0].Secret != k.Secret {
			t.Fatalf("lookup keys: %+v", keys)
		}

		// Revoking is final and kept.
		wantCode(t, e.ps.RevokeAPIKey(e.ctx, e.cas, sv.ID, k.ID), platform.CodeForbidden)
		noErr(t, e.ps.RevokeAPIKey(e.ctx, e.mia, sv.ID, k.ID))
		wantCode(t, e.ps.RevokeAPIKey(e.ctx, e.mia, sv.ID, k.ID), platform.CodeNotFound)
		_, keys, err = e.ps.ServiceKeys(e.ctx, sv.ID)
		noErr(t, err)
		if keys[0].RevokedAt.IsZero() {
			t.Fatal("revoked key has no revoked time")
		}
	})
}

func TestKeyName(t *testing.T) {
	for in, want := range map[string]string{"Case system (live)": "case_system_live", "  ": "key", "CRM--2": "crm_2", "ü": "key"} {
		if got := KeyName(in); got != want {
			t.Errorf("KeyName(%q) = %q, want %q", in, got, want)
		}
	}
}
