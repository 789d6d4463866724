package designer

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// previewPage is the data of designer/preview: one page of the form drawn
// as the portal draws it, which the designer can also try: "Continue"
// checks the answers with the same rules the portal uses and follows the
// branching, carrying earlier answers in the address (nothing is stored).
type previewPage struct {
	*web.Form
	ServiceID string
	Title     string
	Heading   string
	PageID    string
	Fields    []fieldView
	Carry     []carried // earlier pages' answers, as hidden inputs
	Leads     []string
	Pages     []web.SummaryRow
	Tryable   bool   // the draft has no problems, so the branching can be followed
	End       bool   // the answers reached the end of the questions
	Back      string // the draft
}

// fieldView is one question as the portal's question page draws it.
type fieldView struct {
	ID, Type, Label, Hint string
	Options               []web.Option
	Hidden                bool
	Parts                 []datePart
}

type datePart struct{ Label, Name string }

type carried struct{ Name, Value string }

func (d *Designer) preview(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	def := dr.Def
	pg := def.Page(r.PathValue("pid"))
	if pg == nil {
		return platform.NotFound("page")
	}
	q := r.URL.Query()
	form := &web.Form{Input: q}
	tryable := len(problemsOf(dr)) == 0
	if from := q.Get("from"); tryable && from != "" && from == pg.ID {
		q.Del("from")
		answers, perr := d.tryAnswers(def, pg, q)
		if perr != nil {
			form.Errors = perr.Fields
		} else {
			next, err := forms.Next(def, pg.ID, answers)
			if err != nil {
				return err
			}
			if next != forms.CheckAnswers {
				http.Redirect(w, r, draftURL(dr.ServiceID, "preview", next)+"?"+q.Encode(), http.StatusSeeOther)
				return nil
			}
			return d.renderPreview(w, r, dr, pg, form, true)
		}
	}
	return d.renderPreview(w, r, dr, pg, form, false)
}

// tryAnswers decodes this page with the portal's rules and every earlier
// page's carried answers, for the branching. File questions cannot be
// tried in a preview (nothing is uploaded), so their errors are set aside.
func (d *Designer) tryAnswers(def *definition.Definition, pg *definition.Page, q url.Values) (definition.Answers, *platform.Error) {
	opts := forms.Options{Now: d.now, Location: london, People: func(id string) (string, bool) { return id, platform.ValidID("usr", id) }}
	answers := definition.Answers{}
	for _, other := range def.Pages {
		ids := slices.DeleteFunc(slices.Clone(other.Fields), func(id string) bool {
			f := def.Field(id)
			return f == nil || f.Type == definition.TypeFile
		})
		a, _, perr := forms.DecodeFields(def, ids, q, nil, opts)
		if perr != nil {
			if other.ID == pg.ID {
				return nil, perr
			}
			continue // a page not yet reached in this try
		}
		for k, v := range a {
			answers[k] = v
		}
	}
	return answers, nil
}

var london = func() *time.Location {
	l, err := time.LoadLocation("Europe/London")
	if err != nil {
		return time.UTC
	}
	return l
}()

func (d *Designer) renderPreview(w http.ResponseWriter, r *http.Request, dr Draft, pg *definition.Page, form *web.Form, end bool) error {
	def := dr.Def
	p := &previewPage{Form: form, ServiceID: dr.ServiceID, Title: nameOr(def.Title, dr.ServiceID), Heading: pageHeading(def, pg), PageID: pg.ID,
		Leads: describeRules(def, pg.Next), Tryable: len(problemsOf(dr)) == 0, End: end, Back: draftURL(dr.ServiceID)}
	single := len(pg.Fields) == 1
	mine := map[string]bool{}
	for _, id := range pg.Fields {
		fd := def.Field(id)
		if fd == nil {
			continue
		}
		v := fieldView{ID: fd.ID, Type: string(fd.Type), Label: fd.Label, Hint: fd.Hint, Hidden: single && (pg.Title == "" || pg.Title == fd.Label)}
		for _, o := range fd.Options {
			v.Options = append(v.Options, web.Option{Value: o.Value, Text: o.Label, Hint: o.Hint})
		}
		if fd.Type == definition.TypeYesNo {
			v.Options = []web.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}
		}
		if fd.Type == definition.TypeDate {
			v.Parts = []datePart{{"Day", fd.ID + "-day"}, {"Month", fd.ID + "-month"}, {"Year", fd.ID + "-year"}}
		}
		if fd.Type == definition.TypeFile && v.Hint == "" {
			size := fd.MaxBytes
			if size <= 0 {
				size = forms.DefaultMaxBytes
			}
			v.Hint = "The file must be smaller than " + forms.FormatSize(size)
		}
		for _, n := range forms.InputNames(def, []string{fd.ID}) {
			mine[n] = true
		}
		p.Fields = append(p.Fields, v)
	}
	if p.Tryable {
		for name, vs := range form.Input {
			if !mine[name] && name != "from" {
				for _, v := range vs {
					p.Carry = append(p.Carry, carried{name, v})
				}
			}
		}
		slices.SortFunc(p.Carry, func(a, b carried) int {
			if a.Name < b.Name {
				return -1
			}
			if a.Name > b.Name {
				return 1
			}
			return 0
		})
	}
	for _, other := range def.Pages {
		row := web.SummaryRow{Key: pageHeading(def, &other), Value: other.ID}
		if other.ID != pg.ID {
			row.Href, row.ActionText = draftURL(dr.ServiceID, "preview", other.ID), "Preview"
		}
		p.Pages = append(p.Pages, row)
	}
	return web.Render(w, r, http.StatusOK, "designer/preview", p)
}
