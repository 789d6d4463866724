package forms

import (
	"net/url"
	"strconv"
	"strings"

	"dbtp/internal/services/definition"
)

// A person question is a picker: a search box ("<field>-q") and a Search
// button, then the people found as radio buttons named after the field,
// whose value is the user ID. Without JavaScript each search is a submit
// of the page that re-renders it with the matches (LookupButton names the
// field and the page of results); with JavaScript the same box becomes an
// autocomplete that fills the field's value. Both the portal and the staff
// console build their pickers here so they behave the same.

// LookupButton is the name of the submit button that searches (a person
// question) or finds addresses (an address question) instead of moving on.
const LookupButton = "lookup"

// PickerPageSize is how many people one page of results shows.
const PickerPageSize = 10

// PickerCountAhead bounds how many further matches a search counts past
// the page it shows, so the page can say how many people match: exactly,
// for most searches, or "more than" for a broad one (3,000 people whose
// names start alike), at the cost of one more read of at most this many.
// Past five pages the number matters less than the advice to narrow.
const PickerCountAhead = 50

// PersonMatch is one person a search found.
type PersonMatch struct {
	ID, Name, Email string
}

// PeopleSearch finds active people of the organisation by name or email,
// at most limit, starting after a cursor; next is the cursor of the
// following page, "" when there is none.
type PeopleSearch func(text, after string, limit int) (found []PersonMatch, next string, err error)

// Picker is a person question as a page draws it.
type Picker struct {
	Query    string        // what is in the search box
	Matches  []PersonMatch // the radio buttons; the chosen person first when not among the results
	Selected string        // the chosen user ID
	From, To int           // the matches shown are numbers From to To of the results
	More     string        // the value of the "next people" button, "" when no more
	// Total is how many people match, counted up to PickerCountAhead past
	// the page; Many says more match than were counted. Zero when the
	// count could not be made.
	Total    int
	Many     bool
	NotFound string // 'No one found for "x"'
	Failed   string // the search could not be run (not allowed, say)
}

// PersonQuery is the search box's input name.
func PersonQuery(fieldID string) string { return fieldID + "-q" }

// LookupValue is the value of a lookup button: the field, and for a later
// page of people the number of the first shown and the directory's cursor.
func LookupValue(fieldID string, from int, after string) string {
	if after == "" {
		return fieldID
	}
	return fieldID + "|" + strconv.Itoa(from) + "|" + after
}

// ParseLookup reads a lookup button's value.
func ParseLookup(v string) (fieldID string, from int, after string) {
	parts := strings.SplitN(v, "|", 3)
	if len(parts) != 3 {
		return v, 1, ""
	}
	from, err := strconv.Atoi(parts[1])
	if err != nil || from < 1 || from > 1_000_000 {
		return parts[0], 1, ""
	}
	return parts[0], from, parts[2]
}

// BuildPicker works out what a person question shows from the page's
// inputs: the person chosen, and when the search box holds text, the page
// of people it finds (the page the lookup button asked for when it names
// this field, else the first). name resolves the chosen ID.
func BuildPicker(f *definition.Field, in url.Values, search PeopleSearch, name func(id string) (string, bool)) Picker {
	p := Picker{Query: strings.TrimSpace(in.Get(PersonQuery(f.ID))), Selected: strings.TrimSpace(in.Get(f.ID))}
	if len(p.Query) > 100 {
		p.Query = p.Query[:100]
	}
	var chosen *PersonMatch
	if p.Selected != "" && len(p.Selected) <= 100 && name != nil {
		if n, ok := name(p.Selected); ok {
			chosen = &PersonMatch{ID: p.Selected, Name: n}
		}
	}
	if p.Query != "" && search != nil {
		from, after := 1, ""
		if fid, fr, af := ParseLookup(in.Get(LookupButton)); fid == f.ID {
			from, after = fr, af
		}
		found, next, err := search(p.Query, after, PickerPageSize)
		switch {
		case err != nil:
			p.Failed = "The search could not be made. Try again, or ask someone who can see the organisation's people."
		case len(found) == 0 && after == "":
			p.NotFound = `No one found for "` + p.Query + `"`
		default:
			p.Matches = found
			p.From, p.To = from, from+len(found)-1
			p.Total = p.To
			if next != "" {
				p.More = LookupValue(f.ID, p.To+1, next)
				p.Total, p.Many = CountAhead(search, p.Query, p.To, next)
			}
		}
	}
	if chosen != nil {
		seen := false
		for _, m := range p.Matches {
			seen = seen || m.ID == chosen.ID
		}
		if !seen {
			p.Matches = append([]PersonMatch{*chosen}, p.Matches...)
		}
	}
	return p
}

// CountAhead counts the matches of text after cursor next, up to
// PickerCountAhead, and returns the total with shown (the matches up to
// the cursor) and whether more match than that; 0 if the count failed.
func CountAhead(search PeopleSearch, text string, shown int, next string) (total int, many bool) {
	rest, after, err := search(text, next, PickerCountAhead)
	if err != nil {
		return 0, false
	}
	return shown + len(rest), after != ""
}

// Shown says which of the people found the page lists, and of how many:
// "Showing people 1 to 10 of 37", "Showing people 11 to 20 of more than
// 110".
func (p Picker) Shown() string {
	s := "Showing people " + strconv.Itoa(p.From) + " to " + strconv.Itoa(p.To)
	switch {
	case p.Total == 0 && p.More != "":
		return s + " (there are more)"
	case p.Many:
		return s + " of more than " + strconv.Itoa(p.Total)
	case p.Total > 0:
		return s + " of " + strconv.Itoa(p.Total)
	}
	return s
}

// Narrow is the advice for a search that found more than one page.
func (Picker) Narrow() string {
	return "To find someone faster, type more of their name, or their email address, and search again."
}
