package audit

import (
	"strings"
	"time"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// Limits on entry fields. Identifiers and action names come from code and
// are refused when too long (a bug to fix); free text may come from a
// person (a display name, an attempted user name in Detail) and is cut, so
// that recording a denial can never fail because of what the attacker typed.
const (
	MaxDetail   = 1024
	maxFreeText = 256
	maxID       = 200
)

// platformResourceTypes are the resources that belong to no organisation.
var platformResourceTypes = map[string]bool{"platform": true, "org": true, "backup": true, "migration": true}

// IsPlatformLevel reports whether e may be recorded without an OrgID: events
// about the platform itself (resource type platform, org, backup or
// migration, or an action under "platform."), and denials and failures that
// happen before anyone's organisation is known, such as a failed sign-in for
// an unknown user name. A successful change to an organisation's data always
// names the organisation, so a caller that forgets OrgID is told so.
func IsPlatformLevel(e Entry) bool {
	return e.Outcome != Success || platformResourceTypes[e.ResourceType] || strings.HasPrefix(e.Action, "platform.")
}

// normalize checks e and returns the form that is stored: At in UTC at
// millisecond precision (now when zero) and free text cut to its limit.
func normalize(e Entry, now time.Time) (Entry, error) {
	var bad []platform.FieldError
	need := func(field, v string) {
		if v == "" {
			bad = append(bad, platform.FieldError{Field: field, Message: "is required"})
		}
	}
	need("action", e.Action)
	need("resource_type", e.ResourceType)
	switch e.Outcome {
	case Success, Denied, Failure:
	case "":
		need("outcome", "")
	default:
		bad = append(bad, platform.FieldError{Field: "outcome", Message: "must be success, denied or failure"})
	}
	if e.OrgID == "" && e.Outcome != "" && !IsPlatformLevel(e) {
		bad = append(bad, platform.FieldError{Field: "org_id", Message: "is required for an organisation's event"})
	}
	for _, f := range []struct{ name, v string }{
		{"org_id", e.OrgID}, {"actor_id", e.ActorID}, {"acting_for", e.ActingFor}, {"action", e.Action},
		{"resource_type", e.ResourceType}, {"resource_id", e.ResourceID},
	} {
		if len(f.v) > maxID || !utf8.ValidString(f.v) {
			bad = append(bad, platform.FieldError{Field: f.name, Message: "must be valid text of at most 200 bytes"})
		}
	}
	if len(bad) > 0 {
		return Entry{}, platform.Invalid("the audit entry is incomplete", bad...)
	}
	e.ActorName = clip(e.ActorName, maxFreeText)
	e.Addr = clip(e.Addr, maxFreeText)
	e.Detail = clip(e.Detail, MaxDetail)
	if e.At.IsZero() {
		e.At = now
	}
	e.At = time.UnixMilli(e.At.UnixMilli()).UTC()
	return e, nil
}

// clip makes s valid UTF-8 and at most n bytes, cutting on a rune boundary
// and marking the cut so a reader knows text is missing.
func clip(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	const mark = "…"
	cut := n - len(mark)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + mark
}
