package postweb

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
	"dbtp/internal/post/provider/printdrop"
	"dbtp/internal/web"
)

// lettersPart is the letters part of the module: residents' contact
// preferences (their own page, the staff view, the unsubscribe link and
// the API) and the letter preview of a template as a PDF. Rendering
// letters and the print provider are the letter and printdrop packages;
// the delivery part calls them.
type lettersPart struct {
	m *Module
	// drop is the print and hybrid-mail drop (DBTP_POST_PRINT_*), offered
	// to the delivery part as the letter provider "print"; nil when no
	// destination is set.
	drop  *printdrop.Drop
	every time.Duration
}

func (p *lettersPart) init(ctx context.Context, m *Module) error {
	p.m = m
	// DBTP_POST_LETTER_LOGO: a PNG or JPEG at the head of every letter.
	if path := m.d.Config.Getenv("DBTP_POST_LETTER_LOGO"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("DBTP_POST_LETTER_LOGO: %w", err)
		}
		if err := m.ps.SetLetterLogo(b); err != nil {
			return fmt.Errorf("DBTP_POST_LETTER_LOGO: %s: %w", path, err)
		}
	}
	set, ok, err := printdrop.FromEnv(m.d.Config.Getenv, m.d.Config.DataDir)
	if err != nil || !ok {
		return err
	}
	if p.drop, err = printdrop.New(set.Options); err != nil {
		return fmt.Errorf("DBTP_POST_PRINT_*: %w", err)
	}
	p.every = set.Every
	m.delivery.offer("print", p.drop)
	return nil
}

func (p *lettersPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(f))
	}
	page("GET /post/preferences", p.mine)
	page("POST /post/preferences", p.saveMine)
	page("GET /post/people", p.people)
	page("GET /post/people/{id}/preferences", p.person)
	page("POST /post/people/{id}/preferences", p.savePerson)
	page("GET /post/templates/{id}/preview.pdf", p.preview)
	// The unsubscribe link works without signing in: the token is the
	// authority. GET only asks (mail scanners follow links); POST does it.
	rt.HandleFunc("GET /post/unsubscribe/{token}", p.unsubscribeForm)
	rt.HandleFunc("POST /post/unsubscribe/{token}", p.unsubscribe)
	// Residents reach their own page from the menu; staff reach theirs
	// from the post pages.
	srv.Renderer().AddNav(web.NavItem{Label: "Contact preferences", Href: "/post/preferences", Roles: []platform.Role{platform.RoleResident}, Order: 85})
	p.routeAPI(srv.API())
	return nil
}

// start sends the waiting letters' batches to the print drop every so
// often, for as long as the server runs.
func (p *lettersPart) start(ctx context.Context, m *Module) error {
	if p.drop != nil {
		go p.drop.Run(ctx, p.every)
	}
	return nil
}

func (p *lettersPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	// The demo resident prefers large-print letters, so every send to
	// them shows the preference at work.
	sub, err := env.Person(ctx, org, "resident@kent.example")
	if err != nil {
		return nil // no demo resident in this council
	}
	if cur, err := m.ps.PreferencesOf(ctx, org.ID, sub.UserID); err != nil || !cur.UpdatedAt.IsZero() {
		return err
	}
	_, err = m.ps.SetPreferences(ctx, sub, sub.UserID, post.PreferencesInput{Channel: post.KindLetter, Format: post.FormatLargePrint,
		Address: []string{sub.Name, "14 Orchard Way", "Maidstone", "ME14 1XX"}, Consent: true})
	return err
}

// UnsubscribeURL is the link the delivery part puts in every message
// that is not statutory (and in its List-Unsubscribe header, with
// UnsubscribeOneClickURL as List-Unsubscribe-Post's target): it opens a
// page that asks once and needs no sign-in.
func (m *Module) UnsubscribeURL(ctx context.Context, orgID, personID string) (string, error) {
	tok, err := m.ps.UnsubscribeToken(ctx, orgID, personID)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(m.d.Config.BaseURL, "/") + "/post/unsubscribe/" + url.PathEscape(tok), nil
}

// UnsubscribeOneClickURL is the RFC 8058 one-click address for the same
// person: a POST there unsubscribes at once (mail programs' "Unsubscribe"
// button).
func (m *Module) UnsubscribeOneClickURL(ctx context.Context, orgID, personID string) (string, error) {
	tok, err := m.ps.UnsubscribeToken(ctx, orgID, personID)
	if err != nil {
		return "", err
	}
	return strings.TrimRight(m.d.Config.BaseURL, "/") + "/api/v1/post/unsubscribe/" + url.PathEscape(tok), nil
}

// preview is a letter template as the PDF it prints as, filled with
// sample data (any query parameter named as a placeholder overrides its
// sample); ?format=large-print shows the large-print letter and
// ?version=N an earlier version.
func (p *lettersPart) preview(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	t, sv, err := p.m.ps.LetterTemplate(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	// ?version=N previews an earlier version (the templates part's
	// version history links to it).
	if v := q.Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return platform.Invalid("Check the preview", platform.FieldError{Field: "version", Message: "must be a version number"})
		}
		if t, err = p.m.ps.TemplateForService(r.Context(), t.ServiceID, t.ID, n); err != nil {
			return err
		}
	}
	// Sample data comes as p.<placeholder>, as the templates part's
	// preview page links to it (a bare name is taken too).
	given := map[string]string{}
	for k := range q {
		if k != "format" && k != "version" {
			given[strings.TrimPrefix(k, "p.")] = q.Get(k)
		}
	}
	format := q.Get("format")
	if format != "" && format != post.FormatLargePrint {
		return platform.Invalid("Check the preview", platform.FieldError{Field: "format", Message: "must be large-print or left out"})
	}
	rd, err := notify.Render(post.KindLetter, t.Subject, t.Body, post.LetterSample(t.Subject, t.Body, given))
	if err != nil {
		return platform.Invalid("The template cannot be previewed: " + err.Error())
	}
	n := post.Notification{Address: post.LetterSampleAddress, Reference: "PREVIEW", LargePrint: format == post.FormatLargePrint,
		CreatedAt: p.m.d.Clock.Now()}
	pdf, _, err := letter.Render(p.m.ps.Letter(sv, n, rd))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "application/pdf")
	h.Set("Content-Disposition", `inline; filename="preview.pdf"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(pdf)
	return err
}
