package postweb

import (
	"bytes"
	"context"
	"html"
	"image"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestPrefsPages(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita, cas := e.users["Rita"], e.users["Cas"]
		b := e.browser("Rita")
		want(t, b.Get("/post/preferences"), 200, "Your contact preferences", "How would you like us to contact you?", "rita@example.org",
			`href="/post/preferences"`) // in her menu

		// A letter without an address is refused, beside the field, and nothing is kept.
		res := b.PostForm("/post/preferences", url.Values{"channel": {"letter"}, "format": {"large-print"}, "email": {"rita@example.org"}})
		want(t, res, http.StatusUnprocessableEntity, "Enter the postal address for letters")
		if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.ID); !p.UpdatedAt.IsZero() {
			t.Fatalf("a refused form was kept: %+v", p)
		}
		res = b.PostForm("/post/preferences", url.Values{"channel": {"letter"}, "format": {"large-print"}, "email": {"rita@example.org"},
			"address": {"Rita Test\r\n12 Mill Lane\r\nNorthtown\r\nns2 3bb"}})
		want(t, res, http.StatusSeeOther)
		want(t, b.Get("/post/preferences"), 200, "Your contact preferences are saved", "NS2 3BB")
		p, err := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.ID)
		noErr(t, err)
		if p.Channel != post.KindLetter || !p.LargePrint() || !p.Unsubscribed {
			t.Fatalf("stored %+v", p)
		}

		// Staff find the person, see their preferences; staff who send post record a change.
		sid := e.browser("Sid")
		want(t, sid.Get("/post/people"), 200, "Name or email address")
		want(t, sid.Get("/post/people?q=rita"), 200, `href="/post/people/`+rita.ID+`/preferences"`, "rita@example.org")
		want(t, sid.Get("/post/people?q=nobody-at-all"), 200, "Nobody matches")
		want(t, b.Get("/post/people?q=rita"), 403)
		want(t, sid.Get("/post/people/"+rita.ID+"/preferences"), 200, "Contact preferences", "Large print", "12 Mill Lane, Northtown, NS2 3BB", "No, since 2 March 2026")
		if strings.Contains(sid.Get("/post/people/"+rita.ID+"/preferences").Body, "Record a change") {
			t.Fatal("staff who do not send post were offered the form")
		}
		want(t, sid.PostForm("/post/people/"+rita.ID+"/preferences", url.Values{"channel": {"none"}, "consent": {"yes"}}), 403)
		c := e.browser("Cas")
		want(t, c.Get("/post/people/"+rita.ID+"/preferences"), 200, "Record a change")
		want(t, c.PostForm("/post/people/"+rita.ID+"/preferences", url.Values{"channel": {"sms"}, "phone": {"07700 900 982"}, "consent": {"yes"}}), 303)
		p, _ = e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.ID)
		if p.Channel != post.KindSMS || p.Phone != "+447700900982" || p.Unsubscribed || p.UpdatedBy != cas.ID {
			t.Fatalf("after Cas %+v", p)
		}

		// A resident reaches nobody else's; another council's admin finds nobody.
		want(t, b.Get("/post/people/"+cas.ID+"/preferences"), 403)
		want(t, e.srv.API(e.token("Otto", platform.ScopeRead), "GET", "/api/v1/post/people/"+rita.ID+"/preferences", ""), 404)
		want(t, c.Get("/post/people/nobody/preferences"), 404)
	})
}

func TestPrefsUnsubscribeLink(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.users["Rita"]
		link, err := e.m.UnsubscribeURL(e.ctx, e.org.ID, rita.ID)
		noErr(t, err)
		path := strings.TrimPrefix(link, "http://dbtp.test")
		if !strings.HasPrefix(path, "/post/unsubscribe/") {
			t.Fatalf("link %s", link)
		}
		anon := e.srv.Browser()
		// Following the link only asks: mail scanners open links.
		res := anon.Get(path)
		want(t, res, 200, "Unsubscribe from messages that are not statutory")
		if res.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Fatal("the token may leak through Referer")
		}
		if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.ID); p.Unsubscribed {
			t.Fatal("opening the link unsubscribed")
		}
		want(t, anon.PostForm(path, nil), 200, "You have unsubscribed")
		if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.ID); !p.Unsubscribed {
			t.Fatal("not unsubscribed")
		}
		want(t, anon.Get("/post/unsubscribe/forged.token"), 404, "not valid")
		want(t, anon.PostForm("/post/unsubscribe/forged.token", nil), 404)

		// RFC 8058 one click, as a mail program posts it: no cookies, no sign-in.
		one, err := e.m.UnsubscribeOneClickURL(e.ctx, e.org.ID, e.users["Cas"].ID)
		noErr(t, err)
		res = e.do("POST", strings.TrimPrefix(one, "http://dbtp.test"), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
			[]byte("List-Unsubscribe=One-Click"))
		want(t, res, 204)
		if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, e.users["Cas"].ID); !p.Unsubscribed {
			t.Fatal("one click did not unsubscribe")
		}
		want(t, e.do("POST", "/api/v1/post/unsubscribe/x.y", nil, nil), 404)
	})
}

