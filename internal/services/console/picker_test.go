package console

import (
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

// handover has a transition asking staff to name an officer.
const handover = `id: handover
version: 1
title: Hand a case over
summary: A case handed to a named officer.
reference_prefix: HND
owner_unit: Customer Services
classification: OFFICIAL
retention: complaints-6y
start:
  who: [residents]
confirmation: {title: Sent}
fields:
  - {id: details, type: text, label: "What is it about?", required: true}
  - {id: officer, type: person, label: "Officer taking it on", internal: true}
pages:
  - {id: details, fields: [details]}
workflow:
  initial: open
  states:
    - {id: open, label: Open}
    - {id: handed_over, label: Handed over, terminal: true}
  transitions:
    - {id: hand_over, label: Hand over, from: [open], to: handed_over, requires: [officer]}
`

// TestTransitionPersonPicker: a person field of a transition form is
// searched for and chosen, without JavaScript, through the directory; the
// case page then names the officer.
func TestTransitionPersonPicker(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sys := platform.System(e.org.ID)
		var omar *platform.Subject
		for i := 1; i <= 12; i++ {
			s := e.user(sys, fmt.Sprintf("omar%02d", i), platform.RoleCaseworker, e.units["Finance"])
			if i == 12 {
				omar = s
			}
		}
		def, err := definition.Parse([]byte(handover), "handover.yaml")
		noErr(t, err)
		_, err = e.svc.PublishDefinition(e.ctx, sys, def, []byte(handover))
		noErr(t, err)
		c, err := e.svc.Submit(e.ctx, e.rita, "handover", definition.Answers{"details": "A fallen tree"}, services.SubmitOptions{})
		noErr(t, err)

		// The console with the directory's search, as servicesweb wires it.
		srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, nil)), web.WithAuthenticator(sessions{e}))
		noErr(t, err)
		noErr(t, Register(srv, e.svc, Options{Now: e.clock.Now, People: people{e.id},
			FindPeople: func(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]forms.PersonMatch, string, error) {
				page, err := e.id.ListUsers(ctx, sub, identity.UserFilter{Staff: true, Active: true, Text: text, After: after, Limit: limit})
				if err != nil {
					return nil, "", err
				}
				var out []forms.PersonMatch
				for _, u := range page.Users {
					out = append(out, forms.PersonMatch{ID: u.ID, Name: u.Name, Email: u.Email})
				}
				return out, page.Next, nil
			}}))
		cara := webtest.Start(t, srv).Browser()
		for k, s := range e.subs {
			if s == e.cara {
				cara.SignIn(k)
			}
		}
		path := "/cases/" + c.ID + "/transitions/hand_over"
		r := cara.Get(path)
		wantBody(t, r, `name="officer-q"`, ">Search</button>", "js/picker.js")
		if strings.Contains(r.Body, "<select") {
			t.Fatal("the person question is still a list of every member of staff")
		}
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar"}, "lookup": {"officer"}})
		want(t, r, 200, "search")
		wantBody(t, r, "Showing people 1 to 10 (there are more)", "Omar01 Example")
		more := html.UnescapeString(lastBetween(r.Body, `name="lookup" value="`, `">Show the next`))
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar"}, "lookup": {more}})
		wantBody(t, r, "Showing people 11 to 12.", "Omar12 Example")
		wantBody(t, cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"zed"}, "lookup": {"officer"}}), `No one found for &#34;zed&#34;`)
		// Choosing: the move is made and the case names the officer.
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar12"}, "officer": {omar.UserID}})
		wantRedirect(t, r, "/cases/"+c.ID, "hand over")
		page := cara.Get("/cases/" + c.ID)
		wantBody(t, page, "Handed over", "Omar12 Example")
	})
}

func lastBetween(s, a, b string) string {
	end := strings.Index(s, b)
	if end < 0 {
		return ""
	}
	start := strings.LastIndex(s[:end], a)
	if start < 0 {
		return ""
	}
	return s[start+len(a) : end]
}
