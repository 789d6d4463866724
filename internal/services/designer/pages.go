package designer

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// needDesigner refuses people who may not design services before any
// lookup; the access policy still decides each draft.
func needDesigner(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if !slices.ContainsFunc(roles, sub.HasRole) {
		return nil, platform.Errorf(platform.CodeForbidden, "You need the service designer role to use the service designer.")
	}
	return sub, nil
}

// loadDraft reads the draft a page is about. On a form post the draft's
// revision is the one the form was drawn from, so saving over someone
// else's later change fails instead of losing it.
func (d *Designer) loadDraft(r *http.Request) (*platform.Subject, Draft, error) {
	sub, err := needDesigner(r)
	if err != nil {
		return nil, Draft{}, err
	}
	dr, err := d.Draft(r.Context(), sub, r.PathValue("sid"))
	if err != nil {
		return nil, Draft{}, err
	}
	if r.Method == http.MethodPost {
		rev, err := strconv.ParseInt(r.PostFormValue("revision"), 10, 64)
		if err != nil || rev < 1 {
			return nil, Draft{}, platform.Invalid("The form is missing the draft's revision; open the page again", platform.FieldError{Field: "revision", Message: "is required"})
		}
		if rev != dr.Revision {
			return nil, Draft{}, errStale
		}
	}
	return sub, dr, nil
}

// working is a copy of the draft's definition for a form to change, read
// again from the YAML so a failed change leaves nothing behind.
// loadWorking is loadDraft with a working copy of its definition to change:
// what every form that saves a part of a draft starts with.
func (d *Designer) loadWorking(r *http.Request) (*platform.Subject, Draft, *definition.Definition, error) {
	sub, dr, err := d.loadDraft(r)
	if err != nil {
		return nil, Draft{}, nil, err
	}
	def, err := working(dr)
	if err != nil {
		return nil, Draft{}, nil, err
	}
	return sub, dr, def, nil
}

func working(dr Draft) (*definition.Definition, error) {
	def, err := decodeDraft(dr.Source)
	if err != nil {
		return nil, platform.Internal(err)
	}
	return def, nil
}

// commit saves a changed definition and returns to the page at to, with a
// message that says whether the draft can now be published.
func (d *Designer) commit(w http.ResponseWriter, r *http.Request, sub *platform.Subject, dr Draft, def *definition.Definition, what, to string) error {
	saved, err := d.save(r.Context(), sub, dr, def, what)
	if err != nil {
		return err
	}
	msg := "Saved: " + what
	if n := len(problemsOf(saved)); n > 0 {
		msg += fmt.Sprintf(". The draft has %d %s to fix before it can be published", n, plural(n, "problem"))
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

func draftURL(id string, parts ...string) string {
	u := Base + "/" + url.PathEscape(id)
	for _, p := range parts {
		u += "/" + url.PathEscape(p)
	}
	return u
}

// problem is one of the checker's problems with a link to the part of the
// designer where it is fixed.
type problem struct {
	Line    int
	Path    string
	Message string
	Part    string // "Question “Your name”"
	Href    string
}

var pathIndex = regexp.MustCompile(`^(fields|pages|workflow\.states|workflow\.transitions)\[(\d+)\]`)

// problemsOf runs the definition checker on the draft exactly as publishing
// will, and places each problem in the designer.
func problemsOf(dr Draft) []problem {
	_, err := definition.Parse(dr.Source, dr.ServiceID+".yaml")
	var verr *definition.ValidationError
	if !errors.As(err, &verr) {
		return nil
	}
	def := dr.Def
	out := make([]problem, 0, len(verr.Problems))
	for _, p := range verr.Problems {
		pr := problem{Line: p.Line, Path: p.Path, Message: p.Message, Part: "Service details", Href: draftURL(dr.ServiceID, "details")}
		if m := pathIndex.FindStringSubmatch(p.Path); m != nil {
			i, _ := strconv.Atoi(m[2])
			switch {
			case m[1] == "fields" && i < len(def.Fields):
				pr.Part, pr.Href = "Question “"+nameOr(def.Fields[i].Label, def.Fields[i].ID)+"”", draftURL(dr.ServiceID, "fields", def.Fields[i].ID)
			case m[1] == "pages" && i < len(def.Pages):
				pr.Part, pr.Href = "Page “"+def.Pages[i].ID+"”", draftURL(dr.ServiceID, "pages", def.Pages[i].ID)
			case m[1] == "workflow.states" && i < len(def.Workflow.States):
				pr.Part, pr.Href = "State “"+nameOr(def.Workflow.States[i].Label, def.Workflow.States[i].ID)+"”", draftURL(dr.ServiceID, "states", def.Workflow.States[i].ID)
			case m[1] == "workflow.transitions" && i < len(def.Workflow.Transitions):
				pr.Part, pr.Href = "Transition “"+nameOr(def.Workflow.Transitions[i].Label, def.Workflow.Transitions[i].ID)+"”", draftURL(dr.ServiceID, "transitions", def.Workflow.Transitions[i].ID)
			}
		} else if strings.HasPrefix(p.Path, "workflow") || strings.HasPrefix(p.Path, "pages") || strings.HasPrefix(p.Path, "fields") {
			pr.Part, pr.Href = "Workflow and pages", draftURL(dr.ServiceID)+"#workflow"
			if strings.HasPrefix(p.Path, "pages") || strings.HasPrefix(p.Path, "fields") {
				pr.Part, pr.Href = "Questions and pages", draftURL(dr.ServiceID)+"#questions"
			}
		}
		out = append(out, pr)
	}
	return out
}

// problemsIn keeps the problems of one part.
func problemsIn(all []problem, href string) []problem {
	var out []problem
	for _, p := range all {
		if p.Href == href {
			out = append(out, p)
		}
	}
	return out
}

func nameOr(name, id string) string {
	if strings.TrimSpace(name) != "" {
		return name
	}
	return id
}

// editPage is what every editing page shows besides its form: the draft,
// its problems in the part being edited, and the revision to post back.
type editPage struct {
	*web.Form
	ServiceID string
	Title     string
	Revision  int64
	Problems  []problem
	Action    string
	Back      string
}

func newEdit(dr Draft, form *web.Form, action string) editPage {
	if form == nil {
		form = &web.Form{Input: url.Values{}}
	}
	return editPage{Form: form, ServiceID: dr.ServiceID, Title: nameOr(dr.Def.Title, dr.ServiceID), Revision: dr.Revision,
		Problems: problemsIn(problemsOf(dr), action), Action: action, Back: draftURL(dr.ServiceID)}
}

// invalid is a form's refusal with the fields to fix.
func invalid(fields ...platform.FieldError) error {
	return platform.Invalid("Check the form", fields...)
}

func render(w http.ResponseWriter, r *http.Request, err error, name string, data any) error {
	status := http.StatusOK
	if err != nil {
		status = http.StatusUnprocessableEntity
	}
	return web.Render(w, r, status, name, data)
}

func option(value, text string) web.Option { return web.Option{Value: value, Text: text} }

// splitList reads a comma- or line-separated list, trimmed, without blanks.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' }) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// idPattern is what the designer accepts as an ID before the checker's
// finer rules (snake_case for fields, hyphens allowed in pages).
var idPattern = regexp.MustCompile(`^[a-z][a-z0-9_-]{0,63}$`)

func checkID(field, id string) *platform.FieldError {
	if !idPattern.MatchString(id) {
		return &platform.FieldError{Field: field, Message: "Enter an ID of lower-case letters, digits and underscores, starting with a letter, at most 64 characters"}
	}
	return nil
}
