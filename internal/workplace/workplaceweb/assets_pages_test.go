package workplaceweb

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/mail"
	"dbtp/internal/mail/smtptest"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/msgraph/msgraphtest"
)

var loanLink = regexp.MustCompile(`^/loans/(lon_[a-z0-9]+)$`)

// TestLoanPages: Jo reserves a laptop through the form (problems shown
// with what was typed kept, a clash named), Kim sees it due for
// collection, hands it over with its condition and takes it back damaged;
// Jo sees only her own loans and none of stores' lists.
func TestLoanPages(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		e := newAssetsEnv(t, db, nil)
		laptop := e.equipment("Laptop 7", "laptop", "NC-L007")
		e.equipment("Headset 2", "headset", "")
		jo, kim := e.browser("Jo"), e.browser("Kim")

		assetsWant(t, jo.Get("/loans"), 200, "Equipment loans", "There are no loans here")
		assetsWant(t, jo.Get("/loans/new"), 200, "Any laptop", "Any headset", "Laptop 7 (NC-L007)", `value="`+e.day(0)+`"`)
		r := jo.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {e.day(3)}, "to": {e.day(1)}, "purpose": {"Home working"}})
		assetsWant(t, r, 422, "There is a problem", "The last day must be the same as or after the first", "Home working")
		r = jo.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {e.day(1)}, "to": {e.day(3)}, "purpose": {"Home working"}})
		if r.Status != 303 {
			t.Fatalf("reserve: %d\n%s", r.Status, r.Body)
		}
		id := loanLink.FindStringSubmatch(r.Header.Get("Location"))[1]
		assetsWant(t, jo.Get("/loans/"+id), 200, "Laptop 7 reserved", "Laptop 7 for Jo Baker", "Reserved", "Cancel the reservation")
		if strings.Contains(jo.Get("/loans/"+id).Body, "Mark as collected") {
			t.Fatal("Jo is offered stores' forms")
		}
		// The same laptop on a day already taken: the clash is named.
		r = kim.PostForm("/loans/new", url.Values{"resource_id": {laptop.ID}, "from": {e.day(2)}, "to": {e.day(2)}, "person": {"sam@example.org"}})
		assetsWant(t, r, 409, "Laptop 7 (NC-L007) is already taken by another loan on", "sam@example.org")
		r = kim.PostForm("/loans/new", url.Values{"resource_id": {"any:headset"}, "from": {e.day(0)}, "to": {e.day(0)}, "person": {"nobody@example.org"}})
		assetsWant(t, r, 422, "Nobody on the staff has the email address nobody@example.org")
		assetsWant(t, jo.Get("/loans?view=due"), 400)

		// Kim hands it over early (the loan then starts today) and takes it back.
		assetsWant(t, kim.Get("/loans?view=upcoming"), 200, "Laptop 7", "Jo Baker", "Reserved")
		r = kim.PostForm("/loans/"+id+"/collect", url.Values{"condition_out": {"Charger included"}})
		if r.Status != 303 {
			t.Fatalf("collect: %d\n%s", r.Status, r.Body)
		}
		assetsWant(t, kim.Get("/loans?view=out"), 200, "Laptop 7", "Out")
		assetsWant(t, kim.Get("/loans/"+id), 200, "Handed over", "Charger included", "Mark as returned", ukDate(e.day(0)))
		r = kim.PostForm("/loans/"+id+"/return", url.Values{"damaged": {"yes"}})
		assetsWant(t, r, 422, "Say what the damage is")
		r = kim.PostForm("/loans/"+id+"/return", url.Values{"damaged": {"yes"}, "condition_in": {"Hinge broken"}})
		if r.Status != 303 {
			t.Fatalf("return: %d\n%s", r.Status, r.Body)
		}
		assetsWant(t, jo.Get("/loans"), 200, "Laptop 7", "Returned damaged")
		assetsWant(t, kim.Get("/loans/"+id), 200, "Damaged: Hinge broken")

		// A resident gets nothing.
		rita := e.browser("Rita")
		if r := rita.Get("/loans"); r.Status != 403 {
			t.Fatalf("resident: %d", r.Status)
		}

		// The API: reserve any headset, list with a cursor, collect.
		tok := e.token(e.subject("Kim"), platform.ScopeRead, platform.ScopeWrite)
		r = e.srv.API(tok, "POST", "/api/v1/loans", fmt.Sprintf(`{"category":"headset","person_id":%q,"from":%q}`, e.users["Sam"].ID, e.day(0)))
		assetsWant(t, r, 201, `"status":"reserved"`, `"resource_name":"Headset 2"`)
		var l workplace.Loan
		assetsMust(t, json.Unmarshal([]byte(r.Body), &l))
		r = e.srv.API(tok, "POST", "/api/v1/loans", fmt.Sprintf(`{"category":"headset","person_id":%q,"from":%q}`, e.users["Sam"].ID, e.day(0)))
		assetsWant(t, r, 409, "No headset is free")
		r = e.srv.API(tok, "GET", "/api/v1/loans?limit=1", "")
		var page web.List[workplace.Loan]
		assetsMust(t, json.Unmarshal([]byte(r.Body), &page))
		if len(page.Items) != 1 || page.NextCursor == "" {
			t.Fatalf("first page %s", r.Body)
		}
		r = e.srv.API(tok, "GET", "/api/v1/loans?limit=1&cursor="+url.QueryEscape(page.NextCursor), "")
		assetsWant(t, r, 200, `"items":[{`)
		assetsWant(t, e.srv.API(tok, "POST", "/api/v1/loans/"+l.ID+"/collect", `{"condition":"Boxed"}`), 200, `"status":"collected"`, `"condition_out":"Boxed"`)
		joTok := e.token(e.subject("Jo"), platform.ScopeRead, platform.ScopeWrite)
		assetsWant(t, e.srv.API(joTok, "GET", "/api/v1/loans/"+l.ID, ""), 403)
		assetsWant(t, e.srv.API(e.token(e.other, platform.ScopeRead), "GET", "/api/v1/loans", ""), 200, `"items":[]`)
	})
}

