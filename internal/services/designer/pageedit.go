package designer

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/web"
)

// pageEditPage is the data of designer/page.
type pageEditPage struct {
	editPage
	New     bool
	PageID  string
	Fields  []web.Option
	Rules   []int // row numbers of the branching rules
	Tests   []web.Option
	Ifs     []web.Option
	Gotos   []web.Option
	Delete  string
	Preview string
}

// blankRules is how many empty rows the page form offers for new rules;
// saving with them filled in adds them, so branching needs no script.
const blankRules = 2

const testAlways, testEquals, testIn, testAnswered, testUnanswered = "always", "equals", "in", "answered", "unanswered"

func (d *Designer) pageForm(w http.ResponseWriter, r *http.Request) error {
	_, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	in := url.Values{}
	if pid := r.PathValue("pid"); pid != "" {
		pg := dr.Def.Page(pid)
		if pg == nil {
			return platform.NotFound("page")
		}
		in = pageValues(pg)
	}
	return d.renderPage(w, r, dr, &web.Form{Input: in}, nil)
}

func pageValues(pg *definition.Page) url.Values {
	in := url.Values{"id": {pg.ID}, "title": {pg.Title}, "fields": pg.Fields}
	for i, rule := range pg.Next {
		n := strconv.Itoa(i)
		in.Set("rule"+n+"_goto", rule.Goto)
		c := rule.If
		switch {
		case c == nil:
			in.Set("rule"+n+"_test", testAlways)
		case c.Answered != nil && *c.Answered:
			in.Set("rule"+n+"_test", testAnswered)
		case c.Answered != nil:
			in.Set("rule"+n+"_test", testUnanswered)
		case len(c.In) > 0:
			in.Set("rule"+n+"_test", testIn)
			in.Set("rule"+n+"_value", strings.Join(c.In, ", "))
		default:
			in.Set("rule"+n+"_test", testEquals)
			in.Set("rule"+n+"_value", c.Equals)
		}
		if c != nil {
			in.Set("rule"+n+"_field", c.Field)
		}
	}
	in.Set("rules", strconv.Itoa(len(pg.Next)+blankRules))
	return in
}

func (d *Designer) renderPage(w http.ResponseWriter, r *http.Request, dr Draft, form *web.Form, err error) error {
	pid := r.PathValue("pid")
	action := draftURL(dr.ServiceID, "new-page")
	p := &pageEditPage{New: pid == "", PageID: pid}
	if pid != "" {
		action = draftURL(dr.ServiceID, "pages", pid)
		p.Delete, p.Preview = draftURL(dr.ServiceID, "pages", pid, "delete"), draftURL(dr.ServiceID, "preview", pid)
	}
	p.editPage = newEdit(dr, form, action)
	rows, _ := strconv.Atoi(form.Value("rules"))
	if rows < blankRules || rows > 200 {
		rows = blankRules
	}
	for i := range rows {
		p.Rules = append(p.Rules, i)
	}
	p.Ifs = []web.Option{option("", "(no question)")}
	for _, f := range dr.Def.Fields {
		if !f.Internal {
			p.Fields = append(p.Fields, web.Option{Value: f.ID, Text: nameOr(f.Label, f.ID), Hint: typeNames[f.Type]})
			p.Ifs = append(p.Ifs, option(f.ID, nameOr(f.Label, f.ID)))
		}
	}
	p.Tests = []web.Option{option(testAlways, "Always"), option(testEquals, "The answer is"), option(testIn, "The answer is one of (separate with commas)"),
		option(testAnswered, "The question was answered"), option(testUnanswered, "The question was not answered")}
	p.Gotos = []web.Option{option("", "(no rule: leave empty to remove)"), option(definition.CheckAnswersPage, "The end of the questions")}
	for _, pg := range dr.Def.Pages {
		if pg.ID != pid {
			p.Gotos = append(p.Gotos, option(pg.ID, "Page “"+pageHeading(dr.Def, &pg)+"”"))
		}
	}
	return render(w, r, err, "designer/page", p)
}

