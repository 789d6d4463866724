package platform

import (
	"errors"
	"fmt"
	"sort"
	"testing"
)

func TestIDsAreValidUniqueAndSortByCreation(t *testing.T) {
	ids := make([]string, 1000)
	seen := map[string]bool{}
	for i := range ids {
		ids[i] = NewID("usr")
		if !ValidID("usr", ids[i]) {
			t.Fatalf("NewID gave an invalid ID %q", ids[i])
		}
		if seen[ids[i]] {
			t.Fatalf("duplicate ID %q", ids[i])
		}
		seen[ids[i]] = true
	}
	// IDs sort strictly in the order they were made, even within one
	// millisecond, so they can break ties between rows with equal times.
	if !sort.StringsAreSorted(ids) {
		t.Fatal("IDs made one after another do not sort in that order")
	}
	for _, bad := range []string{"", "usr_", "org_" + ids[0][4:], ids[0] + "x", ids[0][:29] + "I", "usr_../../etc/passwd......."} {
		if ValidID("usr", bad) {
			t.Errorf("ValidID accepted %q", bad)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	wrapped := fmt.Errorf("loading: %w", NotFound("user"))
	if CodeOf(wrapped) != CodeNotFound || AsError(wrapped).Message != "user not found" {
		t.Fatalf("wrapped not found: %v", wrapped)
	}
	plain := errors.New("disk on fire")
	if CodeOf(plain) != CodeInternal || AsError(plain).Message == plain.Error() {
		t.Fatal("internal details must not become the public message")
	}
	if CodeOf(nil) != "" {
		t.Fatal("nil has no code")
	}
	inv := Invalid("Check the form", FieldError{Field: "email", Message: "Enter an email address"})
	if inv.Code != CodeInvalid || len(inv.Fields) != 1 {
		t.Fatalf("invalid: %+v", inv)
	}
}

func TestParsers(t *testing.T) {
	if r, ok := ParseRole("caseworker"); !ok || r != RoleCaseworker {
		t.Fatal("caseworker")
	}
	if _, ok := ParseRole("Admin"); ok {
		t.Fatal("roles are exact")
	}
	if c, ok := ParseClassification(""); !ok || c != Official {
		t.Fatal("empty classification defaults to OFFICIAL")
	}
	if _, ok := ParseClassification("SECRET"); ok {
		t.Fatal("SECRET is not handled by this platform")
	}
	if _, ok := ParseOrgKind("club"); ok {
		t.Fatal("club")
	}
	var nilSubject *Subject
	if nilSubject.Authenticated() || nilSubject.HasRole(RoleAdmin) {
		t.Fatal("a nil subject is nobody")
	}
}
