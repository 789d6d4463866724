package workplaceweb

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// The loans pages: /loans (the person's own loans and, for workplace
// managers, stores' lists: due for collection, out now, overdue,
// upcoming, returned), /loans/new (reserve an item or any of a kind) and
// /loans/{id} (the loan, with the forms to hand it over, take it back or
// cancel it). No JavaScript is needed.

type loansPage struct {
	View  string
	Tabs  []web.Option
	Loans []loanRow
	Today string
	Keep  bool
	Next  string
}

// loanViews are the tabs of /loans; all but "mine" are stores' lists.
var loanViews = []web.Option{{Value: "mine", Text: "My loans"}, {Value: "all", Text: "All loans"}, {Value: workplace.ViewDue, Text: "Due for collection"},
	{Value: workplace.ViewOut, Text: "Out now"}, {Value: workplace.ViewOverdue, Text: "Overdue"},
	{Value: workplace.ViewUpcoming, Text: "Upcoming"}, {Value: workplace.ViewReturned, Text: "Returned"}}

func (p *assetsPart) loansPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	keep := workplace.CanKeep(sub)
	pg := loansPage{View: r.URL.Query().Get("view"), Keep: keep, Today: p.a.Today(), Tabs: loanViews[:1]}
	if keep {
		pg.Tabs = loanViews
	}
	if pg.View == "" {
		// Stores staff come here for everyone's loans; their own are
		// rarely any, so "My loans" would open on an empty list. A tab
		// chosen in the address still wins.
		pg.View = "mine"
		if keep {
			pg.View = "all"
		}
	}
	if !slices.ContainsFunc(pg.Tabs, func(o web.Option) bool { return o.Value == pg.View }) {
		return platform.Invalid("Check the list", platform.FieldError{Field: "view", Message: "Choose one of the lists"})
	}
	f := workplace.LoanFilter{View: pg.View}
	switch pg.View {
	case "mine":
		f = workplace.LoanFilter{PersonID: sub.UserID}
	case "all":
		f = workplace.LoanFilter{View: workplace.ViewAll}
	}
	if f.After, err = cursorParam(r); err != nil {
		return err
	}
	page, err := p.a.Loans(r.Context(), sub, f)
	if err != nil {
		return err
	}
	for _, l := range page.Loans {
		pg.Loans = append(pg.Loans, loanRow{Loan: l, State: loanStatus(l, pg.Today)})
	}
	if page.Next != "" {
		pg.Next = web.CursorURL(r, web.EncodeCursor(page.Next))
	}
	return web.Render(w, r, http.StatusOK, "workplace/loans_list", pg)
}

// cursorParam is the engine's cursor from a page's or the API's opaque one.
func cursorParam(r *http.Request) (string, error) {
	parts, err := web.DecodeCursor(r.URL.Query().Get("cursor"))
	if err != nil || len(parts) == 0 {
		return "", err
	}
	return parts[0], nil
}

// loanRow is a loan as a list shows it.
type loanRow struct {
	workplace.Loan
	State string
}

// FromText and ToText are the loan's days as people in the UK write them.
func (l loanRow) FromText() string { return ukDate(l.From) }
func (l loanRow) ToText() string   { return ukDate(l.To) }

// ukDate writes a YYYY-MM-DD day as "Wed 9 December 2026"; anything else
// is shown as it is.
func ukDate(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return day
	}
	return t.Format("Mon 2 January 2006")
}

type newLoanPage struct {
	*web.Form
	Items []web.Option
	Keep  bool
}

// newLoanPage offers the kinds of equipment ("any laptop") and each item.
func (p *assetsPart) newLoanForm(ctx context.Context, sub *platform.Subject, f *web.Form) (newLoanPage, error) {
	pg := newLoanPage{Form: f, Keep: workplace.CanKeep(sub)}
	items, err := p.m.ws.Resources(ctx, sub, workplace.ResourceFilter{Kind: workplace.KindEquipment})
	if err != nil {
		return pg, err
	}
	pg.Items = []web.Option{{Value: "", Text: "Choose equipment"}}
	var cats []string
	for _, it := range items {
		if c := strings.ToLower(it.Category); c != "" && !slices.Contains(cats, c) {
			cats = append(cats, c)
		}
	}
	slices.Sort(cats)
	for _, c := range cats {
		pg.Items = append(pg.Items, web.Option{Value: "any:" + c, Text: "Any " + c})
	}
	for _, it := range items {
		text := it.Name
		if it.AssetTag != "" {
			text += " (" + it.AssetTag + ")"
		}
		pg.Items = append(pg.Items, web.Option{Value: it.ID, Text: text})
	}
	return pg, nil
}

func (p *assetsPart) newLoanPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	today := p.a.Today()
	pg, err := p.newLoanForm(r.Context(), sub, web.NewForm(url.Values{"from": {today}, "to": {today}, "resource_id": {r.URL.Query().Get("item")}}))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/loans_new", pg)
}

func (p *assetsPart) createLoan(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := workplace.LoanInput{From: r.PostFormValue("from"), To: r.PostFormValue("to"), Purpose: r.PostFormValue("purpose")}
	if c, ok := strings.CutPrefix(r.PostFormValue("resource_id"), "any:"); ok {
		in.Category = c
	} else {
		in.ResourceID = r.PostFormValue("resource_id")
	}
	var l workplace.Loan
	in.PersonID, err = p.personByEmail(r.Context(), sub, r.PostFormValue("person"))
	if err == nil {
		l, err = p.a.Reserve(r.Context(), sub, in)
	}
	if assetsShownAgain(err) {
		pg, perr := p.newLoanForm(r.Context(), sub, web.FormErrors(r, renameField(err, "person_id", "person")))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, assetsStatus(err), "workplace/loans_new", pg)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, l.ResourceName+" reserved from "+ukDate(l.From)+" to "+ukDate(l.To))
	http.Redirect(w, r, "/loans/"+url.PathEscape(l.ID), http.StatusSeeOther)
	return nil
}

