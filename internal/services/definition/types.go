// Package definition is the language of the low-code engine: a service
// definition is a versioned YAML document declaring the fields people fill
// in, the pages they see, the workflow a case then follows, who may start it
// and how its records are kept. Parse turns YAML into a Definition and
// reports every problem with its line and field; nothing else in dbtp reads
// YAML.
package definition

import "dbtp/internal/platform"

// Definition is one version of one service.
type Definition struct {
	ID              string                  `yaml:"id" json:"id"`           // slug, e.g. "complaints"
	Version         int                     `yaml:"version" json:"version"` // 1, 2, ...; cases pin the version they started on
	Title           string                  `yaml:"title" json:"title"`     // "Make a complaint"
	Summary         string                  `yaml:"summary" json:"summary"`
	ReferencePrefix string                  `yaml:"reference_prefix" json:"reference_prefix"` // "COMP" -> COMP-2026-000123
	OwnerUnit       string                  `yaml:"owner_unit" json:"owner_unit"`             // owning business unit, by name
	Classification  platform.Classification `yaml:"classification" json:"classification"`     // OFFICIAL or OFFICIAL-SENSITIVE
	Retention       string                  `yaml:"retention" json:"retention"`               // retention class, e.g. "complaints-6y"
	Start           Start                   `yaml:"start" json:"start"`
	Fields          []Field                 `yaml:"fields" json:"fields"`
	Pages           []Page                  `yaml:"pages" json:"pages"`
	CheckAnswers    bool                    `yaml:"check_answers" json:"check_answers"`
	Confirmation    Confirmation            `yaml:"confirmation" json:"confirmation"`
	Workflow        Workflow                `yaml:"workflow" json:"workflow"`
	// Summary fields shown in queues and search results, by field ID.
	ListFields []string `yaml:"list_fields" json:"list_fields,omitempty"`
	// PublicRegister publishes the service's cases to everyone, signed in
	// or not, showing only the fields marked public: a forward plan of key
	// decisions and their decision notices, a register of licences.
	PublicRegister *PublicRegister `yaml:"public_register" json:"public_register,omitempty"`
	// Timeline shows the service's cases to staff as a timeline grouped by
	// a choice (a programme's projects by theme, coloured by RAG status)
	// rather than as a list.
	Timeline *Timeline `yaml:"timeline" json:"timeline,omitempty"`
}

// Timeline names the fields a service's timeline is drawn from.
type Timeline struct {
	Title string `yaml:"title" json:"title"`       // "Technology roadmap"
	Label string `yaml:"label" json:"label"`       // a text field naming each item
	Group string `yaml:"group" json:"group"`       // a choice field the items are grouped by
	Start string `yaml:"start" json:"start"`       // a date field
	End   string `yaml:"end" json:"end"`           // a date field
	RAG   string `yaml:"rag" json:"rag,omitempty"` // a choice field with the values red, amber and green
}

// PublicRegister is a service's public list of cases.
type PublicRegister struct {
	Title   string   `yaml:"title" json:"title"`                       // "Forward plan and decisions"
	Summary string   `yaml:"summary" json:"summary,omitempty"`         // a paragraph under the title
	Label   string   `yaml:"label" json:"label,omitempty"`             // a public text field naming each entry; default its reference
	Hide    []string `yaml:"hide_states" json:"hide_states,omitempty"` // states whose cases are not shown (withdrawn)
}

// Audience is who may start a service.
type Audience string

const (
	AudienceResidents Audience = "residents"
	AudienceStaff     Audience = "staff"
	AudiencePartners  Audience = "partners"
	AudienceAnonymous Audience = "anonymous" // with email verification
)

// Start says who may start the service.
type Start struct {
	Who []Audience `yaml:"who" json:"who"`
	// AssistedDigital lets staff submit on a resident's behalf (default true
	// when residents may start it).
	AssistedDigital *bool `yaml:"assisted_digital" json:"assisted_digital,omitempty"`
}

// FieldType is the kind of answer a field takes.
type FieldType string

