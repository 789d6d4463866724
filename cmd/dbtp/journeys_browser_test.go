package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"dbtp/internal/browsertest"
)

// TestBrowserRoleJourneys walks four of issue 7's journeys on the demo, in
// Chromium, with JavaScript on and off, as the people who do them, and
// checks what each sees: Jo Baker asks stores for equipment and later reads
// when to collect it and that it is back; Priya Shah (Finance) records a
// risk whose owner works in Property, and the owner, Kim Adeyemi, finds it
// among her cases and reviews it; Priya reads the technology roadmap as a
// timeline and her dashboards on a 320 px screen. Every page is axe-clean
// (with scripts on: axe is itself a script) and reflows at 320 px.
func TestBrowserRoleJourneys(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			j := &journey{t: t, r: r, js: js}
			t.Run("equipment", j.equipment)
			t.Run("risk owner in another unit", j.riskOwner)
			t.Run("roadmap timeline", j.roadmap)
			t.Run("dashboards at 320 px", j.dashboards)
		})
	}
}

type journey struct {
	t  *testing.T
	r  *running
	js bool
}

// proceed is a question page's continue button (not a search's).
const proceed = `main form button[type=submit]:not([name=action]):not([name=lookup])`

// as signs in a demo person in a browser of their own.
func (j *journey) as(t *testing.T, email string) context.Context {
	ctx := browsertest.New(t, j.js)
	signIn(t, ctx, j.r.url, loginByEmail(t, j.r, email), "main h1")
	return ctx
}

// check: axe-clean with scripts on, and no sideways scroll at 320 px.
func (j *journey) check(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if j.js {
		browsertest.CheckAccessible(t, ctx, page)
	}
	fits(t, ctx, page)
}

// caseLink is the href of the link reading ref in the page's tables.
func caseLink(t *testing.T, ctx context.Context, ref string) string {
	t.Helper()
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(Array.from(document.querySelectorAll("main table a")).find(a => a.textContent.trim() === %q) || {}).getAttribute?.("href") || ""`, ref)))
	if err != nil {
		t.Fatal(err)
	}
	return href
}

func countOf(t *testing.T, ctx context.Context, sel string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// date fills a date question's day, month and year.
func fillDate(t *testing.T, ctx context.Context, field string, d time.Time) {
	t.Helper()
	do(t, ctx, "date "+field,
		chromedp.SendKeys(chromedp.CSS("#"+field+"-day"), fmt.Sprint(d.Day())),
		chromedp.SendKeys(chromedp.CSS("#"+field+"-month"), fmt.Sprint(int(d.Month()))),
		chromedp.SendKeys(chromedp.CSS("#"+field+"-year"), fmt.Sprint(d.Year())))
}

// choosePerson answers a person question by typing name: with scripts,
// through the combobox by keyboard; without, through Search and a radio.
func (j *journey) choosePerson(t *testing.T, ctx context.Context, field, name, want string) {
	t.Helper()
	if j.js {
		do(t, ctx, "type "+name, chromedp.SendKeys(chromedp.CSS("#"+field+"-q"), name),
			chromedp.WaitVisible(chromedp.CSS("#"+field+"-option-0")))
		do(t, ctx, "choose "+name, chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
		if v := value(t, ctx, "#"+field+"-q"); v != want {
			t.Fatalf("after choosing, the box holds %q, want %q", v, want)
		}
		return
	}
	do(t, ctx, "search for "+name, chromedp.SendKeys(chromedp.CSS("#"+field+"-q"), name))
	submitButton(t, ctx, `button[name=lookup][value=`+field+`]`, `input#`+field+`[type=radio]`)
	if s := text(t, ctx, `label[for=`+field+`]`); s != want {
		t.Fatalf("the first match is %q, want %q", s, want)
	}
	do(t, ctx, "choose "+name, chromedp.Click(chromedp.CSS(`input#`+field+`[type=radio]`)))
}

