// Package console is the staff console of the digital services engine: the
// case queues, the case page with the transitions a person may make, the
// dashboards and the page where admins upload service definitions. It holds
// no data of its own: every read and change goes through services.Service,
// which applies the organisation boundary and the access policy, so this
// package only decides what to show and how.
package console

import (
	"context"
	"embed"
	"html"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/calendar"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Person is someone cases can be assigned to.
type Person struct {
	ID   string
	Name string
	// Roles and Units say what cases they could work on (see
	// services.CouldWorkOn), so only those are offered as assignees.
	Roles []platform.Role
	Units []string
}

// workers are the people of staff who could work on at least one of cases.
func (c *console) workers(ctx context.Context, orgID string, staff []Person, cases ...services.Case) []web.Option {
	var out []web.Option
	for _, s := range staff {
		p := platform.Person{ID: s.ID, OrgID: orgID, Name: s.Name, Roles: s.Roles, Units: s.Units}
		for i := range cases {
			if c.svc.CouldWorkOn(ctx, p, cases[i]) {
				out = append(out, web.Option{Value: s.ID, Text: s.Name})
				break
			}
		}
	}
	return out
}

// Unit is a business unit of the organisation.
type Unit struct {
	ID   string
	Name string
}

// People answers the console's questions about users and business units;
// cmd/dbtp wires identity in. The console only shows what it returns: the
// engine checks every assignee again.
type People interface {
	// Name is the display name of a user of sub's organisation, or "" when
	// unknown.
	Name(ctx context.Context, sub *platform.Subject, userID string) string
	// Names is Name for many users at once (one query, for a page that
	// lists many people); users it cannot name are absent.
	Names(ctx context.Context, sub *platform.Subject, userIDs []string) map[string]string
	// StaffIn lists the people of sub's organisation cases may be assigned
	// to, by name.
	StaffIn(ctx context.Context, sub *platform.Subject) ([]Person, error)
	// Units lists the organisation's business units, by name.
	Units(ctx context.Context, sub *platform.Subject) ([]Unit, error)
}

// Calendar counts working days for the dashboards' time in state;
// *calendar.Calendar implements it.
type Calendar interface {
	WorkingDaysBetween(a, b time.Time) int
}

// Options wire the console. Zero values take the defaults noted.
type Options struct {
	Now      func() time.Time // default time.Now; the SLA tags are worked out at this instant
	Calendar Calendar         // default calendar.Default()
	People   People           // default: IDs shown as they are, nobody to assign to
	// FindPeople searches active staff for the person questions of
	// transition forms (forms.BuildPicker); without it they are a list of
	// the staff StaffIn gives.
	FindPeople StaffSearch
	// MaxUploadBytes caps an attachment or definition upload; default 10 MiB.
	MaxUploadBytes int64
	// Post lists the messages sent about a case on its page, with a link
	// to send one; nil: no messages section.
	Post services.Post
	// FileRecords gives, for a case's files kept as records that sub may
	// read, the record's page by file ID, for links from the case page;
	// nil: no links.
	FileRecords func(ctx context.Context, sub *platform.Subject, caseID string) (map[string]string, error)
}

type console struct {
	svc  *services.Service
	opts Options
}

// staffRoles may use the console; a transition's own guards and the access
// policy still decide each case.
var staffRoles = []platform.Role{platform.RoleStaff, platform.RoleCaseworker, platform.RoleManager, platform.RoleAdmin}

// Register adds the console's pages and navigation to srv.
func Register(srv *web.Server, svc *services.Service, opts Options) error {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Calendar == nil {
		opts.Calendar = calendar.Default()
	}
	if opts.People == nil {
		opts.People = noPeople{}
	}
	if opts.MaxUploadBytes <= 0 {
		opts.MaxUploadBytes = 10 << 20
	}
	if err := srv.Renderer().Add(templates, "templates/console/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(
		web.NavItem{Label: "Cases", Href: "/cases", Roles: staffRoles, Order: 5},
		web.NavItem{Label: "Dashboards", Href: "/dashboards", Roles: []platform.Role{platform.RoleManager, platform.RoleAdmin}, Order: 20},
		web.NavItem{Label: "Service definitions", Href: "/services/admin", Roles: []platform.Role{platform.RoleAdmin}, Order: 31, Group: web.AdminGroup},
	)
	c := &console{svc: svc, opts: opts}
	rt := srv.Router()
	page := func(pattern string, h func(http.ResponseWriter, *http.Request) error, o ...web.RouteOption) {
		rt.Handle(pattern, web.RequireSignedInFunc(h), o...)
	}
	upload := web.MaxBody(opts.MaxUploadBytes + 64<<10) // room for the other form fields
	page("GET /cases", c.queue)
	page("POST /cases/reassign", c.bulkReassign)
	page("GET /cases/{id}", c.casePage)
	page("POST /cases/{id}/assign", c.assign)
	page("POST /cases/{id}/notes", c.addNote)
	page("POST /cases/{id}/tasks", c.addTask)
	page("POST /cases/{id}/tasks/{tid}/complete", c.completeTask)
	page("POST /cases/{id}/attachments", c.addAttachment, upload)
	page("GET /cases/{id}/attachments/{aid}", c.download)
	page("GET /cases/{id}/transitions/{tid}", c.transitionForm)
	page("POST /cases/{id}/transitions/{tid}", c.transition)
	page("GET /dashboards", c.dashboard)
	page("GET /timelines/{service}", c.timeline)
	page("GET /services/admin", c.definitions)
	page("POST /services/admin", c.upload, upload)
	page("GET /services/admin/{sid}", c.definition)
	return nil
}

// needStaff refuses signed-in people without a staff role before any
// lookup, so a resident learns nothing from the console's URLs.
func needStaff(r *http.Request, roles ...platform.Role) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if len(roles) == 0 {
		roles = staffRoles
	}
	if !slices.ContainsFunc(roles, sub.HasRole) {
		return nil, platform.Errorf(platform.CodeForbidden, "You do not have access to this page.")
	}
	return sub, nil
}

