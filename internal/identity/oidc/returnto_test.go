package oidc

import (
	"net/url"
	"strings"
	"testing"
)

func TestSafeReturnTo(t *testing.T) {
	keep := []string{"/", "/cases", "/cases/123?tab=notes#history", "/search?q=a%20b&next=//x",
		"/a/../b", "/%2F%2Fevil.example", "/bookings/rooms:42", "/caf\u00e9"}
	for _, s := range keep {
		if got := SafeReturnTo(s); got != s {
			t.Errorf("SafeReturnTo(%q) = %q, want it kept", s, got)
		}
	}
	refuse := []string{"", "cases", "//evil.example", "///evil.example", "/\\evil.example",
		"\\/evil.example", "/cases\\..\\", "https://evil.example/", "http:/evil.example",
		"javascript:alert(1)", "/\t/evil.example", "/\n/evil.example", "/\r/evil.example",
		"/ /evil.example", "/x\x00y", "/x\x7fy", "/x\u0085y", "/\xff", "/" + strings.Repeat("a", maxReturnToLen)}
	for _, s := range refuse {
		if got := SafeReturnTo(s); got != "/" {
			t.Errorf("SafeReturnTo(%q) = %q, want /", s, got)
		}
	}
}

// FuzzSafeReturnTo checks the property that matters: whatever comes out,
// a browser resolving it against our origin stays on our origin, even
// after stripping the tab and newline characters browsers ignore.
func FuzzSafeReturnTo(f *testing.F) {
	for _, seed := range []string{"/", "/cases?x=1", "//evil", "/\\evil", "\\\\evil", "https://evil",
		"/\t/evil", "javascript:x", "/%2f%2fevil", "/.//evil", "/\u3002evil", "/@evil", "/x#//evil"} {
		f.Add(seed)
	}
	base, _ := url.Parse("https://council.example/sign-in/oidc/entra/callback")
	f.Fuzz(func(t *testing.T, in string) {
		out := SafeReturnTo(in)
		if out != "/" && out != in {
			t.Fatalf("SafeReturnTo(%q) = %q: must keep or refuse, never rewrite", in, out)
		}
		if !strings.HasPrefix(out, "/") || strings.HasPrefix(out, "//") || strings.Contains(out, "\\") {
			t.Fatalf("SafeReturnTo(%q) = %q is not a plain local path", in, out)
		}
		browser := strings.NewReplacer("\t", "", "\n", "", "\r", "").Replace(out)
		u, err := url.Parse(browser)
		if err != nil {
			t.Fatalf("SafeReturnTo(%q) = %q does not parse: %v", in, out, err)
		}
		if r := base.ResolveReference(u); r.Scheme != "https" || r.Host != "council.example" || r.User != nil {
			t.Fatalf("SafeReturnTo(%q) = %q resolves off-site to %v", in, out, r)
		}
	})
}