// TestOverdueReminderEmail: the daily job emails the borrower of an
// overdue item once a day through the relay, up to the limit.
func TestOverdueReminderEmail(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		relay := smtptest.Start(t)
		sender, err := mail.New(mail.Config{Addr: relay.Addr, From: "noreply@northshire.example", StartTLS: mail.TLSNone})
		assetsMust(t, err)
		e := newAssetsEnv(t, db, sender)
		laptop := e.equipment("Laptop 7", "laptop", "NC-L007")
		_, err = e.m.Assets().Reserve(e.ctx, e.subject("Kim"), workplace.LoanInput{ResourceID: laptop.ID, PersonID: e.users["Jo"].ID,
			From: e.day(-5), To: e.day(-1), AlreadyOut: true})
		assetsMust(t, err)
		daily := func(key string) {
			_, err := e.jobs.EnqueueNow(e.ctx, jobs.Enqueued{Kind: jobLoansDaily, Key: key})
			assetsMust(t, err)
			e.runJobs()
		}
		daily("day1")
		msgs := relay.Wait(1, 10*time.Second)
		if len(msgs) != 1 || !strings.Contains(msgs[0].Data, "Equipment overdue: Laptop 7") || !strings.Contains(msgs[0].Data, "reminder 1 of 3") ||
			msgs[0].To[0] != "jo@example.org" {
			t.Fatalf("messages %+v", msgs)
		}
		daily("day1-again")
		for i := 2; i <= 5; i++ {
			e.clock.Add(24 * time.Hour)
			daily(fmt.Sprintf("day%d", i))
		}
		if msgs := relay.Messages(); len(msgs) != 3 {
			t.Fatalf("%d reminders sent", len(msgs))
		}
	})
}

