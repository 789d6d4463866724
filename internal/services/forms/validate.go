package forms

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// Answers reach the engine two ways: from Decode, already in Go's canonical
// types, and from JSON (an API body, or a case read back from the store),
// where money is a float64, checkboxes are []any and addresses are maps.
// shape accepts both and gives the Go type, without normalising, so the
// same checks run whichever way an answer arrived.

var shapeDesc = map[definition.FieldType]string{
	definition.TypeMoney:      "a whole number of pence",
	definition.TypeCheckboxes: "a list of option values",
	definition.TypeAddress:    "an address with line1, line2, town, postcode and uprn",
	definition.TypeFile:       "a file with id, name, media_type and size",
}

func shape(f *definition.Field, v any) (any, bool) {
	switch f.Type {
	case definition.TypeMoney:
		return toPence(v)
	case definition.TypeCheckboxes:
		return toStrings(v)
	case definition.TypeAddress:
		return toAddress(v)
	case definition.TypeFile:
		return toFile(v)
	}
	s, ok := v.(string)
	return s, ok
}

func toPence(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > maxPence {
			return 0, false
		}
		return int64(n), true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func toStrings(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return slices.Clone(l), true
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

func toAddress(v any) (definition.Address, bool) {
	switch a := v.(type) {
	case definition.Address:
		return a, true
	case *definition.Address:
		if a != nil {
			return *a, true
		}
	case map[string]any:
		var out definition.Address
		parts := map[string]*string{"line1": &out.Line1, "line2": &out.Line2, "town": &out.Town, "postcode": &out.Postcode, "uprn": &out.UPRN}
		for k, x := range a {
			p, known := parts[k]
			s, isString := x.(string)
			if !known || !isString {
				return definition.Address{}, false
			}
			*p = s
		}
		return out, true
	}
	return definition.Address{}, false
}

func toFile(v any) (definition.File, bool) {
	switch f := v.(type) {
	case definition.File:
		return f, true
	case *definition.File:
		if f != nil {
			return *f, true
		}
	case map[string]any:
		var out definition.File
		for k, x := range f {
			var ok bool
			switch k {
			case "id":
				out.ID, ok = x.(string)
			case "name":
				out.Name, ok = x.(string)
			case "media_type":
				out.MediaType, ok = x.(string)
			case "size":
				out.Size, ok = toPence(x) // any exact integer will do
			}
			if !ok {
				return definition.File{}, false
			}
		}
		return out, true
	}
	return definition.File{}, false
}

// isEmpty says whether an answer counts as not given: absent, blank, an
// empty list or an empty address. Branching, required checks and the
// "answered" condition all use it, so "" never means something different
// from leaving a question out.
func isEmpty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return strings.TrimSpace(x) == ""
	case []string:
		return len(x) == 0
	case []any:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	case definition.Address:
		return x == definition.Address{}
	case definition.File:
		return x == definition.File{}
	}
	return false
}

// checkValue validates one non-empty answer and returns its canonical form.
// strict also refuses an answer that is valid but not already canonical
// ("sw1a2aa" for "SW1A 2AA"): what is stored must compare equal to what
// Decode would have produced, or branching and search would disagree.
func checkValue(f *definition.Field, v any, opts Options, today time.Time, strict bool, e *errs) (any, bool) {
	sv, ok := shape(f, v)
	if !ok {
		desc, known := shapeDesc[f.Type]
		if !known {
			desc = "text"
		}
		e.add(f.ID, subject(f)+" must be given as "+desc)
		return nil, false
	}
	var canon any
	var msg string
	switch f.Type {
	case definition.TypeMoney:
		canon, msg = sv, checkMoneyRange(f, sv.(int64))
	case definition.TypeCheckboxes:
		canon, msg = checkCheckboxes(f, sv.([]string))
	case definition.TypeFile:
		canon, msg = sv, checkFile(f, sv.(definition.File))
	case definition.TypeAddress:
		a := sv.(definition.Address)
		trimmed := definition.Address{Line1: strings.TrimSpace(a.Line1), Line2: strings.TrimSpace(a.Line2),
			Town: strings.TrimSpace(a.Town), Postcode: strings.TrimSpace(a.Postcode), UPRN: strings.TrimSpace(a.UPRN)}
		id := f.ID
		c, ok := checkAddress(trimmed, [5]string{id, id, id, id, id}, e)
		if !ok {
			return nil, false
		}
		canon = c
	default:
		canon, msg = parseString(f, strings.TrimSpace(sv.(string)), opts, today)
	}
	if msg != "" {
		e.add(f.ID, msg)
		return nil, false
	}
	if strict && !reflect.DeepEqual(sv, canon) {
		if s, ok := canon.(string); ok {
			e.add(f.ID, fmt.Sprintf("%s must be given in its normal form, %q", subject(f), s))
		} else {
			e.add(f.ID, subject(f)+" must be given in its normal form")
		}
		return nil, false
	}
	return canon, true
}

