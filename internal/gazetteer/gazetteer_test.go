package gazetteer

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func open(t *testing.T, db *store.DB) *Gazetteer {
	return New(db, func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) })
}

func TestLoadFindAndReload(t *testing.T) {
	storetest.Each(t, []store.Migrations{Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := open(t, db)
		if ok, err := g.Loaded(ctx); err != nil || ok {
			t.Fatalf("empty gazetteer: Loaded = %v, %v", ok, err)
		}
		file := "uprn,line1,line2,town,postcode\n" +
			"100062000010,10 High Street,,Maidstone,me141aa\n" +
			"100062000002,2 High Street,,Maidstone,ME14 1AA\n" +
			"100062000003,\"Flat 1, Rose Court\",3 High Street,Maidstone,ME14 1AA\n" +
			"000100062004,12A High Street,,Maidstone,ME141AA\n" +
			"100062000099,1 Other Road,,Ashford,TN23 1AS\n"
		rep, err := g.Load(ctx, strings.NewReader(file), "test.csv", nil)
		if err != nil || rep.Loaded != 5 || len(rep.Rejected) != 0 {
			t.Fatalf("load: %+v, %v", rep, err)
		}
		got, err := g.ByPostcode(ctx, " me14   1aa ")
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, a := range got {
			order = append(order, a.Line1)
		}
		want := "2 High Street|Flat 1, Rose Court|10 High Street|12A High Street"
		if strings.Join(order, "|") != want {
			t.Fatalf("order = %q, want %q", strings.Join(order, "|"), want)
		}
		a, err := g.ByUPRN(ctx, "100062004")
		if err != nil || a.Postcode != "ME14 1AA" || a.Line1 != "12A High Street" {
			t.Fatalf("by UPRN (leading zeros dropped at load): %+v, %v", a, err)
		}
		// Loading a changed file again replaces by UPRN: nothing doubles.
		again := "UPRN,LINE1,LINE2,TOWN,POSTCODE\n100062000010,10 High St (renamed),,Maidstone,ME14 1AA\n"
		if _, err := g.Load(ctx, strings.NewReader(again), "again.csv", nil); err != nil {
			t.Fatal(err)
		}
		if n, _ := g.Count(ctx); n != 5 {
			t.Fatalf("after re-load %d addresses, want 5", n)
		}
		if a, _ := g.ByUPRN(ctx, "100062000010"); a.Line1 != "10 High St (renamed)" {
			t.Fatalf("re-load did not replace: %+v", a)
		}
		if got, err := g.ByPostcode(ctx, "CT1 1AA"); err != nil || len(got) != 0 {
			t.Fatalf("unknown postcode: %v, %v", got, err)
		}
		if _, err := g.ByPostcode(ctx, "not a postcode"); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("bad postcode: %v", err)
		}
		if _, err := g.ByUPRN(ctx, "123"); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("unknown UPRN: %v", err)
		}
	})
}