// savePage adds or changes a page: its ID, title, questions and branching
// rules, in the order written.
func (d *Designer) savePage(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	old := r.PathValue("pid")
	in := r.PostForm
	pg := definition.Page{ID: strings.TrimSpace(in.Get("id")), Title: strings.TrimSpace(in.Get("title"))}
	var bad []platform.FieldError
	add := func(field, msg string) { bad = append(bad, platform.FieldError{Field: field, Message: msg}) }
	if e := checkID("id", pg.ID); e != nil {
		bad = append(bad, *e)
	} else if other := def.Page(pg.ID); other != nil && pg.ID != old {
		add("id", "Another page already has the ID "+pg.ID)
	}
	for _, id := range in["fields"] {
		if f := def.Field(id); f == nil || f.Internal {
			add("fields", "Choose questions of this service")
			break
		}
		pg.Fields = append(pg.Fields, id)
	}
	rows, _ := strconv.Atoi(in.Get("rules"))
	for i := range min(max(rows, 0), 200) {
		n := strconv.Itoa(i)
		to := in.Get("rule" + n + "_goto")
		if to == "" {
			continue
		}
		if to != definition.CheckAnswersPage && def.Page(to) == nil {
			add("rule"+n+"_goto", "Choose a page to go to")
			continue
		}
		rule := definition.Rule{Goto: to}
		field, value := in.Get("rule"+n+"_field"), strings.TrimSpace(in.Get("rule"+n+"_value"))
		test := in.Get("rule" + n + "_test")
		if test != testAlways && field == "" {
			add("rule"+n+"_field", fmt.Sprintf("Rule %d: choose the question it tests, or choose Always", i+1))
			continue
		}
		switch test {
		case testAlways:
		case testEquals:
			rule.If = &definition.Condition{Field: field, Equals: value}
		case testIn:
			rule.If = &definition.Condition{Field: field, In: splitList(value)}
		case testAnswered, testUnanswered:
			yes := test == testAnswered
			rule.If = &definition.Condition{Field: field, Answered: &yes}
		default:
			add("rule"+n+"_test", fmt.Sprintf("Rule %d: choose a test", i+1))
			continue
		}
		if (test == testEquals || test == testIn) && value == "" {
			add("rule"+n+"_value", fmt.Sprintf("Rule %d: enter the answer it tests for", i+1))
			continue
		}
		pg.Next = append(pg.Next, rule)
	}
	if len(bad) > 0 {
		err := invalid(bad...)
		return d.renderPage(w, r, dr, web.FormErrors(r, err), err)
	}
	if old == "" {
		addPageAfterLast(def, pg)
		return d.commit(w, r, sub, dr, def, fmt.Sprintf("page %q added", pg.ID), draftURL(dr.ServiceID, "pages", pg.ID))
	}
	cur := def.Page(old)
	if cur == nil {
		return platform.NotFound("page")
	}
	*cur = pg
	if pg.ID != old {
		for i := range def.Pages {
			for j := range def.Pages[i].Next {
				if def.Pages[i].Next[j].Goto == old {
					def.Pages[i].Next[j].Goto = pg.ID
				}
			}
		}
	}
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("page %q changed", pg.ID), draftURL(dr.ServiceID, "pages", pg.ID))
}

// addPageAfterLast appends a page and, when the last page ended the
// questions with no rule, sends it on to the new one, so questions added
// one after another make a journey without further editing.
func addPageAfterLast(def *definition.Definition, pg definition.Page) {
	if n := len(def.Pages); n > 0 {
		last := &def.Pages[n-1]
		switch {
		case len(last.Next) == 0:
			last.Next = []definition.Rule{{Goto: pg.ID}}
		case len(last.Next) == 1 && last.Next[0].If == nil && last.Next[0].Goto == definition.CheckAnswersPage:
			last.Next[0].Goto = pg.ID
		}
	}
	def.Pages = append(def.Pages, pg)
}

func uniquePageID(def *definition.Definition, id string) string {
	if len(id) > 60 {
		id = id[:60]
	}
	try := id
	for i := 2; def.Page(try) != nil; i++ {
		try = id + "-" + strconv.Itoa(i)
	}
	return try
}

// movePage moves a page up or down the list; the first page is where the
// questions start.
func (d *Designer) movePage(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PathValue("pid")
	i := slices.IndexFunc(def.Pages, func(p definition.Page) bool { return p.ID == id })
	if i < 0 {
		return platform.NotFound("page")
	}
	j := i - 1
	if r.PostFormValue("direction") == "down" {
		j = i + 1
	}
	if j < 0 || j >= len(def.Pages) {
		return platform.Invalid("That page cannot move further that way", platform.FieldError{Field: "direction", Message: "is at the end of the list"})
	}
	def.Pages[i], def.Pages[j] = def.Pages[j], def.Pages[i]
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("page %q moved", id), draftURL(dr.ServiceID)+"#pages")
}

// deletePage removes a page; its questions are then asked nowhere and a
// rule that went to it points nowhere, which the checker names.
func (d *Designer) deletePage(w http.ResponseWriter, r *http.Request) error {
	sub, dr, def, err := d.loadWorking(r)
	if err != nil {
		return err
	}
	id := r.PathValue("pid")
	if def.Page(id) == nil {
		return platform.NotFound("page")
	}
	def.Pages = slices.DeleteFunc(def.Pages, func(p definition.Page) bool { return p.ID == id })
	return d.commit(w, r, sub, dr, def, fmt.Sprintf("page %q deleted", id), draftURL(dr.ServiceID)+"#pages")
}