// postFile posts a multipart form with one file, as a browser would.
func postFile(t testing.TB, b *webtest.Browser, path, name string, content []byte) *webtest.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	assetsMust(t, mw.WriteField(web.CSRFField, b.CSRFToken()))
	if name != "" {
		fw, err := mw.CreateFormFile("file", name)
		assetsMust(t, err)
		fw.Write(content)
	}
	assetsMust(t, mw.Close())
	return b.Do("POST", path, &body, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

const csvHeader = "serial,kind,name,manufacturer,model,os,os_version,encrypted,compliance,last_check_in,ownership,assigned_to\n"

// TestDevicePages: Kim adds a device through the form, imports a file
// (a bad one is refused with its rows named), reads the reports and
// exports the inventory; Jo sees only her own devices; the API lists with
// a cursor, creates, changes and imports.
func TestDevicePages(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		e := newAssetsEnv(t, db, nil)
		kim, jo := e.browser("Kim"), e.browser("Jo")
		assetsWant(t, kim.Get("/devices"), 200, "Add a device", "Out of compliance", "There are no devices here")
		r := kim.PostForm("/devices/new", url.Values{"serial": {""}, "kind": {"laptop"}, "model": {"Latitude 5440"}, "person": {"jo@example.org"}, "compliance": {"unknown"}, "ownership": {"corporate"}})
		assetsWant(t, r, 422, "Enter the serial number", "Latitude 5440")
		r = kim.PostForm("/devices/new", url.Values{"serial": {"SN-1"}, "kind": {"laptop"}, "model": {"Latitude 5440"}, "person": {"jo@example.org"},
			"encrypted": {"yes"}, "compliance": {"compliant"}, "ownership": {"corporate"}, "last_check_in": {e.day(0)}})
		if r.Status != 303 {
			t.Fatalf("add: %d\n%s", r.Status, r.Body)
		}
		devPath := r.Header.Get("Location")
		assetsWant(t, kim.Get(devPath), 200, "Device added", "SN-1", "Jo Baker", "Retire the device", `value="jo@example.org"`)

		assetsWant(t, kim.Get("/devices/import"), 200, "Download an example file", csvHeader[:20])
		assetsWant(t, kim.Get("/devices/import/example.csv"), 200, csvHeader[:40])
		bad := csvHeader + "SN-2,laptop,,,,,,maybe,,,,\nSN-2,phone,,,,,,,,,,\n"
		assetsWant(t, postFile(t, kim, "/devices/import", "devices.csv", []byte(bad)), 422,
			"Row 2, column encrypted: Enter yes or no", "Row 3, column kind", "Row 3, column serial: The serial number SN-2 is also on row 2")
		assetsWant(t, postFile(t, kim, "/devices/import", "", nil), 422, "Choose a CSV file to upload")
		good := csvHeader + "SN-2,mobile,,Apple,iPhone 13,iOS,17,yes,noncompliant,2026-01-01,corporate,jo@example.org\nSN-3,laptop,,Dell,Latitude,Windows,11,yes,compliant,,corporate,\n"
		assetsWant(t, postFile(t, kim, "/devices/import", "devices.csv", []byte(good)), 200, "Devices imported from the file", "2 added, 0 updated")

		assetsWant(t, kim.Get("/devices?report=noncompliant"), 200, "SN-2", "Mobile: iPhone 13", "Not compliant")
		// A header without spaces ran off a phone's screen as one word.
		assetsWant(t, postFile(t, kim, "/devices/import", "devices.csv", []byte("serial,kind\nSN-9,laptop\n")), 422,
			"with these columns: serial, kind, name, manufacturer")
		assetsWant(t, kim.Get("/devices?report=unassigned"), 200, "SN-3")
		assetsWant(t, kim.Get("/devices?report=stale"), 200, "SN-2")
		assetsWant(t, kim.Get("/devices?report=per_person"), 200, "Jo Baker", "Devices per person")
		// The tabs and the export link keep the search, not escaped
		// into one meaningless value.
		assetsWant(t, kim.Get("/devices?q=latitude"), 200, "SN-1", "SN-3", `href="/devices/export.csv?q=latitude"`, `href="/devices?report=stale&amp;q=latitude"`)
		exp := kim.Get("/devices/export.csv?report=noncompliant")
		assetsWant(t, exp, 200, csvHeader[:40], "SN-2,mobile,,Apple,iPhone 13,iOS,17,yes,noncompliant,")
		if !strings.Contains(exp.Body, "jo@example.org") || strings.Contains(exp.Body, "SN-3") {
			t.Fatalf("export\n%s", exp.Body)
		}

		// Jo sees her own devices, none of the reports and no one else's.
		page := jo.Get("/devices")
		assetsWant(t, page, 200, "Your devices", "SN-1", "SN-2")
		if strings.Contains(page.Body, "SN-3") || strings.Contains(page.Body, "Out of compliance") {
			t.Fatalf("Jo sees too much\n%s", page.Body)
		}
		if r := jo.Get("/devices/import"); r.Status != 403 {
			t.Fatalf("Jo on the import page: %d", r.Status)
		}
		if r := jo.PostForm(devPath+"/retire", url.Values{}); r.Status != 403 {
			t.Fatalf("Jo retires: %d", r.Status)
		}
		r = kim.PostForm(devPath+"/retire", url.Values{})
		if r.Status != 303 {
			t.Fatalf("retire: %d\n%s", r.Status, r.Body)
		}
		assetsWant(t, kim.Get(devPath), 200, "Device retired", "Nobody")

		// The API.
		tok := e.token(e.subject("Kim"), platform.ScopeRead, platform.ScopeWrite)
		r = e.srv.API(tok, "POST", "/api/v1/devices", fmt.Sprintf(`{"kind":"tablet","serial":"SN-4","person_id":%q}`, e.users["Sam"].ID))
		assetsWant(t, r, 201, `"person_name":"Sam Okafor"`)
		var d workplace.Device
		assetsMust(t, json.Unmarshal([]byte(r.Body), &d))
		assetsWant(t, e.srv.API(tok, "POST", "/api/v1/devices", `{"kind":"tablet","serial":"SN-4"}`), 422, "Another device already has the serial number SN-4")
		assetsWant(t, e.srv.API(tok, "PUT", "/api/v1/devices/"+d.ID, `{"kind":"tablet","serial":"SN-4","compliance":"compliant"}`), 200, `"compliance":"compliant"`)
		r = e.srv.API(tok, "GET", "/api/v1/devices?limit=2", "")
		var list web.List[workplace.Device]
		assetsMust(t, json.Unmarshal([]byte(r.Body), &list))
		if len(list.Items) != 2 || list.NextCursor == "" {
			t.Fatalf("first page %s", r.Body)
		}
		assetsWant(t, e.srv.API(tok, "GET", "/api/v1/devices?limit=2&cursor="+url.QueryEscape(list.NextCursor), ""), 200, `"serial":"SN-4"`)
		assetsWant(t, e.srv.API(tok, "GET", "/api/v1/devices?cursor=nonsense", ""), 400, "cursor")
		assetsWant(t, e.srv.API(tok, "POST", "/api/v1/devices/import", `{"file":"no"}`), 422, "text/csv")
		for _, c := range []struct {
			body   string
			status int
			text   string
		}{{csvHeader + "SN-5,laptop,,,,,,,,,,\nSN-6,laptop,,,,,,,,,,nobody@example.org\n", 422, "Row 3, column assigned_to"},
			{csvHeader + "SN-5,laptop,,,,,,,,,,\n", 200, `"created":1`}} {
			req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/devices/import", strings.NewReader(c.body))
			assetsMust(t, err)
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Content-Type", "text/csv")
			resp, err := http.DefaultClient.Do(req)
			assetsMust(t, err)
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.status || !strings.Contains(string(b), c.text) {
				t.Fatalf("API import: %d %s", resp.StatusCode, b)
			}
		}
		joTok := e.token(e.subject("Jo"), platform.ScopeRead)
		assetsWant(t, e.srv.API(joTok, "GET", "/api/v1/devices/"+d.ID, ""), 404)
		assetsWant(t, e.srv.API(e.token(e.other, platform.ScopeRead), "GET", "/api/v1/devices", ""), 200, `"items":[]`)
	})
}

