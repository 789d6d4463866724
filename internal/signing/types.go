package signing

import "time"

// Envelope statuses.
const (
	EnvelopeDraft     = "draft"
	EnvelopeSent      = "sent"
	EnvelopeSealing   = "sealing" // everyone has acted; the seal waits for the TSA
	EnvelopeCompleted = "completed"
	EnvelopeDeclined  = "declined"
	EnvelopeVoided    = "voided"
	EnvelopeExpired   = "expired"
)

// Recipient roles and statuses.
const (
	RoleSigner   = "signer"
	RoleApprover = "approver"
	RoleCopy     = "copy"

	RecipientWaiting    = "waiting"  // not their turn yet
	RecipientNotified   = "notified" // their turn: the link or task is out
	RecipientViewed     = "viewed"
	RecipientSigned     = "signed"
	RecipientApproved   = "approved"
	RecipientDeclined   = "declined"
	RecipientReassigned = "reassigned"
)

// Field kinds.
const (
	FieldSignature = "signature"
	FieldInitials  = "initials"
	FieldDate      = "date"
	FieldText      = "text"
	FieldCheckbox  = "checkbox"
)

// EventEnvelope is published when an envelope completes, is declined,
// voided or expires: workflows move their cases on it.
const EventEnvelope = "signing.envelope"

// EnvelopeEvent is EventEnvelope's payload.
type EnvelopeEvent struct {
	EnvelopeID string `json:"envelope_id"`
	CaseID     string `json:"case_id,omitempty"`
	Status     string `json:"status"`
}

// Envelope is a document on its way to being signed.
type Envelope struct {
	ID, OrgID, UnitID, Title, Message, Status string
	SenderID, SenderName, CaseID              string
	OriginalBlob, CurrentBlob, SealedBlob     string
	OriginalSHA256                            string
	Pages, CurrentStep, RemindEveryDays       int
	Reason                                    string
	ExpiresAt, CreatedAt, SentAt              time.Time
	CompletedAt, UpdatedAt                    time.Time
	Recipients                                []Recipient
	Fields                                    []Field
	// TemplateID and TemplateVersion name the template version the
	// document was made from (none for an upload).
	TemplateID      string
	TemplateVersion int

	templateName string // for the evidence, when it is made
}

// Recipient is one person who acts on (or receives) an envelope.
type Recipient struct {
	ID, EnvelopeID, OrgID        string
	Step                         int
	Role, UserID, Name           string
	Email, Phone, Status         string
	ConsentedAt, ActedAt         time.Time
	ActedFrom, IdentifiedBy      string
	SignatureKind, SignatureText string
	Reason                       string
	MayReassign                  bool
}

// Field is a place on a page that a recipient fills.
type Field struct {
	ID, EnvelopeID, RecipientID, Kind string
	Page                              int
	X, Y, Width, Height               float64 // points, from the page's bottom-left corner
	Required                          bool
	Label, Value                      string
}

// Event is one thing that happened to an envelope: the evidence.
type Event struct {
	ID, EnvelopeID, RecipientID, Action string
	ActorName, Address, Detail          string
	DocSHA256                           string
	At                                  time.Time
}
