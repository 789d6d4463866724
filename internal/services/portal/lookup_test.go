package portal

import (
	"context"
	"fmt"
	"html"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/gazetteer"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// The gazetteer is another module: the real one serves here, reached only
// through the portal's own Addresses interface, as cmd/dbtp wires it.
var lookupMods = append(append([]store.Migrations{}, testMods...), gazetteer.Migrations)

// gazetteerAddresses adapts the engine to Addresses as gazetteerweb does.
type gazetteerAddresses struct{ g *gazetteer.Gazetteer }

func (a gazetteerAddresses) AddressesLoaded(ctx context.Context) (bool, error) {
	return a.g.Loaded(ctx)
}
func (a gazetteerAddresses) AddressesByPostcode(ctx context.Context, pc string) ([]GazetteerAddress, error) {
	return a.g.ByPostcode(ctx, pc)
}
func (a gazetteerAddresses) AddressByUPRN(ctx context.Context, u string) (GazetteerAddress, error) {
	return a.g.ByUPRN(ctx, u)
}

// withLookups boots the portal with the directory's staff search and a
// gazetteer (loaded with the demo addresses when load is true).
func withLookups(t *testing.T, db *store.DB, load bool) *env {
	e := newEnv(t, db)
	g := gazetteer.New(db, nil)
	if load {
		if _, err := g.LoadDemo(e.ctx); err != nil {
			t.Fatal(err)
		}
	}
	e.more = func(o *Options) {
		o.Addresses = gazetteerAddresses{g}
		o.FindPeople = func(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]Person, string, error) {
			page, err := e.id.ListUsers(ctx, sub, identity.UserFilter{Staff: true, Active: true, Text: text, After: after, Limit: limit})
			if err != nil {
				return nil, "", err
			}
			var out []Person
			for _, u := range page.Users {
				out = append(out, Person{ID: u.ID, Name: u.Name, Email: u.Email})
			}
			return out, page.Next, nil
		}
	}
	e.boot()
	return e
}

func TestAddressFoundByPostcode(t *testing.T) {
	storetest.Each(t, lookupMods, func(t *testing.T, db *store.DB) {
		e := withLookups(t, db, true)
		b := e.browser("Rita")
		page := "/services/complaints/pages/address"
		r := b.Get(page)
		want(t, r, 200, `name="address-lookup"`, "Find address", "Enter the address manually")
		if strings.Contains(r.Body, `name="address-line1"`) {
			t.Fatal("the typed address is shown before the person asked for it")
		}
		// Bad postcode: a clear message, nothing saved.
		want(t, b.PostForm(page, url.Values{"address-lookup": {"ME14"}, "lookup": {"address"}}), 422, "Enter a real postcode, like ME14 1XQ", `value="ME14"`)
		// Unknown postcode: said so, with typing offered.
		want(t, b.PostForm(page, url.Values{"address-lookup": {"CT9 9ZZ"}, "lookup": {"address"}}), 200,
			"We could not find an address for CT9 9ZZ", "Enter the address manually")
		// Found: the list to choose from.
		r = b.PostForm(page, url.Values{"address-lookup": {"me14 1xq"}, "lookup": {"address"}})
		want(t, r, 200, "2 addresses found", "Sessions House, County Road, Maidstone, ME14 1XQ", `value="990000000001"`, "I cannot find the address in the list")
		// Continue without choosing: asked to choose, the list still there.
		want(t, b.PostForm(page, url.Values{"address-lookup": {"ME14 1XQ"}}), 422, "Select the address from the list, or enter it manually", "Sessions House")
		wantRedirect(t, b.PostForm(page, url.Values{"address-lookup": {"ME14 1XQ"}, "address-uprn": {"990000000001"}}), "/services/complaints/pages/service-area")
		// Back on the page the choice is kept.
		want(t, b.Get(page), 200, `value="990000000001" selected`)
		rita := e.users["Rita"]
		d, err := e.svc.GetDraft(e.ctx, &platform.Subject{Kind: platform.SubjectUser, UserID: rita.ID, OrgID: e.org.ID, Roles: rita.Roles}, "complaints")
		noErr(t, err)
		if a, ok := d.Answers["address"].(map[string]any); !ok || a["uprn"] != "990000000001" || a["line1"] != "Sessions House" {
			t.Fatalf("saved answer %#v keeps no UPRN", d.Answers["address"])
		}
		// Typing instead: the manual link, then the usual address.
		want(t, b.Get(page+"?manual=address"), 200, `name="address-line1"`, `name="address-manual"`, "Find the address by postcode")
		wantRedirect(t, b.PostForm(page, url.Values{"address-manual": {"1"}, "address-line1": {"1 New Road"}, "address-town": {"Ashford"}, "address-postcode": {"TN23 9ZZ"}}),
			"/services/complaints/pages/service-area")
		want(t, b.Get(page), 200, `value="1 New Road"`, `name="address-manual"`)
	})
}

