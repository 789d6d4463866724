package designer

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

var serviceID = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)

// detailsPage is the data of designer/details.
type detailsPage struct {
	editPage
	Audiences      []web.Option
	Assisted       []web.Option
	Classification []web.Option
	Units          []web.Option // empty: a text box
	ListFields     []web.Option
	Yes            []web.Option
}

func (d *Designer) detailsForm(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	def := dr.Def
	in := url.Values{"title": {def.Title}, "summary": {def.Summary}, "reference_prefix": {def.ReferencePrefix},
		"owner_unit": {def.OwnerUnit}, "classification": {string(def.Classification)}, "retention": {def.Retention},
		"confirmation_title": {def.Confirmation.Title}, "confirmation_body": {def.Confirmation.Body}, "list_fields": def.ListFields}
	for _, a := range def.Start.Who {
		in.Add("who", string(a))
	}
	switch {
	case def.Start.AssistedDigital == nil:
		in.Set("assisted_digital", "")
	case *def.Start.AssistedDigital:
		in.Set("assisted_digital", "yes")
	default:
		in.Set("assisted_digital", "no")
	}
	if def.CheckAnswers {
		in.Set("check_answers", "yes")
	}
	if in.Get("classification") == "" {
		in.Set("classification", string(platform.Official))
	}
	return d.renderDetails(w, r, dr, &web.Form{Input: in}, nil)
}

func (d *Designer) renderDetails(w http.ResponseWriter, r *http.Request, dr Draft, form *web.Form, err error) error {
	p := &detailsPage{editPage: newEdit(dr, form, draftURL(dr.ServiceID, "details")), Yes: []web.Option{option("yes", "Yes")}}
	for _, a := range []definition.Audience{definition.AudienceResidents, definition.AudienceAnonymous, definition.AudienceStaff, definition.AudiencePartners} {
		p.Audiences = append(p.Audiences, option(string(a), audienceNames[a]))
	}
	p.Assisted = []web.Option{{Value: "", Text: "The default", Hint: "Yes when residents or anyone may start it"}, option("yes", "Yes"), option("no", "No")}
	p.Classification = []web.Option{{Value: string(platform.Official), Text: "OFFICIAL"},
		{Value: string(platform.OfficialSensitive), Text: "OFFICIAL-SENSITIVE", Hint: "Cases hold personal details people expect to be protected"}}
	if d.opts.Units != nil {
		names, uerr := d.opts.Units(r.Context(), web.SubjectOf(r))
		if uerr != nil {
			return uerr
		}
		p.Units = append(p.Units, option("", "Choose a business unit"))
		for _, n := range names {
			p.Units = append(p.Units, option(n, n))
		}
	}
	for _, f := range dr.Def.Fields {
		p.ListFields = append(p.ListFields, option(f.ID, nameOr(f.Label, f.ID)))
	}
	return render(w, r, err, "designer/details", p)
}

func (d *Designer) saveDetails(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	def.Title, def.Summary = strings.TrimSpace(f.Get("title")), strings.TrimSpace(f.Get("summary"))
	def.ReferencePrefix = strings.ToUpper(strings.TrimSpace(f.Get("reference_prefix")))
	def.OwnerUnit, def.Retention = strings.TrimSpace(f.Get("owner_unit")), strings.TrimSpace(f.Get("retention"))
	def.Classification = platform.Classification(f.Get("classification"))
	def.Confirmation = definition.Confirmation{Title: strings.TrimSpace(f.Get("confirmation_title")), Body: strings.TrimSpace(f.Get("confirmation_body"))}
	def.CheckAnswers = f.Get("check_answers") == "yes"
	def.Start.Who = nil
	var bad []platform.FieldError
	for _, a := range f["who"] {
		if _, ok := audienceNames[definition.Audience(a)]; !ok {
			bad = append(bad, platform.FieldError{Field: "who", Message: "Choose who may start the service from the list"})
			break
		}
		def.Start.Who = append(def.Start.Who, definition.Audience(a))
	}
	switch f.Get("assisted_digital") {
	case "":
		def.Start.AssistedDigital = nil
	case "yes", "no":
		v := f.Get("assisted_digital") == "yes"
		def.Start.AssistedDigital = &v
	default:
		bad = append(bad, platform.FieldError{Field: "assisted_digital", Message: "Choose whether staff may fill it in for a resident"})
	}
	def.ListFields = nil
	for _, id := range f["list_fields"] {
		if def.Field(id) == nil {
			bad = append(bad, platform.FieldError{Field: "list_fields", Message: "Choose questions of this service"})
			break
		}
		def.ListFields = append(def.ListFields, id)
	}
	if def.Title == "" {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter the service's title"})
	}
	if len(bad) > 0 {
		err := invalid(bad...)
		return d.renderDetails(w, r, dr, web.FormErrors(r, err), err)
	}
	return d.commit(w, r, sub, dr, def, "the service's details", draftURL(dr.ServiceID))
}

// typeNames are the field types as the designer names them.
var typeNames = map[definition.FieldType]string{
	definition.TypeText: "Short text", definition.TypeLongText: "Long text", definition.TypeNumber: "Number",
	definition.TypeMoney: "Money", definition.TypeDate: "Date", definition.TypeEmail: "Email address",
	definition.TypeUKPhone: "UK phone number", definition.TypeUKPostcode: "UK postcode", definition.TypeAddress: "Address",
	definition.TypeChoice: "One choice (radios)", definition.TypeCheckboxes: "Several choices (checkboxes)",
	definition.TypeYesNo: "Yes or no", definition.TypeFile: "File upload", definition.TypePerson: "A member of staff",
}

// applies says which validation keys each type takes; the form shows only
// those, and saving clears the others, since the checker refuses a key a
// type does not use.
var applies = map[string][]definition.FieldType{
	"min_length": {definition.TypeText, definition.TypeLongText},
	"max_length": {definition.TypeText, definition.TypeLongText},
	"pattern":    {definition.TypeText},
	"min":        {definition.TypeNumber, definition.TypeMoney},
	"max":        {definition.TypeNumber, definition.TypeMoney},
	"before":     {definition.TypeDate},
	"after":      {definition.TypeDate},
	"options":    {definition.TypeChoice, definition.TypeCheckboxes},
	"max_bytes":  {definition.TypeFile},
	"accept":     {definition.TypeFile},
}

func takes(t definition.FieldType, key string) bool { return slices.Contains(applies[key], t) }
