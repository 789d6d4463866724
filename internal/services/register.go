package services

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// PublicEntry is one case as a public register shows it: its reference,
// status and the answers its definition marks public, nothing else.
type PublicEntry struct {
	Reference   string
	State       string // the state's label
	Closed      bool
	SubmittedAt time.Time
	UpdatedAt   time.Time
	Def         *definition.Definition // the case's pinned version, which says what is public
	Answers     definition.Answers     // public answers only
}

// PublicRegister lists the cases of an OFFICIAL service with a public
// register, newest first, to anyone: no subject, because the definition
// has made them public, and only public answers leave this function. A
// service without a register is "not found", like one that does not exist.
func (s *Service) PublicRegister(ctx context.Context, orgID, serviceID, cursor string, limit int) (*definition.Definition, []PublicEntry, string, error) {
	def, err := s.registerDefinition(ctx, orgID, serviceID)
	if err != nil {
		return nil, nil, "", err
	}
	if limit <= 0 || limit > maxPage {
		limit = defaultPage
	}
	q := "SELECT " + caseColumns + ", answers FROM cases WHERE org_id = ? AND service_id = ?"
	args := []any{orgID, serviceID}
	if cursor != "" {
		if !platform.ValidID("case", cursor) {
			return nil, nil, "", platform.Invalid("Check the page", platform.FieldError{Field: "cursor", Message: "The page link is not valid"})
		}
		q += " AND id < ?"
		args = append(args, cursor)
	}
	for _, st := range def.PublicRegister.Hide {
		q += " AND state <> ?"
		args = append(args, st)
	}
	q += " ORDER BY id DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := s.db.Query(ctx, q, args...)
	if err != nil {
		return nil, nil, "", platform.Internal(err)
	}
	defer rows.Close()
	var cases []Case
	for rows.Next() {
		var answers string
		c, err := scanCase(rows, &answers)
		if err != nil {
			return nil, nil, "", platform.Internal(err)
		}
		if err := json.Unmarshal([]byte(answers), &c.Answers); err != nil {
			return nil, nil, "", platform.Internal(err)
		}
		cases = append(cases, c)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, "", platform.Internal(err)
	}
	next := ""
	if len(cases) > limit {
		cases, next = cases[:limit], cases[limit-1].ID
	}
	out := make([]PublicEntry, 0, len(cases))
	for i := range cases {
		e, ok, err := s.publicEntry(ctx, &cases[i])
		if err != nil {
			return nil, nil, "", err
		}
		if ok {
			out = append(out, e)
		}
	}
	return def, out, next, nil
}

// PublicCase is one case of a public register, by reference.
func (s *Service) PublicCase(ctx context.Context, orgID, serviceID, reference string) (PublicEntry, error) {
	def, err := s.registerDefinition(ctx, orgID, serviceID)
	if err != nil {
		return PublicEntry{}, err
	}
	if len(reference) == 0 || len(reference) > 40 {
		return PublicEntry{}, platform.NotFound("entry")
	}
	c, err := loadCase(ctx, s.db, orgID, "reference = ?", strings.ToUpper(reference))
	if err != nil || c.ServiceID != serviceID || slices.Contains(def.PublicRegister.Hide, c.State) {
		return PublicEntry{}, platform.NotFound("entry")
	}
	e, ok, err := s.publicEntry(ctx, &c)
	if err != nil {
		return PublicEntry{}, err
	}
	if !ok {
		return PublicEntry{}, platform.NotFound("entry")
	}
	return e, nil
}

// registerDefinition is the latest version of a service that has a public
// register and may have one.
func (s *Service) registerDefinition(ctx context.Context, orgID, serviceID string) (*definition.Definition, error) {
	if orgID == "" || len(serviceID) == 0 || len(serviceID) > 64 {
		return nil, platform.NotFound("register")
	}
	def, err := s.latestDefinition(ctx, orgID, serviceID)
	if platform.CodeOf(err) == platform.CodeNotFound || err == nil && (def.PublicRegister == nil || def.Classification == platform.OfficialSensitive) {
		return nil, platform.NotFound("register")
	}
	return def, err
}

// publicEntry keeps a case's public answers, as its own pinned version
// marks them (a version without a register publishes nothing of it).
func (s *Service) publicEntry(ctx context.Context, c *Case) (PublicEntry, bool, error) {
	def, err := s.PinnedDefinition(ctx, *c)
	if err != nil {
		return PublicEntry{}, false, err
	}
	if def.PublicRegister == nil || def.Classification == platform.OfficialSensitive || c.Classification == platform.OfficialSensitive {
		return PublicEntry{}, false, nil
	}
	e := PublicEntry{Reference: c.Reference, State: c.State, Closed: c.Terminal, SubmittedAt: c.SubmittedAt, UpdatedAt: c.UpdatedAt,
		Def: def, Answers: definition.Answers{}}
	if st := def.State(c.State); st != nil && st.Label != "" {
		e.State = st.Label
	}
	for _, f := range def.Fields {
		if f.Public && f.Type != definition.TypePerson && f.Type != definition.TypeFile && c.Answers[f.ID] != nil {
			e.Answers[f.ID] = c.Answers[f.ID]
		}
	}
	return e, true, nil
}
