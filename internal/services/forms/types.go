// Package forms turns what people type into a service's canonical answers
// and back again. It is pure: no HTTP, no database, no clock of its own, so
// the engine, the resident portal, the staff console and the JSON API all
// share one set of rules and one set of GOV.UK-style error messages.
//
// The flow for a browser form is: Decode one page, Merge it into the saved
// answers, ask Next for the following page, and at submission Prune the
// answers to the path actually taken and ValidateAll them. The API uses
// Normalise instead of Decode; ValidateAll is the last gate either way, so
// nothing that breaks a definition's rules can be stored.
package forms

import (
	"sync"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// CheckAnswers is the pseudo page that ends the questions.
const CheckAnswers = definition.CheckAnswersPage

// PersonLookup resolves a user ID of the organisation to a display name; ok
// is false when there is no such (active) user. cmd/dbtp wires identity in.
type PersonLookup func(id string) (name string, ok bool)

// Options are what the rules depend on beyond the definition. The zero value
// works: the real clock, Europe/London and no people.
type Options struct {
	// Now is the clock used for "today" in date rules; tests fix it.
	Now func() time.Time
	// Location decides which calendar day "today" is. A council's day is
	// London's, whatever the server's zone, so that is the default.
	Location *time.Location
	// People resolves person fields; without it no person answer is valid.
	People PersonLookup
	// Address resolves a UPRN chosen from a postcode's addresses in the
	// council's gazetteer. With it, an address question is answered by
	// choosing (see addresslookup.go) unless the page says the address was
	// entered by hand; without it, addresses are always typed.
	Address func(uprn string) (definition.Address, bool)
	// AllowInternal lets internal (staff-only) fields be answered: set it for
	// staff filling in the workflow, never for applicants.
	AllowInternal bool
	// Saved are the answers saved so far. Decode uses them only for file
	// fields: a person returning to an upload page keeps the file already
	// uploaded unless they choose a new one.
	Saved definition.Answers
}

// UploadedFile is a file submitted with a page. Header holds the first bytes
// of the content (up to 512, as http.DetectContentType reads) so the type is
// decided by what the file is, not what the browser claims.
type UploadedFile struct {
	Name   string
	Size   int64
	Header []byte
}

// problem is the summary title GOV.UK uses above the list of errors.
const problem = "There is a problem"

var (
	londonOnce sync.Once
	london     *time.Location
)

func (o Options) today() time.Time {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	loc := o.Location
	if loc == nil {
		// Loaded once: the zone database is read from disk. Without it (a
		// bare container) UTC is at most an hour out, around midnight.
		londonOnce.Do(func() {
			var err error
			if london, err = time.LoadLocation("Europe/London"); err != nil {
				london = time.UTC
			}
		})
		loc = london
	}
	y, m, d := now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// errs collects field errors in the order they are found, which is the
// order of the page, as the GOV.UK error summary wants.
type errs []platform.FieldError

func (e *errs) add(field, msg string) {
	*e = append(*e, platform.FieldError{Field: field, Message: msg})
}

func (e errs) err() *platform.Error {
	if len(e) == 0 {
		return nil
	}
	return platform.Invalid(problem, e...)
}

// fieldByID finds a field of the definition.
func fieldByID(def *definition.Definition, id string) *definition.Field {
	for i := range def.Fields {
		if def.Fields[i].ID == id {
			return &def.Fields[i]
		}
	}
	return nil
}

// pageByID finds a page of the definition.
func pageByID(def *definition.Definition, id string) *definition.Page {
	for i := range def.Pages {
		if def.Pages[i].ID == id {
			return &def.Pages[i]
		}
	}
	return nil
}
