package gazetteer

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// A gazetteer file is CSV with a header row. Three layouts are understood,
// chosen by the header's column names (case and spaces ignored), so an
// export can be loaded as it comes:
//
//   - simple: UPRN, LINE1, LINE2 (optional), TOWN, POSTCODE
//   - OS AddressBase Plus (its delivery point address columns): UPRN,
//     ORGANISATION_NAME, SUB_BUILDING_NAME, BUILDING_NAME, BUILDING_NUMBER,
//     DEPENDENT_THOROUGHFARE, THOROUGHFARE, DEPENDENT_LOCALITY, POST_TOWN,
//     POSTCODE (each optional except UPRN, POST_TOWN and POSTCODE)
//   - LLPG (BS 7666): UPRN, SAO_TEXT, PAO_START_NUMBER, PAO_START_SUFFIX,
//     PAO_TEXT, STREET_DESCRIPTION, LOCALITY, TOWN_NAME, POSTCODE_LOCATOR
//     (each optional except UPRN, TOWN_NAME and POSTCODE_LOCATOR)
//
// Other columns are ignored.

// BatchSize is how many rows go in one write: large enough that a national
// file loads in minutes, small enough that other writers are not held up.
const BatchSize = 1000

// maxLine bounds one address line; AddressBase's longest fields are 100.
const maxLine = 200

// Rejected is a row left out of a load, and why.
type Rejected struct {
	Row    int // the row's number in the file, the header being row 1
	Reason string
}

// Report says what a load did.
type Report struct {
	Rows     int // data rows read
	Loaded   int // rows stored (new or replaced)
	Rejected []Rejected
}

// Progress is called after each batch is stored.
type Progress func(rowsRead, loaded int)

