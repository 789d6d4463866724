package identity

import (
	"net/mail"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// normaliseEmail validates an address and returns it trimmed, plus the
// lower-cased key that uniqueness and sign-in use. Addresses are compared
// case-insensitively as people type them however they like, even though
// RFC 5321 allows case-sensitive local parts; no real mail system relies on it.
func normaliseEmail(raw string) (email, key string, err error) {
	email = strings.TrimSpace(raw)
	bad := func(msg string) (string, string, error) {
		return "", "", platform.Invalid("Check the email address", platform.FieldError{Field: "email", Message: msg})
	}
	if email == "" {
		return bad("Enter an email address")
	}
	if len(email) > 254 {
		return bad("Email address must be 254 characters or fewer")
	}
	addr, perr := mail.ParseAddress(email)
	at := strings.LastIndexByte(email, '@')
	if perr != nil || addr.Address != email || at < 1 || !strings.Contains(email[at+1:], ".") ||
		strings.ContainsAny(email, " \t\r\n<>\"") || strings.HasSuffix(email, ".") {
		return bad("Enter an email address in the correct format, like name@example.org")
	}
	return email, strings.ToLower(email), nil
}

// cleanText trims a short human label (a name) and rejects empty, overlong
// or control-character values, which would break pages, logs and CSV exports.
func cleanText(field, label, raw string, maxLen int) (string, error) {
	v := strings.TrimSpace(raw)
	switch {
	case v == "":
		return "", platform.Invalid("Check the "+label, platform.FieldError{Field: field, Message: "Enter a " + label})
	case !utf8.ValidString(v) || utf8.RuneCountInString(v) > maxLen:
		return "", platform.Invalid("Check the "+label, platform.FieldError{Field: field, Message: "The " + label + " must be " + strconv.Itoa(maxLen) + " characters or fewer"})
	case strings.IndexFunc(v, unicode.IsControl) >= 0:
		return "", platform.Invalid("Check the "+label, platform.FieldError{Field: field, Message: "The " + label + " must not contain control characters"})
	}
	return v, nil
}

// normaliseRoles checks every role is known, removes duplicates and orders
// them by decreasing power, so stored values and comparisons are canonical.
func normaliseRoles(in []platform.Role) ([]platform.Role, error) {
	if len(in) == 0 {
		return nil, platform.Invalid("Check the roles", platform.FieldError{Field: "roles", Message: "Choose at least one role"})
	}
	for _, r := range in {
		if _, ok := platform.ParseRole(string(r)); !ok {
			return nil, platform.Invalid("Check the roles", platform.FieldError{Field: "roles", Message: "Unknown role " + strings.ToValidUTF8(string(r), "?")})
		}
	}
	var out []platform.Role
	for _, r := range platform.Roles {
		if slices.Contains(in, r) {
			out = append(out, r)
		}
	}
	return out, nil
}

// encodeRoles stores roles as ",admin,staff," so a role filter is a simple,
// portable LIKE '%,admin,%'.
func encodeRoles(roles []platform.Role) string {
	var b strings.Builder
	b.WriteByte(',')
	for _, r := range roles {
		b.WriteString(string(r))
		b.WriteByte(',')
	}
	return b.String()
}

func decodeRoles(s string) []platform.Role {
	var out []platform.Role
	for _, p := range strings.Split(strings.Trim(s, ","), ",") {
		if r, ok := platform.ParseRole(p); ok {
			out = append(out, r)
		}
	}
	return out
}

func normaliseIDs(field, prefix string, ids []string) ([]string, error) {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		id = strings.TrimSpace(id)
		if !platform.ValidID(prefix, id) {
			return nil, platform.Invalid("Check the business units", platform.FieldError{Field: field, Message: "Unknown business unit"})
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out, nil
}

// likePattern makes a case-insensitive contains-pattern, escaping the LIKE
// wildcards so "%" in a search box matches a literal percent sign.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(s)) + "%"
}
