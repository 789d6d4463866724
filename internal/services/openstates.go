package services

import (
	"context"
	"slices"

	"dbtp/internal/access"
	"dbtp/internal/platform"
)

// StateInUse is a workflow state that open cases of a service sit in.
type StateInUse struct {
	State    string
	Cases    int
	Versions []int // the versions those cases are pinned to
}

// OpenCaseStates lists the states open cases of a service are in, across
// every version, for the service designer's check that a new version keeps
// each of them. It returns counts only, never case details, so it needs
// the right to publish the service rather than to read its cases.
func (s *Service) OpenCaseStates(ctx context.Context, sub *platform.Subject, serviceID string) ([]StateInUse, error) {
	if err := needOrg(sub); err != nil {
		return nil, err
	}
	if err := s.ap.Check(ctx, sub, access.Administer, access.Resource{Type: "service_definition", ID: serviceID, OrgID: sub.OrgID}); err != nil {
		return nil, err
	}
	rows, err := s.db.Query(ctx, `SELECT state, service_version, COUNT(*) FROM cases
		WHERE org_id = ? AND service_id = ? AND state_terminal = 0
		GROUP BY state, service_version ORDER BY state, service_version`, sub.OrgID, serviceID)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []StateInUse
	for rows.Next() {
		var state string
		var version, n int
		if err := rows.Scan(&state, &version, &n); err != nil {
			return nil, platform.Internal(err)
		}
		if len(out) == 0 || out[len(out)-1].State != state {
			out = append(out, StateInUse{State: state})
		}
		last := &out[len(out)-1]
		last.Cases += n
		if !slices.Contains(last.Versions, version) {
			last.Versions = append(last.Versions, version)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	return out, nil
}
