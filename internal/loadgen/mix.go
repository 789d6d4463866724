package loadgen

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Roles of the people the dbtp mix signs in.
const (
	RoleStaff    = "staff"    // caseworkers and managers of the unit that owns the cases
	RoleResident = "resident" // people who made the complaints
)

// Mix is what the dbtp mix needs to know of the data it drives.
type Mix struct {
	CaseIDs    []string // cases the staff may read (the bench organisation's complaints)
	Units      []string // business unit IDs, for queue filters
	ReadToken  string   // a staff member's API token with the read scope
	WriteToken string   // a resident's API token with the write scope
	// Weights by scenario name; missing names take DefaultWeights.
	Weights map[string]int
}

// DefaultWeights is the share of each scenario, out of 100: a council day
// is mostly staff working their queues and cases, residents checking on
// their requests and starting new ones, and systems searching and
// submitting through the API.
var DefaultWeights = map[string]int{
	"staff queue":      22,
	"staff case page":  25,
	"staff transition": 5,
	"resident list":    20,
	"resident form":    10,
	"api search":       12,
	"api submit":       6,
}

// queueViews are the queue filters a caseworker uses, the plain queue and
// their own cases most often; {unit} is replaced by each business unit in
// turn and {name} by a resident's name (a search by text).
var queueViews = []string{
	"/cases",
	"/cases?assignee=me",
	"/cases?sla=at_risk",
	"/cases",
	"/cases?service=complaints&state=stage1",
	"/cases?queue=complaints",
	"/cases",
	"/cases?assignee=me",
	"/cases?sla=breached",
	"/cases?q={name}",
	"/cases?unit={unit}",
}

// apiSearches are what other systems ask: by service, state, deadline and
// reference, and now and then by a name (a text search, which reads every
// open case); {ref} is a complaint's reference.
var apiSearches = []string{
	"/api/v1/cases?service=complaints&limit=20",
	"/api/v1/cases?state=stage1&open=true&sort=due&limit=20",
	"/api/v1/cases?reference={ref}",
	"/api/v1/cases?sla=at_risk&limit=20",
	"/api/v1/cases?service=complaints&state=submitted&sort=due&limit=20",
	"/api/v1/cases?text={name}&limit=20",
}

var formPages = []string{
	"/services/complaints/start",
	"/services/complaints/pages/name",
	"/services/complaints/pages/contact",
	"/services/complaints/pages/service-area",
	"/services/complaints/pages/details",
}

// transitionOrder is the staff's moves a complaint takes, earliest first,
// none of them closing it (so repeated runs keep the open queue full);
// fields are what a caseworker types on the ones with a form.
var transitionOrder = []struct {
	ID     string
	Fields url.Values
}{
	{"acknowledge", nil},
	{"send_stage1_response", url.Values{"stage1_response": {"We have looked into what happened and are sorry for the missed collections."}, "outcome": {"partly_upheld"}}},
	{"escalate_stage2", nil},
}

var (
	versionField = regexp.MustCompile(`name="version" value="(\d+)"`)
	moveLink     = regexp.MustCompile(`(?:href|action)="/cases/[A-Za-z0-9_]+/transitions/([a-z0-9_]+)"`)
)

