package post

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
)

// MaxBulkRows is the most rows one upload sends: all of them are checked
// and stored in one write, so the limit keeps that write short.
const MaxBulkRows = 10_000

// RowError is what is wrong with one row of a bulk upload. Row is the
// row's line in the file, the header being row 1, as a spreadsheet
// numbers it.
type RowError struct {
	Row     int
	Message string
}

// BulkError is a refused upload: every row's problems, so the sender
// fixes the file once.
type BulkError struct{ Rows []RowError }

func (e *BulkError) Error() string {
	return fmt.Sprintf("%d rows of the file need fixing", len(e.Rows))
}

// recipientColumns are Notify's column names for the recipient.
var recipientColumns = map[string]string{KindEmail: "email address", KindSMS: "phone number"}

// SendBulk sends the template to every row of a CSV file whose header names
// the recipient column ("email address", "phone number", or "address line
// 1" to "address line 7" for letters, as Notify's) and the template's
// placeholders. Every row is checked first; one bad row refuses the whole
// file, listing every bad row, and nothing is sent. Otherwise every
// notification and its delivery are stored in one write.
func (s *Store) SendBulk(ctx context.Context, sub *platform.Subject, serviceID, templateID string, file io.Reader) ([]Notification, error) {
	sv, err := s.Service(ctx, sub, serviceID)
	if err != nil {
		return nil, err
	}
	if !s.access.Allowed(sub, access.Create, serviceResource(sv.OrgID, sv.ID, sv.UnitID)) {
		return nil, s.access.Check(ctx, sub, access.Create, serviceResource(sv.OrgID, sv.ID, sv.UnitID))
	}
	t, err := s.TemplateForService(ctx, sv.ID, templateID, 0)
	if err != nil || t.Archived {
		return nil, platform.Invalid("Choose a template", platform.FieldError{Field: "template", Message: "Choose one of the service's templates"})
	}
	r := csv.NewReader(file)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, platform.Invalid("The file is not a CSV file with a header row", platform.FieldError{Field: "file", Message: "Choose a CSV file whose first row names the columns"})
	}
	cols := map[string]int{}
	for i, h := range header {
		cols[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	if c, ok := recipientColumns[t.Kind]; ok {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	} else {
		for _, c := range []string{"address line 1", "address line 2"} {
			if _, ok := cols[c]; !ok {
				missing = append(missing, c)
			}
		}
	}
	for _, p := range notify.Placeholders(t.Subject, t.Body) {
		if _, ok := cols[strings.ToLower(p)]; !ok && !strings.HasPrefix(strings.ToLower(p), "address_line_") {
			missing = append(missing, p)
		}
	}
	if len(missing) > 0 {
		return nil, platform.Invalid("The file is missing columns: "+strings.Join(missing, ", "), platform.FieldError{Field: "file",
			Message: "The file needs a column for each of: " + strings.Join(missing, ", ")})
	}
	var ns []Notification
	var bad []RowError
	for count := 1; ; count++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		row, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				row = pe.Line
			}
			bad = append(bad, RowError{Row: row, Message: "The row could not be read: " + err.Error()})
			break
		}
		if count > MaxBulkRows {
			return nil, platform.Invalid("The file is too long", platform.FieldError{Field: "file",
				Message: fmt.Sprintf("A file can send at most %d messages; split it", MaxBulkRows)})
		}
		in := SendInput{Kind: t.Kind, TemplateID: t.ID, Personalisation: map[string]any{}}
		empty := true
		for name, i := range cols {
			if i < len(rec) {
				// An empty cell is missing data, as Notify reads a file.
				if v := strings.TrimSpace(rec[i]); v != "" {
					empty = false
					in.Personalisation[name] = v
				}
			}
		}
		if empty {
			continue // a blank line, as spreadsheets leave at the end
		}
		switch t.Kind {
		case KindEmail, KindSMS:
			in.To, _ = in.Personalisation[recipientColumns[t.Kind]].(string)
		case KindLetter:
			for i := 1; i <= 7; i++ {
				v, _ := in.Personalisation[fmt.Sprintf("address line %d", i)].(string)
				in.Address = append(in.Address, v)
				in.Personalisation[fmt.Sprintf("address_line_%d", i)] = v
			}
		}
		n, err := s.prepare(ctx, sv, t, in)
		if err != nil {
			bad = append(bad, RowError{Row: row, Message: platform.AsError(err).Message})
			continue
		}
		n.KeyType, n.CreatedBy = KeyNormal, sub.UserID
		ns = append(ns, n)
	}
	if len(bad) > 0 {
		return nil, &BulkError{Rows: bad}
	}
	if len(ns) == 0 {
		return nil, platform.Invalid("The file has no rows", platform.FieldError{Field: "file", Message: "The file has a header but no recipients"})
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, serviceResource(sv.OrgID, sv.ID, sv.UnitID)); err != nil {
			return err
		}
		for i := range ns {
			if err := s.insert(ctx, tx, &ns[i], sub, nil); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ns, nil
}
