package post

import (
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/post/provider"
	"dbtp/internal/post/provider/smtpmail/smtpdtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// An email that is not statutory, to a person, ends with their
// unsubscribe link, which works; a statutory one has none, and once they
// have unsubscribed the next newsletter is refused.
func TestNonStatutoryEmailCarriesTheUnsubscribeLink(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		srv := smtpdtest.Start(t, "")
		e.deliverer(Delivery{Providers: map[string]provider.Provider{KindEmail: smtpTo(t, srv.Addr)}})
		sv := e.service()
		news := e.template(sv, KindEmail, "What's on", "Dear ((name)),\n\nLibraries open late on Thursdays.")
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE post_templates SET statutory = 0 WHERE id = ?", news.ID)
			return err
		}))
		news.Statutory = false
		notice := e.template(sv, KindEmail, "Your council tax", "Dear ((name)),\n\nYour bill has changed.")
		toRita := func(n *Notification) { n.PersonID = e.rita.UserID }
		e.notification(news, "rita@example.org", map[string]any{"name": "Rita"}, toRita)
		e.notification(notice, "rita@example.org", map[string]any{"name": "Rita"}, toRita)
		e.run()
		ms := srv.Messages()
		if len(ms) != 2 {
			t.Fatalf("%d messages", len(ms))
		}
		linkRE := regexp.MustCompile(`http://dbtp\.test/post/unsubscribe/([A-Za-z0-9_.-]+)`)
		var token string
		for _, m := range ms {
			body := strings.NewReplacer("=\r\n", "", "=\n", "", "=3D", "=").Replace(m.Body)
			found := linkRE.FindStringSubmatch(body)
			switch m.Subject {
			case "What's on":
				if found == nil {
					t.Fatalf("the newsletter has no unsubscribe link:\n%s", body)
				}
				token = found[1]
			default:
				if found != nil {
					t.Fatalf("a statutory email carries an unsubscribe link:\n%s", body)
				}
			}
		}
		p, err := e.ps.Unsubscribe(e.ctx, token)
		noErr(t, err)
		if !p.Unsubscribed || p.PersonID != e.rita.UserID {
			t.Fatalf("after the link: %+v", p)
		}
		pref, err := e.ps.PreferencesOf(e.ctx, e.org.ID, e.rita.UserID)
		noErr(t, err)
		if !pref.Unsubscribed {
			t.Fatal("the link did not unsubscribe her")
		}
	})
}