// graphFile stands in for Microsoft Graph: a recorded managedDevices
// response (the engine's test data).
type graphFile string

func (g graphFile) ManagedDevices(ctx context.Context) ([]workplace.ManagedDevice, error) {
	b, err := os.ReadFile(string(g))
	if err != nil {
		return nil, err
	}
	var page struct {
		Value []workplace.ManagedDevice `json:"value"`
	}
	return page.Value, json.Unmarshal(b, &page)
}

// TestIntuneImportPage: with Intune set up, the import page offers it and
// reports what it did; without, it does not.
func TestIntuneImportPage(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		plain := newAssetsEnv(t, db, nil)
		if strings.Contains(plain.browser("Kim").Get("/devices/import").Body, "Import from Intune") {
			t.Fatal("Intune offered without being set up")
		}
		assetsWant(t, plain.browser("Kim").PostForm("/devices/import/intune", url.Values{}), 422, "Intune is not set up")
	})
}

func TestIntuneImportGiven(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		e := newAssetsEnv(t, db, nil, func(_ *module.Deps, m *Module) { m.UseIntune(graphFile("../testdata/managed-devices.json")) })
		kim := e.browser("Kim")
		assetsWant(t, kim.Get("/devices/import"), 200, "Import from Intune")
		assetsWant(t, kim.PostForm("/devices/import/intune", url.Values{}), 200, "Devices imported from Intune", "4 added, 0 updated",
			"3 with a user who is not in the directory")
		assetsWant(t, kim.Get("/devices?report=noncompliant"), 200, "F2LXK0Q1N72J")
	})
}

