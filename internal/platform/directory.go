package platform

import "context"

// Person is someone in an organisation's directory as other modules see
// them: enough to name, choose and contact them, nothing secret.
type Person struct {
	ID       string   `json:"id"`
	OrgID    string   `json:"org_id"`
	Name     string   `json:"name"`
	Email    string   `json:"email,omitempty"`
	Roles    []Role   `json:"roles"`
	Units    []string `json:"business_units"`
	Disabled bool     `json:"disabled,omitempty"`
	// What staff recorded about a resident (assisted digital), when they
	// find residents; empty elsewhere.
	Phone     string `json:"phone,omitempty"`
	Postcode  string `json:"postcode,omitempty"`
	BirthDate string `json:"birth_date,omitempty"` // YYYY-MM-DD
	Channel   string `json:"channel,omitempty"`    // email, phone or post
	// SignIn is false for a resident recorded by staff who has not yet
	// claimed an account (no password, no single sign-on link).
	SignIn bool `json:"sign_in"`
}

// ResidentQuery finds residents for staff helping them; every part given
// must match, and at least one must be given.
type ResidentQuery struct {
	Text      string // in the name or email
	BirthDate string // YYYY-MM-DD, or D M YYYY
	Postcode  string
}

// Caller is what front-desk staff record about someone without an account.
type Caller struct {
	Name      string
	Email     string // optional
	Phone     string // optional
	Postcode  string // optional
	BirthDate string // optional
	Channel   string // email, phone or post: how they want to hear from the council
}

// IsStaff reports whether the person holds a staff role.
func (p Person) IsStaff() bool {
	for _, r := range p.Roles {
		if r.IsStaff() {
			return true
		}
	}
	return false
}

// Unit is a business unit of an organisation.
type Unit struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// PeopleQuery narrows a directory search. Every field is optional.
type PeopleQuery struct {
	Text   string // matched against name and email, case-insensitively
	Role   Role   // only people holding this role
	Staff  bool   // only people holding a staff role
	Unit   string // only members of this business unit
	Active bool   // leave out disabled people
	After  string // cursor: Next of the previous page
	Limit  int    // default 50, at most 200
}

// PeoplePage is one page of a directory search.
type PeoplePage struct {
	People []Person `json:"people"`
	Next   string   `json:"next,omitempty"`
}

// Directory is the one way modules find people, business units and
// organisations. It is implemented by identity and answers under the
// asking subject's rights: another organisation's people are never found,
// and a resident finds only themselves.
type Directory interface {
	// Person returns one person, or a not-found error.
	Person(ctx context.Context, s *Subject, id string) (Person, error)
	// People returns the named people that exist and s may see, by ID, in
	// one query: for naming the people a page shows.
	People(ctx context.Context, s *Subject, ids []string) (map[string]Person, error)
	// SearchPeople pages through people matching q.
	SearchPeople(ctx context.Context, s *Subject, q PeopleQuery) (PeoplePage, error)
	// FindResidents finds the organisation's residents for staff helping
	// them (assisted digital).
	FindResidents(ctx context.Context, s *Subject, q ResidentQuery) ([]Person, error)
	// RecordCaller records someone without an account as a resident who
	// cannot sign in yet. If people like them are already recorded, nothing
	// is and they are returned with a conflict error, unless
	// duplicateChecked says staff have seen them and this is someone else.
	RecordCaller(ctx context.Context, s *Subject, c Caller, duplicateChecked bool) (Person, []Person, error)
	// Units lists the organisation's business units by name.
	Units(ctx context.Context, s *Subject) ([]Unit, error)
	// UnitID resolves a business unit's name within an organisation, as
	// service definitions name them; "" with a not-found error if none.
	UnitID(ctx context.Context, orgID, name string) (string, error)
	// Org returns an organisation s may see.
	Org(ctx context.Context, s *Subject, id string) (Org, error)
	// HostOrg is the organisation that runs the platform (the council).
	HostOrg(ctx context.Context) (Org, error)
	// Orgs lists every organisation, for platform work done in each (such
	// as publishing built-in services); never for showing to a person.
	Orgs(ctx context.Context) ([]Org, error)
}
