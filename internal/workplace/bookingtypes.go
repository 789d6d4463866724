package workplace

import "time"

// The shapes other parts of the module rely on: bookings (bookings.go),
// the calendar (invitations and feeds), loans and utilisation read them.

// Booking states.
const (
	StatusRequested = "requested"  // waiting for a manager's approval
	StatusConfirmed = "confirmed"  // booked
	StatusCheckedIn = "checked_in" // the person arrived
	StatusReleased  = "released"   // nobody checked in: given back
	StatusCancelled = "cancelled"
	StatusRejected  = "rejected" // a manager said no
	StatusWaiting   = "waiting"  // on a room's waiting list
)

// EventBooking is the event type published, in the booking's own write,
// whenever a booking is made, changed, cancelled, released, approved or
// rejected; its subject is the booking's ID and its data a BookingEvent.
const EventBooking = "workplace.booking"

// BookingEvent is the data of an EventBooking event.
type BookingEvent struct {
	BookingID string `json:"booking_id"`
	Change    string `json:"change"` // created | changed | cancelled | released | approved | rejected | checked_in | promoted (off the waiting list)
}

// Booking is one booking of a desk or room by one person.
type Booking struct {
	ID, OrgID    string
	ResourceID   string
	ResourceName string
	ResourceKind string
	FloorID      string
	PersonID     string
	PersonName   string
	UnitID       string
	Start, End   time.Time // UTC
	Status       string
	SeriesID     string
	Title        string
	Attendees    int
	Sequence     int // iCalendar SEQUENCE
	CheckedInAt  time.Time
	DecidedBy    string
	Note         string
	// CancelReason says why a booking was cancelled by someone other
	// than its booker (its desk or room was withdrawn); "" otherwise.
	CancelReason string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Active reports whether the booking holds its resource's time.
func (b Booking) Active() bool {
	return b.Status == StatusRequested || b.Status == StatusConfirmed || b.Status == StatusCheckedIn
}
