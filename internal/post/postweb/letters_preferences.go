package postweb

import (
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

// prefsPage is the data of the preferences pages.
type prefsPage struct {
	*web.Form
	Action   string // where the form posts
	Person   platform.Person
	Own      bool // the person's own page
	CanSet   bool // staff may record a change (the staff view)
	Prefs    post.Preferences
	Rows     []web.SummaryRow
	Channels []web.Option
	Formats  []web.Option
	Consents []web.Option
}

var (
	prefChannels = []web.Option{{Value: post.KindEmail, Text: "Email"}, {Value: post.KindSMS, Text: "Text message"},
		{Value: post.KindLetter, Text: "Letter in the post"}, {Value: "none", Text: "No preference", Hint: "We email you if we have your address, or write to you"}}
	prefFormats  = []web.Option{{Value: post.FormatLargePrint, Text: "Large print letters", Hint: "Letters printed at 16 point or larger"}}
	prefConsents = []web.Option{{Value: "yes", Text: "Yes, send me messages that are not statutory",
		Hint: "Such as reminders, news about services and surveys. Messages the law requires us to send always come."}}
)

// prefsForm is the form pre-filled with what is stored.
func prefsForm(p post.Preferences, email string) *web.Form {
	v := url.Values{}
	ch := p.Channel
	if ch == "" {
		ch = "none"
	}
	v.Set("channel", ch)
	if p.Format != "" {
		v.Set("format", p.Format)
	}
	if p.Email == "" {
		p.Email = email
	}
	v.Set("email", p.Email)
	v.Set("phone", p.Phone)
	v.Set("address", strings.Join(p.Address, "\n"))
	if !p.Unsubscribed {
		v.Set("consent", "yes")
	}
	return web.NewForm(v)
}

func prefsInput(f url.Values) post.PreferencesInput {
	ch := f.Get("channel")
	if ch == "none" {
		ch = ""
	}
	return post.PreferencesInput{Channel: ch, Format: f.Get("format"), Email: f.Get("email"), Phone: f.Get("phone"),
		Address: []string{f.Get("address")}, Consent: f.Get("consent") == "yes"}
}

func prefsRows(p post.Preferences) []web.SummaryRow {
	ch := map[string]string{"": "No preference", post.KindEmail: "Email", post.KindSMS: "Text message", post.KindLetter: "Letter"}[p.Channel]
	format := "Standard"
	if p.LargePrint() {
		format = "Large print"
	}
	consent := "Yes"
	if p.Unsubscribed {
		consent = "No, since " + p.UnsubscribedAt.In(prefsZone()).Format("2 January 2006")
	}
	dash := func(s string) string {
		if s == "" {
			return "Not given"
		}
		return s
	}
	updated := "Never"
	if !p.UpdatedAt.IsZero() {
		updated = p.UpdatedAt.In(prefsZone()).Format("2 January 2006 at 15:04")
	}
	return []web.SummaryRow{{Key: "Preferred channel", Value: ch}, {Key: "Format", Value: format}, {Key: "Email", Value: dash(p.Email)},
		{Key: "Mobile", Value: dash(p.Phone)}, {Key: "Address", Value: dash(strings.Join(p.Address, ", "))},
		{Key: "Messages that are not statutory", Value: consent}, {Key: "Last changed", Value: updated}}
}

// prefsZone is the council's time zone for the dates the pages show.
var prefsZone = sync.OnceValue(func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
})

func (p *lettersPart) render(w http.ResponseWriter, r *http.Request, status int, pg *prefsPage) error {
	pg.Channels, pg.Formats, pg.Consents = prefChannels, prefFormats, prefConsents
	pg.Rows = prefsRows(pg.Prefs)
	name := "post/letters_person"
	if pg.Own {
		name = "post/letters_preferences"
	}
	return web.Render(w, r, status, name, pg)
}

// mine is the signed-in person's own page: residents first, but staff
// are people the council writes to as well.
func (p *lettersPart) mine(w http.ResponseWriter, r *http.Request) error {
	sub := web.SubjectOf(r)
	if sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeForbidden, "Contact preferences belong to a person: sign in as yourself")
	}
	prefs, err := p.m.ps.PersonPreferences(r.Context(), sub, sub.UserID)
	if err != nil {
		return err
	}
	me, _ := p.m.d.Directory.Person(r.Context(), sub, sub.UserID)
	return p.render(w, r, http.StatusOK, &prefsPage{Form: prefsForm(prefs, me.Email), Action: "/post/preferences", Own: true, Person: me, Prefs: prefs})
}

