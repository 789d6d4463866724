package workplaceweb

import (
	"context"
	"encoding/csv"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// The device inventory's pages: /devices (the inventory with filters,
// pages and the reports as tabs; a person who keeps no estate sees their
// own devices), /devices/export.csv, /devices/new, /devices/{id} (with
// the edit and retire forms for workplace managers) and /devices/import
// (CSV upload, Intune).

// maxImportBytes bounds an uploaded device file (50,000 rows fit well).
const maxImportBytes = 20 << 20

var deviceReports = []web.Option{{Value: workplace.ReportAll, Text: "All devices"}, {Value: workplace.ReportNoncompliant, Text: "Out of compliance"},
	{Value: workplace.ReportUnassigned, Text: "Unassigned"}, {Value: workplace.ReportStale, Text: "Not seen for 30 days"}, {Value: "per_person", Text: "Devices per person"}}

type devicesPage struct {
	*web.Form
	Keep    bool
	Report  string
	Tabs    []web.Option
	Kinds   []web.Option
	Devices []deviceRow
	People  []workplace.PersonDevices
	// Query is the filters, for the export link and tabs. A template.URL,
	// as it is written after a literal "?": a plain string there was
	// escaped as one value ("q%3dlatitude"), and the link lost the filters.
	Query    template.URL
	Next     string
	Intune   bool
	Reported bool
}

// complianceWords is a compliance state as the pages say it.
func complianceWords(state string) string {
	switch state {
	case workplace.Noncompliant:
		return "Not compliant"
	case workplace.GracePeriod:
		return "In grace period"
	}
	return sentenceCase(state)
}

// sentenceCase capitalises the first letter: "laptop" reads "Laptop".
func sentenceCase(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// KindText and ComplianceText are the device's kind and compliance as
// the list says them.
func (d deviceRow) KindText() string       { return sentenceCase(d.Kind) }
func (d deviceRow) ComplianceText() string { return complianceWords(d.Compliance) }

// deviceRow is a device as a list shows it.
type deviceRow struct {
	workplace.Device
	Seen string
}

func (p *assetsPart) devicesPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pg := devicesPage{Form: web.NewForm(url.Values{"q": {q.Get("q")}, "kind": {q.Get("kind")}}), Keep: workplace.CanKeep(sub), Report: q.Get("report"),
		Intune: p.intune != nil}
	pg.Kinds = []web.Option{{Value: "", Text: "Any kind"}}
	for _, k := range workplace.DeviceKinds {
		pg.Kinds = append(pg.Kinds, web.Option{Value: k, Text: sentenceCase(k)})
	}
	if pg.Keep {
		pg.Tabs = deviceReports
	}
	filters := url.Values{}
	for _, k := range []string{"q", "kind"} {
		if v := q.Get(k); v != "" {
			filters.Set(k, v)
		}
	}
	pg.Query = template.URL(filters.Encode()) // url.Values.Encode escaped each value
	if pg.Report == "per_person" {
		if pg.People, err = p.a.DevicesPerPerson(r.Context(), sub); err != nil {
			return err
		}
		return web.Render(w, r, http.StatusOK, "workplace/devices_list", pg)
	}
	after, err := cursorParam(r)
	if err != nil {
		return err
	}
	page, err := p.a.Devices(r.Context(), sub, workplace.DeviceFilter{Report: pg.Report, Kind: q.Get("kind"), Text: q.Get("q"), After: after})
	if err != nil {
		return err
	}
	for _, d := range page.Devices {
		pg.Devices = append(pg.Devices, deviceRow{Device: d, Seen: p.when(d.LastSeen)})
	}
	if page.Next != "" {
		pg.Next = web.CursorURL(r, web.EncodeCursor(page.Next))
	}
	return web.Render(w, r, http.StatusOK, "workplace/devices_list", pg)
}

// when is a time as the pages show it, or "Never".
func (p *assetsPart) when(t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	return t.In(p.m.ws.Location()).Format("2 Jan 2006 15:04")
}

// exportDevices writes the inventory (the filters and report of the page)
// as CSV in the import's own format, so an export can be edited and
// imported again.
func (p *assetsPart) exportDevices(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := workplace.DeviceFilter{Report: q.Get("report"), Kind: q.Get("kind"), Text: q.Get("q"), Limit: 10000}
	if f.Report == "per_person" {
		f.Report = ""
	}
	var emails map[string]platform.Person
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="devices.csv"`)
	cw := csv.NewWriter(w)
	for first := true; ; first = false {
		page, err := p.a.Devices(r.Context(), sub, f)
		if err != nil {
			if first {
				w.Header().Del("Content-Disposition")
				w.Header().Del("Content-Type")
				return err
			}
			p.m.d.Log.Warn("device export cut short", "err", err)
			return nil
		}
		if first {
			cw.Write(workplace.CSVHeader)
		}
		emails, err = p.emailsOf(r.Context(), sub, page.Devices, emails)
		if err != nil {
			p.m.d.Log.Warn("device export cut short", "err", err)
			return nil
		}
		for _, d := range page.Devices {
			seen := ""
			if !d.LastSeen.IsZero() {
				seen = d.LastSeen.UTC().Format(time.RFC3339)
			}
			enc := "no"
			if d.Encrypted {
				enc = "yes"
			}
			cw.Write([]string{d.Serial, d.Kind, d.Name, d.Manufacturer, d.Model, d.OS, d.OSVersion, enc, d.Compliance, seen, d.Ownership, emails[d.PersonID].Email})
		}
		cw.Flush()
		if page.Next == "" {
			return cw.Error()
		}
		f.After = page.Next
	}
}

// emailsOf adds the email addresses of the devices' people to known.
func (p *assetsPart) emailsOf(ctx context.Context, sub *platform.Subject, ds []workplace.Device, known map[string]platform.Person) (map[string]platform.Person, error) {
	if known == nil {
		known = map[string]platform.Person{}
	}
	var ids []string
	for _, d := range ds {
		if _, ok := known[d.PersonID]; d.PersonID != "" && !ok && !slices.Contains(ids, d.PersonID) {
			ids = append(ids, d.PersonID)
		}
	}
	if len(ids) == 0 {
		return known, nil
	}
	found, err := p.m.d.Directory.People(ctx, platform.System(sub.OrgID), ids)
	for id, person := range found {
		known[id] = person
	}
	return known, err
}

// KindText is the device's kind for the page's heading: "Laptop".
func (f deviceForm) KindText() string { return sentenceCase(f.Device.Kind) }

// historyRow is one change to a device as its page lists it.
type historyRow struct {
	workplace.DeviceEvent
	When string
}

type deviceForm struct {
	*web.Form
	Device     workplace.Device
	Rows       []web.SummaryRow
	History    []historyRow
	Keep       bool
	Kinds      []web.Option
	Compliance []web.Option
	Ownerships []web.Option
	Encrypted  []web.Option
}

func (p *assetsPart) deviceFormPage(f *web.Form, sub *platform.Subject) deviceForm {
	pg := deviceForm{Form: f, Keep: workplace.CanKeep(sub), Encrypted: []web.Option{{Value: "yes", Text: "The disk is encrypted"}}}
	for _, k := range workplace.DeviceKinds {
		pg.Kinds = append(pg.Kinds, web.Option{Value: k, Text: sentenceCase(k)})
	}
	for _, c := range workplace.ComplianceStates {
		pg.Compliance = append(pg.Compliance, web.Option{Value: c, Text: complianceWords(c)})
	}
	for _, o := range workplace.Ownerships {
		pg.Ownerships = append(pg.Ownerships, web.Option{Value: o, Text: o})
	}
	return pg
}

func (p *assetsPart) newDevicePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if !workplace.CanKeep(sub) {
		return platform.Errorf(platform.CodeForbidden, "Only workplace managers add devices")
	}
	pg := p.deviceFormPage(web.NewForm(url.Values{"kind": {"laptop"}, "compliance": {workplace.Unknown}, "ownership": {"corporate"}}), sub)
	return web.Render(w, r, http.StatusOK, "workplace/devices_new", pg)
}

// deviceInput reads the device form; the person is named by email.
func (p *assetsPart) deviceInput(r *http.Request, sub *platform.Subject) (workplace.DeviceInput, error) {
	in := workplace.DeviceInput{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Manufacturer: r.PostFormValue("manufacturer"),
		Model: r.PostFormValue("model"), Serial: r.PostFormValue("serial"), OS: r.PostFormValue("os"), OSVersion: r.PostFormValue("os_version"),
		Encrypted: r.PostFormValue("encrypted") == "yes", Compliance: r.PostFormValue("compliance"), Ownership: r.PostFormValue("ownership")}
	var err error
	in.PersonID, err = p.personByEmail(r.Context(), sub, r.PostFormValue("person"))
	if s := strings.TrimSpace(r.PostFormValue("last_check_in")); s != "" && err == nil {
		t, perr := time.ParseInLocation(time.DateOnly, s, p.m.ws.Location())
		if perr != nil {
			err = platform.Invalid("Check the device", platform.FieldError{Field: "last_check_in", Message: "Enter the date like 2026-03-02, or leave it empty"})
		}
		in.LastSeen = t
	}
	return in, err
}

func (p *assetsPart) createDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in, err := p.deviceInput(r, sub)
	var d workplace.Device
	if err == nil {
		d, err = p.a.CreateDevice(r.Context(), sub, in)
	}
	if assetsShownAgain(err) {
		return web.Render(w, r, assetsStatus(err), "workplace/devices_new", p.deviceFormPage(web.FormErrors(r, renameField(err, "person_id", "person")), sub))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Device added")
	http.Redirect(w, r, "/devices/"+url.PathEscape(d.ID), http.StatusSeeOther)
	return nil
}

func (p *assetsPart) devicePage(w http.ResponseWriter, r *http.Request) error {
	return p.renderDevice(w, r, http.StatusOK, nil)
}

func (p *assetsPart) renderDevice(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	d, err := p.a.Device(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f == nil {
		email := ""
		if d.PersonID != "" {
			if person, err := p.m.d.Directory.Person(r.Context(), platform.System(sub.OrgID), d.PersonID); err == nil {
				email = person.Email
			}
		}
		v := url.Values{"kind": {d.Kind}, "name": {d.Name}, "manufacturer": {d.Manufacturer}, "model": {d.Model}, "serial": {d.Serial}, "os": {d.OS},
			"os_version": {d.OSVersion}, "compliance": {d.Compliance}, "ownership": {d.Ownership}, "person": {email}}
		if d.Encrypted {
			v.Set("encrypted", "yes")
		}
		if !d.LastSeen.IsZero() {
			v.Set("last_check_in", d.LastSeen.In(p.m.ws.Location()).Format(time.DateOnly))
		}
		f = web.NewForm(v)
	}
	pg := p.deviceFormPage(f, sub)
	pg.Device = d
	yes := map[bool]string{true: "Yes", false: "No"}
	person := d.PersonName
	if person == "" {
		person = "Nobody"
	}
	pg.Rows = []web.SummaryRow{{Key: "Serial number", Value: d.Serial}, {Key: "Kind", Value: sentenceCase(d.Kind)}, {Key: "Name", Value: d.Name},
		{Key: "Assigned to", Value: person}, {Key: "Model", Value: strings.TrimSpace(d.Manufacturer + " " + d.Model)},
		{Key: "Operating system", Value: strings.TrimSpace(d.OS + " " + d.OSVersion)}, {Key: "Encrypted", Value: yes[d.Encrypted]},
		{Key: "Compliance", Value: complianceWords(d.Compliance)}, {Key: "Last check-in", Value: p.when(d.LastSeen)},
		{Key: "Ownership", Value: sentenceCase(d.Ownership)}, {Key: "Source", Value: sentenceCase(d.Source)}}
	if d.Retired {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Retired", Value: "Yes, " + p.when(d.UpdatedAt)})
	}
	events, err := p.a.DeviceHistory(r.Context(), sub, d.ID)
	if err != nil {
		return err
	}
	for _, e := range events {
		pg.History = append(pg.History, historyRow{DeviceEvent: e, When: p.when(e.At)})
	}
	return web.Render(w, r, status, "workplace/devices_item", pg)
}

func (p *assetsPart) updateDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in, err := p.deviceInput(r, sub)
	if err == nil {
		// The form has the last check-in's date only: the same date
		// saved again keeps its time, or assigning a laptop would move
		// its last check-in to midnight.
		if cur, cerr := p.a.Device(r.Context(), sub, r.PathValue("id")); cerr == nil && !cur.LastSeen.IsZero() && !in.LastSeen.IsZero() {
			loc := p.m.ws.Location()
			if cur.LastSeen.In(loc).Format(time.DateOnly) == in.LastSeen.In(loc).Format(time.DateOnly) {
				in.LastSeen = cur.LastSeen
			}
		}
		_, err = p.a.UpdateDevice(r.Context(), sub, r.PathValue("id"), in)
	}
	if assetsShownAgain(err) {
		return p.renderDevice(w, r, assetsStatus(err), web.FormErrors(r, renameField(err, "person_id", "person")))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Device saved")
	http.Redirect(w, r, "/devices/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

func (p *assetsPart) retireDevice(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	_, err = p.a.Retire(r.Context(), sub, r.PathValue("id"))
	if assetsShownAgain(err) {
		return p.renderDevice(w, r, assetsStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Device retired")
	http.Redirect(w, r, "/devices/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
