package designer

import (
	"fmt"
	"math"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// fieldPage is the data of designer/field.
type fieldPage struct {
	editPage
	New     bool
	FieldID string
	Type    definition.FieldType
	Types   []web.Option
	Pages   []web.Option // where a new question is asked
	Yes     []web.Option
	// FromAccount are the choices of what an answer is filled in from.
	FromAccount []web.Option
	Takes       map[string]bool
	// TypesFor lists, per group of checks, the kinds of answer that take
	// it, for the script that shows the groups as the kind is changed.
	TypesFor map[string]string
	Delete   string
	// ChooseType asks first what kind of answer a new question takes, so
	// the form then shows the checks that kind has, without a script.
	ChooseType bool
}

const pageOwn, pageNone = "+own", "+none"

func (d *Designer) fieldForm(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	in := url.Values{"type": {string(definition.TypeText)}, "page": {pageOwn}}
	if fid := r.PathValue("fid"); fid != "" {
		f := dr.Def.Field(fid)
		if f == nil {
			return platform.NotFound("question")
		}
		in = fieldValues(f)
	} else if t := r.URL.Query().Get("type"); typeNames[definition.FieldType(t)] != "" {
		in.Set("type", t)
	} else {
		return d.renderField(w, r, dr, &web.Form{Input: in}, nil, true)
	}
	return d.renderField(w, r, dr, &web.Form{Input: in}, nil, false)
}

func fieldValues(f *definition.Field) url.Values {
	in := url.Values{"id": {f.ID}, "type": {string(f.Type)}, "label": {f.Label}, "hint": {f.Hint}, "pattern": {f.Pattern},
		"pattern_message": {f.PatternMessage}, "before": {f.Before}, "after": {f.After}, "accept": {strings.Join(f.Accept, ", ")}}
	if f.Required {
		in.Set("required", "yes")
	}
	if f.Internal {
		in.Set("internal", "yes")
	}
	if f.SharedWithApplicant {
		in.Set("shared_with_applicant", "yes")
	}
	in.Set("from_account", f.FromAccount)
	if f.Public {
		in.Set("public", "yes")
	}
	in.Set("public_label", f.PublicLabel)
	if f.MinLength > 0 {
		in.Set("min_length", strconv.Itoa(f.MinLength))
	}
	if f.MaxLength > 0 {
		in.Set("max_length", strconv.Itoa(f.MaxLength))
	}
	if f.Min != nil {
		in.Set("min", strconv.FormatFloat(*f.Min, 'f', -1, 64))
	}
	if f.Max != nil {
		in.Set("max", strconv.FormatFloat(*f.Max, 'f', -1, 64))
	}
	if f.MaxBytes > 0 {
		in.Set("max_mb", strconv.FormatFloat(float64(f.MaxBytes)/(1<<20), 'f', -1, 64))
	}
	var opts []string
	for _, o := range f.Options {
		line := o.Value + " | " + o.Label
		if o.Hint != "" {
			line += " | " + o.Hint
		}
		opts = append(opts, line)
	}
	in.Set("options", strings.Join(opts, "\n"))
	return in
}

func (d *Designer) renderField(w http.ResponseWriter, r *http.Request, dr Draft, form *web.Form, err error, choose bool) error {
	fid := r.PathValue("fid")
	action := draftURL(dr.ServiceID, "new-field")
	if fid != "" {
		action = draftURL(dr.ServiceID, "fields", fid)
	}
	t := definition.FieldType(form.Value("type"))
	p := &fieldPage{editPage: newEdit(dr, form, action), New: fid == "", FieldID: fid, Type: t, Yes: []web.Option{option("yes", "Yes")},
		FromAccount: []web.Option{option("", "Nothing"), option("name", "Their name"), option("email", "Their email address"), option("phone", "Their phone number")}, Takes: map[string]bool{}, ChooseType: choose}
	if fid != "" {
		p.Delete = draftURL(dr.ServiceID, "fields", fid, "delete")
	}
	for _, ft := range definition.FieldTypes {
		p.Types = append(p.Types, web.Option{Value: string(ft), Text: typeNames[ft], Hint: typeHints[ft]})
	}
	p.TypesFor = map[string]string{}
	var any []string
	for k, ts := range applies {
		p.Takes[k] = takes(t, k)
		names := make([]string, len(ts))
		for i, ft := range ts {
			names[i] = string(ft)
			if !slices.Contains(any, names[i]) {
				any = append(any, names[i])
			}
		}
		p.TypesFor[k] = strings.Join(names, " ")
		p.Takes["any"] = p.Takes["any"] || p.Takes[k]
	}
	slices.Sort(any)
	p.TypesFor["any"] = strings.Join(any, " ")
	p.Pages = []web.Option{option(pageOwn, "On a page of its own, after the last page"), option(pageNone, "Not yet")}
	for _, pg := range dr.Def.Pages {
		p.Pages = append(p.Pages, option(pg.ID, "On the page “"+pageHeading(dr.Def, &pg)+"”"))
	}
	return render(w, r, err, "designer/field", p)
}

// saveField adds or changes a question. A changed type keeps only the
// validation that type takes; a changed ID is changed everywhere the
// question is named (pages, conditions, list fields, transitions).
func (d *Designer) saveField(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	old := r.PathValue("fid")
	var f *definition.Field
	if old != "" {
		if f = def.Field(old); f == nil {
			return platform.NotFound("question")
		}
	} else {
		def.Fields = append(def.Fields, definition.Field{})
		f = &def.Fields[len(def.Fields)-1]
	}
	bad := readField(r.PostForm, f)
	if f.ID != old && def.Field(f.ID) != f {
		bad = append(bad, platform.FieldError{Field: "id", Message: "Another question already has the ID " + f.ID})
	}
	where := r.PostFormValue("page")
	if old == "" && where != pageOwn && where != pageNone && def.Page(where) == nil {
		bad = append(bad, platform.FieldError{Field: "page", Message: "Choose where the question is asked"})
	}
	if len(bad) > 0 {
		err := invalid(bad...)
		return d.renderField(w, r, dr, web.FormErrors(r, err), err, false)
	}
	if old != "" && f.ID != old {
		renameField(def, old, f.ID)
	}
	if old == "" && !f.Internal {
		switch where {
		case pageOwn:
			addPageAfterLast(def, definition.Page{ID: uniquePageID(def, strings.ReplaceAll(f.ID, "_", "-")), Fields: []string{f.ID}})
		case pageNone:
		default:
			pg := def.Page(where)
			pg.Fields = append(pg.Fields, f.ID)
		}
	}
	if f.Internal {
		// Staff fill internal fields in on transitions: never on a page.
		for i := range def.Pages {
			def.Pages[i].Fields = slices.DeleteFunc(def.Pages[i].Fields, func(s string) bool { return s == f.ID })
		}
	}
	verb := "changed"
	if old == "" {
		verb = "added"
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("question %q %s", nameOr(f.Label, f.ID), verb), draftURL(dr.ServiceID)+"#questions")
}

// readField fills f from the form and returns what must be fixed first.
func readField(in url.Values, f *definition.Field) []platform.FieldError {
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	f.ID = strings.TrimSpace(in.Get("id"))
	if e := checkID("id", f.ID); e != nil {
		bad = append(bad, *e)
	}
	f.Type = definition.FieldType(in.Get("type"))
	if typeNames[f.Type] == "" {
		add("type", "Choose the kind of answer")
	}
	f.Label, f.Hint = strings.TrimSpace(in.Get("label")), strings.TrimSpace(in.Get("hint"))
	if f.Label == "" {
		add("label", "Enter the question")
	}
	f.Required, f.Internal = in.Get("required") == "yes", in.Get("internal") == "yes"
	*f = definition.Field{ID: f.ID, Type: f.Type, Label: f.Label, Hint: f.Hint, Required: f.Required, Internal: f.Internal,
		SharedWithApplicant: in.Get("shared_with_applicant") == "yes", FromAccount: in.Get("from_account"),
		Public: in.Get("public") == "yes", PublicLabel: strings.TrimSpace(in.Get("public_label"))}
	whole := func(key, what string) int {
		v := strings.TrimSpace(in.Get(key))
		if v == "" || !takes(f.Type, key) {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			add(key, "Enter the "+what+" as a whole number, like 100")
		}
		return n
	}
	number := func(key, what string) *float64 {
		v := strings.TrimSpace(in.Get(key))
		if v == "" || !takes(f.Type, key) {
			return nil
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || math.IsInf(n, 0) || math.IsNaN(n) {
			add(key, "Enter the "+what+" as a number, like 12.5")
			return nil
		}
		return &n
	}
	f.MinLength, f.MaxLength = whole("min_length", "fewest characters"), whole("max_length", "most characters")
	f.Min, f.Max = number("min", "smallest answer"), number("max", "largest answer")
	if takes(f.Type, "pattern") {
		f.Pattern, f.PatternMessage = strings.TrimSpace(in.Get("pattern")), strings.TrimSpace(in.Get("pattern_message"))
	}
	if takes(f.Type, "before") {
		f.Before, f.After = strings.TrimSpace(in.Get("before")), strings.TrimSpace(in.Get("after"))
	}
	if takes(f.Type, "max_bytes") {
		if mb := number("max_mb", "largest file size"); mb != nil {
			f.MaxBytes = int64(math.Round(*mb * (1 << 20)))
		}
		f.Accept = splitList(in.Get("accept"))
	}
	if takes(f.Type, "options") {
		opts, msg := readOptions(in.Get("options"))
		if msg != "" {
			add("options", msg)
		}
		f.Options = opts
	}
	return bad
}

// readOptions reads one option a line as "value | label | hint"; a line of
// only a label takes a value made from it.
func readOptions(text string) ([]definition.Option, string) {
	var out []definition.Option
	for i, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for j := range parts {
			parts[j] = strings.TrimSpace(parts[j])
		}
		var o definition.Option
		switch len(parts) {
		case 1:
			o = definition.Option{Value: valueOf(parts[0]), Label: parts[0]}
		case 2:
			o = definition.Option{Value: parts[0], Label: parts[1]}
		case 3:
			o = definition.Option{Value: parts[0], Label: parts[1], Hint: parts[2]}
		default:
			return nil, fmt.Sprintf("Line %d of the options has more than three parts: write value | label | hint", i+1)
		}
		if o.Value == "" || o.Label == "" {
			return nil, fmt.Sprintf("Line %d of the options needs a value and a label", i+1)
		}
		out = append(out, o)
	}
	return out, ""
}

// valueOf makes a stored value from a label: "Partly upheld" -> partly_upheld.
func valueOf(label string) string {
	var b strings.Builder
	gap := false
	for _, r := range strings.ToLower(label) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			b.WriteRune(r)
			gap = false
		default:
			gap = true
		}
	}
	return b.String()
}

