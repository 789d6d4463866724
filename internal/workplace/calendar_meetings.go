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
	MeetingID        string // Graph's onlineMeeting id; "" while only asked for (MeetingIntent)
	ExternalID       string // the ID it was asked for under (createOrGet)
	JoinURL          string
	Organizer        string
	Subject          string
	Start, End       time.Time
	Deleted          bool
}

// MeetingFor returns the booking's meeting; ok is false when none was
// ever asked for (a deleted one is returned, Deleted set; one only asked
// for has no MeetingID yet).
func (s *Store) MeetingFor(ctx context.Context, orgID, bookingID string) (m Meeting, ok bool, err error) {
	var start, end, deleted int64
	err = s.db.QueryRow(ctx, `SELECT booking_id, org_id, meeting_id, external_id, join_url, organizer, subject, start_at, end_at, deleted_at
		FROM workplace_meetings WHERE booking_id = ? AND org_id = ?`, bookingID, orgID).
		Scan(&m.BookingID, &m.OrgID, &m.MeetingID, &m.ExternalID, &m.JoinURL, &m.Organizer, &m.Subject, &start, &end, &deleted)
	if errors.Is(err, sql.ErrNoRows) {
		return Meeting{}, false, nil
	}
	if err != nil {
		return Meeting{}, false, err
	}
	m.Start, m.End, m.Deleted = store.Time(start), store.Time(end), deleted != 0
	return m, true, nil
}

// MeetingIntent returns the external ID the booking's Teams meeting is
// made under, recording a new one first, in its own write, when the
// booking has no meeting or only a deleted one. The job that makes the
// meeting records the intent before it asks Graph (createOrGet, keyed by
// this ID) and saves the meeting after: a job that dies between the two
// finds the intent on its retry and asks again under the same ID, and
// Graph answers with the meeting it already made. A deleted meeting's ID
// is never asked for again. Not audited: it changes nothing anyone sees;
// the meeting's making is audited when it is saved.
func (s *Store) MeetingIntent(ctx context.Context, orgID, bookingID, organizer string) (string, error) {
	var ext string
	err := s.db.Write(ctx, func(tx *store.Tx) error {
		now := store.Millis(s.now())
		fresh := platform.NewID("wmt")
		// Concurrent jobs for one booking agree: the first insert (or
		// revival of a deleted row) wins and both read its ID back.
		if _, err := tx.Exec(ctx, `INSERT INTO workplace_meetings (booking_id, org_id, meeting_id, external_id, join_url, organizer, subject, start_at, end_at, created_at, updated_at)
			VALUES (?, ?, '', ?, '', ?, '', 0, 0, ?, ?) ON CONFLICT (booking_id) DO NOTHING`, bookingID, orgID, fresh, organizer, now, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_meetings SET meeting_id = '', external_id = ?, join_url = '', organizer = ?, subject = '', start_at = 0, end_at = 0,
			deleted_at = 0, updated_at = ? WHERE booking_id = ? AND org_id = ? AND deleted_at <> 0`, fresh, organizer, now, bookingID, orgID); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `SELECT external_id FROM workplace_meetings WHERE booking_id = ? AND org_id = ?`, bookingID, orgID).Scan(&ext)
		if err == nil && ext == "" {
			// A meeting made before intents were recorded: it has its
			// Graph ID, and no one asks for it again.
			err = platform.Errorf(platform.CodeConflict, "booking %s has a meeting already", bookingID)
		}
		return err
	})
	return ext, err
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
		// An intent (no meeting ID yet) or no row: this saves a new meeting.
		var had string
		err := tx.QueryRow(ctx, `SELECT meeting_id FROM workplace_meetings WHERE booking_id = ?`, m.BookingID).Scan(&had)
		if err != nil && !store.IsNoRows(err) {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO workplace_meetings (booking_id, org_id, meeting_id, external_id, join_url, organizer, subject, start_at, end_at, created_at, updated_at, deleted_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (booking_id) DO UPDATE SET meeting_id = excluded.meeting_id, external_id = excluded.external_id, join_url = excluded.join_url,
				organizer = excluded.organizer, subject = excluded.subject, start_at = excluded.start_at, end_at = excluded.end_at,
				updated_at = excluded.updated_at, deleted_at = excluded.deleted_at`,
			m.BookingID, m.OrgID, m.MeetingID, m.ExternalID, m.JoinURL, m.Organizer, m.Subject, store.Millis(m.Start), store.Millis(m.End), now, now, deleted)
		if err != nil {
			return err
		}
		action := "workplace.meeting_update"
		switch {
		case m.Deleted:
			action = "workplace.meeting_delete"
		case had == "":
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