// name is a user's display name, falling back to the ID so nobody is blank.
func (c *console) name(ctx context.Context, sub *platform.Subject, id string) string {
	if id == "" {
		return ""
	}
	if n := c.opts.People.Name(ctx, sub, id); n != "" {
		return n
	}
	return id
}

// names memoises name for one page, which shows the same people many times.
// The people the page is known to show (known) are named in one query
// first, so a queue of fifty cases is not a hundred lookups.
func (c *console) names(ctx context.Context, sub *platform.Subject, known ...string) func(string) string {
	seen := map[string]string{}
	var ids []string
	for _, id := range known {
		if id != "" {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		for id, n := range c.opts.People.Names(ctx, sub, ids) {
			if n != "" {
				seen[id] = n
			}
		}
	}
	return func(id string) string {
		n, ok := seen[id]
		if !ok {
			n = c.name(ctx, sub, id)
			seen[id] = n
		}
		return n
	}
}

type noPeople struct{}

func (noPeople) Name(context.Context, *platform.Subject, string) string { return "" }
func (noPeople) Names(context.Context, *platform.Subject, []string) map[string]string {
	return nil
}
func (noPeople) StaffIn(context.Context, *platform.Subject) ([]Person, error) {
	return nil, nil
}
func (noPeople) Units(context.Context, *platform.Subject) ([]Unit, error) { return nil, nil }

// Dates are shown in the council's time, whatever the server's zone.
var london = func() *time.Location {
	if l, err := time.LoadLocation("Europe/London"); err == nil {
		return l
	}
	return time.UTC
}()

func shortDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 Jan 2006")
}

func dateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(london).Format("2 Jan 2006 at 15:04")
}

// slaTag is the GOV.UK tag for a case's clock: red when overdue, amber
// when at risk, green on track, with the working days left (what a
// caseworker plans by) and the date under it.
type slaTag struct {
	Text  string
	Class string // govuk-tag modifier
	Due   string // "Due 2 Jan", or empty
}

func (c *console) tagFor(cs *services.Case, now time.Time) slaTag {
	status := cs.SLA(now)
	if status == "" {
		if cs.Terminal {
			return slaTag{Text: "Closed", Class: "govuk-tag--grey"}
		}
		return slaTag{Text: "No deadline", Class: "govuk-tag--grey"}
	}
	due := "Due " + cs.DueAt.In(london).Format("2 Jan")
	left := c.svc.WorkingDaysLeft(cs.DueAt.In(london), now.In(london))
	switch status {
	case services.SLABreached:
		switch {
		case left >= 0:
			return slaTag{Text: "Overdue", Class: "govuk-tag--red", Due: due}
		case left == -1:
			return slaTag{Text: "1 day overdue", Class: "govuk-tag--red", Due: due}
		}
		return slaTag{Text: itoa(-left) + " days overdue", Class: "govuk-tag--red", Due: due}
	case services.SLAAtRisk:
		return slaTag{Text: daysLeft(left), Class: "govuk-tag--orange", Due: due}
	}
	return slaTag{Text: daysLeft(left), Class: "govuk-tag--green", Due: due}
}

func daysLeft(n int) string {
	switch {
	case n <= 0:
		return "Due today"
	case n == 1:
		return "1 day left"
	}
	return itoa(n) + " days left"
}

// roleNames say roles in words.
var roleNames = map[platform.Role]string{platform.RoleAdmin: "administrator", platform.RoleManager: "manager",
	platform.RoleCaseworker: "caseworker", platform.RoleStaff: "member of staff", platform.RoleResident: "resident",
	platform.RolePartner: "partner", platform.RoleDesigner: "service designer", platform.RoleRecords: "records manager", platform.RoleWorkplace: "workplace manager"}

// queueLabel reads a definition's queue name as words:
// "complaints-escalated" is shown as "Complaints escalated".
func queueLabel(q string) string {
	q = strings.NewReplacer("-", " ", "_", " ").Replace(q)
	if q == "" {
		return q
	}
	r, n := utf8.DecodeRuneInString(q)
	return string(unicode.ToUpper(r)) + q[n:]
}

func itoa(n int) string { return strconv.Itoa(n) }

// optionsHTML draws a select's options as the select component would, with
// the form's value for name selected. The staff lists hold up to 200
// people and appear on every queue and case page; drawn by the template,
// each option was a reflective method call and two escapes, a fifth of the
// queue page's time under load.
func optionsHTML(opts []web.Option, form *web.Form, name string) template.HTML {
	var b strings.Builder
	for _, o := range opts {
		b.WriteString("\n    <option value=\"")
		b.WriteString(html.EscapeString(o.Value))
		b.WriteString("\"")
		if form.Has(name, o.Value) {
			b.WriteString(" selected")
		}
		b.WriteString(">")
		b.WriteString(html.EscapeString(o.Text))
		b.WriteString("</option>")
	}
	return template.HTML(b.String())
}
