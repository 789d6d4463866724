package signingweb

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// builtinTemplates are the envelope templates the built-in services'
// sign actions name (services' definition/builtin), so that those
// services work before a council has written its own: when a case asks
// for one the organisation lacks, it is made then, as the platform, and
// the council may change it like any other (it is found by name).
var builtinTemplates = map[string]string{
	// Key decisions: the Cabinet Member takes the decision by signing its
	// record, as Kent's Record of Decision forms are signed (decision
	// 21/00097 in the seeds). The merge fields are the key-decisions
	// service's answers, all required by the time it asks.
	"Record of Decision": `Decision number: ((decision_reference))
Decision: ((decision_title))
Decision maker: ((decision_maker))
Responsible director: ((responsible_director))
Key decision: ((is_key_decision)). Electoral divisions affected: ((electoral_divisions)).
Classification of the report: ((report_classification)).
Considered by: ((cabinet_committee)), on ((committee_meeting_date)).

# Summary
((summary))

# Recommendations put to the decision maker
((recommendations))

# Decision
((outcome)), on ((decision_date)).

# Reasons, and any alternatives considered
((decision_notes))

# Declaration
I take the decision above. I have had regard to the report and to the views of the cabinet committee, and I have no interest to declare in the matter.

Signed electronically by the decision maker below, and sealed by the council.`,
}

// caseTemplate finds the organisation's template called name, making the
// built-in one of that name first when the organisation has none.
func (p *envelopesPart) caseTemplate(ctx context.Context, sys *platform.Subject, name string) (signing.Template, error) {
	t, err := p.ss.TemplateByName(ctx, sys, name)
	if platform.CodeOf(err) != platform.CodeNotFound {
		return t, err
	}
	for n, body := range builtinTemplates {
		if strings.EqualFold(n, strings.TrimSpace(name)) {
			return p.ss.CreateTemplate(ctx, sys, signing.TemplateInput{Name: n, Body: body})
		}
	}
	return t, err
}

var titleField = regexp.MustCompile(`\(\(\s*([^()]*?)\s*\)\)`)

// mergeText fills ((merge fields)) in an envelope's title from values
// (one not given is left out), kept to the 200 bytes a title may have.
func mergeText(text string, values map[string]string) string {
	out := strings.Join(strings.Fields(titleField.ReplaceAllStringFunc(text, func(m string) string {
		return values[strings.ToLower(titleField.FindStringSubmatch(m)[1])]
	})), " ")
	if len(out) > 200 {
		cut := 197 // and the ellipsis's three bytes
		for cut > 0 && !utf8.RuneStart(out[cut]) {
			cut--
		}
		out = out[:cut] + "…"
	}
	return out
}
