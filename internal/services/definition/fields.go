package definition

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// appliesTo says which field types each validation key means something for;
// a key given on another type is an error, because the author expected it to
// do something and it would silently do nothing.
var appliesTo = []struct {
	key   string
	types []FieldType
	set   func(f *Field) bool
}{
	{"min_length", []FieldType{TypeText, TypeLongText}, func(f *Field) bool { return f.MinLength != 0 }},
	{"max_length", []FieldType{TypeText, TypeLongText}, func(f *Field) bool { return f.MaxLength != 0 }},
	{"pattern", []FieldType{TypeText}, func(f *Field) bool { return f.Pattern != "" }},
	{"pattern_message", []FieldType{TypeText}, func(f *Field) bool { return f.PatternMessage != "" }},
	{"min", []FieldType{TypeNumber, TypeMoney}, func(f *Field) bool { return f.Min != nil }},
	{"max", []FieldType{TypeNumber, TypeMoney}, func(f *Field) bool { return f.Max != nil }},
	{"before", []FieldType{TypeDate}, func(f *Field) bool { return f.Before != "" }},
	{"after", []FieldType{TypeDate}, func(f *Field) bool { return f.After != "" }},
	{"options", []FieldType{TypeChoice, TypeCheckboxes}, func(f *Field) bool { return f.Options != nil }},
	{"max_bytes", []FieldType{TypeFile}, func(f *Field) bool { return f.MaxBytes != 0 }},
	{"accept", []FieldType{TypeFile}, func(f *Field) bool { return f.Accept != nil }},
}

func (c *checker) checkFields() {
	d := c.d
	c.fields = map[string]int{}
	if len(d.Fields) == 0 {
		c.add("fields", "missing; a service asks at least one question")
	}
	if len(d.Fields) > maxFields {
		c.add("fields", "%d fields is more than the %d allowed; split the service", len(d.Fields), maxFields)
	}
	for i := range d.Fields {
		f := &d.Fields[i]
		p := fmt.Sprintf("fields[%d]", i)
		if c.identifier(p+".id", f.ID, snakePattern, "lower-case words joined by underscores, like previous_reference") {
			if j, dup := c.fields[f.ID]; dup {
				c.add(p+".id", "field %q is already defined at fields[%d]", f.ID, j)
			} else {
				c.fields[f.ID] = i
			}
		}
		c.required(p+".label", f.Label)
		if !slices.Contains(FieldTypes, f.Type) {
			if f.Type == "" {
				c.add(p+".type", "missing; want one of %s", typeNames(FieldTypes))
			} else {
				c.add(p+".type", "unknown field type %q; want one of %s", f.Type, typeNames(FieldTypes))
			}
			continue // the type-specific rules below would only add noise
		}
		for _, a := range appliesTo {
			if a.set(f) && !slices.Contains(a.types, f.Type) {
				c.add(p+"."+a.key, "%s applies only to %s fields, not %s", a.key, typeNames(a.types), f.Type)
			}
		}
		c.checkFieldRules(p, f)
		c.checkFieldAudience(p, f)
	}
}

// checkFieldAudience checks the two settings about who a field is for.
func (c *checker) checkFieldAudience(p string, f *Field) {
	if f.SharedWithApplicant && !f.Internal {
		c.add(p+".shared_with_applicant", "applies only to internal fields; the applicant always sees their own answers")
	}
	switch f.FromAccount {
	case "":
	case "name":
		if f.Type != TypeText {
			c.add(p+".from_account", "name fills in only text fields, not %s", f.Type)
		}
	case "email":
		if f.Type != TypeEmail {
			c.add(p+".from_account", "email fills in only email fields, not %s", f.Type)
		}
	case "phone":
		if f.Type != TypeUKPhone {
			c.add(p+".from_account", "phone fills in only uk_phone fields, not %s", f.Type)
		}
	default:
		c.add(p+".from_account", "unknown %q; want name, email or phone", f.FromAccount)
	}
	if f.FromAccount != "" && f.Internal {
		c.add(p+".from_account", "an internal field is never asked, so nothing is filled in")
	}
}

