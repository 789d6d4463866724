package signingweb

import (
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The evidence keeps its events as the engine wrote them (action codes,
// "3 page(s)", ISO dates): they are a record and are not rewritten. The
// envelope page says them in words.

var eventNames = map[string]string{
	"created": "Created", "sent": "Sent for signing", "notified": "Told it is their turn", "viewed": "Opened the document",
	"code_sent": "One-time code sent", "identified": "Confirmed who they are", "consented": "Agreed to sign electronically",
	"signed": "Signed", "approved": "Approved", "declined": "Declined", "reassigned": "Passed it on", "reminded": "Reminded",
	"sealed": "Sealed by the council", "completed": "Completed", "voided": "Voided", "expired": "Expired",
}

// eventName is an event's action in words.
func eventName(action string) string {
	if n, ok := eventNames[action]; ok {
		return n
	}
	s := strings.ReplaceAll(action, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

var (
	plural  = regexp.MustCompile(`\b(\d+) (page|recipient|field)\(s\)`)
	isoDate = regexp.MustCompile(`\b(\d{4}-\d{2}-\d{2})\b`)
)

// eventDetail is an event's detail in words: counts without "(s)",
// dates as "29 December 2026".
func eventDetail(d string) string {
	d = plural.ReplaceAllStringFunc(d, func(m string) string {
		p := plural.FindStringSubmatch(m)
		if p[1] == "1" {
			return "1 " + p[2]
		}
		return fmt.Sprintf("%s %ss", p[1], p[2])
	})
	d = strings.ReplaceAll(d, "expires ", "expires on ")
	return isoDate.ReplaceAllStringFunc(d, func(m string) string {
		t, err := time.Parse(time.DateOnly, m)
		if err != nil {
			return m
		}
		return t.Format("2 January 2006")
	})
}
