package identity

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestPasswordPolicyRules(t *testing.T) {
	const email, name = "ada.lovelace@northshire.gov.uk", "Ada Lovelace"
	for _, tc := range []struct {
		password string
		want     string // part of the message; "" when accepted
	}{
		{"correct horse battery staple", ""},
		{"Tr0ub4dor&3 zebra lamp", ""},
		{"ada ran up the hill", ""}, // "ada" is under four letters: too short to count
		{"short", "at least 12"},
		{strings.Repeat("x", 257), "256 characters or fewer"},
		{"ada.lovelace@northshire.gov.uk", "not be your email address"},
		{" Ada.Lovelace@Northshire.gov.uk ", "not be your email address"},

		// Common passwords, whatever the case.
		{"password1234", "most common passwords"},
		{"Password1234", "most common passwords"},
		{"iloveyou1234", "most common passwords"},
		{"qwerty123456", "most common passwords"},

		// The person's own name or email address.
		{"lovelace-is-great", "your name or the first part of your email"},
		{"countess LOVELACE 1815", "your name or the first part of your email"},
		{"my ada.lovelace pass", "your name or the first part of your email"},

		// Repetition.
		{"aaaaaaaaaaaa", "repeat a character or a short pattern"},
		{"abcabcabcabc", "repeat a character or a short pattern"},
		{"121212121212", "repeat a character or a short pattern"},
		{"aaaabbbbcccc", "repeat a character or a short pattern"},
		{"HorseHorseHorse", "repeat a character or a short pattern"},

		// Runs.
		{"123456789012", "run of consecutive characters"},
		{"abcdefghijkl", "run of consecutive characters"},
		{"QWERTYUIOPAS", "run of consecutive characters"},
		{"210987654321", "run of consecutive characters"},
		{"zyxwvutsrqponm", "run of consecutive characters"},
	} {
		err := checkPasswordPolicy(tc.password, email, name)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q refused: %v", tc.password, err)
		case tc.want != "" && err == nil:
			t.Errorf("%q accepted, want %q", tc.password, tc.want)
		case tc.want != "":
			e := platform.AsError(err)
			if e.Code != platform.CodeInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "password" || !strings.Contains(e.Fields[0].Message, tc.want) {
				t.Errorf("%q: %+v, want a password field error saying %q", tc.password, e, tc.want)
			}
		}
	}
}

// The shipped list is big enough to matter, and every long entry of it is
// refused (the short ones are refused by length already).
func TestCommonPasswordList(t *testing.T) {
	zr, err := gzip.NewReader(bytes.NewReader(commonPasswords))
	noErr(t, err)
	sc := bufio.NewScanner(zr)
	n, long := 0, 0
	prev := ""
	for sc.Scan() {
		w := sc.Text()
		if w <= prev && n > 0 || w != strings.ToLower(w) {
			t.Fatalf("line %d %q: the list must be lower case, sorted and without duplicates", n+1, w)
		}
		prev, n = w, n+1
		if len([]rune(w)) >= minPasswordLen {
			long++
			if n%97 == 0 && checkPasswordPolicy(w, "", "") == nil {
				t.Fatalf("%q is on the list but accepted", w)
			}
		}
	}
	noErr(t, sc.Err())
	if n < 100_000 {
		t.Fatalf("the list has %d passwords, want at least 100,000", n)
	}
	isCommon("")
	if len(commonSet) != long {
		t.Fatalf("%d entries loaded, want the %d long enough to matter", len(commonSet), long)
	}
}

// Every way a password is set applies the policy; generated ones pass it.
func TestPasswordPolicyEverywhere(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, err := e.svc.CreateUser(e.ctx, e.sys, NewUser{Email: "jo.bloggs@northshire.gov.uk", Name: "Jo Bloggs",
			Roles: []platform.Role{platform.RoleStaff}, Password: "password1234"})
		wantField(t, err, "password")
		_, err = e.svc.CreateUser(e.ctx, e.sys, NewUser{Email: "jo.bloggs@northshire.gov.uk", Name: "Jo Bloggs",
			Roles: []platform.Role{platform.RoleStaff}, Password: "bloggs-for-ever"})
		wantField(t, err, "password")
		jo := e.mustUser(e.sys, "jo.bloggs@northshire.gov.uk", "Jo Bloggs", []platform.Role{platform.RoleStaff}, nil, testPassword)

		res, err := e.svc.SignIn(e.ctx, e.org.Slug, jo.Email, testPassword, "")
		noErr(t, err)
		sub, err := e.svc.SessionSubject(e.ctx, res.Token, "")
		noErr(t, err)
		for _, weak := range []string{"aaaaaaaaaaaa", "123456789012", "iloveyou1234", "Jo Bloggs 2026!"} {
			wantField(t, e.svc.ChangePassword(e.ctx, sub, testPassword, weak), "password")
		}
		noErr(t, e.svc.ChangePassword(e.ctx, sub, testPassword, "a kettle of purple herring"))

		for range 20 {
			p, err := e.svc.ResetPassword(e.ctx, e.sys, jo.ID)
			noErr(t, err)
			noErr(t, checkPasswordPolicy(p, jo.Email, jo.Name))
		}
	})
}

func BenchmarkCommonPasswordLookup(b *testing.B) {
	isCommon("") // load once, outside the timing
	words := []string{"password1234", "correct horse battery staple", "iloveyou1234", "a kettle of purple herring"}
	b.ResetTimer()
	for i := range b.N {
		isCommon(words[i%len(words)])
	}
}

func BenchmarkPasswordPolicy(b *testing.B) {
	isCommon("")
	b.ResetTimer()
	for range b.N {
		_ = checkPasswordPolicy("a kettle of purple herring", "ada.lovelace@northshire.gov.uk", "Ada Lovelace")
	}
}

// BenchmarkLoadCommonPasswords is the one-off cost of the first check.
func BenchmarkLoadCommonPasswords(b *testing.B) {
	for range b.N {
		loadCommon()
	}
}
