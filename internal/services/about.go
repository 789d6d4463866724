package services

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// A subject access request needs every case about a person: the cases
// they made, and cases that name them (a referral about them, a complaint
// that mentions them). CasesAbout finds them for the officer answering it,
// under the officer's own access: what they may not read is never found.

// PersonQuery is whom to look for.
type PersonQuery struct {
	UserID    string   // their account, when they have one: the cases they made
	Names     []string // full names they are or were known by
	BirthDate string   // YYYY-MM-DD, to tell them from others of the same name
	Exclude   []string // case IDs to leave out (the request itself)
}

// CaseAbout is a case found about a person, with its answers, and why.
type CaseAbout struct {
	Case Case
	Why  string // "made the request" or "names <name>"
}

// maxAbout bounds one search: past it the officer is told to narrow it.
const maxAbout = 500

// CasesAbout lists the cases sub may read that q's person made or that
// name them, newest first. A case naming someone of the same name whose
// date of birth (an answer to a question whose ID says birth) is another
// date is about someone else and is left out. The search itself and each
// OFFICIAL-SENSITIVE case found are audited.
func (s *Service) CasesAbout(ctx context.Context, sub *platform.Subject, q PersonQuery) ([]CaseAbout, error) {
	if err := needOrg(sub); err != nil {
		return nil, err
	}
	var names [][]string
	for _, n := range q.Names {
		if w := nameWords(n); len(w) > 0 {
			names = append(names, w)
		}
	}
	if len(names) == 0 && q.UserID == "" {
		return nil, platform.Invalid("Give the person's name", platform.FieldError{Field: "name", Message: "Enter the person's name"})
	}
	scope, scopeArgs, none := s.scopeSQL(sub)
	if none {
		return nil, nil
	}
	// The database narrows by the longest word of each name (the answers
	// are JSON text: a scan, but a request is rare and reads one org);
	// Go then checks the whole name as words.
	var match []string
	var args []any
	if q.UserID != "" {
		match = append(match, "applicant_id = ?")
		args = append(args, q.UserID)
	}
	for _, w := range names {
		longest := slices.MaxFunc(w, func(a, b string) int { return len(a) - len(b) })
		match = append(match, `LOWER(answers) LIKE ? ESCAPE '\'`)
		args = append(args, "%"+likeEscape(longest)+"%")
	}
	where := "org_id = ? AND (" + strings.Join(match, " OR ") + ")"
	args = append([]any{sub.OrgID}, args...)
	if scope != "" {
		where += " AND " + scope
		args = append(args, scopeArgs...)
	}
	rows, err := s.db.Query(ctx, "SELECT "+caseColumns+", answers FROM cases WHERE "+where+" ORDER BY submitted_at DESC, id DESC LIMIT ?", append(args, maxAbout+1)...)
	if err != nil {
		return nil, platform.Internal(err)
	}
	var out []CaseAbout
	n := 0
	for rows.Next() {
		var body string
		c, err := scanCase(rows, &body)
		if err != nil {
			rows.Close()
			return nil, platform.Internal(err)
		}
		if n++; n > maxAbout {
			rows.Close()
			return nil, platform.Invalid(fmt.Sprintf("More than %d cases match: add a date of birth or other details to narrow the search", maxAbout))
		}
		if slices.Contains(q.Exclude, c.ID) || !s.ap.Allowed(sub, access.Read, c.resource()) {
			continue
		}
		if err := json.Unmarshal([]byte(body), &c.Answers); err != nil {
			rows.Close()
			return nil, platform.Internal(err)
		}
		if why := personIn(c, q, names); why != "" {
			out = append(out, CaseAbout{Case: c, Why: why})
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	// The reads, as Check records them (OFFICIAL-SENSITIVE ones audited).
	for _, f := range out {
		if err := s.ap.Check(ctx, sub, access.Read, f.Case.resource()); err != nil {
			return nil, err
		}
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		e := audit.For(sub, "case.person_search", "case", "", audit.Success)
		e.Detail = fmt.Sprintf("cases about %s: %d found", strings.Join(q.Names, " / "), len(out))
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return nil, asPlatform(err)
	}
	return out, nil
}

// personIn says why case c is about q's person, or "" when it is not.
func personIn(c Case, q PersonQuery, names [][]string) string {
	if q.UserID != "" && c.ApplicantID == q.UserID {
		return "made by them"
	}
	if q.BirthDate != "" {
		for k, v := range c.Answers {
			if d, ok := v.(string); ok && strings.Contains(k, "birth") && len(d) == 10 && d != q.BirthDate {
				return "" // someone of the same name born on another day
			}
		}
	}
	var texts []string
	collectText(c.Answers, &texts)
	for _, t := range texts {
		words := nameWords(t)
		for i, w := range names {
			if containsRun(words, w) {
				return "names " + q.Names[i]
			}
		}
	}
	return ""
}

// collectText gathers every string in answers as decoded from JSON, each
// apart, so a name never runs from one answer into the next.
func collectText(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case definition.Answers:
		for _, y := range x {
			collectText(y, out)
		}
	case map[string]any:
		for _, y := range x {
			collectText(y, out)
		}
	case []any:
		for _, y := range x {
			collectText(y, out)
		}
	}
}

// nameWords splits text into lower-case words of letters and digits, so
// "O'Brien,  Chris" and "o brien chris" compare alike.
func nameWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// containsRun reports whether want appears in words as consecutive words.
func containsRun(words, want []string) bool {
	for i := 0; i+len(want) <= len(words); i++ {
		if slices.Equal(words[i:i+len(want)], want) {
			return true
		}
	}
	return false
}

// likeEscape makes s match itself in a LIKE pattern with ESCAPE '\'.
func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
