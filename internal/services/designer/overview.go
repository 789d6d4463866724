package designer

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// listPage is the data of designer/list.
type listPage struct {
	*web.Form
	Drafts    web.Table
	Published web.Table
	Open      []publishedRow
}

type publishedRow struct {
	ID, Title string
	Version   int
	Drafting  bool
}

func (d *Designer) list(w http.ResponseWriter, r *http.Request) error {
	return d.renderList(w, r, nil)
}

func (d *Designer) renderList(w http.ResponseWriter, r *http.Request, form *web.Form) error {
	sub, err := needDesigner(r)
	if err != nil {
		return err
	}
	drafts, err := d.Drafts(r.Context(), sub)
	if err != nil {
		return err
	}
	pubs, err := d.svc.ListDefinitions(r.Context(), sub)
	if err != nil {
		return err
	}
	p := &listPage{Form: form}
	if p.Form == nil {
		p.Form = &web.Form{}
	}
	p.Drafts = web.Table{Caption: "Drafts", Head: []web.Cell{{Text: "Service"}, {Text: "ID"}, {Text: "Starts from"}, {Text: "Problems", Numeric: true}}}
	drafting := map[string]bool{}
	for _, dr := range drafts {
		drafting[dr.ServiceID] = true
		from := "A new service"
		if dr.BaseVersion > 0 {
			from = "Version " + strconv.Itoa(dr.BaseVersion)
		}
		p.Drafts.Rows = append(p.Drafts.Rows, []web.Cell{{Text: nameOr(dr.Def.Title, dr.ServiceID), Href: draftURL(dr.ServiceID)},
			{Text: dr.ServiceID}, {Text: from}, {Text: strconv.Itoa(len(problemsOf(dr))), Numeric: true}})
	}
	for _, pb := range pubs {
		p.Open = append(p.Open, publishedRow{ID: pb.Def.ID, Title: pb.Def.Title, Version: pb.Def.Version, Drafting: drafting[pb.Def.ID]})
	}
	status := http.StatusOK
	if p.Form.HasErrors() {
		status = http.StatusUnprocessableEntity
	}
	return web.Render(w, r, status, "designer/list", p)
}

// createNew starts a new service from a skeleton: one question on one
// page, and a workflow of two states, so the draft can be published once
// the details are filled in and the author sees at once how each part
// looks.
func (d *Designer) createNew(w http.ResponseWriter, r *http.Request) error {
	sub, err := needDesigner(r)
	if err != nil {
		return err
	}
	id, title := strings.TrimSpace(r.PostFormValue("id")), strings.TrimSpace(r.PostFormValue("title"))
	var bad []platform.FieldError
	if title == "" {
		bad = append(bad, platform.FieldError{Field: "title", Message: "Enter the service's title, e.g. Report a pothole"})
	}
	if !serviceID.MatchString(id) {
		bad = append(bad, platform.FieldError{Field: "id", Message: "Enter an ID of lower-case words joined by hyphens, e.g. report-a-pothole"})
	}
	if len(bad) == 0 {
		_, err := d.svc.GetDefinition(r.Context(), sub, id, 0)
		switch platform.CodeOf(err) {
		case "":
			bad = append(bad, platform.FieldError{Field: "id", Message: "A service called " + id + " is already published: change it from the list of published services"})
		case platform.CodeNotFound:
		default:
			return err
		}
	}
	if len(bad) > 0 {
		return d.renderList(w, r, web.FormErrors(r, platform.Invalid("Check the new service", bad...)))
	}
	if _, err := d.create(r.Context(), sub, skeleton(id, title), 0); err != nil {
		if platform.CodeOf(err) == platform.CodeConflict {
			return d.renderList(w, r, web.FormErrors(r, platform.Invalid("Check the new service", platform.FieldError{Field: "id", Message: platform.AsError(err).Message})))
		}
		return err
	}
	web.SetFlash(w, r, "Started "+title+": fill in each part, then publish it")
	http.Redirect(w, r, draftURL(id), http.StatusSeeOther)
	return nil
}

func skeleton(id, title string) *definition.Definition {
	return &definition.Definition{
		ID: id, Version: 1, Title: title,
		Start:        definition.Start{Who: []definition.Audience{definition.AudienceResidents}},
		Fields:       []definition.Field{{ID: "details", Type: definition.TypeLongText, Label: "Tell us what you need", Required: true}},
		Pages:        []definition.Page{{ID: "details", Fields: []string{"details"}}},
		CheckAnswers: true,
		Confirmation: definition.Confirmation{Title: "Request received", Body: "Your reference is {{reference}}."},
		Workflow: definition.Workflow{Initial: "submitted",
			States:      []definition.State{{ID: "submitted", Label: "Submitted"}, {ID: "closed", Label: "Closed", Terminal: true}},
			Transitions: []definition.Transition{{ID: "close", Label: "Close", From: []string{"submitted"}, To: "closed"}}},
	}
}

