package identity

import (
	"context"
	"slices"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Directory is identity as the platform's one directory of people, units
// and organisations. Every answer is given under the asking subject's
// rights (the user-read policy of the decision point), never as the
// all-powerful system subject, so a module cannot learn more through the
// directory than its user could see on identity's own pages.
type Directory struct{ s *Service }

// Directory returns the directory view of the service.
func (s *Service) Directory() Directory { return Directory{s} }

var _ platform.Directory = Directory{}

func person(u User) platform.Person {
	return platform.Person{ID: u.ID, OrgID: u.OrgID, Name: u.Name, Email: u.Email, Roles: u.Roles, Units: u.BusinessUnits, Disabled: u.Disabled,
		SignIn: u.HasPassword || u.Email != ""}
}

// Person returns one person of the subject's organisation.
func (d Directory) Person(ctx context.Context, sub *platform.Subject, id string) (platform.Person, error) {
	u, err := d.s.GetUser(ctx, sub, id)
	if err != nil {
		return platform.Person{}, err
	}
	p := person(u)
	if slices.Contains(u.Roles, platform.RoleResident) {
		// What front-desk staff recorded (a caller's phone and postcode),
		// so a service filled in for them starts with it.
		err := d.s.db.QueryRow(ctx, "SELECT phone, postcode, birth_date, channel FROM resident_records WHERE org_id = ? AND user_id = ?",
			u.OrgID, u.ID).Scan(&p.Phone, &p.Postcode, &p.BirthDate, &p.Channel)
		if err != nil && !store.IsNoRows(err) {
			return platform.Person{}, platform.Internal(err)
		}
	}
	return p, nil
}

// People returns the people with these IDs in one query (plus one for
// their units). IDs that do not exist, or are not users of the subject's
// organisation, are simply absent from the map.
func (d Directory) People(ctx context.Context, sub *platform.Subject, ids []string) (map[string]platform.Person, error) {
	out := map[string]platform.Person{}
	var valid []string
	seen := map[string]bool{}
	for _, id := range ids {
		if platform.ValidID("usr", id) && !seen[id] {
			seen[id] = true
			valid = append(valid, id)
		}
	}
	if len(valid) == 0 || sub == nil {
		return out, nil
	}
	if err := d.s.ap.Check(ctx, sub, access.Read, access.Resource{Type: "user", OrgID: sub.OrgID}); err != nil {
		return nil, err
	}
	args := []any{sub.OrgID}
	for _, id := range valid {
		args = append(args, id)
	}
	rows, err := d.s.db.Query(ctx, "SELECT "+userColumns+" FROM users WHERE org_id = ? AND id IN (?"+strings.Repeat(", ?", len(valid)-1)+")", args...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	var found []string
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			rows.Close()
			return nil, platform.Internal(err)
		}
		out[u.ID] = person(u.User)
		found = append(found, u.ID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	units, err := d.s.unitsOf(ctx, sub.OrgID, found)
	if err != nil {
		return nil, err
	}
	for id, us := range units {
		p := out[id]
		p.Units = us
		out[id] = p
	}
	return out, nil
}

// SearchPeople pages through the subject's organisation's people.
func (d Directory) SearchPeople(ctx context.Context, sub *platform.Subject, q platform.PeopleQuery) (platform.PeoplePage, error) {
	page, err := d.s.ListUsers(ctx, sub, UserFilter{Role: q.Role, Staff: q.Staff, Active: q.Active, Unit: q.Unit, Text: q.Text, After: q.After, Limit: q.Limit})
	if err != nil {
		return platform.PeoplePage{}, err
	}
	out := platform.PeoplePage{People: make([]platform.Person, 0, len(page.Users)), Next: page.Next}
	for _, u := range page.Users {
		out.People = append(out.People, person(u))
	}
	return out, nil
}

// FindResidents finds residents for staff helping them.
func (d Directory) FindResidents(ctx context.Context, sub *platform.Subject, q platform.ResidentQuery) ([]platform.Person, error) {
	rs, err := d.s.FindResidents(ctx, sub, q)
	return residentPeople(rs), err
}

// RecordCaller records a resident without an account.
func (d Directory) RecordCaller(ctx context.Context, sub *platform.Subject, c platform.Caller, duplicateChecked bool) (platform.Person, []platform.Person, error) {
	r, same, err := d.s.RecordCaller(ctx, sub, c, duplicateChecked)
	if err != nil {
		return platform.Person{}, residentPeople(same), err
	}
	return residentPerson(r), nil, nil
}

func residentPerson(r Resident) platform.Person {
	p := person(r.User)
	p.Phone, p.Postcode, p.BirthDate, p.Channel = r.Phone, r.Postcode, r.BirthDate, r.Channel
	return p
}

func residentPeople(rs []Resident) []platform.Person {
	out := make([]platform.Person, 0, len(rs))
	for _, r := range rs {
		out = append(out, residentPerson(r))
	}
	return out
}

// Units lists the subject's organisation's business units.
func (d Directory) Units(ctx context.Context, sub *platform.Subject) ([]platform.Unit, error) {
	us, err := d.s.ListUnits(ctx, sub)
	if err != nil {
		return nil, err
	}
	out := make([]platform.Unit, 0, len(us))
	for _, u := range us {
		out = append(out, platform.Unit{ID: u.ID, Name: u.Name})
	}
	return out, nil
}

// UnitID resolves a business unit by name within an organisation.
func (d Directory) UnitID(ctx context.Context, orgID, name string) (string, error) {
	return d.s.UnitID(ctx, orgID, name)
}

// Org returns an organisation the subject may see.
func (d Directory) Org(ctx context.Context, sub *platform.Subject, id string) (platform.Org, error) {
	return d.s.GetOrg(ctx, sub, id)
}

// HostOrg is the organisation that runs the platform.
func (d Directory) HostOrg(ctx context.Context) (platform.Org, error) { return d.s.HostOrg(ctx) }

// Orgs lists every organisation, as the platform itself.
func (d Directory) Orgs(ctx context.Context) ([]platform.Org, error) {
	sub := platform.System("")
	sub.Name = "dbtp"
	return d.s.ListOrgs(ctx, sub)
}