func (p *lettersPart) saveMine(w http.ResponseWriter, r *http.Request) error {
	sub := web.SubjectOf(r)
	if sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeForbidden, "Contact preferences belong to a person: sign in as yourself")
	}
	_, err := p.m.ps.SetPreferences(r.Context(), sub, sub.UserID, prefsInput(r.PostForm))
	if platform.CodeOf(err) == platform.CodeInvalid {
		prefs, _ := p.m.ps.PreferencesOf(r.Context(), sub.OrgID, sub.UserID)
		return p.render(w, r, http.StatusUnprocessableEntity, &prefsPage{Form: web.FormErrors(r, err), Action: "/post/preferences", Own: true, Prefs: prefs})
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Your contact preferences are saved")
	http.Redirect(w, r, "/post/preferences", http.StatusSeeOther)
	return nil
}

// person is the staff view of someone's preferences, with a form for
// staff who send post to record what the person told them.
func (p *lettersPart) person(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	who, err := p.m.d.Directory.Person(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	prefs, err := p.m.ps.PersonPreferences(r.Context(), sub, who.ID)
	if err != nil {
		return err
	}
	return p.render(w, r, http.StatusOK, &prefsPage{Form: prefsForm(prefs, who.Email), Action: "/post/people/" + url.PathEscape(who.ID) + "/preferences",
		Person: who, Prefs: prefs, CanSet: canRecordFor(sub)})
}

// canRecordFor mirrors the engine's rule for offering the form: staff
// who send post.
func canRecordFor(sub *platform.Subject) bool {
	return sub.HasRole(platform.RoleAdmin) || sub.HasRole(platform.RoleCaseworker) || sub.HasRole(platform.RoleManager) ||
		sub.HasRole(platform.RoleDesigner)
}

func (p *lettersPart) savePerson(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	who, err := p.m.d.Directory.Person(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	action := "/post/people/" + url.PathEscape(who.ID) + "/preferences"
	_, err = p.m.ps.SetPreferences(r.Context(), sub, who.ID, prefsInput(r.PostForm))
	if platform.CodeOf(err) == platform.CodeInvalid {
		prefs, _ := p.m.ps.PreferencesOf(r.Context(), sub.OrgID, who.ID)
		return p.render(w, r, http.StatusUnprocessableEntity, &prefsPage{Form: web.FormErrors(r, err), Action: action, Person: who, Prefs: prefs, CanSet: true})
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, who.Name+"'s contact preferences are saved")
	http.Redirect(w, r, action, http.StatusSeeOther)
	return nil
}

// unsubscribePage is the data of the unsubscribe pages.
type unsubscribePage struct {
	Token   string
	Done    bool
	Invalid bool
}

// unsubscribeRefused shows a bad link's page: what to do instead, rather
// than the bare "page not found".
func unsubscribeRefused(w http.ResponseWriter, r *http.Request, err error) error {
	if platform.CodeOf(err) != platform.CodeNotFound {
		return err
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return web.Render(w, r, http.StatusNotFound, "post/letters_unsubscribe", unsubscribePage{Invalid: true})
}

func (p *lettersPart) unsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.PathValue("token")
	if _, _, err := p.m.ps.CheckUnsubscribeToken(r.Context(), tok); err != nil {
		return unsubscribeRefused(w, r, err)
	}
	w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the address
	return web.Render(w, r, http.StatusOK, "post/letters_unsubscribe", unsubscribePage{Token: tok})
}

func (p *lettersPart) unsubscribe(w http.ResponseWriter, r *http.Request) error {
	if _, err := p.m.ps.Unsubscribe(r.Context(), r.PathValue("token")); err != nil {
		return unsubscribeRefused(w, r, err)
	}
	w.Header().Set("Referrer-Policy", "no-referrer")
	return web.Render(w, r, http.StatusOK, "post/letters_unsubscribe", unsubscribePage{Done: true})
}
