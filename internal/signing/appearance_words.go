package signing

import (
	"strings"
	"time"

	"dbtp/internal/signing/ca"
)

// appearanceLines are the words in a signature's box on the page: who,
// when (the whole date and time), and how they were identified, in words
// a reader of the printed page understands.
func appearanceLines(typed string, now time.Time, r Recipient, cred *ca.Credential) []string {
	return []string{typed, "Signed electronically " + now.Format("2 Jan 2006 15:04 MST"), "Identified by: " + identification(r, orgOf(cred))}
}

// identification says how a signer was identified, from the recipient's
// identified_by: the council's sign-in for staff, a one-time code to a
// masked address for others.
func identification(r Recipient, org string) string {
	how := strings.TrimSpace(r.IdentifiedBy)
	switch {
	case how == "" || how == "signed in":
		return "signed in to " + org + "'s staff account"
	case strings.Contains(how, "email"):
		return "one-time code sent to " + maskEmail(r.Email)
	case strings.Contains(how, "text") || strings.Contains(how, "sms"):
		if p := strings.TrimSpace(r.Phone); len(p) > 3 {
			return "one-time code sent by text to a phone ending " + p[len(p)-3:]
		}
		return "one-time code sent by text message"
	}
	return how
}

// orgOf is the organisation named in the sealing certificate (its O, or
// its CN), which is the council's own name.
func orgOf(cred *ca.Credential) string {
	if cred != nil && len(cred.Chain) > 0 {
		s := cred.Certificate().Subject
		if len(s.Organization) > 0 && s.Organization[0] != "" {
			return s.Organization[0]
		}
		if s.CommonName != "" {
			return s.CommonName
		}
	}
	return "the council"
}
