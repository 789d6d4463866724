package post

import "time"

// Kinds of message, as Notify names them.
const (
	KindEmail  = "email"
	KindSMS    = "sms"
	KindLetter = "letter"
)

// Notify's statuses. Email and text messages go created -> sending ->
// delivered (or a failure); letters go accepted -> received (the printer
// has them), or cancelled or validation-failed.
const (
	StatusCreated          = "created"
	StatusSending          = "sending"
	StatusPending          = "pending"
	StatusSent             = "sent" // text messages abroad: sent, no receipt
	StatusDelivered        = "delivered"
	StatusTemporaryFailure = "temporary-failure"
	StatusPermanentFailure = "permanent-failure"
	StatusTechnicalFailure = "technical-failure"
	StatusAccepted         = "accepted"
	StatusReceived         = "received"
	StatusCancelled        = "cancelled"
	StatusValidationFailed = "validation-failed"
)

// Final reports whether a notification in status st will not change again.
func Final(st string) bool {
	switch st {
	case StatusDelivered, StatusSent, StatusPermanentFailure, StatusTemporaryFailure, StatusTechnicalFailure,
		StatusReceived, StatusCancelled, StatusValidationFailed:
		return true
	}
	return false
}

// Key types, as Notify's: a normal key sends to anyone; a team key only to
// the service's own team; a test key pretends to send and delivers nothing.
const (
	KeyNormal = "normal"
	KeyTeam   = "team"
	KeyTest   = "test"
)

// Service is a sending service: what a Notify API key belongs to. A
// business unit owns it and its templates.
type Service struct {
	ID            string // a UUID: the issuer of the caller's tokens
	OrgID         string
	UnitID        string
	Name          string
	EmailReplyTo  string
	SMSSender     string
	LetterContact string // the return address block on its letters
	RatePerMinute int    // per channel; 0: no limit
	CallbackURL   string
	CallbackToken string
	Archived      bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// APIKey is one of a service's keys. Secret is only set when the key is
// made: the whole key is shown once.
type APIKey struct {
	ID         string
	ServiceID  string
	OrgID      string
	Name       string
	Type       string // KeyNormal, KeyTeam or KeyTest
	CreatedAt  time.Time
	CreatedBy  string
	RevokedAt  time.Time
	LastUsedAt time.Time
	Secret     string
}

// Template is a message's wording, at its current version.
type Template struct {
	ID        string // a UUID
	OrgID     string
	ServiceID string
	UnitID    string
	Kind      string
	Name      string
	Subject   string
	Body      string
	Version   int
	Statutory bool // false: needs the person's consent and carries an unsubscribe
	Archived  bool
	CreatedAt time.Time
	UpdatedAt time.Time
	UpdatedBy string
}

// Notification is one message to one recipient.
type Notification struct {
	ID              string
	OrgID           string
	ServiceID       string
	TemplateID      string
	TemplateVersion int
	Kind            string
	Recipient       string   // email address, phone number, or the address's first line
	Address         []string // letters: the address, one line per line
	Personalisation map[string]any
	Subject         string
	Body            string
	Reference       string
	ClientKey       string
	CaseID          string
	PersonID        string
	KeyType         string
	APIKeyID        string
	CreatedBy       string
	Status          string
	LargePrint      bool
	// ChannelReason is why staff sent it by another channel than the
	// person prefers; "" when it went by their preferred channel.
	ChannelReason string
	Postage       string
	Provider      string
	ProviderRef   string
	Attempts      int
	LastError     string
	Fragments     int
	Pages         int
	PDFBlob       string
	ScheduledFor  time.Time
	CreatedAt     time.Time
	SentAt        time.Time
	CompletedAt   time.Time
	UpdatedAt     time.Time
}
