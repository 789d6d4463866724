package forms

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
)

// Decode turns one submitted page into canonical answers, checking every
// field on it. The answers hold only this page's fields; a field left empty
// and not required is absent, which Merge turns into "cleared".
//
// raw holds what the person typed in the page's inputs (and only those), so
// a page shown again with errors keeps it, as GOV.UK asks: an impossible
// date's day, month and year come back exactly as entered. files are the
// uploads of the page, keyed by field ID.
//
// Errors are platform.Invalid with one FieldError per problem, each naming
// the input to fix (the field ID, or for dates and addresses the sub-input,
// like "dob-day" or "home-postcode"). A page naming a field the definition
// lacks is a broken definition and an internal error.
func Decode(def *definition.Definition, page *definition.Page, values url.Values, files map[string]*UploadedFile, opts Options) (definition.Answers, url.Values, *platform.Error) {
	if page == nil {
		return nil, url.Values{}, platform.NotFound("page")
	}
	return DecodeFields(def, page.Fields, values, files, opts)
}

// DecodeFields is Decode for a list of fields that is not a page: the
// staff console's transition form asks for a transition's required internal
// fields this way.
func DecodeFields(def *definition.Definition, fieldIDs []string, values url.Values, files map[string]*UploadedFile, opts Options) (definition.Answers, url.Values, *platform.Error) {
	answers := definition.Answers{}
	raw := url.Values{}
	var e errs
	today := opts.today()
	for _, id := range fieldIDs {
		f := fieldByID(def, id)
		if f == nil {
			return nil, raw, platform.Internal(fmt.Errorf("forms: definition %s v%d: page asks for unknown field %q", def.ID, def.Version, id))
		}
		if f.Internal && !opts.AllowInternal {
			continue // staff-only, never asked of the applicant; ValidateAll refuses it if sent
		}
		for _, name := range inputNames(f) {
			if v, ok := values[name]; ok {
				raw[name] = v
			}
		}
		if v, ok := decodeField(f, values, files[id], opts, today, &e); ok {
			answers[id] = v
		}
	}
	if err := e.err(); err != nil {
		return nil, raw, err
	}
	return answers, raw, nil
}

// inputNames lists the form inputs a field reads.
func inputNames(f *definition.Field) []string {
	switch f.Type {
	case definition.TypeDate:
		n := dateInputs(f.ID)
		return n[:]
	case definition.TypeAddress:
		n := addressInputs(f.ID)
		return append(n[:], AddressPostcodeSearch(f.ID), AddressManual(f.ID))
	case definition.TypePerson:
		return []string{f.ID, PersonQuery(f.ID)}
	}
	return []string{f.ID}
}

// InputNames lists every input name a set of fields reads, so a caller can
// tell its own inputs (a CSRF token, a button) from unexpected ones.
func InputNames(def *definition.Definition, fieldIDs []string) []string {
	var names []string
	for _, id := range fieldIDs {
		if f := fieldByID(def, id); f != nil {
			names = append(names, inputNames(f)...)
		}
	}
	return names
}