const (
	TypeText       FieldType = "text"
	TypeLongText   FieldType = "long_text"
	TypeNumber     FieldType = "number"
	TypeMoney      FieldType = "money" // pounds and pence, stored in pence
	TypeDate       FieldType = "date"
	TypeEmail      FieldType = "email"
	TypeUKPhone    FieldType = "uk_phone"
	TypeUKPostcode FieldType = "uk_postcode"
	TypeAddress    FieldType = "address" // lines, town, postcode, optional UPRN
	TypeChoice     FieldType = "choice"  // one of Options (radios)
	TypeCheckboxes FieldType = "checkboxes"
	TypeYesNo      FieldType = "yes_no"
	TypeFile       FieldType = "file"
	TypePerson     FieldType = "person" // a user of the organisation, by ID
)

// FieldTypes lists every type, for validation messages and the JSON Schema.
var FieldTypes = []FieldType{TypeText, TypeLongText, TypeNumber, TypeMoney, TypeDate, TypeEmail, TypeUKPhone,
	TypeUKPostcode, TypeAddress, TypeChoice, TypeCheckboxes, TypeYesNo, TypeFile, TypePerson}

// Field is one question.
type Field struct {
	ID       string    `yaml:"id" json:"id"` // snake_case, unique in the definition
	Type     FieldType `yaml:"type" json:"type"`
	Label    string    `yaml:"label" json:"label"`
	Hint     string    `yaml:"hint" json:"hint,omitempty"`
	Required bool      `yaml:"required" json:"required,omitempty"`
	// Validation; which apply depends on Type.
	MinLength      int      `yaml:"min_length" json:"min_length,omitempty"` // text, long_text
	MaxLength      int      `yaml:"max_length" json:"max_length,omitempty"` // text, long_text (default 500 / 10000)
	Pattern        string   `yaml:"pattern" json:"pattern,omitempty"`       // text: Go RE2 regexp the whole answer must match
	PatternMessage string   `yaml:"pattern_message" json:"pattern_message,omitempty"`
	Min            *float64 `yaml:"min" json:"min,omitempty"`             // number, money (pounds)
	Max            *float64 `yaml:"max" json:"max,omitempty"`             // number, money (pounds)
	Before         string   `yaml:"before" json:"before,omitempty"`       // date: "today", "tomorrow" or YYYY-MM-DD (exclusive)
	After          string   `yaml:"after" json:"after,omitempty"`         // date: "today", "yesterday" or YYYY-MM-DD (exclusive)
	Options        []Option `yaml:"options" json:"options,omitempty"`     // choice, checkboxes
	MaxBytes       int64    `yaml:"max_bytes" json:"max_bytes,omitempty"` // file (default 10 MiB)
	Accept         []string `yaml:"accept" json:"accept,omitempty"`       // file: allowed media types, e.g. application/pdf
	// Internal fields are filled by staff during the workflow, never asked of
	// the person starting the service.
	Internal bool `yaml:"internal" json:"internal,omitempty"`
	// SharedWithApplicant shows an internal field's answer (a response, an
	// outcome) to the applicant on their request page as soon as staff
	// give it. Other internal fields stay with staff.
	SharedWithApplicant bool `yaml:"shared_with_applicant" json:"shared_with_applicant,omitempty"`
	// FromAccount fills the question in from the person's account ("name"
	// or "email") when they begin; they may still change it.
	FromAccount string `yaml:"from_account" json:"from_account,omitempty"`
	// Public shows the answer on the service's public register, to anyone.
	Public bool `yaml:"public" json:"public,omitempty"`
	// PublicLabel names the answer on the register when the question reads
	// wrongly there ("Decision maker" for "Who will take the decision?").
	PublicLabel string `yaml:"public_label" json:"public_label,omitempty"`
}

// Option is one choice.
type Option struct {
	Value string `yaml:"value" json:"value"`
	Label string `yaml:"label" json:"label"`
	Hint  string `yaml:"hint" json:"hint,omitempty"`
}

