package postweb

import (
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/post/notify"
)

// The send page's placeholder fields: labelled in sentence case, filled
// in with what the case knows, and a yes-or-no choice where the template
// only uses the placeholder as a condition.

// conditionRE is ((name??text)); plainRE, ((name)).
var (
	conditionRE = regexp.MustCompile(`\(\(([^()?]+)\?\?([^()]*)\)\)`)
	plainRE     = regexp.MustCompile(`\(\(([^()?]+)\)\)`)
)

// conditions are the placeholders the template uses only as conditions,
// by NameKey, with the text Yes adds (the first, trimmed). One also used
// as a value is not among them: it needs its words typed.
func conditions(subject, body string) map[string]string {
	all := subject + "\n" + body
	out := map[string]string{}
	for _, m := range conditionRE.FindAllStringSubmatch(all, -1) {
		if k := notify.NameKey(m[1]); k != "" {
			if _, ok := out[k]; !ok {
				out[k] = strings.TrimSpace(m[2])
			}
		}
	}
	for _, m := range plainRE.FindAllStringSubmatch(all, -1) {
		delete(out, notify.NameKey(m[1]))
	}
	return out
}

// sentenceCase is a placeholder's name as a label: "received_date" is
// "Received date".
func sentenceCase(name string) string {
	s := strings.Join(strings.Fields(strings.NewReplacer("_", " ", "-", " ").Replace(name)), " ")
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return name
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// lowerFirst is a label within a sentence: "Received date" is "received
// date", but "NHS number" stays as it is.
func lowerFirst(label string) string {
	r, n := utf8.DecodeRuneInString(label)
	if n == 0 {
		return label
	}
	if r2, _ := utf8.DecodeRuneInString(label[n:]); unicode.IsUpper(r2) {
		return label
	}
	return string(unicode.ToLower(r)) + label[n:]
}

// caseValue is what the case knows for a placeholder named name (as
// NameKey matches names), or "": the person's name, the case's reference,
// the service, the dates it was received and is due, and the link to the
// resident's page about it (base is the platform's public address).
func caseValue(cs CaseInfo, base, name string) string {
	switch notify.NameKey(name) {
	case "name", "fullname":
		return cs.PersonName
	case "firstname":
		if f := strings.Fields(cs.PersonName); len(f) > 0 {
			return f[0]
		}
	case "reference", "casereference", "ref", "referencenumber":
		return cs.Reference
	case "service", "servicename":
		return cs.Service
	case "receiveddate", "datereceived", "received", "submitteddate", "datesubmitted", "submitted":
		return caseDate(cs.SubmittedAt)
	case "duedate", "datedue", "due", "replyby", "replydate":
		return caseDate(cs.DueAt)
	case "caselink", "link", "requestlink", "caseurl", "requesturl":
		if cs.RequestPath != "" {
			return strings.TrimRight(base, "/") + cs.RequestPath
		}
	}
	return ""
}

// caseDate is a date as a letter writes it: "2 December 2026".
func caseDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(sendLondon).Format("2 January 2006")
}
