package identity

import (
	"context"
	"regexp"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// NewOrg is what it takes to create an organisation.
type NewOrg struct {
	Slug string // short lower-case name used in sign-in URLs, e.g. "northshire"
	Name string
	Kind platform.OrgKind
}

var slugPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$`)

const orgColumns = "id, slug, name, kind, host, created_at"

// CreateOrg creates an organisation. The first council created becomes the
// host organisation; after that only the system subject (the CLI) or an admin
// of the host may create organisations. They see metadata only: nothing here
// lets anyone read another organisation's users or data.
func (s *Service) CreateOrg(ctx context.Context, sub *platform.Subject, in NewOrg) (platform.Org, error) {
	slug := strings.TrimSpace(in.Slug)
	if !slugPattern.MatchString(slug) {
		return platform.Org{}, platform.Invalid("Check the short name", platform.FieldError{Field: "slug",
			Message: "Short name must be 1 to 40 lower-case letters, digits or hyphens, not starting or ending with a hyphen"})
	}
	name, err := cleanText("name", "name", in.Name, 200)
	if err != nil {
		return platform.Org{}, err
	}
	kind, ok := platform.ParseOrgKind(string(in.Kind))
	if !ok {
		return platform.Org{}, platform.Invalid("Check the kind", platform.FieldError{Field: "kind", Message: "Choose council, trading-company or partner"})
	}
	if err := s.checkHostAdmin(ctx, sub, access.Create, ""); err != nil {
		return platform.Org{}, err
	}
	org := platform.Org{ID: platform.NewID("org"), Slug: slug, Name: name, Kind: kind, CreatedAt: s.now().UTC().Truncate(time.Millisecond)}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		host := 0
		if kind == platform.OrgCouncil {
			var n int
			if err := tx.QueryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE host = 1").Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				host = 1
			}
		}
		if _, err := tx.Exec(ctx, "INSERT INTO orgs ("+orgColumns+") VALUES (?, ?, ?, ?, ?, ?)",
			org.ID, org.Slug, org.Name, string(org.Kind), host, store.Millis(org.CreatedAt)); err != nil {
			if store.IsUniqueViolation(err) {
				return &platform.Error{Code: platform.CodeConflict, Message: "An organisation already uses this short name",
					Fields: []platform.FieldError{{Field: "slug", Message: "An organisation already uses this short name"}}}
			}
			return err
		}
		e := audit.For(sub, "org.create", "org", org.ID, audit.Success)
		e.OrgID = org.ID
		e.Detail = "created " + string(kind) + " " + slug
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return platform.Org{}, asPlatform(err)
	}
	return org, nil
}

// ListOrgs lists every organisation's metadata, for host admins and the CLI.
func (s *Service) ListOrgs(ctx context.Context, sub *platform.Subject) ([]platform.Org, error) {
	if err := s.checkHostAdmin(ctx, sub, access.Read, ""); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, "SELECT "+orgColumns+" FROM orgs ORDER BY name, id")
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []platform.Org
	for rows.Next() {
		o, _, err := scanOrg(rows)
		if err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}

// GetOrg returns an organisation by ID. Anyone may read their own
// organisation; other organisations are visible only to host admins.
func (s *Service) GetOrg(ctx context.Context, sub *platform.Subject, id string) (platform.Org, error) {
	if !platform.ValidID("org", id) {
		return platform.Org{}, platform.NotFound("organisation")
	}
	if sub == nil || sub.OrgID != id {
		if err := s.checkHostAdmin(ctx, sub, access.Read, id); err != nil {
			return platform.Org{}, err
		}
	}
	return s.orgBy(ctx, "id", id)
}

// OrgBySlug resolves the short name in a sign-in address. It needs no subject:
// the sign-in page must know which organisation it is for, and names of
// organisations are not secret.
func (s *Service) OrgBySlug(ctx context.Context, slug string) (platform.Org, error) {
	if !slugPattern.MatchString(slug) {
		return platform.Org{}, platform.NotFound("organisation")
	}
	return s.orgBy(ctx, "slug", slug)
}

// HostOrg returns the host organisation, or not found before one exists.
func (s *Service) HostOrg(ctx context.Context) (platform.Org, error) {
	return s.orgBy(ctx, "host", 1)
}

func (s *Service) orgBy(ctx context.Context, col string, v any) (platform.Org, error) {
	o, _, err := scanOrg(s.db.QueryRow(ctx, "SELECT "+orgColumns+" FROM orgs WHERE "+col+" = ?", v))
	if store.IsNoRows(err) {
		return platform.Org{}, platform.NotFound("organisation")
	}
	if err != nil {
		return platform.Org{}, platform.Internal(err)
	}
	return o, nil
}

// isHost reports whether orgID is the host organisation.
func (s *Service) isHost(ctx context.Context, orgID string) (bool, error) {
	var n int
	if err := s.db.QueryRow(ctx, "SELECT COUNT(*) FROM orgs WHERE id = ? AND host = 1", orgID).Scan(&n); err != nil {
		return false, platform.Internal(err)
	}
	return n == 1, nil
}

// checkHostAdmin allows the system subject, or an admin of the host
// organisation, and audits any refusal. A foreign organisation ID asked for by
// anyone else is reported as not found, as everywhere else.
func (s *Service) checkHostAdmin(ctx context.Context, sub *platform.Subject, a access.Action, targetID string) error {
	if sub != nil && sub.Kind == platform.SubjectSystem {
		return nil
	}
	if !sub.Authenticated() {
		return platform.Errorf(platform.CodeUnauthorized, "sign in to continue")
	}
	var host string
	err := s.db.QueryRow(ctx, "SELECT id FROM orgs WHERE host = 1").Scan(&host)
	if err != nil && !store.IsNoRows(err) {
		return platform.Internal(err)
	}
	if host == "" || sub.OrgID != host {
		err := s.denied(ctx, sub, "org."+string(a), "org", targetID, "only admins of the host organisation manage organisations")
		if platform.CodeOf(err) == platform.CodeForbidden && targetID != "" {
			return platform.NotFound("organisation")
		}
		return err
	}
	return s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "org", ID: targetID, OrgID: sub.OrgID})
}

type scanner interface{ Scan(...any) error }

func scanOrg(r scanner) (platform.Org, bool, error) {
	var o platform.Org
	var kind string
	var host int
	var created int64
	if err := r.Scan(&o.ID, &o.Slug, &o.Name, &kind, &host, &created); err != nil {
		return o, false, err
	}
	o.Kind, o.CreatedAt = platform.OrgKind(kind), store.Time(created)
	return o, host == 1, nil
}

// asPlatform passes *platform.Error through and wraps anything else as internal.
func asPlatform(err error) error {
	if err == nil {
		return nil
	}
	return platform.AsError(err)
}
