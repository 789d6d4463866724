package identityweb

import (
	"net/url"
	"testing"
	"time"

	"dbtp/internal/identity"
	"dbtp/internal/platform"
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
			if es := identity.CheckTokenFields(in); len(es) > 0 {
				t.Fatalf("token %+v accepted against the service's rules: %v", in, es)
			}
			if in.ExpiresIn < 24*time.Hour || in.ExpiresIn > 366*24*time.Hour {
				t.Fatalf("lifetime %v accepted", in.ExpiresIn)
			}
		}
		for _, withEmail := range []bool{true, false} {
			u, errs := userForm(v, withEmail)
			if len(errs) > 0 {
				continue
			}
			for _, r := range u.Roles {
				if _, ok := platform.ParseRole(string(r)); !ok {
					t.Fatalf("role %q accepted", r)
				}
			}
			for _, id := range u.BusinessUnits {
				if !platform.ValidID("bu", id) {
					t.Fatalf("unit %q accepted", id)
				}
			}
		}
	})
}
