package console

import (
	"context"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// transitionPage is the data of console/transition: the fields a
// transition requires, and the case version the person is looking at.
type transitionPage struct {
	*web.Form
	Case    services.Case
	Label   string
	Action  string
	Version int64
	Fields  []fieldView
}

// fieldView is one definition field as the _field partial draws it.
type fieldView struct {
	ID, Label, Hint string
	Kind            string // input, textarea, radios, checkboxes, date, address, select, picker
	Type            string // input type for "input"
	Options         []web.Option
	Picker          *forms.Picker // Kind "picker": a person question
}

// conflictPage is the data of console/conflict.
type conflictPage struct {
	CaseID  string
	Message string
}

// conflict answers 409 with a page that says what happened and links back
// to the case, so the person sees the change before trying again.
func (c *console) conflict(w http.ResponseWriter, r *http.Request, err error) error {
	return web.Render(w, r, http.StatusConflict, "console/conflict", conflictPage{CaseID: r.PathValue("id"), Message: platform.AsError(err).Message})
}

// loadTransition finds the case and one of the transitions this person may
// make on it now; any other transition is refused as the engine would.
func (c *console) loadTransition(r *http.Request) (services.Case, *definition.Definition, definition.Transition, error) {
	sub, err := needStaff(r)
	if err != nil {
		return services.Case{}, nil, definition.Transition{}, err
	}
	ctx := r.Context()
	cs, err := c.svc.GetCase(ctx, sub, r.PathValue("id"))
	if err != nil {
		return cs, nil, definition.Transition{}, err
	}
	def, err := c.svc.PinnedDefinition(ctx, cs)
	if err != nil {
		return cs, nil, definition.Transition{}, err
	}
	t := def.Transition(r.PathValue("tid"))
	if t == nil {
		return cs, def, definition.Transition{}, platform.NotFound("transition")
	}
	return cs, def, *t, nil
}

func (c *console) transitionForm(w http.ResponseWriter, r *http.Request) error {
	cs, def, t, err := c.loadTransition(r)
	if err != nil {
		return err
	}
	allowed, err := c.svc.AllowedTransitions(r.Context(), web.SubjectOf(r), cs)
	if err != nil {
		return err
	}
	ok := false
	for _, a := range allowed {
		ok = ok || a.ID == t.ID
	}
	if !ok {
		if containsState(t.From, cs.State) {
			return platform.Errorf(platform.CodeForbidden, "You cannot %s on this case.", strings.ToLower(t.Label))
		}
		return c.conflict(w, r, platform.Errorf(platform.CodeConflict, "This case is now %s", stateName(def, cs.State)))
	}
	in := forms.Inputs(def, &definition.Page{Fields: t.Requires}, cs.Answers)
	return c.renderTransition(w, r, cs, def, t, cs.Version, web.NewForm(in), http.StatusOK)
}

func (c *console) renderTransition(w http.ResponseWriter, r *http.Request, cs services.Case, def *definition.Definition, t definition.Transition, version int64, form *web.Form, status int) error {
	staff, err := c.opts.People.StaffIn(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	p := &transitionPage{Form: form, Case: cs, Label: t.Label, Version: version,
		Action: "/cases/" + cs.ID + "/transitions/" + t.ID}
	for _, id := range t.Requires {
		if f := def.Field(id); f != nil {
			v := viewOf(f, staff)
			if f.Type == definition.TypePerson && c.opts.FindPeople != nil {
				v.Kind, v.Options = "picker", nil
				v.Picker = c.picker(r, f, form)
			}
			p.Fields = append(p.Fields, v)
		}
	}
	return web.Render(w, r, status, "console/transition", p)
}

// transition makes the move. The version comes from the page the person
// was looking at, so a change made meanwhile by someone else is a conflict,
// not a silent overwrite.
func (c *console) transition(w http.ResponseWriter, r *http.Request) error {
	cs, def, t, err := c.loadTransition(r)
	if err != nil {
		return err
	}
	sub := web.SubjectOf(r)
	version, verr := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if verr != nil {
		return platform.Invalid("The form is missing the case version. Go back, reload the case and try again.")
	}
	if button := r.PostFormValue(forms.LookupButton); button != "" {
		// A person question's Search: the form again with the people
		// found, nothing changed.
		in := url.Values{}
		for _, name := range forms.InputNames(def, t.Requires) {
			if v, ok := r.PostForm[name]; ok {
				in[name] = v
			}
		}
		in.Set(forms.LookupButton, button)
		return c.renderTransition(w, r, cs, def, t, version, web.NewForm(in), http.StatusOK)
	}
	var fields definition.Answers
	if len(t.Requires) > 0 {
		staff, err := c.opts.People.StaffIn(r.Context(), sub)
		if err != nil {
			return err
		}
		known := map[string]string{}
		for _, s := range staff {
			known[s.ID] = s.Name
		}
		opts := forms.Options{AllowInternal: true, Now: c.opts.Now, Saved: cs.Answers, People: c.personName(r, known)}
		var perr *platform.Error
		fields, _, perr = forms.DecodeFields(def, t.Requires, r.PostForm, nil, opts)
		if perr != nil {
			if perr.Code != platform.CodeInvalid {
				return perr
			}
			return c.renderTransition(w, r, cs, def, t, version, web.FormErrors(r, perr), http.StatusUnprocessableEntity)
		}
	}
	next, err := c.svc.Transition(r.Context(), sub, cs.ID, t.ID, version, fields)
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeConflict:
		return c.conflict(w, r, err)
	case platform.CodeInvalid:
		if len(t.Requires) == 0 {
			return err
		}
		return c.renderTransition(w, r, cs, def, t, version, web.FormErrors(r, err), http.StatusUnprocessableEntity)
	default:
		return err
	}
	web.SetFlash(w, r, t.Label+": the case is now "+strings.ToLower(stateName(def, next.State)))
	http.Redirect(w, r, "/cases/"+cs.ID, http.StatusSeeOther)
	return nil
}

func containsState(states []string, s string) bool {
	for _, x := range states {
		if x == s {
			return true
		}
	}
	return false
}

// StaffSearch finds active staff by name or email, a page at a time
// (forms.PeopleSearch with the asker).
type StaffSearch func(ctx context.Context, sub *platform.Subject, text, after string, limit int) ([]forms.PersonMatch, string, error)

// personName resolves a person answer: one of the staff listed, or, when
// the picker can find anyone, any person the directory names.
func (c *console) personName(r *http.Request, known map[string]string) forms.PersonLookup {
	return func(id string) (string, bool) {
		if n, ok := known[id]; ok {
			return n, true
		}
		if c.opts.FindPeople == nil || !platform.ValidID("usr", id) {
			return "", false
		}
		n := c.opts.People.Name(r.Context(), web.SubjectOf(r), id)
		return n, n != ""
	}
}

// picker builds a person question's search-and-choose picker.
func (c *console) picker(r *http.Request, f *definition.Field, form *web.Form) *forms.Picker {
	sub := web.SubjectOf(r)
	search := func(text, after string, limit int) ([]forms.PersonMatch, string, error) {
		return c.opts.FindPeople(r.Context(), sub, text, after, limit)
	}
	var in url.Values
	if form != nil {
		in = form.Input
	}
	p := forms.BuildPicker(f, in, search, c.personName(r, nil))
	return &p
}

// viewOf chooses the GOV.UK component for a field.
func viewOf(f *definition.Field, staff []Person) fieldView {
	v := fieldView{ID: f.ID, Label: f.Label, Hint: f.Hint, Kind: "input", Type: "text"}
	switch f.Type {
	case definition.TypeLongText:
		v.Kind = "textarea"
	case definition.TypeEmail:
		v.Type = "email"
	case definition.TypeNumber, definition.TypeMoney:
		v.Kind, v.Type = "input", "text"
	case definition.TypeChoice:
		v.Kind = "radios"
		for _, o := range f.Options {
			v.Options = append(v.Options, web.Option{Value: o.Value, Text: o.Label})
		}
	case definition.TypeCheckboxes:
		v.Kind = "checkboxes"
		for _, o := range f.Options {
			v.Options = append(v.Options, web.Option{Value: o.Value, Text: o.Label})
		}
	case definition.TypeYesNo:
		v.Kind = "radios"
		v.Options = []web.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}
	case definition.TypeDate:
		v.Kind = "date"
	case definition.TypeAddress:
		v.Kind = "address"
	case definition.TypePerson:
		v.Kind = "select"
		v.Options = []web.Option{{Value: "", Text: "Choose a person"}}
		for _, s := range staff {
			v.Options = append(v.Options, web.Option{Value: s.ID, Text: s.Name})
		}
	}
	return v
}