// Page is one step of the form: by the GOV.UK pattern, usually one question.
type Page struct {
	ID     string   `yaml:"id" json:"id"`
	Title  string   `yaml:"title" json:"title"`   // the page heading; defaults to the single field's label
	Fields []string `yaml:"fields" json:"fields"` // field IDs asked on this page
	// Next chooses the following page: the first rule whose condition holds
	// wins; a rule without a condition always holds. No rule (or goto
	// "check-answers") ends the questions.
	Next []Rule `yaml:"next" json:"next,omitempty"`
}

// Rule is one branch.
type Rule struct {
	If   *Condition `yaml:"if" json:"if,omitempty"`
	Goto string     `yaml:"goto" json:"goto"` // a page ID, or "check-answers"
}

// Condition tests an answer given earlier.
type Condition struct {
	Field    string   `yaml:"field" json:"field"`
	Equals   string   `yaml:"equals" json:"equals,omitempty"`
	In       []string `yaml:"in" json:"in,omitempty"`
	Answered *bool    `yaml:"answered" json:"answered,omitempty"`
}

// Confirmation is shown after submission, with the case reference.
type Confirmation struct {
	Title string `yaml:"title" json:"title"`
	Body  string `yaml:"body" json:"body"`
}

// Workflow is the life of a case after submission.
type Workflow struct {
	Initial     string       `yaml:"initial" json:"initial"` // state a new case enters
	States      []State      `yaml:"states" json:"states"`
	Transitions []Transition `yaml:"transitions" json:"transitions"`
	// Deadline is one clock for the whole case, from its receipt to its
	// close, whatever states it passes through: the time the law gives to
	// answer (a subject access request in one calendar month). A workflow
	// with a deadline has no per-state sla_days.
	Deadline *Deadline `yaml:"deadline" json:"deadline,omitempty"`
}

// Deadline is a case's clock from receipt: exactly one of CalendarMonths
// and WorkingDays.
type Deadline struct {
	// CalendarMonths counts as the Information Commissioner counts a
	// subject access request's month: the same date that many months on,
	// the month's last day when it has no such date, the next working day
	// when that is a weekend or bank holiday.
	CalendarMonths int `yaml:"calendar_months" json:"calendar_months,omitempty"`
	// WorkingDays counts England and Wales working days after the day of
	// receipt (a Freedom of Information request's 20).
	WorkingDays int `yaml:"working_days" json:"working_days,omitempty"`
	// AtRiskDays before the due date the case shows "at risk" (working days).
	AtRiskDays int       `yaml:"at_risk_days" json:"at_risk_days,omitempty"`
	Escalation *Escalate `yaml:"escalate" json:"escalate,omitempty"` // what happens when it is missed
	// Extension lets one transition extend the deadline, once: the new due
	// date counts the deadline and the extension together from receipt.
	Extension *Extension `yaml:"extension" json:"extension,omitempty"`
}

// Extension is how far a transition moves a deadline, in the deadline's own
// unit (CalendarMonths with calendar_months, WorkingDays with working_days).
type Extension struct {
	Transition     string `yaml:"transition" json:"transition"`
	CalendarMonths int    `yaml:"calendar_months" json:"calendar_months,omitempty"`
	WorkingDays    int    `yaml:"working_days" json:"working_days,omitempty"`
}

// State is one stage of a case.
type State struct {
	ID       string `yaml:"id" json:"id"`
	Label    string `yaml:"label" json:"label"`
	Terminal bool   `yaml:"terminal" json:"terminal,omitempty"` // closed: no SLA, no transitions out
	// SLADays is how many working days (England and Wales) a case may stay
	// here; 0 means no clock. AtRiskDays before the due date it shows "at risk".
	SLADays    int       `yaml:"sla_days" json:"sla_days,omitempty"`
	AtRiskDays int       `yaml:"at_risk_days" json:"at_risk_days,omitempty"`
	Escalation *Escalate `yaml:"escalate" json:"escalate,omitempty"` // what happens when the SLA is breached
	OnEnter    []Action  `yaml:"on_enter" json:"on_enter,omitempty"`
}

// Escalate names who is told, and where the case goes, on a breach.
type Escalate struct {
	NotifyRole platform.Role `yaml:"notify_role" json:"notify_role,omitempty"`
	Queue      string        `yaml:"queue" json:"queue,omitempty"`
}

