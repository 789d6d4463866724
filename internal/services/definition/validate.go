package definition

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// checker validates a decoded Definition: the rules a YAML decoder cannot
// express (identifiers, cross references, the page graph, the workflow
// graph). It records problems by path; Parse turns paths into lines.
type checker struct {
	d        *Definition
	problems []Problem
	fields   map[string]int // field ID -> index, first occurrence
	pages    map[string]int // page ID -> index, first occurrence
	states   map[string]int // state ID -> index, first occurrence
}

func (c *checker) add(path, format string, args ...any) {
	c.problems = append(c.problems, Problem{Path: path, Message: fmt.Sprintf(format, args...)})
}

var (
	serviceIDPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	snakePattern     = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	pageIDPattern    = regexp.MustCompile(`^[a-z][a-z0-9]*([-_][a-z0-9]+)*$`)
	prefixPattern    = regexp.MustCompile(`^[A-Z]{2,6}$`)
	retentionPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	mediaTypePattern = regexp.MustCompile(`^[a-z]+/[a-z0-9.+*-]+$`)
	placeholder      = regexp.MustCompile(`\{\{\s*([^{}]*?)\s*\}\}`)
)

// Limits that keep a definition sensible; each is far above any real use.
const (
	maxIDLength       = 64
	maxTextLength     = 2000   // text fields: a line, not an essay
	maxLongTextLength = 100000 // long_text
	maxFileBytes      = 100 << 20
	maxWorkingDays    = 365
	// Caps on counts bound the graph checks' cost on hostile uploads; a
	// service needing more is several services.
	maxFields      = 500
	maxPages       = 500
	maxStates      = 200
	maxTransitions = 1000
)

// CheckAnswersPage is the goto target that ends the questions.
const CheckAnswersPage = "check-answers"

// Recipients a notification may go to besides a role name.
const (
	RecipientApplicant = "applicant"
	RecipientAssignee  = "assignee"
)

// placeholders are the {{...}} names the engine fills in messages.
var placeholders = []string{"reference", "title", "state"}

// ReservedIDs are words the portal, console and API use in paths beside
// service IDs (/services/requests, /services/assist, /services/admin,
// /services/track, /api/v1/services/schema); a service so named could never
// be reached.
var ReservedIDs = []string{"admin", "assist", "requests", "schema", "track"}

func (c *checker) check() {
	d := c.d
	if c.identifier("id", d.ID, serviceIDPattern, "lower-case words joined by hyphens, like complaints or equipment-collection") &&
		slices.Contains(ReservedIDs, d.ID) {
		c.add("id", "%q is reserved for the service pages themselves; choose another ID", d.ID)
	}
	if d.Version < 1 {
		c.add("version", "want 1 or more; cases pin the version they started on")
	}
	c.required("title", d.Title)
	if !prefixPattern.MatchString(d.ReferencePrefix) {
		c.add("reference_prefix", "want 2 to 6 capital letters, like COMP (references look like COMP-2026-000123), got %q", d.ReferencePrefix)
	}
	c.required("owner_unit", d.OwnerUnit)
	if cl, ok := platform.ParseClassification(string(d.Classification)); ok {
		d.Classification = cl // empty means OFFICIAL; store it spelt out
	} else {
		c.add("classification", "want %s or %s, got %q", platform.Official, platform.OfficialSensitive, d.Classification)
	}
	if d.Retention != "" && !retentionPattern.MatchString(d.Retention) {
		c.add("retention", "want a retention class name in lower case with hyphens, like complaints-6y, got %q", d.Retention)
	}
	c.checkStart()
	c.checkFields()
	c.checkPages()
	c.checkListFields()
	c.checkPublicRegister()
	c.checkTimeline()
	c.required("confirmation.title", d.Confirmation.Title)
	c.placeholders("confirmation.title", d.Confirmation.Title)
	c.placeholders("confirmation.body", d.Confirmation.Body)
	c.checkWorkflow()
}

func (c *checker) required(path, v string) bool {
	if strings.TrimSpace(v) == "" {
		c.add(path, "missing; this is required")
		return false
	}
	return true
}

func (c *checker) identifier(path, v string, re *regexp.Regexp, want string) bool {
	if !c.required(path, v) {
		return false
	}
	if len(v) > maxIDLength || !re.MatchString(v) {
		c.add(path, "%q is not a valid ID: want %s (at most %d characters)", v, want, maxIDLength)
		return false
	}
	return true
}

// placeholders checks {{name}} in message text, so a typo such as
// {{refernce}} is caught here rather than sent to a resident.
func (c *checker) placeholders(path, text string) {
	for _, m := range placeholder.FindAllStringSubmatch(text, -1) {
		if !slices.Contains(placeholders, m[1]) {
			c.add(path, "unknown placeholder {{%s}}; known are {{%s}}", m[1], strings.Join(placeholders, "}}, {{"))
		}
	}
}

