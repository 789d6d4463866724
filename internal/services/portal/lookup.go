package portal

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// GazetteerAddress is one address of the council's gazetteer. It is an
// unnamed struct so the gazetteer module satisfies Addresses without either
// package importing the other.
type GazetteerAddress = struct{ UPRN, Line1, Line2, Town, Postcode string }

// Addresses is the council's gazetteer as address questions use it.
type Addresses interface {
	// AddressesLoaded is false while no address is loaded: address
	// questions are then typed, as without a gazetteer.
	AddressesLoaded(ctx context.Context) (bool, error)
	// AddressesByPostcode lists a postcode's addresses; none is not an error.
	AddressesByPostcode(ctx context.Context, postcode string) ([]GazetteerAddress, error)
	// AddressByUPRN returns one address or a not-found error.
	AddressByUPRN(ctx context.Context, uprn string) (GazetteerAddress, error)
}

// addressView is an address question in the find-by-postcode pattern.
type addressView struct {
	Manual    bool   // the typed address (the fallback, or no gazetteer)
	FindURL   string // back from typing to finding, when a gazetteer is loaded
	ManualURL string // "Enter the address manually"
	Postcode  string
	Choices   []web.Option // the postcode's addresses; Value is the UPRN
	NotFound  string
}

func toAddress(a GazetteerAddress) definition.Address {
	return definition.Address{UPRN: a.UPRN, Line1: a.Line1, Line2: a.Line2, Town: a.Town, Postcode: a.Postcode}
}

// gazetteerLoaded is whether address questions offer the postcode lookup.
func (p *portal) gazetteerLoaded(ctx context.Context) bool {
	if p.opts.Addresses == nil {
		return false
	}
	ok, err := p.opts.Addresses.AddressesLoaded(ctx)
	return err == nil && ok
}

// addressResolver is forms.Options.Address over the gazetteer.
func (p *portal) addressResolver(ctx context.Context) func(string) (definition.Address, bool) {
	if !p.gazetteerLoaded(ctx) {
		return nil
	}
	return func(uprn string) (definition.Address, bool) {
		a, err := p.opts.Addresses.AddressByUPRN(ctx, uprn)
		return toAddress(a), err == nil
	}
}

// addressViewOf decides how an address question is drawn from the page's
// inputs: typed when there is no gazetteer, when the person chose to type
// (the manual link, or the hidden marker of a typed address), or when a
// saved answer was typed; otherwise the postcode box and, once a postcode
// is known, its addresses.
func (p *portal) addressViewOf(r *http.Request, fd *definition.Field, in url.Values, action string, loaded bool) *addressView {
	id := fd.ID
	sep := "?"
	if strings.Contains(action, "?") {
		sep = "&"
	}
	v := &addressView{ManualURL: action + sep + "manual=" + url.QueryEscape(id)}
	if !loaded {
		v.Manual = true
		return v
	}
	v.FindURL = action
	if in.Get(forms.AddressManual(id)) != "" || r.URL.Query().Get("manual") == id ||
		(in.Get(id+"-uprn") == "" && (in.Get(id+"-line1") != "" || in.Get(id+"-town") != "")) {
		v.Manual = true
		return v
	}
	v.Postcode = in.Get(forms.AddressPostcodeSearch(id))
	if v.Postcode == "" && in.Get(id+"-uprn") != "" {
		v.Postcode = in.Get(id + "-postcode") // a saved choice: its postcode's list
	}
	if v.Postcode == "" {
		return v
	}
	pc, ok := forms.ParsePostcode(v.Postcode)
	if !ok {
		return v // the error says so
	}
	found, err := p.opts.Addresses.AddressesByPostcode(r.Context(), pc)
	if err != nil {
		v.NotFound = "The address list cannot be searched at the moment. Enter the address manually."
		return v
	}
	if len(found) == 0 {
		v.NotFound = "We could not find an address for " + pc + ". Check the postcode, or enter the address manually."
		return v
	}
	for _, a := range found {
		v.Choices = append(v.Choices, web.Option{Value: a.UPRN, Text: forms.OneLine(toAddress(a))})
	}
	return v
}

