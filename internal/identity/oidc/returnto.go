package oidc

import (
	"net/url"
	"strings"
	"unicode/utf8"
)

// maxReturnToLen keeps the state cookie well under browser limits.
const maxReturnToLen = 1024

// SafeReturnTo returns s if it is a path on this site, and "/" otherwise.
// It is the only defence against open redirects after sign-in, so it is
// strict rather than clever: anything a browser might resolve to another
// origin is refused, not repaired.
//
// Refused: empty or over-long values; anything not starting with exactly
// one "/" ("//evil", "https://evil", "evil"); any backslash (browsers treat
// "/\evil" as "//evil"); control characters and spaces (browsers strip tab
// and newline, turning "/\t/evil" into "//evil"); invalid UTF-8; values that
// parse with a scheme, host or user info.
func SafeReturnTo(s string) string {
	if s == "" || len(s) > maxReturnToLen || !utf8.ValidString(s) {
		return "/"
	}
	if s[0] != '/' || strings.HasPrefix(s, "//") {
		return "/"
	}
	for _, r := range s {
		if r == '\\' || r <= ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) {
			return "/"
		}
	}
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return s
}
