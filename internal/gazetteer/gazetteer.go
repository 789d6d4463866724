// Package gazetteer is the council's address list: every addressable
// property with its Unique Property Reference Number (UPRN), as a council
// keeps it in its Local Land and Property Gazetteer (LLPG) or buys it as
// OS AddressBase. It loads an export (load.go) and finds addresses by
// postcode, so a form can offer "find the address by postcode" and keep the
// UPRN with the answer.
//
// The gazetteer belongs to the platform, not to one organisation: it is
// the same list of places whoever asks, and holds no personal data.
package gazetteer

import (
	"cmp"
	"context"
	"embed"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

//go:embed migrations
var migrationFS embed.FS

// Migrations are the gazetteer's tables on both engines.
var Migrations = store.EmbeddedMigrations("gazetteer", migrationFS, "migrations")

// Address is one property. The gazetteer's consumers declare the same
// struct shape in their own interfaces (see Gazetteer.ByPostcode), so they
// need not import this package.
type Address = struct {
	UPRN, Line1, Line2, Town, Postcode string
}

// Gazetteer finds and stores addresses.
type Gazetteer struct {
	db  *store.DB
	now func() time.Time
}

// New returns the gazetteer kept in db; now defaults to time.Now.
func New(db *store.DB, now func() time.Time) *Gazetteer {
	if now == nil {
		now = time.Now
	}
	return &Gazetteer{db: db, now: now}
}

// MaxPerPostcode bounds one lookup. A postcode covers about 15 properties
// and rarely more than 100; a block of flats may hold a few hundred.
const MaxPerPostcode = 500

var postcodeRE = regexp.MustCompile(`^(?:GIR0AA|[A-PR-UWYZ](?:[0-9]{1,2}|[A-HK-Y][0-9]{1,2}|[0-9][A-HJKPSTUW]|[A-HK-Y][0-9][ABEHMNPRVWXY])[0-9][ABD-HJLNP-UW-Z]{2})$`)

// NormalisePostcode returns a UK postcode upper case with one space before
// the inward code ("me141xq" -> "ME14 1XQ"); ok is false for anything that
// is not the shape of a UK postcode.
func NormalisePostcode(s string) (string, bool) {
	if len(s) > 16 {
		return "", false
	}
	c := strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if !postcodeRE.MatchString(c) {
		return "", false
	}
	return c[:len(c)-3] + " " + c[len(c)-3:], true
}

// NormaliseUPRN returns a UPRN without leading zeros; ok is false unless it
// is a number of 1 to 12 digits (the UPRN's defined range).
func NormaliseUPRN(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > 12 {
		return "", false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	s = strings.TrimLeft(s, "0")
	return s, s != ""
}

// Loaded reports whether the gazetteer holds any address. Forms offer the
// postcode lookup only when it does; one row is enough to know.
func (g *Gazetteer) Loaded(ctx context.Context) (bool, error) {
	var one int
	err := g.db.QueryRow(ctx, "SELECT 1 FROM gazetteer_addresses LIMIT 1").Scan(&one)
	if store.IsNoRows(err) {
		return false, nil
	}
	return err == nil, err
}

// Count is the number of addresses held.
func (g *Gazetteer) Count(ctx context.Context) (int, error) {
	var n int
	err := g.db.QueryRow(ctx, "SELECT COUNT(*) FROM gazetteer_addresses").Scan(&n)
	return n, err
}

// ByPostcode lists the addresses of a postcode in the order people expect
// (by street, then house number as a number, then flat), or none. A
// postcode that is not the shape of a UK postcode is platform.Invalid.
func (g *Gazetteer) ByPostcode(ctx context.Context, postcode string) ([]Address, error) {
	pc, ok := NormalisePostcode(postcode)
	if !ok {
		return nil, platform.Invalid("Enter a real postcode, like ME14 1XQ")
	}
	rows, err := g.db.Query(ctx, "SELECT uprn, line1, line2, town, postcode FROM gazetteer_addresses WHERE postcode = ? LIMIT ?", pc, MaxPerPostcode)
	if err != nil {
		return nil, platform.Internal(err)
	}
	defer rows.Close()
	var out []Address
	for rows.Next() {
		var a Address
		if err := rows.Scan(&a.UPRN, &a.Line1, &a.Line2, &a.Town, &a.Postcode); err != nil {
			return nil, platform.Internal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, platform.Internal(err)
	}
	slices.SortFunc(out, compareAddresses)
	return out, nil
}

// ByUPRN returns one address, or a not-found error.
func (g *Gazetteer) ByUPRN(ctx context.Context, uprn string) (Address, error) {
	u, ok := NormaliseUPRN(uprn)
	if !ok {
		return Address{}, platform.NotFound("address")
	}
	var a Address
	err := g.db.QueryRow(ctx, "SELECT uprn, line1, line2, town, postcode FROM gazetteer_addresses WHERE uprn = ?", u).
		Scan(&a.UPRN, &a.Line1, &a.Line2, &a.Town, &a.Postcode)
	if store.IsNoRows(err) {
		return Address{}, platform.NotFound("address")
	}
	if err != nil {
		return Address{}, platform.Internal(err)
	}
	return a, nil
}

// Upsert stores addresses in one write: a UPRN already held is replaced,
// so loading the same file twice changes nothing. Rows must be valid (see
// Check).
func (g *Gazetteer) Upsert(ctx context.Context, source string, as []Address) error {
	if len(as) == 0 {
		return nil
	}
	now := store.Millis(g.now())
	return g.db.Write(ctx, func(tx *store.Tx) error {
		for _, a := range as {
			if _, err := tx.Exec(ctx, `INSERT INTO gazetteer_addresses (uprn, line1, line2, town, postcode, source, updated_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (uprn) DO UPDATE SET line1 = excluded.line1, line2 = excluded.line2, town = excluded.town,
  postcode = excluded.postcode, source = excluded.source, updated_at = excluded.updated_at`,
				a.UPRN, a.Line1, a.Line2, a.Town, a.Postcode, source, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// compareAddresses orders by street, then number, then the rest, so "2
// High Street" comes before "10 High Street" and flats follow their block.
func compareAddresses(a, b Address) int {
	as, an, ar := splitNumber(a)
	bs, bn, br := splitNumber(b)
	return cmp.Or(cmp.Compare(as, bs), cmp.Compare(an, bn), cmp.Compare(ar, br), cmp.Compare(a.UPRN, b.UPRN))
}

// splitNumber finds the street, the house number and what else identifies
// the property in an address's lines ("Flat 2, 10 High Street").
func splitNumber(a Address) (street string, n int, rest string) {
	line := a.Line1
	if a.Line2 != "" && !startsWithDigit(a.Line1) && startsWithDigit(a.Line2) {
		line, rest = a.Line2, a.Line1 // "Flat 2, Rose Court" / "10 High Street"
	}
	i := 0
	for i < len(line) && line[i] >= '0' && line[i] <= '9' {
		i++
	}
	if i == 0 {
		return strings.ToLower(line), 0, rest
	}
	n, _ = strconv.Atoi(line[:i])
	tail := line[i:]
	if len(tail) > 0 && tail[0] != ' ' && (len(tail) == 1 || tail[1] == ' ' || tail[1] == ',') {
		tail = tail[1:] // "12A High Street": the letter sorts in rest
	}
	return strings.ToLower(strings.Trim(tail, " ,")), n, line[i:] + rest
}

func startsWithDigit(s string) bool { return s != "" && s[0] >= '0' && s[0] <= '9' }