func renameField(def *definition.Definition, from, to string) {
	swap := func(list []string) {
		for i, s := range list {
			if s == from {
				list[i] = to
			}
		}
	}
	for i := range def.Pages {
		swap(def.Pages[i].Fields)
		for _, rule := range def.Pages[i].Next {
			if rule.If != nil && rule.If.Field == from {
				rule.If.Field = to
			}
		}
	}
	swap(def.ListFields)
	for i := range def.Workflow.Transitions {
		swap(def.Workflow.Transitions[i].Requires)
	}
}

// deleteField removes a question and every list that names it; a
// condition that tests it stays, and the checker points at it.
func (d *Designer) deleteField(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PathValue("fid")
	f := def.Field(id)
	if f == nil {
		return platform.NotFound("question")
	}
	label := nameOr(f.Label, id)
	is := func(s string) bool { return s == id }
	def.Fields = slices.DeleteFunc(def.Fields, func(f definition.Field) bool { return f.ID == id })
	for i := range def.Pages {
		def.Pages[i].Fields = slices.DeleteFunc(def.Pages[i].Fields, is)
	}
	def.ListFields = slices.DeleteFunc(def.ListFields, is)
	for i := range def.Workflow.Transitions {
		def.Workflow.Transitions[i].Requires = slices.DeleteFunc(def.Workflow.Transitions[i].Requires, is)
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("question %q deleted", label), draftURL(dr.ServiceID)+"#questions")
}

var typeHints = map[definition.FieldType]string{
	definition.TypeText: "A line of text, like a name or a reference", definition.TypeLongText: "Paragraphs, like a description",
	definition.TypeNumber: "A number, with the smallest and largest allowed", definition.TypeMoney: "Pounds and pence",
	definition.TypeDate: "Day, month and year", definition.TypeChoice: "One of a list", definition.TypeCheckboxes: "Any of a list",
	definition.TypeFile: "A document or photo", definition.TypePerson: "Chosen by staff from the organisation's people",
}
