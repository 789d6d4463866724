package workplace

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// graphFixture stands in for Microsoft Graph: a recorded managedDevices
// response, with the test organisation's ID in its addresses.
type graphFixture struct {
	path, org string
	err       error
}

func (g graphFixture) ManagedDevices(ctx context.Context) ([]ManagedDevice, error) {
	if g.err != nil {
		return nil, g.err
	}
	b, err := os.ReadFile(g.path)
	if err != nil {
		return nil, err
	}
	var page struct {
		Value []ManagedDevice `json:"value"`
	}
	err = json.Unmarshal(bytes.ReplaceAll(b, []byte("{ORG}"), []byte(g.org)), &page)
	return page.Value, err
}

const header = "serial,kind,name,manufacturer,model,os,os_version,encrypted,compliance,last_check_in,ownership,assigned_to\n"

func TestDevices(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.ws.Assets(e.id.Directory())
		sidEmail := "sid@" + e.org.ID + ".example"

		// Stores add, change, assign and retire devices; staff cannot.
		d, err := a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "laptop", Serial: "SN-1", Manufacturer: "Dell", Model: "Latitude 5440", PersonID: e.sid.UserID, Encrypted: true, Compliance: "compliant"})
		noErr(t, err)
		if d.PersonName != "Sid" || d.Source != "manual" || d.Ownership != "corporate" {
			t.Fatalf("created %+v", d)
		}
		_, err = a.CreateDevice(e.ctx, e.sid, DeviceInput{Kind: "laptop", Serial: "SN-2"})
		wantCode(t, err, platform.CodeForbidden)
		_, err = a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "laptop", Serial: "SN-1"})
		wantField(t, err, "serial")
		_, err = a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "toaster", Serial: "SN-3", Compliance: "fine"})
		wantField(t, err, "kind")
		wantField(t, err, "compliance")
		_, err = a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "mobile", Serial: "SN-4", PersonID: e.rita.UserID})
		wantField(t, err, "person_id")
		phone, err := a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "mobile", Serial: "SN-5", Model: "iPhone 13"})
		noErr(t, err)
		phone, err = a.Assign(e.ctx, e.kim, phone.ID, e.ann.UserID)
		noErr(t, err)
		if phone.PersonName != "Ann" {
			t.Fatalf("assigned %+v", phone)
		}
		phone, err = a.UpdateDevice(e.ctx, e.kim, phone.ID, DeviceInput{Kind: "mobile", Serial: "SN-5", Model: "iPhone 13", OS: "iOS", OSVersion: "17.4", Compliance: "noncompliant", PersonID: e.ann.UserID})
		noErr(t, err)
		if phone.OSVersion != "17.4" || phone.Compliance != Noncompliant {
			t.Fatalf("updated %+v", phone)
		}

		// Staff see their own devices only; another organisation nothing.
		mine, err := a.Devices(e.ctx, e.sid, DeviceFilter{})
		noErr(t, err)
		if len(mine.Devices) != 1 || mine.Devices[0].ID != d.ID {
			t.Fatalf("sid sees %+v", mine.Devices)
		}
		_, err = a.Device(e.ctx, e.sid, phone.ID)
		wantCode(t, err, platform.CodeNotFound)
		if got, err := a.Device(e.ctx, e.ann, phone.ID); err != nil || got.ID != phone.ID {
			t.Fatalf("ann's own phone: %v", err)
		}
		other, err := a.Devices(e.ctx, e.other, DeviceFilter{})
		noErr(t, err)
		if len(other.Devices) != 0 {
			t.Fatalf("another organisation sees %+v", other.Devices)
		}
		_, err = a.Device(e.ctx, e.other, d.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = a.DevicesPerPerson(e.ctx, e.sid)
		wantCode(t, err, platform.CodeForbidden)
		_, err = a.ImportCSV(e.ctx, e.sid, strings.NewReader(header))
		wantCode(t, err, platform.CodeForbidden)

		// A CSV import adds new serials and updates known ones.
		good := header +
			"SN-1,laptop,NC-L-0001,Dell,Latitude 7450,Windows,11 23H2,yes,compliant,2026-03-01,corporate,\n" +
			"SN-6,mobile,,Samsung,Galaxy A54,Android,14,no,grace_period,2026-01-02T10:00:00Z,corporate," + strings.ToUpper(sidEmail) + "\n" +
			"\"SN-7\",tablet,\"Reception, iPad\",Apple,iPad,iPadOS,17,yes,,,,\n"
		res, err := a.ImportCSV(e.ctx, e.kim, strings.NewReader(good))
		noErr(t, err)
		if res.Rows != 3 || res.Created != 2 || res.Updated != 1 {
			t.Fatalf("import %+v", res)
		}
		d, _ = a.Device(e.ctx, e.kim, d.ID)
		if d.Model != "Latitude 7450" || d.PersonID != "" || d.LastSeen.IsZero() {
			t.Fatalf("updated by import: %+v", d)
		}

		// Bad files are refused whole, naming row and column.
		count := func() int { return e.count(`SELECT COUNT(*) FROM workplace_devices`) }
		before := count()
		for _, c := range []struct{ name, file, want string }{
			{"wrong header", "serial,type\nX,laptop\n", "missing: kind"},
			{"empty", "", "empty"},
			{"bad rows", header + "SN-8,laptop,,,,,,maybe,,,,\nSN-9,toaster,,,,,,,,yesterday,,nobody@example.org\n",
				"Row 2, column encrypted"},
			{"duplicate serials", header + "SN-10,laptop,,,,,,,,,,\nSN-11,laptop,,,,,,,,,,\nsn-10,laptop,,,,,,,,,,\n", "Row 4, column serial: The serial number sn-10 is also on row 2"},
			{"short row", header + "SN-12,laptop\n", "Row 2, column -: has 2 columns"},
			{"no rows", header, "no devices"},
		} {
			_, err := a.ImportCSV(e.ctx, e.kim, strings.NewReader(c.file))
			wantCode(t, err, platform.CodeInvalid)
			var all string
			for _, f := range platform.AsError(err).Fields {
				all += f.Message + "\n"
			}
			if !strings.Contains(all, c.want) {
				t.Fatalf("%s: want %q in %s", c.name, c.want, all)
			}
			if c.name == "bad rows" {
				for _, w := range []string{"Row 3, column kind", "Row 3, column last_check_in", "Row 3, column assigned_to: Nobody on the staff has the email address nobody@example.org"} {
					if !strings.Contains(all, w) {
						t.Fatalf("bad rows: want %q in %s", w, all)
					}
				}
			}
		}
		if count() != before {
			t.Fatalf("refused imports wrote %d devices", count()-before)
		}

		// Intune: matched by serial, then by Intune ID; people by their
		// user principal name.
		manual, err := a.CreateDevice(e.ctx, e.kim, DeviceInput{Kind: "laptop", Serial: "7XK2P94"})
		noErr(t, err)
		g := graphFixture{path: "testdata/managed-devices.json", org: e.org.ID}
		res, err = a.ImportIntune(e.ctx, e.kim, g)
		noErr(t, err)
		if res.Rows != 4 || res.Created != 3 || res.Updated != 1 || res.Unmatched != 1 {
			t.Fatalf("intune import %+v", res)
		}
		manual, _ = a.Device(e.ctx, e.kim, manual.ID)
		if manual.Source != "intune" || manual.ExternalID != "6b0c5e1f-4b43-4a4c-9f2a-0d1f8d6b2a04" || manual.Name != "NC-L-1002" {
			t.Fatalf("matched by serial: %+v", manual)
		}
		res, err = a.ImportIntune(e.ctx, e.kim, g)
		noErr(t, err)
		if res.Created != 0 || res.Updated != 4 {
			t.Fatalf("second intune import %+v", res)
		}
		_, err = a.ImportIntune(e.ctx, e.kim, graphFixture{err: fmt.Errorf("401 Unauthorized")})
		wantMessage(t, err, platform.CodeConflict, "Intune did not answer")
		sids, err := a.Devices(e.ctx, e.sid, DeviceFilter{})
		noErr(t, err)
		var names []string
		for _, d := range sids.Devices {
			names = append(names, d.Kind+" "+d.Name+" "+d.Compliance)
		}
		slices.Sort(names)
		if strings.Join(names, "; ") != "laptop NC-L-1001 compliant; mobile  grace_period; mobile Sid's iPhone noncompliant" {
			t.Fatalf("sid's devices: %q", names)
		}

		// The reports.
		report := func(r string) []string {
			t.Helper()
			p, err := a.Devices(e.ctx, e.kim, DeviceFilter{Report: r})
			noErr(t, err)
			var out []string
			for _, d := range p.Devices {
				out = append(out, d.Serial)
			}
			slices.Sort(out) // the engines may collate case differently
			return out
		}
		if got := strings.Join(report(ReportNoncompliant), " "); got != "F2LXK0Q1N72J SN-5 SN-6 intune:6b0c5e1f-4b43-4a4c-9f2a-0d1f8d6b2a03" {
			t.Fatalf("out of compliance: %s", got)
		}
		if got := strings.Join(report(ReportUnassigned), " "); got != "7XK2P94 SN-1 SN-7 intune:6b0c5e1f-4b43-4a4c-9f2a-0d1f8d6b2a03" {
			t.Fatalf("unassigned: %s", got)
		}
		if got := strings.Join(report(ReportStale), " "); got != "F2LXK0Q1N72J SN-6" {
			t.Fatalf("not seen for 30 days: %s", got)
		}
		per, err := a.DevicesPerPerson(e.ctx, e.kim)
		noErr(t, err)
		if len(per) != 2 || per[0].PersonName != "Sid" || per[0].Devices != 3 || per[0].Laptops != 1 || per[0].Mobiles != 2 || per[1].PersonName != "Ann" {
			t.Fatalf("per person %+v", per)
		}
		_, err = a.Devices(e.ctx, e.kim, DeviceFilter{Report: "broken"})
		wantField(t, err, "report")

		// Retired devices leave the reports and their person.
		r, err := a.Retire(e.ctx, e.kim, phone.ID)
		noErr(t, err)
		if !r.Retired || r.PersonID != "" {
			t.Fatalf("retired %+v", r)
		}
		if got := strings.Join(report(ReportNoncompliant), " "); strings.Contains(got, "SN-5") {
			t.Fatalf("retired device still reported: %s", got)
		}
		_, err = a.Retire(e.ctx, e.kim, phone.ID)
		wantCode(t, err, platform.CodeConflict)
	})
}

