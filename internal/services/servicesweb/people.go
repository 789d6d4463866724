package servicesweb

import (
	"context"
	"sync"
	"time"

	"dbtp/internal/access"

	"dbtp/internal/platform"
	"dbtp/internal/services/console"
	"dbtp/internal/services/forms"
	"dbtp/internal/services/portal"
)

// people answers the services pages' questions about users and business
// units from the directory, always under the asking subject's own rights.
type people struct {
	dir   platform.Directory
	staff *staffCache
}

func (p people) Name(ctx context.Context, sub *platform.Subject, userID string) string {
	n, _ := p.name(ctx, sub, userID)
	return n
}

// Names names many users in one directory query. Should the directory
// refuse the batch, each is looked up alone, as Name would.
func (p people) Names(ctx context.Context, sub *platform.Subject, userIDs []string) map[string]string {
	out := make(map[string]string, len(userIDs))
	found, err := p.dir.People(ctx, sub, userIDs)
	if err != nil {
		for _, id := range userIDs {
			if _, done := out[id]; !done {
				out[id] = p.Name(ctx, sub, id)
			}
		}
		return out
	}
	for id, u := range found {
		out[id] = u.Name
	}
	return out
}

// name resolves an active person for person answers.
func (p people) name(ctx context.Context, sub *platform.Subject, userID string) (string, bool) {
	u, err := p.dir.Person(ctx, sub, userID)
	return u.Name, err == nil && !u.Disabled
}

// StaffIn lists people cases can be assigned to: active staff of the
// organisation, at most 200 in one query, which is as many as a drop-down
// list can usefully hold. The queue and every case page show the list, so
// it is kept for a few seconds per organisation (see staffCache).
func (p people) StaffIn(ctx context.Context, sub *platform.Subject) ([]console.Person, error) {
	if list, ok := p.staff.get(sub); ok {
		return list, nil
	}
	page, err := p.dir.SearchPeople(ctx, sub, platform.PeopleQuery{Staff: true, Active: true, Limit: 200})
	if err != nil {
		return nil, err
	}
	out := make([]console.Person, 0, len(page.People))
	for _, u := range page.People {
		out = append(out, console.Person{ID: u.ID, Name: u.Name, Roles: u.Roles, Units: u.Units})
	}
	p.staff.put(sub, out)
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
	return portalPerson(u), !u.Disabled, nil
}

// findResidents searches residents, for assisted digital.
func (p people) findResidents(ctx context.Context, sub *platform.Subject, q platform.ResidentQuery) ([]portal.Person, error) {
	found, err := p.dir.FindResidents(ctx, sub, q)
	return portalPeople(found), err
}

// recordCaller records a resident without an account.
func (p people) recordCaller(ctx context.Context, sub *platform.Subject, c platform.Caller, checked bool) (portal.Person, []portal.Person, error) {
	per, same, err := p.dir.RecordCaller(ctx, sub, c, checked)
	return portalPerson(per), portalPeople(same), err
}

func portalPerson(u platform.Person) portal.Person {
	return portal.Person{ID: u.ID, Name: u.Name, Email: u.Email, Phone: u.Phone, Postcode: u.Postcode, BirthDate: u.BirthDate, SignIn: u.SignIn}
}

func portalPeople(us []platform.Person) []portal.Person {
	out := make([]portal.Person, 0, len(us))
	for _, u := range us {
		out = append(out, portalPerson(u))
	}
	return out
}

// findPeople searches active staff by name or email, a page at a time,
// for the person questions of forms.
func (p people) findPeople(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]portal.Person, string, error) {
	page, err := p.dir.SearchPeople(ctx, sub, platform.PeopleQuery{Staff: true, Active: true, Text: text, After: after, Limit: limit})
	if err != nil {
		return nil, "", err
	}
	out := make([]portal.Person, 0, len(page.People))
	for _, u := range page.People {
		out = append(out, portal.Person{ID: u.ID, Name: u.Name, Email: u.Email})
	}
	return out, page.Next, nil
}

// findStaff is findPeople for the console's transition forms.
func (p people) findStaff(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]forms.PersonMatch, string, error) {
	found, next, err := p.findPeople(ctx, sub, text, after, limit)
	out := make([]forms.PersonMatch, 0, len(found))
	for _, f := range found {
		out = append(out, forms.PersonMatch{ID: f.ID, Name: f.Name, Email: f.Email})
	}
	return out, next, err
}

// staffCache keeps each organisation's assignable staff for a short while.
// Profiling the staff console under load showed this list (a scan of the
// organisation's users for staff roles, then their units) costing more
// than the queue's own search, on every queue and case page. A cached list
// is handed only to a subject the access point lets read the
// organisation's users, the same decision the directory makes; a change of
// staff shows within the TTL, as a changed role does in sessions, and the
// engine checks every assignee again when a case is assigned.
type staffCache struct {
	ap  *access.Point
	ttl time.Duration
	now func() time.Time
	mu  sync.Mutex
	m   map[string]staffEntry
}

type staffEntry struct {
	at   time.Time
	list []console.Person
}

func newStaffCache(ap *access.Point, ttl time.Duration, now func() time.Time) *staffCache {
	return &staffCache{ap: ap, ttl: ttl, now: now, m: map[string]staffEntry{}}
}

func (c *staffCache) get(sub *platform.Subject) ([]console.Person, bool) {
	if c == nil || sub == nil || sub.OrgID == "" || !c.ap.Allowed(sub, access.Read, access.Resource{Type: "user", OrgID: sub.OrgID}) {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[sub.OrgID]
	if !ok || c.now().Sub(e.at) > c.ttl {
		return nil, false
	}
	return e.list, true
}

func (c *staffCache) put(sub *platform.Subject, list []console.Person) {
	if c == nil || sub == nil || sub.OrgID == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) > 10_000 { // organisations are few; never let a flood of them grow this
		clear(c.m)
	}
	c.m[sub.OrgID] = staffEntry{at: c.now(), list: list}
}
