package workplace

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Importing devices: from a CSV file, or from Intune (Microsoft Graph's
// managed devices). Either way every row is checked first; a file with
// any problem is refused whole, naming each problem's row and column, and
// a good one is applied in one write. Devices are matched by serial
// number (Intune's also by their Intune ID): a known one is updated, a new
// one added.

// CSVHeader is the header a device CSV file has: these columns, each
// once, in any order. assigned_to is the person's email address.
var CSVHeader = []string{"serial", "kind", "name", "manufacturer", "model", "os", "os_version", "encrypted", "compliance", "last_check_in", "ownership", "assigned_to"}

// MaxImportRows bounds a CSV file, so that an import's memory is bounded.
const MaxImportRows = 50000

// maxImportProblems is how many problems an import lists before it says
// how many more there are.
const maxImportProblems = 100

// ImportResult says what an import did.
type ImportResult struct {
	Rows      int `json:"rows"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Unmatched int `json:"unmatched"` // Intune devices whose user is not in the directory: left unassigned
	Skipped   int `json:"skipped"`   // Intune devices sharing a serial number with an earlier one
}

// importRow is one checked row, ready to write.
type importRow struct {
	in         DeviceInput
	person     platform.Person
	externalID string
}

// problems collects an import's problems, each naming row and column.
type problems struct {
	list  []platform.FieldError
	total int
}

func (p *problems) add(row int, column, msg string) {
	p.total++
	if len(p.list) < maxImportProblems {
		p.list = append(p.list, platform.FieldError{Field: "file", Message: fmt.Sprintf("Row %d, column %s: %s", row, column, msg)})
	}
}

func (p *problems) err() error {
	if p.total == 0 {
		return nil
	}
	list := p.list
	if p.total > len(list) {
		list = append(list, platform.FieldError{Field: "file", Message: fmt.Sprintf("and %d more problems", p.total-len(list))})
	}
	return platform.Invalid(fmt.Sprintf("The file has %d problems, so nothing was imported: correct them and upload it again", p.total), list...)
}

// ImportCSV reads a device file (CSVHeader), checks every row and, if all
// are good, adds or updates the devices in one write.
func (a *Assets) ImportCSV(ctx context.Context, sub *platform.Subject, r io.Reader) (ImportResult, error) {
	if !CanKeep(sub) {
		return ImportResult{}, platform.Errorf(platform.CodeForbidden, "Only workplace managers import devices")
	}
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return ImportResult{}, platform.Invalid("The file is empty", platform.FieldError{Field: "file", Message: "The file is empty: it needs the header row " + strings.Join(CSVHeader, ",")})
	}
	if err != nil {
		return ImportResult{}, platform.Invalid("The file is not CSV", platform.FieldError{Field: "file", Message: "Row 1 is not CSV: " + csvProblem(err)})
	}
	cols, err := csvColumns(head)
	if err != nil {
		return ImportResult{}, err
	}
	var lookup func(email string) (platform.Person, bool)
	var rows []importRow
	var probs problems
	serials := map[string]int{}
	for n := 2; ; n++ {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			probs.add(n, "-", "not CSV: "+csvProblem(err))
			break
		}
		if len(rows) >= MaxImportRows {
			return ImportResult{}, platform.Invalid("The file is too long", platform.FieldError{Field: "file", Message: fmt.Sprintf("A file may have at most %d devices: split it", MaxImportRows)})
		}
		if len(rec) != len(cols) {
			probs.add(n, "-", fmt.Sprintf("has %d columns where the header has %d", len(rec), len(cols)))
			continue
		}
		v := func(name string) string { return strings.TrimSpace(rec[cols[name]]) }
		in := DeviceInput{Kind: v("kind"), Name: v("name"), Manufacturer: v("manufacturer"), Model: v("model"), Serial: v("serial"), OS: v("os"),
			OSVersion: v("os_version"), Compliance: v("compliance"), Ownership: v("ownership")}
		switch strings.ToLower(v("encrypted")) {
		case "yes", "true", "1", "y":
			in.Encrypted = true
		case "no", "false", "0", "n", "":
		default:
			probs.add(n, "encrypted", "Enter yes or no")
		}
		if s := v("last_check_in"); s != "" {
			t, ok := parseCheckIn(s, a.opts.Location)
			if !ok {
				probs.add(n, "last_check_in", "Enter a date like 2026-03-02, or a time like 2026-03-02T09:30:00Z")
			}
			in.LastSeen = t
		}
		for _, fe := range in.check() {
			probs.add(n, fe.Field, fe.Message)
		}
		if in.Serial != "" {
			key := strings.ToLower(in.Serial)
			if first, dup := serials[key]; dup {
				probs.add(n, "serial", fmt.Sprintf("The serial number %s is also on row %d", in.Serial, first))
			} else {
				serials[key] = n
			}
		}
		row := importRow{in: in}
		if email := v("assigned_to"); email != "" {
			if lookup == nil {
				if lookup, err = a.staffByEmail(ctx, sub.OrgID); err != nil {
					return ImportResult{}, err
				}
			}
			p, ok := lookup(email)
			if !ok {
				probs.add(n, "assigned_to", "Nobody on the staff has the email address "+email)
			}
			row.person = p
		}
		rows = append(rows, row)
	}
	if err := probs.err(); err != nil {
		return ImportResult{}, err
	}
	if len(rows) == 0 {
		return ImportResult{}, platform.Invalid("The file has no devices", platform.FieldError{Field: "file", Message: "The file has a header but no devices"})
	}
	return a.applyImport(ctx, sub, "csv", rows)
}

// csvColumns checks the header row and says where each column is.
func csvColumns(head []string) (map[string]int, error) {
	cols := map[string]int{}
	var bad []string
	for i, h := range head {
		h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) // a spreadsheet's byte order mark
		if _, dup := cols[h]; dup || !slices.Contains(CSVHeader, h) {
			bad = append(bad, fmt.Sprintf("%q", h))
			continue
		}
		cols[h] = i
	}
	var missing []string
	for _, h := range CSVHeader {
		if _, ok := cols[h]; !ok {
			missing = append(missing, h)
		}
	}
	if bad == nil && missing == nil {
		return cols, nil
	}
	// The columns with spaces between them: written with commas alone, the
	// message was one 120-character word that ran off a phone's screen.
	msg := "Row 1 must be the header, with these columns: " + strings.Join(CSVHeader, ", ")
	if bad != nil {
		msg += "; unknown or repeated: " + strings.Join(bad, ", ")
	}
	if missing != nil {
		msg += "; missing: " + strings.Join(missing, ", ")
	}
	return nil, platform.Invalid("The file's header is wrong", platform.FieldError{Field: "file", Message: msg})
}

func csvProblem(err error) string {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

// parseCheckIn reads a date (local midnight) or an RFC 3339 time.
func parseCheckIn(s string, loc *time.Location) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true
	}
	if t, err := time.ParseInLocation(time.DateOnly, s, loc); err == nil {
		return t.UTC(), true
	}
	return time.Time{}, false
}

// staffByEmail loads the organisation's staff once, so that a file of
// thousands of rows is matched without a query a row.
func (a *Assets) staffByEmail(ctx context.Context, orgID string) (func(string) (platform.Person, bool), error) {
	byEmail := map[string]platform.Person{}
	q := platform.PeopleQuery{Staff: true, Limit: 200}
	for {
		page, err := a.people.SearchPeople(ctx, platform.System(orgID), q)
		if err != nil {
			return nil, err
		}
		for _, p := range page.People {
			if p.Email != "" && p.IsStaff() {
				byEmail[strings.ToLower(p.Email)] = p
			}
		}
		if page.Next == "" || len(page.People) == 0 {
			break
		}
		q.After = page.Next
	}
	return func(email string) (platform.Person, bool) {
		p, ok := byEmail[strings.ToLower(strings.TrimSpace(email))]
		return p, ok
	}, nil
}

// applyImport writes checked rows in one write: a device with a known
// serial (or, from Intune, a known Intune ID) is updated, others added.
func (a *Assets) applyImport(ctx context.Context, sub *platform.Subject, source string, rows []importRow) (ImportResult, error) {
	res := ImportResult{Rows: len(rows)}
	err := a.db.Write(ctx, func(tx *store.Tx) error {
		res.Created, res.Updated = 0, 0
		if err := a.mayKeep(tx, sub); err != nil {
			return err
		}
		bySerial, byExternal := map[string]Device{}, map[string]Device{}
		all, err := tx.Query(ctx, `SELECT `+deviceColumns+` FROM workplace_devices WHERE org_id = ?`, sub.OrgID)
		if err != nil {
			return err
		}
		for all.Next() {
			d, err := scanDevice(all)
			if err != nil {
				all.Close()
				return err
			}
			if d.Serial != "" {
				bySerial[strings.ToLower(d.Serial)] = d
			}
			if d.ExternalID != "" && d.Source == source {
				byExternal[d.ExternalID] = d
			}
		}
		all.Close()
		if err := all.Err(); err != nil {
			return err
		}
		now := a.now()
		for _, r := range rows {
			d, found := Device{}, false
			if r.externalID != "" {
				d, found = byExternal[r.externalID]
			}
			if !found && r.in.Serial != "" {
				d, found = bySerial[strings.ToLower(r.in.Serial)]
			}
			if !found {
				d = Device{ID: platform.NewID("dev"), OrgID: sub.OrgID, Source: source, CreatedAt: now}
			}
			d.apply(r.in, r.person)
			if r.externalID != "" {
				d.Source, d.ExternalID = source, r.externalID
			}
			d.UpdatedAt = now
			if err := writeDevice(ctx, tx, d, found); err != nil {
				return err
			}
			if found {
				res.Updated++
			} else {
				res.Created++
			}
		}
		e := audit.For(sub, "workplace.device_import", "workplace_device", "", audit.Success)
		e.Detail = fmt.Sprintf("%s: %d rows, %d added, %d updated", source, res.Rows, res.Created, res.Updated)
		return a.audit.Record(tx, e)
	})
	return res, err
}