// TestIntuneThroughGraph: with the DBTP_WORKPLACE_GRAPH_* settings, the
// import reads both pages of managed devices from the Graph stand-in.
func TestIntuneThroughGraph(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		graph := msgraphtest.New(t)
		env := graph.Env()
		e := newAssetsEnv(t, db, nil, func(d *module.Deps, _ *Module) { d.Config.Getenv = func(k string) string { return env[k] } })
		kim := e.browser("Kim")
		assetsWant(t, kim.PostForm("/devices/import/intune", url.Values{}), 200, "Devices imported from Intune", "4 added, 0 updated")
		assetsWant(t, kim.Get("/devices?report=noncompliant"), 200, "F17H29QKPLJN", "R5CW30ABCDE")
	})
}

// TestDeviceHistory: a device's page says who has had it: Kim adds a
// laptop for Jo, gives it to Sam and retires it, and each change is
// listed, newest first, with who made it; Jo, who no longer has it, cannot
// see it at all.
func TestDeviceHistory(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		e := newAssetsEnv(t, db, nil)
		kim, jo := e.browser("Kim"), e.browser("Jo")
		form := url.Values{"serial": {"SN-H1"}, "kind": {"laptop"}, "person": {"jo@example.org"}, "compliance": {"compliant"}, "ownership": {"corporate"}}
		r := kim.PostForm("/devices/new", form)
		if r.Status != 303 {
			t.Fatalf("add: %d\n%s", r.Status, r.Body)
		}
		devPath := r.Header.Get("Location")
		assetsWant(t, jo.Get(devPath), 200, "History", "Added to the inventory")
		form.Set("person", "sam@example.org")
		if r := kim.PostForm(devPath, form); r.Status != 303 {
			t.Fatalf("reassign: %d\n%s", r.Status, r.Body)
		}
		if r := kim.PostForm(devPath+"/retire", url.Values{}); r.Status != 303 {
			t.Fatalf("retire: %d\n%s", r.Status, r.Body)
		}
		page := kim.Get(devPath)
		assetsWant(t, page, 200, "History", "Kind</dt>", "Laptop", "Corporate")
		body := page.Body[strings.Index(page.Body, ">History<"):]
		retired, sam, added := strings.Index(body, "Retired"), strings.Index(body, "assigned to Sam Okafor"), strings.Index(body, "Added to the inventory")
		if retired < 0 || sam < 0 || added < 0 || !(retired < sam && sam < added) || !strings.Contains(body, "Kim Adeyemi") {
			t.Fatalf("history, newest first, wanted retired, then Sam, then added:\n%s", body)
		}
		if r := jo.Get(devPath); r.Status != 404 {
			t.Fatalf("Jo sees the device she gave back: %d", r.Status)
		}
	})
}

// TestSavingADeviceKeepsItsCheckInTime: the form shows the last check-in
// as a date; saving the form to assign the device keeps its time of day
// rather than moving it to midnight, and a new date is taken as given.
func TestSavingADeviceKeepsItsCheckInTime(t *testing.T) {
	storetest.Each(t, assetsMods, func(t *testing.T, db *store.DB) {
		e := newAssetsEnv(t, db, nil)
		kim := e.browser("Kim")
		tok := e.token(e.subject("Kim"), platform.ScopeRead, platform.ScopeWrite)
		r := e.srv.API(tok, "POST", "/api/v1/devices", `{"kind":"laptop","serial":"SN-T1","compliance":"compliant","last_check_in":"2026-02-27T13:50:00Z"}`)
		assetsWant(t, r, 201)
		var d workplace.Device
		assetsMust(t, json.Unmarshal([]byte(r.Body), &d))
		form := url.Values{"serial": {"SN-T1"}, "kind": {"laptop"}, "person": {"jo@example.org"}, "compliance": {"compliant"}, "ownership": {"corporate"},
			"last_check_in": {"2026-02-27"}}
		if r := kim.PostForm("/devices/"+d.ID, form); r.Status != 303 {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
		assetsWant(t, kim.Get("/devices/"+d.ID), 200, "Jo Baker", "27 Feb 2026 13:50")
		form.Set("last_check_in", "2026-02-28")
		if r := kim.PostForm("/devices/"+d.ID, form); r.Status != 303 {
			t.Fatalf("save: %d\n%s", r.Status, r.Body)
		}
		assetsWant(t, kim.Get("/devices/"+d.ID), 200, "28 Feb 2026 00:00")
	})
}