// openPublished starts a draft of the next version of a published service.
func (d *Designer) openPublished(w http.ResponseWriter, r *http.Request) error {
	sub, err := needDesigner(r)
	if err != nil {
		return err
	}
	id := r.PathValue("sid")
	if _, err := d.Draft(r.Context(), sub, id); err == nil {
		http.Redirect(w, r, draftURL(id), http.StatusSeeOther)
		return nil
	}
	pub, err := d.svc.GetDefinition(r.Context(), sub, id, 0)
	if err != nil {
		return err
	}
	// The published definition is shared with the engine's cache: the
	// draft starts from a copy made through its own YAML.
	src, err := Encode(pub.Def)
	if err != nil {
		return platform.Internal(err)
	}
	def, err := decodeDraft(src)
	if err != nil {
		return platform.Internal(err)
	}
	def.Version = pub.Def.Version + 1
	if _, err := d.create(r.Context(), sub, def, pub.Def.Version); err != nil {
		return err
	}
	web.SetFlash(w, r, fmt.Sprintf("Started version %d of %s. Cases already started stay on the version they started on", def.Version, def.Title))
	http.Redirect(w, r, draftURL(id), http.StatusSeeOther)
	return nil
}

// overviewPage is the data of designer/draft.
type overviewPage struct {
	*web.Form
	Draft       Draft
	Title       string
	Problems    []problem
	Details     []web.SummaryRow
	Fields      []fieldRow
	Pages       []pageRow
	States      []stateRow
	Transitions []transitionRow
	Initial     []web.Option
}

type fieldRow struct {
	ID, Label, Type, Page, Href string
	Internal                    bool
}

type pageRow struct {
	ID, Heading, Href, Preview string
	Fields                     []string
	Next                       []string
	First, Last                bool
}

type stateRow struct {
	ID, Label, Clock, Href string
	Terminal, Initial      bool
	Actions                []string
}

type transitionRow struct {
	ID, Label, From, To, Who, Href string
}

func (d *Designer) overview(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	def := dr.Def
	p := &overviewPage{Form: &web.Form{}, Draft: dr, Title: nameOr(def.Title, dr.ServiceID), Problems: problemsOf(dr)}
	p.Details = detailRows(dr)
	asked := map[string]string{}
	for _, pg := range def.Pages {
		for _, f := range pg.Fields {
			asked[f] = pg.ID
		}
	}
	for _, f := range def.Fields {
		row := fieldRow{ID: f.ID, Label: nameOr(f.Label, f.ID), Type: typeNames[f.Type], Page: asked[f.ID], Href: draftURL(dr.ServiceID, "fields", f.ID), Internal: f.Internal}
		if row.Type == "" {
			row.Type = string(f.Type)
		}
		if f.Internal {
			row.Page = "Filled in by staff"
		} else if row.Page == "" {
			row.Page = "Not on a page"
		}
		p.Fields = append(p.Fields, row)
	}
	for i, pg := range def.Pages {
		p.Pages = append(p.Pages, pageRow{ID: pg.ID, Heading: pageHeading(def, &pg), Href: draftURL(dr.ServiceID, "pages", pg.ID),
			Preview: draftURL(dr.ServiceID, "preview", pg.ID), Fields: pg.Fields, Next: describeRules(def, pg.Next), First: i == 0, Last: i == len(def.Pages)-1})
	}
	for _, st := range def.Workflow.States {
		row := stateRow{ID: st.ID, Label: nameOr(st.Label, st.ID), Href: draftURL(dr.ServiceID, "states", st.ID), Terminal: st.Terminal, Initial: st.ID == def.Workflow.Initial}
		if st.SLADays > 0 {
			row.Clock = fmt.Sprintf("%d working days", st.SLADays)
		}
		for _, a := range st.OnEnter {
			row.Actions = append(row.Actions, describeAction(def, a))
		}
		p.States = append(p.States, row)
		p.Initial = append(p.Initial, option(st.ID, nameOr(st.Label, st.ID)))
	}
	for _, t := range def.Workflow.Transitions {
		p.Transitions = append(p.Transitions, transitionRow{ID: t.ID, Label: nameOr(t.Label, t.ID), From: strings.Join(t.From, ", "), To: t.To,
			Who: describeWho(t), Href: draftURL(dr.ServiceID, "transitions", t.ID)})
	}
	p.Form.Input = map[string][]string{"initial": {def.Workflow.Initial}}
	return web.Render(w, r, http.StatusOK, "designer/draft", p)
}