// equipment: Jo Baker (staff, Finance) asks for a laptop; Kim Adeyemi in
// Property stores finds it in her queue and takes it through to returned;
// Jo reads where she stands, and when to collect, on her request page.
func (j *journey) equipment(t *testing.T) {
	r := j.r
	jo := j.as(t, "staff@kent.example")
	open(t, jo, r.url+"/services/equipment-collection/start")
	j.check(t, jo, "equipment: start")
	open(t, jo, r.url+attr(t, jo, `main a.govuk-button--start`, "href"))
	do(t, jo, "items", chromedp.Click(chromedp.CSS(`#items`)))
	submitAndWait(t, jo, proceed, "#item_details")
	submitAndWait(t, jo, proceed, "#reason")
	do(t, jo, "reason", chromedp.SendKeys(chromedp.CSS(`#reason`), "My laptop's screen cracked."))
	submitAndWait(t, jo, proceed, "#collection_site")
	do(t, jo, "site", chromedp.Click(chromedp.CSS(`#collection_site-2`)))
	fillDate(t, jo, "preferred_date", time.Now().AddDate(0, 0, 10))
	submitAndWait(t, jo, proceed, "#line_manager-q")
	j.choosePerson(t, jo, "line_manager", "Priya", "Priya Shah")
	submitAndWait(t, jo, proceed, "main h1")
	j.check(t, jo, "equipment: check answers")
	if page := text(t, jo, "main"); !strings.Contains(page, "Invicta House, Maidstone") || !strings.Contains(page, "Priya Shah") {
		t.Fatalf("check answers:\n%s", page)
	}
	submitAndWait(t, jo, `main form button[type=submit]`, "#reference")
	ref := text(t, jo, "#reference")

	kim := j.as(t, "stores@kent.example")
	open(t, kim, r.url+"/cases")
	j.check(t, kim, "stores: queue")
	link := caseLink(t, kim, ref)
	if link == "" {
		t.Fatalf("%s is not in the stores queue:\n%s", ref, text(t, kim, "main"))
	}
	casePage := r.url + link
	open(t, kim, casePage)
	j.check(t, kim, "stores: the request")
	submitAndWait(t, kim, `form[action$='/transitions/accept'] button`, "main h1")
	open(t, kim, casePage+"/transitions/book_collection")
	j.check(t, kim, "stores: book the collection")
	collect := time.Now().AddDate(0, 0, 7)
	do(t, kim, "asset tags", chromedp.SendKeys(chromedp.CSS(`#asset_tags`), "KCC-LT-05120"), chromedp.Click(chromedp.CSS(`#collection_slot`)))
	fillDate(t, kim, "collection_date", collect)
	submitAndWait(t, kim, `main form .govuk-button-group button`, "main h1")
	if s := text(t, kim, "main .govuk-tag"); !strings.Contains(s, "Ready to collect") {
		t.Fatalf("after booking the slot the request is %q", s)
	}
	submitAndWait(t, kim, `form[action$='/transitions/mark_collected'] button`, "main h1")
	open(t, kim, casePage+"/transitions/mark_returned")
	do(t, kim, "condition", chromedp.Click(chromedp.CSS(`#return_condition`)))
	submitAndWait(t, kim, `main form .govuk-button-group button`, "main h1")
	if s := text(t, kim, "main .govuk-tag"); !strings.Contains(s, "Returned") {
		t.Fatalf("after the return the request is %q", s)
	}
	j.check(t, kim, "stores: returned")

	open(t, jo, r.url+"/services/requests/"+ref)
	j.check(t, jo, "equipment: Jo's request")
	page := text(t, jo, "main")
	for _, want := range []string{"Returned", "Morning, 9am to 12pm", collect.Format("2 January 2006")} {
		if !strings.Contains(page, want) {
			t.Fatalf("Jo's request page lacks %q:\n%s", want, page)
		}
	}
}

