package main

import (
	"context"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services/console"
	"dbtp/internal/services/portal"
)

// people answers the services pages' questions about users and business
// units from identity, always inside the asking subject's organisation.
type people struct{ id *identity.Service }

var staffRoles = []platform.Role{platform.RoleAdmin, platform.RoleManager, platform.RoleCaseworker, platform.RoleStaff}

func (p people) Name(ctx context.Context, sub *platform.Subject, userID string) string {
	u, err := p.id.GetUser(ctx, platform.System(sub.OrgID), userID)
	if err != nil {
		return ""
	}
	return u.Name
}

// StaffIn lists people cases can be assigned to: up to 200 per staff role,
// which is as many as a drop-down list can usefully hold.
func (p people) StaffIn(ctx context.Context, sub *platform.Subject) ([]console.Person, error) {
	seen := map[string]bool{}
	var out []console.Person
	for _, r := range staffRoles {
		page, err := p.id.ListUsers(ctx, platform.System(sub.OrgID), identity.UserFilter{Role: r, Limit: 200})
		if err != nil {
			return nil, err
		}
		for _, u := range page.Users {
			if !u.Disabled && !seen[u.ID] {
				seen[u.ID] = true
				out = append(out, console.Person{ID: u.ID, Name: u.Name})
			}
		}
	}
	return out, nil
}

func (p people) Units(ctx context.Context, sub *platform.Subject) ([]console.Unit, error) {
	us, err := p.id.ListUnits(ctx, platform.System(sub.OrgID))
	if err != nil {
		return nil, err
	}
	out := make([]console.Unit, 0, len(us))
	for _, u := range us {
		out = append(out, console.Unit{ID: u.ID, Name: u.Name})
	}
	return out, nil
}

// portalPerson resolves an active user of the subject's organisation.
func (p people) portalPerson(ctx context.Context, sub *platform.Subject, id string) (portal.Person, bool, error) {
	u, err := p.id.GetUser(ctx, platform.System(sub.OrgID), id)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return portal.Person{}, false, nil
	}
	if err != nil {
		return portal.Person{}, false, err
	}
	return portal.Person{ID: u.ID, Name: u.Name, Email: u.Email}, !u.Disabled, nil
}

// findResidents searches residents by name or email, for assisted digital.
func (p people) findResidents(ctx context.Context, sub *platform.Subject, text string) ([]portal.Person, error) {
	page, err := p.id.ListUsers(ctx, platform.System(sub.OrgID), identity.UserFilter{Role: platform.RoleResident, Text: text, Limit: 20})
	if err != nil {
		return nil, err
	}
	var out []portal.Person
	for _, u := range page.Users {
		if !u.Disabled {
			out = append(out, portal.Person{ID: u.ID, Name: u.Name, Email: u.Email})
		}
	}
	return out, nil
}
