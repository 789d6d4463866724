package gazetteerweb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func verb(t *testing.T, m *Module, name string) module.Verb {
	for _, v := range m.Verbs() {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no verb %q", name)
	return module.Verb{}
}

// TestLoadVerb: the CLI reports each bad row by number and reason, keeps
// the good rows and fails so scripts notice; the module then answers the
// portal's questions, and its demo never mixes into a real gazetteer.
func TestLoadVerb(t *testing.T) {
	storetest.Each(t, []store.Migrations{(&Module{}).Migrations()[0]}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		d := &module.Deps{DB: db, Clock: platform.SystemClock{}}
		m := &Module{}
		if err := m.Init(ctx, d); err != nil {
			t.Fatal(err)
		}
		if ok, _ := m.AddressesLoaded(ctx); ok {
			t.Fatal("a new gazetteer says it is loaded")
		}
		file := filepath.Join(t.TempDir(), "llpg.csv")
		csv := "UPRN,LINE1,LINE2,TOWN,POSTCODE\n200000000001,1 Mill Lane,,Maidstone,ME14 4AA\n,2 Mill Lane,,Maidstone,ME14 4AA\n200000000003,3 Mill Lane,,Maidstone,ME14 4A\n"
		if err := os.WriteFile(file, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		err := verb(t, m, "gazetteer load").Run(ctx, &module.Call{Stdout: &out, Stderr: &errOut, Args: []string{file}, Deps: d})
		if err == nil {
			t.Fatal("rejected rows did not fail the command")
		}
		for _, s := range []string{"row 3 rejected: has no UPRN", `row 4 rejected: postcode "ME14 4A" is not a UK postcode`, "1 address stored, 2 rows rejected"} {
			if !strings.Contains(out.String(), s) {
				t.Fatalf("report lacks %q:\n%s", s, out.String())
			}
		}
		if !strings.Contains(errOut.String(), "3 rows read, 1 address stored") {
			t.Fatalf("no progress: %q", errOut.String())
		}
		as, err := m.AddressesByPostcode(ctx, "me144aa")
		if err != nil || len(as) != 1 || as[0].UPRN != "200000000001" {
			t.Fatalf("by postcode: %+v, %v", as, err)
		}
		if a, err := m.AddressByUPRN(ctx, "200000000001"); err != nil || a.Line1 != "1 Mill Lane" {
			t.Fatalf("by UPRN: %+v, %v", a, err)
		}
		// A real gazetteer is loaded: the demo adds nothing.
		if err := m.Demo(ctx, nil); err != nil {
			t.Fatal(err)
		}
		if as, _ := m.AddressesByPostcode(ctx, "ME14 1XQ"); len(as) != 0 {
			t.Fatal("demo addresses were mixed into a real gazetteer")
		}
		out.Reset()
		if err := verb(t, m, "gazetteer find").Run(ctx, &module.Call{Stdout: &out, Args: []string{"ME14 4AA"}, Deps: d}); err != nil || !strings.Contains(out.String(), "1 Mill Lane, Maidstone, ME14 4AA") {
			t.Fatalf("find: %q, %v", out.String(), err)
		}
	})
}

// TestDemo loads the demo addresses into an empty gazetteer.
func TestDemo(t *testing.T) {
	db := storetest.Open(t, store.SQLite, (&Module{}).Migrations())
	ctx := context.Background()
	m := &Module{}
	if err := m.Init(ctx, &module.Deps{DB: db}); err != nil {
		t.Fatal(err)
	}
	if err := m.Demo(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if as, _ := m.AddressesByPostcode(ctx, "CT1 2DE"); len(as) == 0 || as[0].Town != "Canterbury" {
		t.Fatalf("demo Canterbury: %+v", as)
	}
}
