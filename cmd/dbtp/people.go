package main

import (
	"context"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services/console"
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