// Normalise turns answers from JSON (the API) into canonical answers,
// checking each against its field's rules exactly as Decode would have:
// "sw1a2aa" becomes "SW1A 2AA", 1250.0 becomes int64 1250. Empty answers
// are dropped. It refuses unknown fields and, unless opts.AllowInternal,
// internal ones; whether the answers make a complete, consistent case is
// ValidateAll's job.
func Normalise(def *definition.Definition, answers definition.Answers, opts Options) (definition.Answers, *platform.Error) {
	out := definition.Answers{}
	var e errs
	today := opts.today()
	for i := range def.Fields {
		f := &def.Fields[i]
		v, ok := answers[f.ID]
		switch {
		case !ok || isEmpty(v):
		case f.Internal && !opts.AllowInternal:
			e.add(f.ID, internalMessage(f))
		default:
			if c, ok := checkValue(f, v, opts, today, false, &e); ok {
				out[f.ID] = c
			}
		}
	}
	unknownFields(def, answers, &e)
	if err := e.err(); err != nil {
		return nil, err
	}
	return out, nil
}

// ValidateAll is the last gate before a case's answers are stored: every
// field on the path the answers take must be valid, required ones present,
// values in canonical shape; answers to questions off the path (a branch
// the person backed out of), to unknown fields, and to internal fields from
// an applicant are refused rather than silently kept. Call Prune first to
// drop a resident's stale branch answers; API clients get told.
func ValidateAll(def *definition.Definition, answers definition.Answers, opts Options) *platform.Error {
	path, err := walk(def, answers)
	if err != nil {
		return platform.Internal(err)
	}
	onPath := map[string]bool{}
	for _, id := range path {
		if p := pageByID(def, id); p != nil {
			for _, fid := range p.Fields {
				onPath[fid] = true
			}
		}
	}
	var e errs
	today := opts.today()
	for i := range def.Fields {
		f := &def.Fields[i]
		v, present := answers[f.ID]
		empty := !present || isEmpty(v)
		switch {
		case f.Internal:
			if empty {
				continue // filled in later, by staff, when a transition requires it
			}
			if !opts.AllowInternal {
				e.add(f.ID, internalMessage(f))
				continue
			}
			checkValue(f, v, opts, today, true, &e)
		case !onPath[f.ID]:
			if !empty {
				e.add(f.ID, subject(f)+" does not apply given the other answers, so must be left out")
			}
		case empty:
			if f.Required {
				e.add(f.ID, requiredMessage(f))
			}
		default:
			checkValue(f, v, opts, today, true, &e)
		}
	}
	unknownFields(def, answers, &e)
	return e.err()
}

func internalMessage(f *definition.Field) string {
	return subject(f) + " is filled in by council staff"
}

// unknownFields refuses answers to questions the definition does not ask:
// a typo in an API client must not be dropped silently. Keys are reported in
// sorted order, shortened, as they are untrusted input.
func unknownFields(def *definition.Definition, answers definition.Answers, e *errs) {
	var unknown []string
	for id := range answers {
		if fieldByID(def, id) == nil {
			unknown = append(unknown, id)
		}
	}
	slices.Sort(unknown)
	for _, id := range unknown {
		if len(id) > 64 {
			id = strings.ToValidUTF8(id[:64], "")
		}
		e.add(id, fmt.Sprintf("%q is not a question in this service", id))
	}
}
