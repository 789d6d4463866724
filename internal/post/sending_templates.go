package post

import "context"

// ServiceTemplates lists a service's live templates (of kind, or all
// when kind is ""), by name, for the Notify API's GET /v2/templates. The
// templates part keeps templates; this is the sending part's read of them
// as the calling service, who is not a person.
func (s *Store) ServiceTemplates(ctx context.Context, serviceID, kind string) ([]Template, error) {
	q := "SELECT " + templateColumns + " FROM post_templates WHERE service_id = ? AND archived = 0"
	args := []any{serviceID}
	if kind != "" {
		q, args = q+" AND kind = ?", append(args, kind)
	}
	rows, err := s.db.Query(ctx, q+" ORDER BY name, id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Template
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