func TestLoadRejectsBadRowsKeepsGood(t *testing.T) {
	storetest.Each(t, []store.Migrations{Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := open(t, db)
		file := strings.Join([]string{
			"UPRN,LINE1,LINE2,TOWN,POSTCODE",
			"1,1 Good Road,,Maidstone,ME14 1AA",        // row 2
			"abc,2 Good Road,,Maidstone,ME14 1AA",      // 3: UPRN
			"3,3 Good Road,,Maidstone,NOT A CODE",      // 4: postcode
			"4,,,Maidstone,ME14 1AA",                   // 5: no line
			"5,5 Good Road,,Maidstone",                 // 6: short row
			"6,6 Good Road,,,ME14 1AA",                 // 7: no town
			"1234567890123,7 Good Road,,Kent,ME14 1AA", // 8: UPRN too long
			"8,8 Good Road,,Maidstone,ME14 1AA",        // 9
		}, "\n") + "\n"
		var calls int
		rep, err := g.Load(ctx, strings.NewReader(file), "bad.csv", func(read, loaded int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 8 || rep.Loaded != 2 || calls != 1 {
			t.Fatalf("report %+v, progress calls %d", rep, calls)
		}
		wantRows := []int{3, 4, 5, 6, 7, 8}
		if len(rep.Rejected) != len(wantRows) {
			t.Fatalf("rejected %+v", rep.Rejected)
		}
		for i, r := range rep.Rejected {
			if r.Row != wantRows[i] || r.Reason == "" {
				t.Errorf("rejected[%d] = %+v, want row %d", i, r, wantRows[i])
			}
		}
		if !strings.Contains(rep.Rejected[1].Reason, "postcode") || !strings.Contains(rep.Rejected[3].Reason, "columns") {
			t.Errorf("reasons do not say what is wrong: %+v", rep.Rejected)
		}
		if got, _ := g.ByPostcode(ctx, "ME14 1AA"); len(got) != 2 {
			t.Fatalf("good rows kept: %d, want 2", len(got))
		}
		// A header with no known layout stores nothing.
		_, err = g.Load(ctx, strings.NewReader("id,address\n1,Somewhere\n"), "x.csv", nil)
		if platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("unknown layout: %v", err)
		}
		if _, err := g.Load(ctx, strings.NewReader(""), "x.csv", nil); platform.CodeOf(err) != platform.CodeInvalid {
			t.Fatalf("empty file: %v", err)
		}
	})
}

func TestLoadAddressBaseAndLLPGLayouts(t *testing.T) {
	storetest.Each(t, []store.Migrations{Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := open(t, db)
		ab := "UPRN,ORGANISATION_NAME,SUB_BUILDING_NAME,BUILDING_NAME,BUILDING_NUMBER,THOROUGHFARE,POST_TOWN,POSTCODE,X_COORDINATE\n" +
			"200003000001,,FLAT 2,ROSE COURT,,HIGH STREET,MAIDSTONE,ME14 1AB,575000\n" +
			"200003000002,,,,14,HIGH STREET,MAIDSTONE,ME14 1AB,575001\n"
		if rep, err := g.Load(ctx, strings.NewReader(ab), "ab.csv", nil); err != nil || rep.Loaded != 2 {
			t.Fatalf("AddressBase: %+v, %v", rep, err)
		}
		a, _ := g.ByUPRN(ctx, "200003000001")
		if a.Line1 != "FLAT 2, ROSE COURT" || a.Line2 != "HIGH STREET" || a.Town != "MAIDSTONE" {
			t.Fatalf("AddressBase flat: %+v", a)
		}
		a, _ = g.ByUPRN(ctx, "200003000002")
		if a.Line1 != "14 HIGH STREET" || a.Line2 != "" {
			t.Fatalf("AddressBase house: %+v", a)
		}
		llpg := "UPRN,SAO_TEXT,PAO_START_NUMBER,PAO_START_SUFFIX,PAO_TEXT,STREET_DESCRIPTION,LOCALITY,TOWN_NAME,POSTCODE_LOCATOR\n" +
			"300004000001,,7,A,,Mill Lane,Bearsted,Maidstone,ME14 4AA\n"
		if rep, err := g.Load(ctx, strings.NewReader(llpg), "llpg.csv", nil); err != nil || rep.Loaded != 1 {
			t.Fatalf("LLPG: %+v, %v", rep, err)
		}
		a, _ = g.ByUPRN(ctx, "300004000001")
		if a.Line1 != "7A Mill Lane" || a.Line2 != "Bearsted" || a.Postcode != "ME14 4AA" {
			t.Fatalf("LLPG: %+v", a)
		}
	})
}

func TestLoadInBatches(t *testing.T) {
	db := storetest.Open(t, store.SQLite, []store.Migrations{Migrations})
	g := open(t, db)
	var b strings.Builder
	b.WriteString("UPRN,LINE1,TOWN,POSTCODE\n")
	n := BatchSize*2 + 7
	for i := 1; i <= n; i++ {
		b.WriteString(strings.Join([]string{itoa(i), itoa(i) + " Long Road", "Ashford", "TN23 1AA"}, ",") + "\n")
	}
	var seen []int
	rep, err := g.Load(context.Background(), strings.NewReader(b.String()), "big.csv", func(read, loaded int) { seen = append(seen, loaded) })
	if err != nil || rep.Loaded != n {
		t.Fatalf("%+v, %v", rep, err)
	}
	if len(seen) != 3 || seen[0] != BatchSize || seen[2] != n {
		t.Fatalf("progress %v", seen)
	}
}

func TestDemoLoads(t *testing.T) {
	storetest.Each(t, []store.Migrations{Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		g := open(t, db)
		rep, err := g.LoadDemo(ctx)
		if err != nil || rep.Loaded < 300 {
			t.Fatalf("demo: %+v, %v", rep, err)
		}
		if _, err := g.LoadDemo(ctx); err != nil {
			t.Fatal(err)
		}
		if n, _ := g.Count(ctx); n != rep.Loaded {
			t.Fatalf("demo twice: %d rows, want %d", n, rep.Loaded)
		}
		got, err := g.ByPostcode(ctx, "ME14 1XQ")
		if err != nil || len(got) == 0 || got[0].Line1 != "Invicta House" && got[0].Line1 != "Sessions House" {
			t.Fatalf("Sessions House's postcode: %+v, %v", got, err)
		}
		if !strings.HasPrefix(got[0].UPRN, "99000") {
			t.Fatalf("demo UPRN %s is not marked as made up", got[0].UPRN)
		}
	})
}

func itoa(i int) string { return strconv.Itoa(i) }