// addAttachment keeps an uploaded file with the case. The type stored is
// what the content looks like, not what the browser claims.
func (c *console) addAttachment(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	fh, hdr, ferr := r.FormFile("file")
	if ferr != nil {
		return c.afterChange(w, r, platform.Invalid("", platform.FieldError{Field: "file", Message: "Select a file"}), "")
	}
	defer fh.Close()
	content, err := io.ReadAll(io.LimitReader(fh, c.opts.MaxUploadBytes+1))
	if err != nil {
		return platform.Internal(err)
	}
	file := definition.File{Name: hdr.Filename, MediaType: mediaType(content, hdr.Filename), Size: int64(len(content))}
	_, err = c.svc.AddAttachment(r.Context(), sub, r.PathValue("id"), file, content)
	return c.afterChange(w, r, err, "File added")
}

func mediaType(content []byte, name string) string {
	t := http.DetectContentType(content)
	if strings.HasPrefix(t, "text/plain") || t == "application/octet-stream" {
		// Sniffing cannot tell CSV from text; the extension can, and such
		// files are downloaded, never shown inline.
		if byExt := mime.TypeByExtension(strings.ToLower(path.Ext(name))); byExt != "" {
			return byExt
		}
	}
	return t
}

// download sends a file as an attachment with its stored type, so a
// browser saves it rather than running it in the console's origin.
func (c *console) download(w http.ResponseWriter, r *http.Request) error {
	sub, err := needStaff(r)
	if err != nil {
		return err
	}
	a, content, err := c.svc.GetAttachment(r.Context(), sub, r.PathValue("id"), r.PathValue("aid"))
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", a.MediaType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Content-Length", strconv.Itoa(len(content)))
	w.Write(content) // an error here is the client gone away: nothing left to tell it
	return nil
}

func parseDay(s string) (time.Time, error) { return time.ParseInLocation("2006-01-02", s, london) }