// Load reads a gazetteer file and stores its good rows in batches,
// replacing addresses already held by UPRN, so loading a file again is
// harmless. Bad rows are reported and left out; good rows are kept. A file
// whose header names no known layout is refused with nothing stored.
func (g *Gazetteer) Load(ctx context.Context, r io.Reader, source string, progress Progress) (Report, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // a short row is a bad row, reported, not the end of the load
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		return Report{}, platform.Invalid("The file is empty: it needs a header row naming its columns")
	}
	if err != nil {
		return Report{}, platform.Invalid("The file's first row cannot be read as CSV: " + err.Error())
	}
	lay, err := layoutOf(header)
	if err != nil {
		return Report{}, err
	}
	var rep Report
	batch := make([]Address, 0, BatchSize)
	flush := func() error {
		if err := g.Upsert(ctx, source, batch); err != nil {
			return fmt.Errorf("storing rows up to %d: %w", rep.Rows+1, err)
		}
		rep.Loaded += len(batch)
		batch = batch[:0]
		if progress != nil {
			progress(rep.Rows, rep.Loaded)
		}
		return nil
	}
	for row := 2; ; row++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		var pe *csv.ParseError
		if errors.As(err, &pe) && pe.Err != csv.ErrFieldCount {
			// A broken quote cannot be skipped reliably: what follows may be
			// read as one long field. Stop, keeping what was stored.
			rep.Rejected = append(rep.Rejected, Rejected{Row: row, Reason: "not valid CSV (" + pe.Err.Error() + "); the rest of the file was not read"})
			break
		}
		if err != nil {
			return rep, err
		}
		rep.Rows++
		a, reason := lay.address(rec)
		if reason != "" {
			rep.Rejected = append(rep.Rejected, Rejected{Row: row, Reason: reason})
			continue
		}
		batch = append(batch, a)
		if len(batch) == BatchSize {
			if err := flush(); err != nil {
				return rep, err
			}
		}
	}
	if len(batch) > 0 {
		if err := flush(); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// layout maps a file's columns to the parts of an address; -1 is absent.
type layout struct {
	kind                                  string
	width                                 int
	uprn, line1, line2, town, postcode    int
	org, sub, building, number, dthorough int
	thorough, dlocality                   int
	sao, paoStart, paoSuffix, pao, street int
	locality                              int
}

func layoutOf(header []string) (layout, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.ToUpper(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		h = strings.ReplaceAll(h, " ", "_")
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
	}
	col := func(name string) int {
		if i, ok := idx[name]; ok {
			return i
		}
		return -1
	}
	l := layout{width: len(header), uprn: col("UPRN"), line1: col("LINE1"), line2: col("LINE2"), town: col("TOWN"), postcode: col("POSTCODE"),
		org: col("ORGANISATION_NAME"), sub: col("SUB_BUILDING_NAME"), building: col("BUILDING_NAME"), number: col("BUILDING_NUMBER"),
		dthorough: col("DEPENDENT_THOROUGHFARE"), thorough: col("THOROUGHFARE"), dlocality: col("DEPENDENT_LOCALITY"),
		sao: col("SAO_TEXT"), paoStart: col("PAO_START_NUMBER"), paoSuffix: col("PAO_START_SUFFIX"), pao: col("PAO_TEXT"),
		street: col("STREET_DESCRIPTION"), locality: col("LOCALITY")}
	switch {
	case l.uprn < 0:
		return l, platform.Invalid("The header row must name a UPRN column (see docs/operations.md for the columns accepted)")
	case l.line1 >= 0 && l.town >= 0 && l.postcode >= 0:
		l.kind = "simple"
	case col("POST_TOWN") >= 0 && l.postcode >= 0:
		l.kind, l.town = "addressbase", col("POST_TOWN")
	case col("TOWN_NAME") >= 0 && col("POSTCODE_LOCATOR") >= 0:
		l.kind, l.town, l.postcode = "llpg", col("TOWN_NAME"), col("POSTCODE_LOCATOR")
	default:
		return l, platform.Invalid("The header row names no layout dbtp knows: it needs UPRN with LINE1, TOWN and POSTCODE; or POST_TOWN and POSTCODE (AddressBase); or TOWN_NAME and POSTCODE_LOCATOR (LLPG). See docs/operations.md")
	}
	return l, nil
}

// address builds one row's address, or says why it cannot.
func (l layout) address(rec []string) (Address, string) {
	if len(rec) != l.width {
		return Address{}, fmt.Sprintf("has %d columns, the header has %d", len(rec), l.width)
	}
	for _, f := range rec {
		if !utf8.ValidString(f) {
			return Address{}, "is not UTF-8 text"
		}
	}
	get := func(i int) string {
		if i < 0 {
			return ""
		}
		return strings.Join(strings.Fields(rec[i]), " ")
	}
	var a Address
	raw := get(l.uprn)
	u, ok := NormaliseUPRN(raw)
	if !ok {
		if raw == "" {
			return a, "has no UPRN"
		}
		return a, fmt.Sprintf("UPRN %q is not a number of up to 12 digits", clip(raw))
	}
	a.UPRN = u
	switch l.kind {
	case "simple":
		a.Line1, a.Line2 = get(l.line1), get(l.line2)
	case "addressbase":
		a.Line1, a.Line2 = lines(
			[]string{get(l.org), get(l.sub), get(l.building)},
			join(" ", get(l.number), join(", ", get(l.dthorough), get(l.thorough))),
			get(l.dlocality))
	case "llpg":
		a.Line1, a.Line2 = lines(
			[]string{get(l.sao), get(l.pao)},
			join(" ", get(l.paoStart)+get(l.paoSuffix), get(l.street)),
			get(l.locality))
	}
	a.Town = get(l.town)
	rawPC := get(l.postcode)
	switch {
	case a.Line1 == "":
		return a, "has no address (the first line is empty)"
	case a.Town == "":
		return a, "has no town"
	case rawPC == "":
		return a, "has no postcode"
	case len(a.Line1) > maxLine || len(a.Line2) > maxLine || len(a.Town) > maxLine:
		return a, fmt.Sprintf("has a line longer than %d characters", maxLine)
	}
	if a.Postcode, ok = NormalisePostcode(rawPC); !ok {
		return a, fmt.Sprintf("postcode %q is not a UK postcode", clip(rawPC))
	}
	return a, ""
}

// lines turns a premise (organisation, flat, building name), a street
// line and a locality into two address lines, as Royal Mail would print
// them: the premise first when there is one.
func lines(premise []string, street, locality string) (string, string) {
	p := join(", ", premise...)
	switch {
	case p == "":
		return street, locality
	case street == "":
		return p, locality
	}
	return p, street
}

func join(sep string, parts ...string) string {
	var keep []string
	for _, p := range parts {
		if p != "" {
			keep = append(keep, p)
		}
	}
	return strings.Join(keep, sep)
}

// clip keeps a reported value short, so one bad row cannot flood the report.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}