// Action runs when a case enters a state. Exactly one of its parts is set.
type Action struct {
	Notify *Notify `yaml:"notify" json:"notify,omitempty"`
	Task   *Task   `yaml:"task" json:"task,omitempty"`
	Assign *Assign `yaml:"assign" json:"assign,omitempty"`
	Sign   *Sign   `yaml:"sign" json:"sign,omitempty"`
}

// Sign asks for signatures (the signing module, wired in cmd/dbtp): an
// envelope made from an envelope template, by name, with its merge fields
// filled from the case's answers of the same IDs (and ((reference))),
// sent to the signers in the order listed. The case moves on by the
// Completed transition when everyone has signed (the sealed PDF is then
// attached to the case, which files it as a record of the service's
// retention class), and by Declined when someone declines, or the
// envelope is voided or expires.
type Sign struct {
	Template  string   `yaml:"template" json:"template"`
	Title     string   `yaml:"title" json:"title,omitempty"` // may use {{reference}} and {{title}}
	Signers   []Signer `yaml:"signers" json:"signers"`
	Completed string   `yaml:"completed" json:"completed"`
	Declined  string   `yaml:"declined" json:"declined,omitempty"`
}

// Signer is one who signs (or approves) a Sign action's envelope: a
// member of staff named in a person answer, or an outside party by the
// answers holding their name and email address.
type Signer struct {
	Person string `yaml:"person" json:"person,omitempty"`
	Name   string `yaml:"name" json:"name,omitempty"`
	Email  string `yaml:"email" json:"email,omitempty"`
	Role   string `yaml:"role" json:"role,omitempty"` // signer (the default) or approver
}

// Notify sends a message through the Notifier (digital post, later; a
// recorded outbox until then).
type Notify struct {
	To       string `yaml:"to" json:"to"`             // "applicant", "assignee", or a role name
	Template string `yaml:"template" json:"template"` // message template ID
	Subject  string `yaml:"subject" json:"subject"`
	Body     string `yaml:"body" json:"body"` // text with {{reference}}, {{title}}, {{state}}
}

// Task creates a to-do on the case.
type Task struct {
	Title   string `yaml:"title" json:"title"`
	DueDays int    `yaml:"due_days" json:"due_days,omitempty"` // working days
}

// Assign puts the case in a queue (and optionally a business unit), and
// optionally gives it to the person named in a person answer.
type Assign struct {
	Queue string `yaml:"queue" json:"queue"`
	Unit  string `yaml:"unit" json:"unit,omitempty"`
	// Person is a person field: when the case enters the state with nobody
	// holding it, it is assigned to the person answered there (a risk to
	// its owner), if they could work on it; otherwise it waits in the
	// queue. A service that does this may be assigned to anyone who works
	// on cases, in any unit (see services.CouldWorkOn).
	Person string `yaml:"person" json:"person,omitempty"`
}

// Transition moves a case between states.
type Transition struct {
	ID    string   `yaml:"id" json:"id"`
	Label string   `yaml:"label" json:"label"` // the button, e.g. "Start stage 2"
	From  []string `yaml:"from" json:"from"`
	To    string   `yaml:"to" json:"to"`
	// Guards: who may make it. Empty Roles means any staff role that may
	// update the case; Units limits it to members of those business units.
	Roles []platform.Role `yaml:"roles" json:"roles,omitempty"`
	Units []string        `yaml:"units" json:"units,omitempty"`
	// Applicant lets the person who started the case make it (e.g. escalate
	// a complaint to stage 2).
	Applicant bool `yaml:"applicant" json:"applicant,omitempty"`
	// ApplicantReason, on an applicant move, is the question the applicant
	// must answer to make it ("Why are you not satisfied?"); their answer
	// goes to staff as a message with the move. Applicant moves are always
	// confirmed on a page of their own first.
	ApplicantReason string `yaml:"applicant_reason" json:"applicant_reason,omitempty"`
	// Requires lists internal field IDs that must have values for the move
	// (asked on the transition form when empty).
	Requires []string `yaml:"requires" json:"requires,omitempty"`
}
