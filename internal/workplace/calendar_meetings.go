package workplace

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Meeting is the Teams meeting made for a booking of a room with video
// conferencing, as dbtp remembers it.
type Meeting struct {
	BookingID, OrgID string
	MeetingID        string // Graph's onlineMeeting id
	JoinURL          string
	Organizer        string
	Subject          string
	Start, End       time.Time
	Deleted          bool
}

// MeetingFor returns the booking's meeting; ok is false when none was
// ever made (a deleted one is returned, Deleted set).
func (s *Store) MeetingFor(ctx context.Context, orgID, bookingID string) (m Meeting, ok bool, err error) {
	var start, end, deleted int64
	err = s.db.QueryRow(ctx, `SELECT booking_id, org_id, meeting_id, join_url, organizer, subject, start_at, end_at, deleted_at
		FROM workplace_meetings WHERE booking_id = ? AND org_id = ?`, bookingID, orgID).
		Scan(&m.BookingID, &m.OrgID, &m.MeetingID, &m.JoinURL, &m.Organizer, &m.Subject, &start, &end, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, false, nil
	}
	if err != nil {
		return Meeting{}, false, err
	}
	m.Start, m.End, m.Deleted = store.Time(start), store.Time(end), deleted != 0
	return m, true, nil
}

// SaveMeeting records the booking's meeting as Teams now has it (made,
// changed, or deleted when m.Deleted), audited as the organisation's own
// act, and runs then in the same write (to queue the invitation that
// carries the link).
func (s *Store) SaveMeeting(ctx context.Context, m Meeting, then func(tx *store.Tx) error) error {
	return s.db.Write(ctx, func(tx *store.Tx) error {
		now := store.Millis(s.now())
		var deleted int64
		if m.Deleted {
			deleted = now
		}
		var existed int
		err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM workplace_meetings WHERE booking_id = ?`, m.BookingID).Scan(&existed)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO workplace_meetings (booking_id, org_id, meeting_id, join_url, organizer, subject, start_at, end_at, created_at, updated_at, deleted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (booking_id) DO UPDATE SET meeting_id = excluded.meeting_id, join_url = excluded.join_url, organizer = excluded.organizer,
				subject = excluded.subject, start_at = excluded.start_at, end_at = excluded.end_at, updated_at = excluded.updated_at, deleted_at = excluded.deleted_at`,
			m.BookingID, m.OrgID, m.MeetingID, m.JoinURL, m.Organizer, m.Subject, store.Millis(m.Start), store.Millis(m.End), now, now, deleted)
		if err != nil {
			return err
		}
		action := "workplace.meeting_update"
		switch {
		case m.Deleted:
			action = "workplace.meeting_delete"
		case existed == 0:
			action = "workplace.meeting_create"
		}
		e := audit.For(platform.System(m.OrgID), action, "booking", m.BookingID, audit.Success)
		e.Detail = "Teams meeting " + m.MeetingID + " under " + m.Organizer
		if err := s.audit.Record(tx, e); err != nil {
			return err
		}
		if then != nil {
			return then(tx)
		}
		return nil
	})
}
