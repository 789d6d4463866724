package servicesweb

import (
	"context"

	"dbtp/internal/platform"
	"dbtp/internal/services/console"
	"dbtp/internal/services/portal"
)

// people answers the services pages' questions about users and business
// units from the directory, always under the asking subject's own rights.
type people struct{ dir platform.Directory }

func (p people) Name(ctx context.Context, sub *platform.Subject, userID string) string {
	n, _ := p.name(ctx, sub, userID)
	return n
}

// name resolves an active person for person answers.
func (p people) name(ctx context.Context, sub *platform.Subject, userID string) (string, bool) {
	u, err := p.dir.Person(ctx, sub, userID)
	return u.Name, err == nil && !u.Disabled
}

// StaffIn lists people cases can be assigned to: active staff of the
// organisation, at most 200 in one query, which is as many as a drop-down
// list can usefully hold.
func (p people) StaffIn(ctx context.Context, sub *platform.Subject) ([]console.Person, error) {
	page, err := p.dir.SearchPeople(ctx, sub, platform.PeopleQuery{Staff: true, Active: true, Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]console.Person, 0, len(page.People))
	for _, u := range page.People {
		out = append(out, console.Person{ID: u.ID, Name: u.Name})
	}
	return out, nil
}

func (p people) Units(ctx context.Context, sub *platform.Subject) ([]console.Unit, error) {
	us, err := p.dir.Units(ctx, sub)
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
	u, err := p.dir.Person(ctx, sub, id)
	if platform.CodeOf(err) == platform.CodeNotFound || platform.CodeOf(err) == platform.CodeForbidden {
		return portal.Person{}, false, nil
	}
	if err != nil {
		return portal.Person{}, false, err
	}
	return portal.Person{ID: u.ID, Name: u.Name, Email: u.Email}, !u.Disabled, nil
}

// findResidents searches residents by name or email, for assisted digital.
func (p people) findResidents(ctx context.Context, sub *platform.Subject, text string) ([]portal.Person, error) {
	page, err := p.dir.SearchPeople(ctx, sub, platform.PeopleQuery{Role: platform.RoleResident, Text: text, Active: true, Limit: 20})
	if err != nil {
		return nil, err
	}
	out := make([]portal.Person, 0, len(page.People))
	for _, u := range page.People {
		out = append(out, portal.Person{ID: u.ID, Name: u.Name, Email: u.Email})
	}
	return out, nil
}