func (c *checker) checkFieldRules(p string, f *Field) {
	switch f.Type {
	case TypeText, TypeLongText:
		limit := maxTextLength
		if f.Type == TypeLongText {
			limit = maxLongTextLength
		}
		if f.MinLength < 0 {
			c.add(p+".min_length", "want 0 or more")
		}
		if f.MaxLength < 0 || f.MaxLength > limit {
			c.add(p+".max_length", "want between 1 and %d for a %s field", limit, f.Type)
		} else if f.MaxLength > 0 && f.MinLength > f.MaxLength {
			c.add(p+".min_length", "min_length %d is more than max_length %d", f.MinLength, f.MaxLength)
		} else if f.MinLength > limit {
			c.add(p+".min_length", "min_length %d is more than the longest answer allowed, %d", f.MinLength, limit)
		}
		if f.Pattern != "" {
			if _, err := regexp.Compile(f.Pattern); err != nil {
				c.add(p+".pattern", "not a valid regular expression: %v", strings.TrimPrefix(err.Error(), "error parsing regexp: "))
			}
		} else if f.PatternMessage != "" && f.Type == TypeText {
			c.add(p+".pattern_message", "pattern_message has no pattern to explain")
		}
	case TypeNumber, TypeMoney:
		if f.Min != nil && f.Max != nil && *f.Min > *f.Max {
			c.add(p+".min", "min %v is more than max %v", *f.Min, *f.Max)
		}
		if f.Type == TypeMoney && f.Max != nil && *f.Max > maxMoneyPounds {
			c.add(p+".max", "money is stored in pence; max may be at most £%.0f", maxMoneyPounds)
		}
	case TypeDate:
		c.checkDateBounds(p, f)
	case TypeChoice, TypeCheckboxes:
		c.checkOptions(p, f)
	case TypeFile:
		if f.MaxBytes < 0 || f.MaxBytes > maxFileBytes {
			c.add(p+".max_bytes", "want between 1 and %d (100 MiB)", maxFileBytes)
		}
		for j, mt := range f.Accept {
			if !mediaTypePattern.MatchString(mt) {
				c.add(fmt.Sprintf("%s.accept[%d]", p, j), "want a media type like application/pdf or image/*, got %q", mt)
			}
		}
	}
}

// maxMoneyPounds keeps a money maximum within int64 pence with room to spare.
const maxMoneyPounds = 1e15

// relativeDays maps the relative date bounds to days from today.
var relativeDays = map[string]int{"yesterday": -1, "today": 0, "tomorrow": 1}

func (c *checker) checkDateBounds(p string, f *Field) {
	for _, b := range []struct{ key, v string }{{"before", f.Before}, {"after", f.After}} {
		if b.v != "" && !validDateBound(b.v) {
			c.add(p+"."+b.key, "want today, tomorrow, yesterday or a date as YYYY-MM-DD, got %q", b.v)
			return
		}
	}
	if f.Before == "" || f.After == "" {
		return
	}
	// Both bounds are exclusive, so at least one day must lie between them.
	rb, okb := relativeDays[f.Before]
	ra, oka := relativeDays[f.After]
	if okb && oka && rb-ra < 2 {
		c.add(p+".before", "no date is both before %s and after %s", f.Before, f.After)
	}
	if !okb && !oka {
		tb, _ := time.Parse(time.DateOnly, f.Before)
		ta, _ := time.Parse(time.DateOnly, f.After)
		if tb.Sub(ta) < 48*time.Hour {
			c.add(p+".before", "no date is both before %s and after %s", f.Before, f.After)
		}
	}
}

func (c *checker) checkOptions(p string, f *Field) {
	least := 1 // one checkbox is a fair question ("I agree"); one radio is not
	if f.Type == TypeChoice {
		least = 2
	}
	if len(f.Options) < least {
		c.add(p+".options", "a %s field needs at least %d %s", f.Type, least, plural(least, "option"))
	}
	seen := map[string]int{}
	for j, o := range f.Options {
		op := fmt.Sprintf("%s.options[%d]", p, j)
		switch {
		case strings.TrimSpace(o.Value) == "":
			c.add(op+".value", "missing; this is what is stored")
		case o.Value != strings.TrimSpace(o.Value) || len(o.Value) > 100:
			c.add(op+".value", "want at most 100 characters with no spaces at either end, got %q", o.Value)
		}
		if k, dup := seen[o.Value]; dup && o.Value != "" {
			c.add(op+".value", "%q is already the value of options[%d]", o.Value, k)
		} else {
			seen[o.Value] = j
		}
		c.required(op+".label", o.Label)
	}
}

func typeNames(types []FieldType) string {
	names := make([]string, len(types))
	for i, t := range types {
		names[i] = string(t)
	}
	if len(names) <= 2 {
		return strings.Join(names, " and ")
	}
	return strings.Join(names, ", ")
}