// personByEmail finds the member of staff a workplace manager names by
// email address; empty is the person asking.
func (p *assetsPart) personByEmail(ctx context.Context, sub *platform.Subject, email string) (string, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return "", nil
	}
	page, err := p.m.d.Directory.SearchPeople(ctx, platform.System(sub.OrgID), platform.PeopleQuery{Text: email, Staff: true, Active: true, Limit: 20})
	if err != nil {
		return "", err
	}
	for _, person := range page.People {
		if strings.EqualFold(person.Email, email) {
			return person.ID, nil
		}
	}
	return "", platform.Invalid("Check the reservation", platform.FieldError{Field: "person_id", Message: "Nobody on the staff has the email address " + email})
}

// renameField moves a field error to the name the form's input has.
func renameField(err error, from, to string) error {
	e := platform.AsError(err)
	if e == nil || len(e.Fields) == 0 {
		return err
	}
	c := *e
	c.Fields = slices.Clone(e.Fields)
	for i := range c.Fields {
		if c.Fields[i].Field == from {
			c.Fields[i].Field = to
		}
	}
	return &c
}

type loanPage struct {
	*web.Form
	Loan      workplace.Loan
	Rows      []web.SummaryRow
	Keep      bool
	CanCancel bool
	Today     string
	Damaged   []web.Option
}

func (p *assetsPart) loanPage(w http.ResponseWriter, r *http.Request) error {
	return p.renderLoan(w, r, http.StatusOK, web.NewForm(nil))
}

func (p *assetsPart) renderLoan(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	l, err := p.a.Loan(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	keep := workplace.CanKeep(sub)
	pg := loanPage{Form: f, Loan: l, Keep: keep, Today: p.a.Today(), CanCancel: l.Status == workplace.LoanReserved,
		Damaged: []web.Option{{Value: "yes", Text: "It is damaged or parts are missing"}}}
	item := l.ResourceName
	if l.AssetTag != "" {
		item += " (asset tag " + l.AssetTag + ")"
	}
	state := loanStatus(l, pg.Today)
	pg.Rows = []web.SummaryRow{{Key: "Item", Value: item}, {Key: "Borrower", Value: l.PersonName}, {Key: "From", Value: ukDate(l.From)},
		{Key: "To", Value: ukDate(l.To)}, {Key: "Status", Value: state}}
	if l.Purpose != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "For", Value: l.Purpose})
	}
	if l.CaseRef != "" {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Request", Value: l.CaseRef, Href: "/cases/" + l.CaseID, ActionText: "View"})
	}
	if !l.CollectedAt.IsZero() {
		by := l.CollectedName
		if by == "" {
			by = "stores"
		}
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Handed over", Value: l.CollectedAt.In(p.m.ws.Location()).Format("2 January 2006 15:04") + " by " + by})
		if l.ConditionOut != "" {
			pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Condition when handed over", Value: l.ConditionOut})
		}
	}
	if !l.ReturnedAt.IsZero() {
		pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Returned", Value: l.ReturnedAt.In(p.m.ws.Location()).Format("2 January 2006 15:04")})
		cond := l.ConditionIn
		if l.Damaged {
			cond = "Damaged: " + cond
		}
		if cond != "" {
			pg.Rows = append(pg.Rows, web.SummaryRow{Key: "Condition when returned", Value: cond})
		}
	}
	return web.Render(w, r, status, "workplace/loans_item", pg)
}

// loanStatus is a loan's state in words.
func loanStatus(l workplace.Loan, today string) string {
	switch {
	case l.Overdue(today):
		return "Overdue"
	case l.Status == workplace.LoanReserved && l.From <= today:
		return "Ready to collect"
	case l.Status == workplace.LoanReserved:
		return "Reserved"
	case l.Status == workplace.LoanCollected:
		return "Out"
	case l.Status == workplace.LoanReturned && l.Damaged:
		return "Returned damaged"
	case l.Status == workplace.LoanReturned:
		return "Returned"
	}
	return "Cancelled"
}

// loanChange runs one of the loan page's forms and shows the page again
// with any problem.
func (p *assetsPart) loanChange(w http.ResponseWriter, r *http.Request, flash string, fn func(sub *platform.Subject, id string) (workplace.Loan, error)) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err = fn(sub, id)
	if assetsShownAgain(err) {
		return p.renderLoan(w, r, assetsStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, flash)
	http.Redirect(w, r, "/loans/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (p *assetsPart) collectLoan(w http.ResponseWriter, r *http.Request) error {
	return p.loanChange(w, r, "Handed over", func(sub *platform.Subject, id string) (workplace.Loan, error) {
		return p.a.Collect(r.Context(), sub, id, r.PostFormValue("condition_out"))
	})
}

func (p *assetsPart) returnLoan(w http.ResponseWriter, r *http.Request) error {
	return p.loanChange(w, r, "Returned", func(sub *platform.Subject, id string) (workplace.Loan, error) {
		return p.a.Return(r.Context(), sub, id, r.PostFormValue("condition_in"), r.PostFormValue("damaged") == "yes")
	})
}

func (p *assetsPart) cancelLoan(w http.ResponseWriter, r *http.Request) error {
	return p.loanChange(w, r, "Reservation cancelled", func(sub *platform.Subject, id string) (workplace.Loan, error) {
		return p.a.Cancel(r.Context(), sub, id)
	})
}