func detailRows(dr Draft) []web.SummaryRow {
	def := dr.Def
	edit := draftURL(dr.ServiceID, "details")
	who := make([]string, len(def.Start.Who))
	for i, a := range def.Start.Who {
		who[i] = audienceNames[a]
	}
	rows := []web.SummaryRow{
		{Key: "Title", Value: def.Title, Href: edit},
		{Key: "ID", Value: def.ID},
		{Key: "Version when published", Value: strconv.Itoa(def.Version)},
		{Key: "Reference prefix", Value: def.ReferencePrefix, Href: edit},
		{Key: "Owning business unit", Value: def.OwnerUnit, Href: edit},
		{Key: "Who may start it", Value: strings.Join(who, ", "), Href: edit},
		{Key: "Confirmation", Value: def.Confirmation.Title, Href: edit},
	}
	return rows
}

func pageHeading(def *definition.Definition, pg *definition.Page) string {
	if pg.Title != "" {
		return pg.Title
	}
	if len(pg.Fields) == 1 {
		if f := def.Field(pg.Fields[0]); f != nil {
			return f.Label
		}
	}
	return pg.ID
}

func describeRules(def *definition.Definition, rules []definition.Rule) []string {
	var out []string
	for _, r := range rules {
		to := r.Goto
		if to == definition.CheckAnswersPage {
			to = "the end of the questions"
		}
		if r.If == nil {
			out = append(out, "then go to "+to)
			continue
		}
		out = append(out, "if "+describeCondition(def, r.If)+", go to "+to)
	}
	if len(out) == 0 {
		out = append(out, "the questions end here")
	}
	return out
}

func describeCondition(def *definition.Definition, c *definition.Condition) string {
	name := c.Field
	if f := def.Field(c.Field); f != nil && f.Label != "" {
		name = "“" + f.Label + "”"
	}
	switch {
	case c.Answered != nil && *c.Answered:
		return name + " is answered"
	case c.Answered != nil:
		return name + " is not answered"
	case len(c.In) > 0:
		return name + " is one of " + strings.Join(c.In, ", ")
	}
	return name + " is " + c.Equals
}

func describeAction(def *definition.Definition, a definition.Action) string {
	switch {
	case a.Notify != nil:
		s := "Tell " + a.Notify.To
		if a.Notify.Subject != "" {
			s += ": " + a.Notify.Subject
		}
		return s
	case a.Task != nil:
		return "Task: " + a.Task.Title
	case a.Assign != nil:
		s := "Put in queue " + a.Assign.Queue
		if a.Assign.Unit != "" {
			s += " of " + a.Assign.Unit
		}
		if a.Assign.Person != "" {
			label := a.Assign.Person
			if f := def.Field(label); f != nil && f.Label != "" {
				label = f.Label
			}
			s += ", given to the person answered in " + label
		}
		return s
	case a.Sign != nil:
		s := "Ask for signatures on " + a.Sign.Template
		if a.Sign.Completed != "" {
			s += ", then " + a.Sign.Completed
		}
		return s
	}
	return "Nothing"
}

func describeWho(t definition.Transition) string {
	var parts []string
	for _, r := range t.Roles {
		parts = append(parts, string(r))
	}
	if len(parts) == 0 {
		parts = append(parts, "staff who may update the case")
	}
	if t.Applicant {
		parts = append(parts, "the applicant")
	}
	s := strings.Join(parts, ", ")
	if len(t.Units) > 0 {
		s += " in " + strings.Join(t.Units, ", ")
	}
	return s
}

var audienceNames = map[definition.Audience]string{
	definition.AudienceResidents: "Residents with an account",
	definition.AudienceAnonymous: "Anyone, after confirming their email address",
	definition.AudienceStaff:     "Staff",
	definition.AudiencePartners:  "Partner organisations",
}

// yamlPage shows the draft exactly as it will be published.
func (d *Designer) yamlPage(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "designer/yaml", struct {
		Draft    Draft
		Title    string
		Source   string
		Problems []problem
	}{dr, nameOr(dr.Def.Title, dr.ServiceID), string(dr.Source), problemsOf(dr)})
}
