package post

import "context"

// Preferences is how a person wants to hear from the council. SKELETON:
// the preferences part replaces the store behind it; the signature is the
// contract the sending and delivery parts code against.
type Preferences struct {
	PersonID string
	Channel  string // KindEmail, KindSMS or KindLetter; "" = no preference (email if known, else letter)
	Format   string // "" or "large-print" (letters at 16 pt and up; emails and texts unchanged)
	Email    string
	Phone    string
	Address  []string
	// Unsubscribed is true when the person has said no to messages that
	// are not statutory; statutory messages are still sent.
	Unsubscribed bool
}

// PreferencesOf returns personID's contact preferences in orgID; a person
// who never said anything gets the zero Preferences with PersonID set.
func (s *Store) PreferencesOf(ctx context.Context, orgID, personID string) (Preferences, error) {
	return Preferences{PersonID: personID}, nil
}