// TestDeviceImportTenThousand: a 10,000-row file is checked and applied in
// one write, then again as updates.
func TestDeviceImportTenThousand(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		a := e.ws.Assets(e.id.Directory())
		var b strings.Builder
		b.WriteString(header)
		sid := "sid@" + e.org.ID + ".example"
		for i := 0; i < 10000; i++ {
			who := ""
			if i%10 == 0 {
				who = sid
			}
			fmt.Fprintf(&b, "SER%06d,laptop,NC-L-%06d,Dell,Latitude 5440,Windows,11,yes,compliant,2026-03-01,corporate,%s\n", i, i, who)
		}
		res, err := a.ImportCSV(e.ctx, e.kim, strings.NewReader(b.String()))
		noErr(t, err)
		if res.Created != 10000 || e.count(`SELECT COUNT(*) FROM workplace_devices WHERE person_id = ?`, e.sid.UserID) != 1000 {
			t.Fatalf("first import %+v", res)
		}
		res, err = a.ImportCSV(e.ctx, e.kim, strings.NewReader(b.String()))
		noErr(t, err)
		if res.Updated != 10000 || res.Created != 0 {
			t.Fatalf("second import %+v", res)
		}
		p, err := a.Devices(e.ctx, e.kim, DeviceFilter{Limit: 200, After: ""})
		noErr(t, err)
		next, err := a.Devices(e.ctx, e.kim, DeviceFilter{Limit: 200, After: p.Next})
		noErr(t, err)
		if len(p.Devices) != 200 || next.Devices[0].Serial != "SER000200" {
			t.Fatalf("pages: %d then %s", len(p.Devices), next.Devices[0].Serial)
		}
	})
}