func TestPrefsAPI(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		rita := e.users["Rita"]
		tok := e.token("Rita", platform.ScopeRead, platform.ScopeWrite)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/preferences", ""), 200, `"person_id":"`+rita.ID, `"unsubscribed":false`)
		want(t, e.srv.API(tok, "PUT", "/api/v1/post/preferences", `{"channel":"email","email":"nope","consent":true}`), 422, `"email"`)
		want(t, e.srv.API(tok, "PUT", "/api/v1/post/preferences", `{"channel":"email","email":"rita@example.org","consent":true,"extra":1}`), 422, "extra")
		want(t, e.srv.API(tok, "PUT", "/api/v1/post/preferences", `{"channel":"email","email":"rita@example.org","consent":true}`), 200, `"channel":"email"`)
		want(t, e.srv.API(tok, "GET", "/api/v1/post/people/"+rita.ID+"/preferences", ""), 403)

		staffTok := e.token("Cas", platform.ScopeRead, platform.ScopeWrite)
		want(t, e.srv.API(staffTok, "GET", "/api/v1/post/people/"+rita.ID+"/preferences", ""), 200, `"email":"rita@example.org"`)
		want(t, e.srv.API(staffTok, "PUT", "/api/v1/post/people/"+rita.ID+"/preferences", `{"channel":"sms","consent":false}`), 422, `"phone"`)
		want(t, e.srv.API(staffTok, "PUT", "/api/v1/post/people/"+rita.ID+"/preferences", `{"channel":"sms","phone":"+447700900982"}`), 200,
			`"unsubscribed":true`)
		want(t, e.srv.API(e.token("Sid", platform.ScopeRead, platform.ScopeWrite), "PUT", "/api/v1/post/people/"+rita.ID+"/preferences", `{}`), 403)
		want(t, e.srv.API("", "GET", "/api/v1/post/preferences", ""), 401)
	})
}

func TestLettersPreview(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		id := e.lettersTemplate(post.KindLetter, "Your bin collection", "Dear ((name)),\n\nYour ((bin colour)) bin is collected on ((day)).", true)
		dee := e.browser("Dee")
		res := dee.Get("/post/templates/" + id + "/preview.pdf?day=Tuesday")
		want(t, res, 200)
		if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(res.Body, "%PDF-") {
			t.Fatalf("not a PDF: %s", res.Header)
		}
		text := lettersPDFText(t, res.Body)
		for _, s := range []string{"Your bin collection", "Dear A. Resident", "[bin colour]", "Tuesday", "1 Sample Street", "NS1 1AA", "County Hall",
			"Reference: PREVIEW", "2 March 2026", "Page 1 of 1"} {
			if !strings.Contains(text, s) {
				t.Fatalf("the preview lacks %q:\n%s", s, text)
			}
		}
		// The templates part's preview page links to the PDF with the
		// sample data typed there.
		page := dee.Get("/post/templates/" + id + "/preview?p.name=Amina+Ahmed")
		m := regexp.MustCompile(`href="(/post/templates/[^"]+/preview\.pdf[^"]*)"`).FindStringSubmatch(page.Body)
		if m == nil {
			t.Fatalf("no PDF link on the preview page:\n%s", page.Body)
		}
		if text := lettersPDFText(t, dee.Get(html.UnescapeString(m[1])).Body); !strings.Contains(text, "Dear Amina Ahmed") {
			t.Fatalf("the PDF ignores the preview's sample data:\n%s", text)
		}
		large := dee.Get("/post/templates/" + id + "/preview.pdf?format=large-print")
		want(t, large, 200)
		// The body is set at 11 pt, but nothing is in large print.
		if !strings.Contains(res.Body, " 11.00 Tf") || strings.Contains(large.Body, " 11.00 Tf") {
			t.Fatal("large print is not set at 16 pt")
		}
		want(t, dee.Get("/post/templates/"+id+"/preview.pdf?format=huge"), 400, "large-print")
		// An earlier version.
		noErr(t, e.db.Write(e.ctx, func(tx *store.Tx) error {
			if _, err := tx.Exec(e.ctx, "UPDATE post_templates SET body = 'Version two', version = 2 WHERE id = ?", id); err != nil {
				return err
			}
			_, err := tx.Exec(e.ctx, "INSERT INTO post_template_versions (template_id, version, subject, body, created_at) VALUES (?, 2, 'Your bin collection', 'Version two', 0)", id)
			return err
		}))
		if text := lettersPDFText(t, dee.Get("/post/templates/"+id+"/preview.pdf").Body); !strings.Contains(text, "Version two") {
			t.Fatalf("current version:\n%s", text)
		}
		if text := lettersPDFText(t, dee.Get("/post/templates/"+id+"/preview.pdf?version=1").Body); !strings.Contains(text, "Dear A. Resident") {
			t.Fatalf("version 1:\n%s", text)
		}
		want(t, dee.Get("/post/templates/"+id+"/preview.pdf?version=9"), 404)
		want(t, dee.Get("/post/templates/"+id+"/preview.pdf?version=x"), 400)
		email := e.lettersTemplate(post.KindEmail, "Hello", "Hi", true)
		want(t, dee.Get("/post/templates/"+email+"/preview.pdf"), 404)
		want(t, dee.Get("/post/templates/nope/preview.pdf"), 404)
		want(t, e.browser("Rita").Get("/post/templates/"+id+"/preview.pdf"), 403)
		want(t, e.do("GET", "/post/templates/"+id+"/preview.pdf", http.Header{"Authorization": {"Bearer " + e.token("Otto", platform.ScopeRead)}}, nil), 404)
	})
}

func TestLettersPreviewWithLogo(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "logo.png")
	img := image.NewRGBA(image.Rect(0, 0, 60, 20))
	var b bytes.Buffer
	noErr(t, png.Encode(&b, img))
	noErr(t, os.WriteFile(logo, b.Bytes(), 0o600))
	e := newEnvWith(t, storetest.Open(t, store.SQLite, testMods), map[string]string{"DBTP_POST_LETTER_LOGO": logo})
	id := e.lettersTemplate(post.KindLetter, "Hello", "Body", true)
	res := e.browser("Dee").Get("/post/templates/" + id + "/preview.pdf")
	want(t, res, 200, "/Subtype /Image")
	if !bytes.Equal(e.m.Store().LetterLogo(), b.Bytes()) {
		t.Fatal("the logo is not the store's")
	}
}

func TestLettersDemo(t *testing.T) {
	e := newEnv(t, storetest.Open(t, store.SQLite, testMods))
	rita := e.subject("Rita")
	env := &module.DemoEnv{
		Org: func(context.Context, string) (platform.Org, error) { return e.org, nil },
		Person: func(_ context.Context, _ platform.Org, email string) (*platform.Subject, error) {
			if email != "resident@kent.example" {
				return nil, platform.NotFound("person")
			}
			return rita, nil
		},
	}
	noErr(t, e.m.letters.demo(e.ctx, e.m, env, e.org))
	p, err := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.UserID)
	noErr(t, err)
	if p.Channel != post.KindLetter || !p.LargePrint() || len(p.Address) != 4 {
		t.Fatalf("demo preferences %+v", p)
	}
	// A second run leaves what the resident has changed since.
	_, err = e.m.Store().SetPreferences(e.ctx, rita, rita.UserID, post.PreferencesInput{Consent: true})
	noErr(t, err)
	noErr(t, e.m.letters.demo(e.ctx, e.m, env, e.org))
	if p, _ := e.m.Store().PreferencesOf(e.ctx, e.org.ID, rita.UserID); p.Channel != "" {
		t.Fatalf("the demo overwrote %+v", p)
	}
}