// Scenarios is the dbtp mix: the staff queue with its filters, a case page,
// a transition (view the case, open the transition's form when it has one,
// post it with the version seen), a resident's request list and a page of
// the complaint form, and API search and submission.
func (m Mix) Scenarios() []Scenario {
	w := func(name string) int {
		if v, ok := m.Weights[name]; ok {
			return v
		}
		return DefaultWeights[name]
	}
	queues := make([]string, 0, len(queueViews)+len(m.Units))
	for _, q := range queueViews {
		if q == "/cases?unit={unit}" {
			for _, u := range m.Units {
				queues = append(queues, "/cases?unit="+url.QueryEscape(u))
			}
			continue
		}
		queues = append(queues, q)
	}
	// Searches by name look for a different resident each time.
	get := func(paths []string) func(context.Context, *Client, int) error {
		return func(ctx context.Context, c *Client, n int) error {
			p := paths[n%len(paths)]
			if strings.Contains(p, "{name}") {
				p = strings.ReplaceAll(p, "{name}", url.QueryEscape("Resident "+strconv.Itoa(n%997)))
			}
			if strings.Contains(p, "{ref}") {
				p = strings.ReplaceAll(p, "{ref}", fmt.Sprintf("COMP-%d-%06d", time.Now().Year(), 1+n%max(1, len(m.CaseIDs))))
			}
			_, err := c.Get(ctx, p)
			return err
		}
	}
	var out []Scenario
	add := func(s Scenario) {
		if s.Weight = w(s.Name); s.Weight > 0 {
			out = append(out, s)
		}
	}
	add(Scenario{Name: "staff queue", Role: RoleStaff, Run: get(queues)})
	if len(m.CaseIDs) > 0 {
		add(Scenario{Name: "staff case page", Role: RoleStaff, Run: func(ctx context.Context, c *Client, n int) error {
			// A stride through the list, so views spread over all cases.
			_, err := c.Get(ctx, "/cases/"+m.CaseIDs[(n*7919)%len(m.CaseIDs)])
			return err
		}})
		add(Scenario{Name: "staff transition", Role: RoleStaff, Run: m.transition})
	}
	add(Scenario{Name: "resident list", Role: RoleResident, Run: get([]string{"/services/requests"})})
	add(Scenario{Name: "resident form", Role: RoleResident, Run: get(formPages)})
	if m.ReadToken != "" {
		add(Scenario{Name: "api search", Token: m.ReadToken, Run: get(apiSearches)})
	}
	if m.WriteToken != "" {
		add(Scenario{Name: "api submit", Token: m.WriteToken, Run: apiSubmit})
	}
	return out
}

// transition walks the case list in order, so each run moves a different
// case one step along transitionOrder. A case with no such move left
// (already in stage 2, or closed) is passed over for the next, at most
// three times per run.
func (m Mix) transition(ctx context.Context, c *Client, n int) error {
	for try := range 3 {
		id := m.CaseIDs[(n*3+try)%len(m.CaseIDs)]
		page, err := c.Get(ctx, "/cases/"+id)
		if err != nil {
			return err
		}
		offered := map[string]bool{}
		for _, mm := range moveLink.FindAllSubmatch(page, -1) {
			offered[string(mm[1])] = true
		}
		for _, t := range transitionOrder {
			if !offered[t.ID] {
				continue
			}
			action := "/cases/" + id + "/transitions/" + t.ID
			form := page
			if t.Fields != nil {
				if form, err = c.Get(ctx, action); err != nil {
					return err
				}
			}
			tok, ok := CSRFToken(form)
			ver := versionField.FindSubmatch(form)
			if !ok || ver == nil {
				return fmt.Errorf("%s: no csrf_token or version on the page", t.ID)
			}
			v := url.Values{"csrf_token": {tok}, "version": {string(ver[1])}}
			for k, vs := range t.Fields {
				v[k] = vs
			}
			_, err = c.PostForm(ctx, action, v, http.StatusSeeOther)
			return err
		}
	}
	return fmt.Errorf("no case with a move left among three")
}

// apiSubmit starts a complaint through the JSON API, as a resident's app
// or a partner's system would.
func apiSubmit(ctx context.Context, c *Client, n int) error {
	body, _ := json.Marshal(map[string]any{"service": "complaints", "answers": map[string]any{
		"name": "Bench Resident", "email": "resident@bench.example", "service_area": "waste",
		"details":           "Missed collection number " + strconv.Itoa(n) + " on our street this month.",
		"complained_before": "no", "desired_outcome": "Collect the bins and say sorry.",
	}})
	_, err := c.PostJSON(ctx, "/api/v1/cases", body, http.StatusCreated)
	return err
}
