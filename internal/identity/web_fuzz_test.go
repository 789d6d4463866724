package identity

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// FuzzWebForms feeds hostile form bodies to the form decoders: they must
// never panic, must report a field error rather than pass bad input on, and
// whatever they accept must satisfy the service's own rules.
func FuzzWebForms(f *testing.F) {
	f.Add("name=Reporting&scopes=read&expires=30")
	f.Add("name=&scopes=root&scopes=read&expires=-1")
	f.Add("email=a%40b.example&name=A&roles=staff&business_units=bu_x")
	f.Add("name=%00&roles=admin&roles=admin&business_units=%20")
	f.Add("expires=365&expires=7&scopes=admin&scopes=write&name=" + url.QueryEscape("\u202e tok"))
	f.Fuzz(func(t *testing.T, body string) {
		v, err := url.ParseQuery(body)
		if err != nil {
			return
		}
		in, errs := parseTokenForm(v)
		if len(errs) == 0 {
			if _, err := cleanText("name", "name", in.Name, tokenNameMaxRunes); err != nil {
				t.Fatalf("token name %q accepted: %v", in.Name, err)
			}
			if len(in.Scopes) == 0 || slices.ContainsFunc(in.Scopes, func(s string) bool { return !slices.Contains(allScopes, s) }) {
				t.Fatalf("scopes %q accepted", in.Scopes)
			}
			if in.ExpiresIn < 24*time.Hour || in.ExpiresIn > maxTokenLife {
				t.Fatalf("lifetime %v accepted", in.ExpiresIn)
			}
		}
		for _, withEmail := range []bool{true, false} {
			u, errs := userForm(v, withEmail)
			if len(errs) > 0 {
				continue
			}
			if _, err := normaliseRoles(u.Roles); err != nil {
				t.Fatalf("roles %q accepted: %v", u.Roles, err)
			}
			if _, err := normaliseIDs("business_units", "bu", u.BusinessUnits); err != nil {
				t.Fatalf("units %q accepted: %v", u.BusinessUnits, err)
			}
			if withEmail {
				if _, _, err := normaliseEmail(u.Email); err != nil {
					t.Fatalf("email %q accepted: %v", u.Email, err)
				}
			}
		}
	})
}