func (c *checker) checkStart() {
	s := c.d.Start
	if len(s.Who) == 0 {
		c.add("start.who", "missing; list who may start the service: %s", strings.Join(audienceNames(), ", "))
	}
	seen := map[Audience]bool{}
	for i, a := range s.Who {
		p := fmt.Sprintf("start.who[%d]", i)
		switch {
		case !slices.Contains(Audiences, a):
			c.add(p, "unknown audience %q; want one of %s", a, strings.Join(audienceNames(), ", "))
		case seen[a]:
			c.add(p, "%q is listed twice", a)
		}
		seen[a] = true
	}
	if s.AssistedDigital != nil && *s.AssistedDigital && !seen[AudienceResidents] && !seen[AudienceAnonymous] {
		c.add("start.assisted_digital", "assisted digital means staff submitting for a resident, but residents and anonymous people may not start this service")
	}
}

// Audiences lists every audience, for validation messages and the schema.
var Audiences = []Audience{AudienceResidents, AudienceStaff, AudiencePartners, AudienceAnonymous}

func audienceNames() []string {
	names := make([]string, len(Audiences))
	for i, a := range Audiences {
		names[i] = string(a)
	}
	return names
}

func (c *checker) checkListFields() {
	seen := map[string]bool{}
	for i, id := range c.d.ListFields {
		p := fmt.Sprintf("list_fields[%d]", i)
		switch {
		case c.field(id) == nil:
			c.add(p, "unknown field %q", id)
		case seen[id]:
			c.add(p, "%q is listed twice", id)
		}
		seen[id] = true
	}
}

// checkPublicRegister: a register shows only OFFICIAL services, at least one
// public field, and never a person's internal ID or a file; public fields
// need a register to appear on.
func (c *checker) checkPublicRegister() {
	d, reg := c.d, c.d.PublicRegister
	public := 0
	for i := range d.Fields {
		f := &d.Fields[i]
		if f.PublicLabel != "" && !f.Public {
			c.add(fmt.Sprintf("fields[%d].public_label", i), "applies only to public fields")
		}
		if !f.Public {
			continue
		}
		public++
		p := fmt.Sprintf("fields[%d].public", i)
		switch {
		case reg == nil:
			c.add(p, "a public field needs a public_register to appear on")
		case f.Type == TypePerson || f.Type == TypeFile:
			c.add(p, "%s answers cannot be published (a person's ID, a file)", f.Type)
		}
	}
	if reg == nil {
		return
	}
	c.required("public_register.title", reg.Title)
	if d.Classification == platform.OfficialSensitive {
		c.add("public_register", "an OFFICIAL-SENSITIVE service cannot have a public register")
	}
	if public == 0 {
		c.add("public_register", "mark at least one field public: true to show on the register")
	}
	if reg.Label != "" {
		switch f := c.field(reg.Label); {
		case f == nil:
			c.add("public_register.label", "unknown field %q", reg.Label)
		case f.Type != TypeText || !f.Public:
			c.add("public_register.label", "%q must be a public text field", reg.Label)
		}
	}
	for i, st := range reg.Hide {
		if c.d.State(st) == nil {
			c.add(fmt.Sprintf("public_register.hide_states[%d]", i), "unknown state %q", st)
		}
	}
}

// checkTimeline: every field a timeline names exists and has the kind of
// answer it is drawn from.
func (c *checker) checkTimeline() {
	tl := c.d.Timeline
	if tl == nil {
		return
	}
	c.required("timeline.title", tl.Title)
	want := func(key, id string, types ...FieldType) {
		if id == "" {
			c.add("timeline."+key, "missing; name a %s field", typeNames(types))
			return
		}
		f := c.field(id)
		switch {
		case f == nil:
			c.add("timeline."+key, "unknown field %q", id)
		case !slices.Contains(types, f.Type):
			c.add("timeline."+key, "%q is a %s field; want %s", id, f.Type, typeNames(types))
		}
	}
	want("label", tl.Label, TypeText)
	want("group", tl.Group, TypeChoice)
	want("start", tl.Start, TypeDate)
	want("end", tl.End, TypeDate)
	if tl.RAG != "" {
		want("rag", tl.RAG, TypeChoice)
		if f := c.field(tl.RAG); f != nil {
			for _, o := range f.Options {
				if o.Value != "red" && o.Value != "amber" && o.Value != "green" {
					c.add("timeline.rag", "%q has the option %q; a RAG field's values are red, amber and green", tl.RAG, o.Value)
					break
				}
			}
		}
	}
}

// validDateBound reports whether s is a date bound: a relative day or an
// ISO date.
func validDateBound(s string) bool {
	switch s {
	case "today", "tomorrow", "yesterday":
		return true
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// field finds a field by ID through the index built by checkFields, so
// checks stay linear however many fields a hostile upload declares.
func (c *checker) field(id string) *Field {
	if i, ok := c.fields[id]; ok {
		return &c.d.Fields[i]
	}
	return nil
}