// decodeField reads one field. ok is false when there is no answer, either
// because it was left empty or because it has errors (added to e).
func decodeField(f *definition.Field, values url.Values, up *UploadedFile, opts Options, today time.Time, e *errs) (any, bool) {
	get := func(name string) string { return strings.TrimSpace(values.Get(name)) }
	missing := func() (any, bool) {
		if f.Required {
			e.add(f.ID, requiredMessage(f))
		}
		return nil, false
	}
	fail := func(name, msg string) (any, bool) {
		e.add(name, msg)
		return nil, false
	}
	switch f.Type {
	case definition.TypeDate:
		names := dateInputs(f.ID)
		parts := [3]string{get(names[0]), get(names[1]), get(names[2])}
		if parts == [3]string{} {
			if f.Required {
				e.add(names[0], requiredMessage(f))
			}
			return nil, false
		}
		return decodeDate(f, parts, today, e)
	case definition.TypeAddress:
		names := addressInputs(f.ID)
		a := definition.Address{Line1: get(names[0]), Line2: get(names[1]), Town: get(names[2]), Postcode: get(names[3]), UPRN: get(names[4])}
		if opts.Address != nil && get(AddressManual(f.ID)) == "" {
			return decodeChosenAddress(f, a.UPRN, get(AddressPostcodeSearch(f.ID)), opts, e)
		}
		if a == (definition.Address{}) {
			if f.Required {
				// GOV.UK points at each part a person must fill in.
				checkAddress(a, names, e)
			}
			return nil, false
		}
		return checkAddress(a, names, e)
	case definition.TypeCheckboxes:
		var picked []string
		for _, v := range values[f.ID] {
			if v = strings.TrimSpace(v); v != "" {
				picked = append(picked, v)
			}
		}
		if len(picked) == 0 {
			return missing()
		}
		canon, msg := checkCheckboxes(f, picked)
		if msg != "" {
			return fail(f.ID, msg)
		}
		return canon, true
	case definition.TypeFile:
		if up == nil {
			if saved, ok := toFile(opts.Saved[f.ID]); ok {
				return saved, true
			}
			return missing()
		}
		file, msg := checkUpload(f, up)
		if msg != "" {
			return fail(f.ID, msg)
		}
		return file, true
	}
	s := get(f.ID)
	if s == "" {
		return missing()
	}
	v, msg := parseString(f, s, opts, today)
	if msg != "" {
		return fail(f.ID, msg)
	}
	return v, true
}

// parseString handles every type whose answer comes from one text input,
// for Decode and for checking stored answers alike.
func parseString(f *definition.Field, s string, opts Options, today time.Time) (any, string) {
	switch f.Type {
	case definition.TypeText, definition.TypeLongText:
		return parseText(f, s)
	case definition.TypeNumber:
		n, ok := parseNumber(s)
		if !ok {
			return nil, subject(f) + " must be a number"
		}
		if msg := checkNumberRange(f, n); msg != "" {
			return nil, msg
		}
		return n, ""
	case definition.TypeMoney:
		p, ok := ParseMoney(s)
		if !ok {
			return nil, "Enter an amount in pounds and pence, like 12.50"
		}
		if msg := checkMoneyRange(f, p); msg != "" {
			return nil, msg
		}
		return p, ""
	case definition.TypeDate:
		if msg := checkDate(f, s, today); msg != "" {
			return nil, msg
		}
		return s, ""
	case definition.TypeEmail:
		if v, ok := parseEmail(s); ok {
			return v, ""
		}
		return nil, "Enter an email address in the correct format, like name@example.com"
	case definition.TypeUKPhone:
		if v, ok := ParsePhone(s); ok {
			return v, ""
		}
		return nil, "Enter a telephone number, like 01632 960 001 or 07700 900 982"
	case definition.TypeUKPostcode:
		if v, ok := ParsePostcode(s); ok {
			return v, ""
		}
		return nil, "Enter a UK postcode, like SW1A 2AA"
	case definition.TypeChoice:
		if optionIndex(f, s) < 0 {
			return nil, requiredMessage(f)
		}
		return s, ""
	case definition.TypeYesNo:
		if s != "yes" && s != "no" {
			return nil, requiredMessage(f)
		}
		return s, ""
	case definition.TypePerson:
		if opts.People == nil {
			return nil, requiredMessage(f)
		}
		// Length first: the lookup may reach the database.
		if len(s) > 100 {
			return nil, requiredMessage(f) + " from the list"
		}
		if _, ok := opts.People(s); !ok {
			return nil, requiredMessage(f) + " from the list"
		}
		return s, ""
	}
	return nil, subject(f) + " cannot be answered here"
}

func optionIndex(f *definition.Field, v string) int {
	return slices.IndexFunc(f.Options, func(o definition.Option) bool { return o.Value == v })
}

// checkCheckboxes refuses values that are not options (a tampered form or
// a stale API client) and returns the rest once each, in the options'
// order, so two equal choices are always stored the same way.
func checkCheckboxes(f *definition.Field, picked []string) ([]string, string) {
	seen := make([]bool, len(f.Options))
	for _, v := range picked {
		i := optionIndex(f, v)
		if i < 0 {
			return nil, "Select " + noun(f) + " from the list"
		}
		seen[i] = true
	}
	var out []string
	for i, ok := range seen {
		if ok {
			out = append(out, f.Options[i].Value)
		}
	}
	return out, ""
}