func TestAddressTypedWithoutGazetteer(t *testing.T) {
	db := storetest.Open(t, store.SQLite, lookupMods)
	e := withLookups(t, db, false)
	r := e.browser("Rita").Get("/services/complaints/pages/address")
	want(t, r, 200, `name="address-line1"`, `name="address-postcode"`)
	if strings.Contains(r.Body, "address-lookup") || strings.Contains(r.Body, "Find the address by postcode") {
		t.Fatal("an empty gazetteer still offers the postcode lookup")
	}
}

// pickerDef is a staff service with one person question.
func pickerDef() *definition.Definition {
	return &definition.Definition{ID: "kit", Version: 1, Title: "Ask for kit", ReferencePrefix: "KIT", OwnerUnit: "Customer Services",
		Classification: "OFFICIAL", Start: definition.Start{Who: []definition.Audience{"staff"}},
		Fields:   []definition.Field{{ID: "line_manager", Type: definition.TypePerson, Label: "Your line manager", Required: true}},
		Pages:    []definition.Page{{ID: "manager", Fields: []string{"line_manager"}}},
		Workflow: definition.Workflow{Initial: "submitted", States: []definition.State{{ID: "submitted", Label: "Submitted"}}}}
}

func TestPersonPicker(t *testing.T) {
	storetest.Each(t, lookupMods, func(t *testing.T, db *store.DB) {
		e := withLookups(t, db, false)
		// Many people share a name: the results come a page at a time.
		var mo identity.User
		for i := 1; i <= 23; i++ {
			u, err := e.id.CreateUser(e.ctx, e.sys, identity.NewUser{Email: fmt.Sprintf("morgan%02d@example.org", i), Name: fmt.Sprintf("Morgan Manager %02d", i),
				Roles: []platform.Role{platform.RoleManager}, Password: password})
			noErr(t, err)
			if i == 17 {
				mo = u
			}
		}
		e.publish(pickerDef())
		b := e.browser("Cara")
		page := "/services/kit/pages/manager"
		want(t, b.Get(page), 200, `name="line_manager-q"`, ">Search</button>", "js/picker.js")
		want(t, b.PostForm(page, url.Values{"line_manager-q": {"nobody like this"}, "lookup": {"line_manager"}}), 200, `No one found for &#34;nobody like this&#34;`)
		want(t, b.PostForm(page, url.Values{"line_manager-q": {""}, "lookup": {"line_manager"}}), 422, "Enter a name or email address to search for")
		r := b.PostForm(page, url.Values{"line_manager-q": {"morgan"}, "lookup": {"line_manager"}})
		want(t, r, 200, "Showing people 1 to 10 of 23.", "Morgan Manager 01", "morgan01@example.org", "Show the next 10 people", "type more of their name")
		next := between(r.Body, `name="lookup" value="`, `">Show the next`)
		r = b.PostForm(page, url.Values{"line_manager-q": {"morgan"}, "lookup": {next}})
		want(t, r, 200, "Showing people 11 to 20 of 23.", "Morgan Manager 11")
		next = between(r.Body, `name="lookup" value="`, `">Show the next`)
		r = b.PostForm(page, url.Values{"line_manager-q": {"morgan"}, "lookup": {next}})
		want(t, r, 200, "Showing people 21 to 23 of 23.", "Morgan Manager 23")
		if strings.Contains(r.Body, "Show the next") {
			t.Fatal("the last page offers more")
		}
		// Continue without choosing, then with a made-up ID: refused.
		want(t, b.PostForm(page, url.Values{"line_manager-q": {"manager 17"}}), 422, "Select your line manager", "Morgan Manager 17")
		want(t, b.PostForm(page, url.Values{"line_manager": {"usr_nobody"}}), 422, "from the list")
		wantRedirect(t, b.PostForm(page, url.Values{"line_manager-q": {"manager 17"}, "line_manager": {mo.ID}}), "/services/kit/check-answers")
		// Everything shown says the name, never the ID.
		r = b.Get("/services/kit/check-answers")
		want(t, r, 200, "Morgan Manager 17")
		if strings.Contains(r.Body, mo.ID) {
			t.Fatalf("check answers shows the user ID %s", mo.ID)
		}
		want(t, b.Get(page), 200, `value="`+mo.ID+`" checked`, "Morgan Manager 17")
		// The script's search: JSON, the people the directory lets Cara see.
		want(t, b.Get("/services/people?q=morgan"), 200, `"more":true,"total":23}`)
		r = b.Get("/services/people?q=manager%2017")
		want(t, r, 200, `"name":"Morgan Manager 17"`, `"id":"`+mo.ID+`"`)
		want(t, b.Get("/services/people?q=zzzz"), 200, `{"people":[],"more":false}`)
		if r := e.browser("").Get("/services/people?q=morgan"); r.Status == 200 {
			t.Fatal("people search answered a signed-out visitor")
		}
	})
}

// between is the text between the last a before b and b.
func between(s, a, b string) string {
	end := strings.Index(s, b)
	if end < 0 {
		return ""
	}
	start := strings.LastIndex(s[:end], a)
	if start < 0 {
		return ""
	}
	v := s[start+len(a) : end]
	return html.UnescapeString(v)
}
