package forms

import (
	"fmt"
	"maps"
	"slices"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// Next applies a page's rules in order and returns the following page's ID,
// or CheckAnswers when the questions are over: the first rule whose
// condition holds wins, a rule without a condition always holds, and no
// rule holding ends the questions, as the definition contract says. An
// unknown page is not found; a rule pointing at a page that does not exist
// is a broken definition (the loader refuses those) and an internal error.
func Next(def *definition.Definition, pageID string, answers definition.Answers) (string, error) {
	p := pageByID(def, pageID)
	if p == nil {
		return "", platform.NotFound("page")
	}
	return next(def, p, answers)
}

func next(def *definition.Definition, p *definition.Page, answers definition.Answers) (string, error) {
	for _, r := range p.Next {
		if r.If != nil && !holds(r.If, answers) {
			continue
		}
		if r.Goto == CheckAnswers {
			return CheckAnswers, nil
		}
		if pageByID(def, r.Goto) == nil {
			return "", platform.Internal(fmt.Errorf("forms: definition %s v%d: page %q goes to unknown page %q", def.ID, def.Version, p.ID, r.Goto))
		}
		return r.Goto, nil
	}
	return CheckAnswers, nil
}

// holds evaluates a condition. Every test it sets must pass. Equals and In
// compare the answer's text; for checkboxes they pass when any ticked
// option matches, which is what "if they chose X" means to an author.
func holds(c *definition.Condition, answers definition.Answers) bool {
	v := answers[c.Field]
	answered := !isEmpty(v)
	if c.Answered != nil && answered != *c.Answered {
		return false
	}
	if c.Equals == "" && c.In == nil {
		return true
	}
	if !answered {
		return false
	}
	for _, s := range conditionValues(v) {
		if (c.Equals == "" || s == c.Equals) && (c.In == nil || slices.Contains(c.In, s)) {
			return true
		}
	}
	return false
}

// conditionValues gives the text a condition compares: strings as they
// are, each ticked checkbox, money as pounds ("12.50"); addresses and files
// have none.
func conditionValues(v any) []string {
	switch x := v.(type) {
	case string:
		return []string{x}
	case []string:
		return x
	case []any:
		l, _ := toStrings(x)
		return l
	case int64, int, float64:
		if p, ok := toPence(x); ok {
			return []string{poundsText(p)}
		}
	}
	return nil
}

// walk follows the rules from the first page. A condition sees only
// answers to questions on pages already visited (and internal fields, which
// no page asks), so answers left behind on an abandoned branch cannot steer
// the path. A page reached twice ends the walk: a loop cannot be submitted.
func walk(def *definition.Definition, answers definition.Answers) ([]string, error) {
	if len(def.Pages) == 0 {
		return nil, nil
	}
	onPage := map[string]bool{}
	for _, p := range def.Pages {
		for _, id := range p.Fields {
			onPage[id] = true
		}
	}
	visible := definition.Answers{}
	for id, v := range answers {
		if !onPage[id] {
			visible[id] = v
		}
	}
	var path []string
	seen := map[string]bool{}
	p := &def.Pages[0]
	for {
		path = append(path, p.ID)
		seen[p.ID] = true
		for _, id := range p.Fields {
			if v, ok := answers[id]; ok {
				visible[id] = v
			}
		}
		id, err := next(def, p, visible)
		if err != nil {
			return path, err
		}
		if id == CheckAnswers || seen[id] {
			return path, nil
		}
		p = pageByID(def, id)
	}
}

// Path lists the pages a person with these answers visits, in order, from
// the first page up to check-your-answers.
func Path(def *definition.Definition, answers definition.Answers) []string {
	path, _ := walk(def, answers)
	return path
}

// Prune drops answers to questions on pages that are no longer on the path:
// a person who changes an earlier answer and takes another branch must not
// submit the old branch's answers. Answers to fields no page asks (internal
// fields, unknown keys) are left for ValidateAll to judge. It returns a new
// map; answers is not changed.
func Prune(def *definition.Definition, answers definition.Answers) definition.Answers {
	keep := map[string]bool{}
	for _, id := range Path(def, answers) {
		for _, fid := range pageByID(def, id).Fields {
			keep[fid] = true
		}
	}
	onPage := map[string]bool{}
	for _, p := range def.Pages {
		for _, id := range p.Fields {
			onPage[id] = true
		}
	}
	out := definition.Answers{}
	for id, v := range answers {
		if keep[id] || !onPage[id] {
			out[id] = v
		}
	}
	return out
}

// Merge records a decoded page into the saved answers: the page's fields
// take their new values, and those Decode left out (cleared by the person)
// are removed. It returns a new map; saved is not changed.
func Merge(page *definition.Page, saved, decoded definition.Answers) definition.Answers {
	out := maps.Clone(saved)
	if out == nil {
		out = definition.Answers{}
	}
	for _, id := range page.Fields {
		if v, ok := decoded[id]; ok {
			out[id] = v
		} else {
			delete(out, id)
		}
	}
	return out
}

// Resume is the page to send a returning person to: the first page on
// their path with a required question unanswered, or CheckAnswers when
// nothing is missing.
func Resume(def *definition.Definition, answers definition.Answers) string {
	for _, id := range Path(def, answers) {
		for _, fid := range pageByID(def, id).Fields {
			f := fieldByID(def, fid)
			if f != nil && f.Required && !f.Internal && isEmpty(answers[fid]) {
				return id
			}
		}
	}
	return CheckAnswers
}
