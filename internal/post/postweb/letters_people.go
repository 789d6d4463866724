package postweb

import (
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
)

// prefsPeoplePage is the data of the find-a-person page.
type prefsPeoplePage struct {
	*web.Form
	Query   string
	Results web.Table
	Found   bool
	Pages   web.Pagination
}

// people finds a person by name or email address, for staff on their way
// to that person's contact preferences.
func (p *lettersPart) people(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pg := &prefsPeoplePage{Form: web.NewForm(url.Values{"q": {q}}), Query: q}
	if q != "" {
		found, err := p.m.d.Directory.SearchPeople(r.Context(), sub, platform.PeopleQuery{Text: q, After: r.URL.Query().Get("after"), Limit: 25})
		if err != nil {
			return err
		}
		pg.Found = len(found.People) > 0
		pg.Results = web.Table{Caption: "People matching " + q, Head: []web.Cell{{Text: "Name"}, {Text: "Email"}}}
		for _, who := range found.People {
			pg.Results.Rows = append(pg.Results.Rows, []web.Cell{{Text: who.Name, Href: "/post/people/" + url.PathEscape(who.ID) + "/preferences"},
				{Text: who.Email}})
		}
		if found.Next != "" {
			pg.Pages.Next = "/post/people?" + url.Values{"q": {q}, "after": {found.Next}}.Encode()
		}
	}
	return web.Render(w, r, http.StatusOK, "post/letters_people", pg)
}