// riskOwner: Priya Shah, a manager in Finance, records a risk and names
// Kim Adeyemi, a caseworker in Property, as its owner. Kim finds it among
// her cases, opens it (OFFICIAL-SENSITIVE, Finance's) and reviews it, but
// is not offered to pass it on, and sees no other Finance risk.
func (j *journey) riskOwner(t *testing.T) {
	r := j.r
	priya := j.as(t, "manager@kent.example")
	open(t, priya, r.url+"/services/risk-register/start")
	open(t, priya, r.url+attr(t, priya, `main a.govuk-button--start`, "href"))
	j.check(t, priya, "risk: title")
	do(t, priya, "title", chromedp.SendKeys(chromedp.CSS(`#risk_title`), "Flooding in the Invicta House stores"))
	submitAndWait(t, priya, proceed, "#description")
	do(t, priya, "description", chromedp.SendKeys(chromedp.CSS(`#description`), "Heavy rain floods the basement stores, damaging kit waiting to be issued."))
	submitAndWait(t, priya, proceed, "#category")
	do(t, priya, "category", chromedp.Click(chromedp.CSS(`#category-2`)))
	submitAndWait(t, priya, proceed, "#likelihood")
	do(t, priya, "likelihood", chromedp.Click(chromedp.CSS(`#likelihood-3`)))
	submitAndWait(t, priya, proceed, "#impact")
	do(t, priya, "impact", chromedp.Click(chromedp.CSS(`#impact-4`)))
	submitAndWait(t, priya, proceed, "#risk_owner-q")
	j.check(t, priya, "risk: owner")
	j.choosePerson(t, priya, "risk_owner", "Kim", "Kim Adeyemi")
	submitAndWait(t, priya, proceed, "#controls")
	do(t, priya, "controls", chromedp.SendKeys(chromedp.CSS(`#controls`), "Kit is kept on racks above the floor."))
	submitAndWait(t, priya, proceed, "#further_actions")
	submitAndWait(t, priya, proceed, "#review_date-day")
	fillDate(t, priya, "review_date", time.Now().AddDate(0, 3, 0))
	submitAndWait(t, priya, proceed, "main h1")
	j.check(t, priya, "risk: check answers")
	if page := text(t, priya, "main"); !strings.Contains(page, "Kim Adeyemi") || strings.Contains(page, "usr_") {
		t.Fatalf("check answers should name the owner:\n%s", page)
	}
	submitAndWait(t, priya, `main form button[type=submit]`, "#reference")
	ref := text(t, priya, "#reference")

	kim := j.as(t, "stores@kent.example")
	open(t, kim, r.url+"/cases?assignee=me")
	j.check(t, kim, "owner: my cases")
	link := caseLink(t, kim, ref)
	if link == "" {
		t.Fatalf("%s is not among Kim's cases:\n%s", ref, text(t, kim, "main"))
	}
	// Only the risk she owns: the register's other risks stay Finance's.
	open(t, kim, r.url+"/cases?service=risk-register")
	if n := countOf(t, kim, `main table a[href^="/cases/case_"]`); n != 1 {
		t.Fatalf("Kim sees %d risks, want only hers:\n%s", n, text(t, kim, "main"))
	}
	casePage := r.url + link
	open(t, kim, casePage)
	j.check(t, kim, "owner: the risk")
	page := text(t, kim, "main")
	for _, want := range []string{ref, "Flooding in the Invicta House stores", "Kim Adeyemi", "named as risk owner", "Start a review"} {
		if !strings.Contains(page, want) {
			t.Fatalf("Kim's risk page lacks %q:\n%s", want, page)
		}
	}
	if n := countOf(t, kim, `form[action$="/assign"]`); n != 0 {
		t.Fatal("the owner is offered to reassign Finance's risk")
	}
	submitAndWait(t, kim, `form[action$='/transitions/start_review'] button`, "main h1")
	if s := text(t, kim, "main .govuk-tag"); !strings.Contains(s, "Under review") {
		t.Fatalf("after starting the review the risk is %q", s)
	}
	open(t, kim, casePage+"/transitions/complete_review")
	j.check(t, kim, "owner: complete the review")
	do(t, kim, "notes", chromedp.SendKeys(chromedp.CSS(`#review_notes`), "Racks checked; a pump is on order."))
	fillDate(t, kim, "last_reviewed", time.Now())
	submitAndWait(t, kim, `main form .govuk-button-group button`, "main h1")
	page = text(t, kim, "main")
	if s := text(t, kim, "main .govuk-tag"); !strings.Contains(s, "Open") || !strings.Contains(page, "Racks checked; a pump is on order.") {
		t.Fatalf("after the review the risk is %q:\n%s", s, page)
	}
	j.check(t, kim, "owner: reviewed")
}

// roadmap: Priya follows the dashboards' link to the technology roadmap,
// a timeline of projects by strategy theme, coloured and labelled by RAG.
func (j *journey) roadmap(t *testing.T) {
	r := j.r
	priya := j.as(t, "manager@kent.example")
	open(t, priya, r.url+"/dashboards")
	href := attr(t, priya, `main a[href="/timelines/technology-roadmap"]`, "href")
	open(t, priya, r.url+href)
	j.check(t, priya, "roadmap timeline")
	if h := text(t, priya, "main h1"); h != "Technology roadmap" {
		t.Fatalf("the timeline is headed %q", h)
	}
	themes := text(t, priya, "main")
	for _, want := range []string{"A modern ICT infrastructure that enables digital transformation", "Exploiting information for business and customer insight",
		"Governance, risk management, security and compliance", "Telephony from Skype to Microsoft Teams", "Green", "Amber"} {
		if !strings.Contains(themes, want) {
			t.Fatalf("the roadmap lacks %q:\n%s", want, themes)
		}
	}
	for _, code := range []string{"modern_infrastructure", "information_insight", "governance_security"} {
		if strings.Contains(themes, code) {
			t.Fatalf("the roadmap shows the code %q", code)
		}
	}
	if n := countOf(t, priya, `main svg`); n < 3 {
		t.Fatalf("%d timeline charts, want one per theme with projects", n)
	}
}

// dashboards: Priya's dashboards at 320 px wide, all services and the
// risk register's heat map, with axe run at that width.
func (j *journey) dashboards(t *testing.T) {
	r := j.r
	priya := j.as(t, "manager@kent.example")
	for _, p := range []struct{ path, want string }{
		{"/dashboards", "These figures count only the cases you may open"},
		{"/dashboards?service=risk-register", "Open risks by likelihood and impact"},
	} {
		open(t, priya, r.url+p.path)
		do(t, priya, "320 px", browsertest.Viewport(320, 800))
		over, err := chromedp.Run(priya, chromedp.Evaluate[int](`document.documentElement.scrollWidth - document.documentElement.clientWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if over > 0 {
			t.Errorf("%s: %d px wider than a 320 px screen", p.path, over)
		}
		if j.js {
			browsertest.CheckAccessible(t, priya, p.path+" at 320 px")
		}
		if page := text(t, priya, "main"); !strings.Contains(page, p.want) {
			t.Fatalf("%s lacks %q:\n%s", p.path, p.want, page)
		}
		do(t, priya, "1280 px", browsertest.Viewport(1280, 900))
	}
}