// pickerOf builds a person question's picker from the page's inputs.
func (p *portal) pickerOf(ctx context.Context, j *journey, fd *definition.Field, in url.Values) *forms.Picker {
	var search forms.PeopleSearch
	if p.opts.FindPeople != nil {
		search = func(text, after string, limit int) ([]forms.PersonMatch, string, error) {
			return p.findPeople(ctx, j.sub, text, after, limit)
		}
	}
	pk := forms.BuildPicker(fd, in, search, p.formOpts(ctx, j, nil).People)
	return &pk
}

func (p *portal) findPeople(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]forms.PersonMatch, string, error) {
	found, next, err := p.opts.FindPeople(ctx, sub, text, after, limit)
	if err != nil {
		return nil, "", err
	}
	out := make([]forms.PersonMatch, 0, len(found))
	for _, f := range found {
		out = append(out, forms.PersonMatch{ID: f.ID, Name: f.Name, Email: f.Email})
	}
	return out, next, nil
}

// lookup answers a page's Search or Find address button: the page again,
// with what was typed and the people or addresses found, nothing saved.
func (p *portal) lookup(w http.ResponseWriter, r *http.Request, j *journey, pg *definition.Page, button string) error {
	in := url.Values{}
	for _, name := range forms.InputNames(j.def, pg.Fields) {
		if v, ok := r.PostForm[name]; ok {
			in[name] = v
		}
	}
	in.Set(forms.LookupButton, button)
	f := web.NewForm(in)
	fieldID, _, _ := forms.ParseLookup(button)
	fd := fieldOf(j.def, fieldID)
	if fd == nil || !containsField(pg, fieldID) {
		return platform.Invalid("This page has no question to search for")
	}
	switch fd.Type {
	case definition.TypeAddress:
		in.Del(forms.AddressManual(fd.ID))
		in.Del(fd.ID + "-uprn")
		pc := strings.TrimSpace(in.Get(forms.AddressPostcodeSearch(fd.ID)))
		if pc == "" {
			f.Errors = []platform.FieldError{{Field: forms.AddressPostcodeSearch(fd.ID), Message: forms.PostcodeMissing(fd)}}
		} else if _, ok := forms.ParsePostcode(pc); !ok {
			f.Errors = []platform.FieldError{{Field: forms.AddressPostcodeSearch(fd.ID), Message: forms.MsgPostcodeInvalid}}
		}
	case definition.TypePerson:
		if strings.TrimSpace(in.Get(forms.PersonQuery(fd.ID))) == "" {
			f.Errors = []platform.FieldError{{Field: forms.PersonQuery(fd.ID), Message: "Enter a name or email address to search for"}}
		}
	default:
		return platform.Invalid("This question has nothing to search for")
	}
	status := http.StatusOK
	if len(f.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return p.page(w, r, j, pg.ID, status, f)
}

func containsField(pg *definition.Page, id string) bool {
	for _, f := range pg.Fields {
		if f == id {
			return true
		}
	}
	return false
}

// peopleJSON answers the person picker's script: the first page of active
// staff matching q, as the directory lets the signed-in person see them.
func (p *portal) peopleJSON(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	type person struct {
		ID    string `json:"id"`
		Name  string `json:"name"`
		Email string `json:"email,omitempty"`
	}
	// more says there are people past these; total counts them all up to
	// forms.PickerCountAhead past the first page, and many says more
	// match than that: the script tells the person how many, and to type
	// more to narrow the list.
	out := struct {
		People []person `json:"people"`
		More   bool     `json:"more"`
		Total  int      `json:"total,omitempty"`
		Many   bool     `json:"many,omitempty"`
	}{People: []person{}}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q != "" && len(q) <= 100 && p.opts.FindPeople != nil {
		found, next, err := p.findPeople(r.Context(), sub, q, "", forms.PickerPageSize)
		if err != nil {
			return err
		}
		for _, f := range found {
			out.People = append(out.People, person{ID: f.ID, Name: f.Name, Email: f.Email})
		}
		out.More = next != ""
		out.Total = len(found)
		if out.More {
			search := func(text, after string, limit int) ([]forms.PersonMatch, string, error) {
				return p.findPeople(r.Context(), sub, text, after, limit)
			}
			out.Total, out.Many = forms.CountAhead(search, q, len(found), next)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "private, no-store")
	return json.NewEncoder(w).Encode(out)
}
