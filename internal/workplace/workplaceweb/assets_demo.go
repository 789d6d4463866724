package workplaceweb

import (
	"context"
	"fmt"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/workplace"
)

// demo gives the Kent demo its kit's loans and its device inventory: Jo
// Baker has a laptop out now, Sam Okafor a headset three days overdue and
// Priya Shah a laptop reserved for next week; the demo staff have laptops
// and phones, one phone out of compliance and one laptop unassigned. It
// uses the equipment the places demo made at Sessions House, or makes a
// few items itself when there is none.
func (p *assetsPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	kit, err := m.ws.Resources(ctx, sys, workplace.ResourceFilter{Kind: workplace.KindEquipment})
	if err != nil {
		return err
	}
	byCat := map[string][]workplace.Resource{}
	for _, r := range kit {
		byCat[r.Category] = append(byCat[r.Category], r)
	}
	for _, want := range []struct {
		cat, name, tag string
		n              int
	}{{"laptop", "Loan laptop", "KCC-LL-", 3}, {"headset", "Loan headset", "KCC-LH-", 2}} {
		for i := len(byCat[want.cat]); i < want.n; i++ {
			r, err := m.ws.CreateResource(ctx, sys, workplace.ResourceInput{Kind: workplace.KindEquipment, Name: fmt.Sprintf("%s %d", want.name, i+1),
				Category: want.cat, AssetTag: fmt.Sprintf("%s%03d", want.tag, i+1)})
			if err != nil {
				return err
			}
			byCat[want.cat] = append(byCat[want.cat], r)
		}
	}
	people := map[string]*platform.Subject{}
	for _, email := range []string{"staff@kent.example", "caseworker@kent.example", "manager@kent.example", "stores@kent.example", "admin@kent.example"} {
		if people[email], err = env.Person(ctx, org, email); platform.CodeOf(err) == platform.CodeNotFound {
			return nil // not the demonstration council's people: its kit is enough
		} else if err != nil {
			return err
		}
	}
	kim := people["stores@kent.example"]
	now := m.d.Clock.Now()
	day := func(n int) string { return now.In(m.ws.Location()).AddDate(0, 0, n).Format(time.DateOnly) }
	for _, l := range []workplace.LoanInput{
		{ResourceID: byCat["laptop"][0].ID, PersonID: people["staff@kent.example"].UserID, From: day(-2), To: day(5), Purpose: "Working from home while the office is refitted", AlreadyOut: true},
		{ResourceID: byCat["headset"][0].ID, PersonID: people["caseworker@kent.example"].UserID, From: day(-10), To: day(-3), Purpose: "Training course", AlreadyOut: true},
		// Any laptop: the services demo's requests may hold some already.
		{Category: "laptop", PersonID: people["manager@kent.example"].UserID, From: day(7), To: day(9), Purpose: "Board presentation"},
	} {
		if _, err := p.a.Reserve(ctx, kim, l); err != nil {
			return fmt.Errorf("demo loan: %w", err)
		}
	}
	seen := func(days int) time.Time {
		return now.Add(-time.Duration(days) * 24 * time.Hour).Truncate(time.Minute)
	}
	for _, d := range []workplace.DeviceInput{
		{Kind: "laptop", Name: "KCC-L-10234", Manufacturer: "HP", Model: "EliteBook 840 G9", Serial: "5CG2301KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: people["staff@kent.example"].UserID},
		{Kind: "mobile", Manufacturer: "Apple", Model: "iPhone 13", Serial: "F2LXK0Q1N72J", OS: "iOS", OSVersion: "16.7.2", Encrypted: true, Compliance: workplace.Noncompliant, LastSeen: seen(2), PersonID: people["staff@kent.example"].UserID},
		{Kind: "laptop", Name: "KCC-L-10235", Manufacturer: "HP", Model: "EliteBook 840 G9", Serial: "5CG2302KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(1), PersonID: people["caseworker@kent.example"].UserID},
		{Kind: "mobile", Manufacturer: "Samsung", Model: "Galaxy A54", Serial: "R58W30KCC1", OS: "Android", OSVersion: "14", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: people["caseworker@kent.example"].UserID},
		{Kind: "laptop", Name: "KCC-L-10236", Manufacturer: "Microsoft", Model: "Surface Laptop 5", Serial: "0F3A21KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: people["manager@kent.example"].UserID},
		{Kind: "mobile", Manufacturer: "Apple", Model: "iPhone 15", Serial: "G7QPK1KCC", OS: "iOS", OSVersion: "17.4", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: people["manager@kent.example"].UserID},
		{Kind: "laptop", Name: "KCC-L-10237", Manufacturer: "Dell", Model: "Latitude 5440", Serial: "7XK2P93KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: kim.UserID},
		{Kind: "laptop", Name: "KCC-L-10238", Manufacturer: "Dell", Model: "Latitude 5440", Serial: "7XK2P94KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(45)},
		{Kind: "laptop", Name: "KCC-L-10239", Manufacturer: "HP", Model: "EliteBook 840 G9", Serial: "5CG2303KCC", OS: "Windows", OSVersion: "11 23H2", Encrypted: true, Compliance: workplace.Compliant, LastSeen: seen(0), PersonID: people["admin@kent.example"].UserID},
	} {
		if _, err := p.a.CreateDevice(ctx, kim, d); err != nil {
			return fmt.Errorf("demo device %s: %w", d.Serial, err)
		}
	}
	return nil
}
