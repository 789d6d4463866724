package identity

// What identity's web pages need to read beyond the service's checked
// operations: public names for the sign-in page and for labelling, and the
// enrolment in progress. They live here because they read the tables
// directly.

import (
	"context"
	"slices"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// OrgChoice is an organisation as the sign-in page offers it.
type OrgChoice struct{ Slug, Name string }

// OrgChoices lists organisations for the sign-in select (names are public)
// and the short name to preselect: the host organisation.
func (s *Service) OrgChoices(ctx context.Context) ([]OrgChoice, string, error) {
	rows, err := s.db.Query(ctx, "SELECT slug, name, host FROM orgs ORDER BY name, id")
	if err != nil {
		return nil, "", platform.Internal(err)
	}
	defer rows.Close()
	var out []OrgChoice
	host := ""
	for rows.Next() {
		var slug, name string
		var h int
		if err := rows.Scan(&slug, &name, &h); err != nil {
			return nil, "", platform.Internal(err)
		}
		out = append(out, OrgChoice{Slug: slug, Name: name})
		if h == 1 {
			host = slug
		}
	}
	if err := rows.Err(); err != nil {
		return nil, "", platform.Internal(err)
	}
	return out, host, nil
}

// PendingEnrolment rebuilds the enrolment the session's user is part way
// through, so a mistyped code does not change the secret already scanned.
func (s *Service) PendingEnrolment(ctx context.Context, cookie string) (TOTPEnrolment, error) {
	r, err := s.pendingSession(ctx, cookie)
	if err != nil {
		return TOTPEnrolment{}, err
	}
	if r.user.totpPending == "" {
		return TOTPEnrolment{}, platform.Errorf(platform.CodeConflict, "Start setting up two-factor authentication again")
	}
	return s.enrolment(r.user.totpPending, r.user.Email)
}

// UserNames maps the organisation's user IDs to names, for token owners.
func (s *Service) UserNames(ctx context.Context, orgID string) (map[string]string, error) {
	return s.namesByID(ctx, "SELECT id, display_name FROM users WHERE org_id = ?", orgID)
}

// UnitNames maps the organisation's business unit IDs to names. It reads the
// table directly: people may always see the names of their own units, even
// in roles the access policy does not let list them all.
func (s *Service) UnitNames(ctx context.Context, orgID string) (map[string]string, error) {
	return s.namesByID(ctx, "SELECT id, name FROM business_units WHERE org_id = ? ORDER BY name_key, id", orgID)
}

// namesByID runs a two-column (id, name) query scoped to one organisation.
func (s *Service) namesByID(ctx context.Context, query, orgID string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, query, orgID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, platform.Internal(err)
		}
		out[id] = name
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// HostAdmin reports whether sub administers the host organisation, which
// alone may see and add organisations. Asking costs no audit entry; the
// service checks again (and audits) when acting.
func (s *Service) HostAdmin(ctx context.Context, sub *platform.Subject) (bool, string, error) {
	host, err := s.HostOrg(ctx)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return false, "", nil
	}
	if err != nil {
		return false, "", err
	}
	return host.ID == sub.OrgID && s.ap.Allowed(sub, access.Administer, access.Resource{Type: "org", OrgID: sub.OrgID}), host.ID, nil
}

// Now is the service's clock, so pages show times as the service sees them.
func (s *Service) Now() time.Time { return s.now() }

// IsHost reports whether orgID is the host organisation.
func (s *Service) IsHost(ctx context.Context, orgID string) (bool, error) {
	return s.isHost(ctx, orgID)
}

// CheckUserFields applies the user rules to a form's fields and returns
// every problem at once, so a page can show them all before the service
// (which checks the same rules) is asked.
func CheckUserFields(in NewUser, withEmail bool) []platform.FieldError {
	var errs []platform.FieldError
	collect := func(err error) {
		if err != nil {
			errs = append(errs, platform.AsError(err).Fields...)
		}
	}
	_, err := cleanText("name", "name", in.Name, 200)
	collect(err)
	if withEmail {
		_, _, err = normaliseEmail(in.Email)
		collect(err)
	}
	_, err = normaliseRoles(in.Roles)
	collect(err)
	_, err = normaliseIDs("business_units", "bu", in.BusinessUnits)
	collect(err)
	return errs
}

// CheckTokenFields applies the token name and scope rules, every problem at once.
func CheckTokenFields(in NewToken) []platform.FieldError {
	var errs []platform.FieldError
	if _, err := cleanText("name", "name", in.Name, tokenNameMaxRunes); err != nil {
		errs = append(errs, platform.AsError(err).Fields...)
	}
	if len(in.Scopes) == 0 || slices.ContainsFunc(in.Scopes, func(s string) bool { return !slices.Contains(allScopes, s) }) {
		errs = append(errs, platform.FieldError{Field: "scopes", Message: "Select what the token may do"})
	}
	return errs
}
