package access

import (
	"context"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Elsewhere reports which organisation, if any, holds an ID that a lookup
// scoped to the subject's organisation did not find.
type Elsewhere func(ctx context.Context) (orgID string, found bool, err error)

// Missing answers a lookup by ID that found nothing in the subject's
// organisation; notFound is the error the lookup produced. Store queries
// filter by organisation in SQL, so another organisation's ID comes back as
// no row and never reaches Check. Missing asks elsewhere whether the ID
// belongs to another organisation and, if so, has Check refuse the attempt,
// which audits it as a denial (action "<type>.<action>"). The answer is
// notFound either way, so a probe cannot tell a foreign ID from a missing
// one; only a failure to record the denial changes it.
func (p *Point) Missing(ctx context.Context, s *platform.Subject, a Action, r Resource, elsewhere Elsewhere, notFound error) error {
	if !s.Authenticated() || elsewhere == nil {
		return notFound
	}
	org, found, err := elsewhere(ctx)
	if err != nil {
		return platform.Internal(err)
	}
	if !found || org == s.OrgID {
		return notFound
	}
	r.OrgID = org
	if err := p.Check(ctx, s, a, r); platform.CodeOf(err) == platform.CodeInternal {
		return err
	}
	return notFound
}

// RowOrg is the usual Elsewhere: the org_id of the row of table whose key
// column equals id. table and key are names from the caller's code, never
// input.
func RowOrg(db *store.DB, table, key string, id any) Elsewhere {
	return func(ctx context.Context) (string, bool, error) {
		var org string
		err := db.QueryRow(ctx, "SELECT org_id FROM "+table+" WHERE "+key+" = ?", id).Scan(&org)
		if store.IsNoRows(err) {
			return "", false, nil
		}
		return org, err == nil, err
	}
}
