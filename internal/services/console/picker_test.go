package console

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/services/portal"
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

		cara := e.browserOn(pickerServer(t, e), e.cara)
		path := "/cases/" + c.ID + "/transitions/hand_over"
		r := cara.Get(path)
		wantBody(t, r, `name="officer-q"`, ">Search</button>", "js/picker.js")
		if strings.Contains(r.Body, "<select") {
			t.Fatal("the person question is still a list of every member of staff")
		}
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar"}, "lookup": {"officer"}})
		want(t, r, 200, "search")
		wantBody(t, r, "Showing people 1 to 10 of 12.", "Omar01 Example", "type more of their name")
		more := html.UnescapeString(lastBetween(r.Body, `name="lookup" value="`, `">Show the next`))
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar"}, "lookup": {more}})
		wantBody(t, r, "Showing people 11 to 12 of 12.", "Omar12 Example")
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

// pickerServer is the console with the directory's search, as servicesweb
// wires it, and the portal beside it for the picker script's search
// (/services/people), on one server.
func pickerServer(t *testing.T, e *env) *webtest.Server {
	t.Helper()
	find := func(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]forms.PersonMatch, string, error) {
		page, err := e.id.ListUsers(ctx, sub, identity.UserFilter{Staff: true, Active: true, Text: text, After: after, Limit: limit})
		if err != nil {
			return nil, "", err
		}
		var out []forms.PersonMatch
		for _, u := range page.Users {
			out = append(out, forms.PersonMatch{ID: u.ID, Name: u.Name, Email: u.Email})
		}
		return out, page.Next, nil
	}
	srv, err := web.NewServer(web.Config{CouncilName: "Northshire Council"}, slog.New(slog.NewTextHandler(testLog{t}, nil)), web.WithAuthenticator(sessions{e}))
	noErr(t, err)
	noErr(t, Register(srv, e.svc, Options{Now: e.clock.Now, People: people{e.id}, FindPeople: find}))
	noErr(t, portal.Register(srv, e.svc, portal.Options{Now: e.clock.Now,
		FindPeople: func(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]portal.Person, string, error) {
			found, next, err := find(ctx, sub, text, after, limit)
			var out []portal.Person
			for _, f := range found {
				out = append(out, portal.Person{ID: f.ID, Name: f.Name, Email: f.Email})
			}
			return out, next, err
		}}))
	return webtest.Start(t, srv)
}

// manyOmars makes n caseworkers in Finance whose names all start "Omar"
// (Omar 0001 to Omar n), several writes at a time, as a large council's
// directory would have many people sharing a name.
func manyOmars(t *testing.T, e *env, n int) map[string]string {
	t.Helper()
	sys := platform.System(e.org.ID)
	ids := make([]string, n+1)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1 + w; i <= n; i += 8 {
				u, err := e.id.CreateUser(e.ctx, sys, identity.NewUser{Email: fmt.Sprintf("omar%04d@example.org", i), Name: fmt.Sprintf("Omar %04d", i),
					Roles: []platform.Role{platform.RoleCaseworker}, BusinessUnits: []string{e.units["Finance"]}})
				if err != nil {
					errs <- err
					return
				}
				ids[i] = u.ID
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	byName := map[string]string{}
	for i := 1; i <= n; i++ {
		byName[fmt.Sprintf("Omar %04d", i)] = ids[i]
	}
	return byName
}

// handoverCase publishes the handover service and submits one case of it.
func handoverCase(t *testing.T, e *env) services.Case {
	t.Helper()
	def, err := definition.Parse([]byte(handover), "handover.yaml")
	noErr(t, err)
	_, err = e.svc.PublishDefinition(e.ctx, platform.System(e.org.ID), def, []byte(handover))
	noErr(t, err)
	c, err := e.svc.Submit(e.ctx, e.rita, "handover", definition.Answers{"details": "A fallen tree"}, services.SubmitOptions{})
	noErr(t, err)
	return c
}

// TestPersonPickerWithThousandsOfMatches: 3,000 people whose names start
// alike. A search lists ten at a time, says how many match (exactly when
// it can count them, "more than" past that) and how to narrow the search;
// the next page follows on; narrowing finds the one person, who is chosen.
// The picker script's search is bounded the same way.
func TestPersonPickerWithThousandsOfMatches(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		omars := manyOmars(t, e, 3000)
		c := handoverCase(t, e)
		cara := e.browserOn(pickerServer(t, e), e.cara)
		path := "/cases/" + c.ID + "/transitions/hand_over"
		search := func(q, lookup string) *webtest.Response {
			t.Helper()
			r := cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {q}, "lookup": {lookup}})
			want(t, r, 200, "search for "+q)
			return r
		}
		radios := func(r *webtest.Response) int { return strings.Count(r.Body, `class="govuk-radios__input"`) }

		r := search("omar", "officer")
		wantBody(t, r, "Showing people 1 to 10 of more than 60.", "To find someone faster, type more of their name", "Show the next 10 people")
		if n := radios(r); n != 10 {
			t.Fatalf("the first page lists %d people, want 10", n)
		}
		r = search("omar", html.UnescapeString(lastBetween(r.Body, `name="lookup" value="`, `">Show the next`)))
		wantBody(t, r, "Showing people 11 to 20 of more than 70.", "Show the next 10 people")
		if n := radios(r); n != 10 {
			t.Fatalf("the second page lists %d people, want 10", n)
		}
		// Narrower, by email: omar0099@ to omar2999@, counted exactly.
		r = search("99@example.org", "officer")
		wantBody(t, r, "Showing people 1 to 10 of 30.", "99@example.org")
		// Narrowest: one person, no advice to narrow, and chosen.
		r = search("omar 2999", "officer")
		wantBody(t, r, "Showing people 1 to 1 of 1.", "Omar 2999")
		wantNot(t, r, "To find someone faster", "Show the next")
		r = cara.PostForm(path, url.Values{"version": {"1"}, "officer-q": {"omar 2999"}, "officer": {omars["Omar 2999"]}})
		wantRedirect(t, r, "/cases/"+c.ID, "hand over")
		wantBody(t, cara.Get("/cases/"+c.ID), "Handed over", "Omar 2999")

		// The script's search: ten people, and how many there are.
		j := cara.Get("/services/people?q=omar")
		want(t, j, 200, "people json")
		var body struct {
			People []struct{ ID, Name string }
			More   bool
			Total  int
			Many   bool
		}
		noErr(t, json.Unmarshal([]byte(j.Body), &body))
		if len(body.People) != 10 || !body.More || body.Total != 60 || !body.Many {
			t.Fatalf("people search for omar: %d people, more %v, total %d, many %v", len(body.People), body.More, body.Total, body.Many)
		}
		body.Many = false // left out of the answer when false
		noErr(t, json.Unmarshal([]byte(cara.Get("/services/people?q=99%40example.org").Body), &body))
		if len(body.People) != 10 || body.Total != 30 || body.Many {
			t.Fatalf("people search for 99@example.org: %d people, total %d, many %v", len(body.People), body.Total, body.Many)
		}
	})
}
