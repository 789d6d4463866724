package workplace

import (
	"context"
	"crypto/subtle"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// The calendar: every booking as an iCalendar event, in invitations and
// in each person's private feed. This file reads bookings for calendars
// and keeps the feeds; calendar_meetings.go keeps the Teams meetings.

// CalendarEntry is a booking as a calendar shows it: with the names of
// its place and, for a room with video conferencing, its meeting link.
type CalendarEntry struct {
	Booking
	Floor, Building, Address string
	Features                 []string
	JoinURL                  string // the Teams meeting's join link, if any
}

// Place names where the booking is: "Medway Room, First floor, Sessions House".
func (e CalendarEntry) Place() string {
	var parts []string
	for _, p := range []string{e.ResourceName, e.Floor, e.Building} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// Video reports whether the booking is of a room with video conferencing.
func (e CalendarEntry) Video() bool {
	return e.ResourceKind == KindRoom && slices.Contains(e.Features, FeatureVideo)
}

// FeedPast and FeedAhead bound what a feed holds.
const (
	FeedPast  = 30 * 24 * time.Hour
	FeedAhead = 365 * 24 * time.Hour
	// feedMax bounds one feed; a person cannot hold more bookings than
	// the rules allow, so this is only a guard.
	feedMax = 5000
)

const calendarSelect = `SELECT b.id, b.org_id, b.resource_id, r.name, r.kind, r.floor_id, b.person_id, b.person_name, b.unit_id,
	b.start_at, b.end_at, b.status, b.series_id, b.title, b.attendees, b.sequence, b.checked_in_at, b.decided_by, b.note,
	b.created_at, b.updated_at, b.cancel_reason, COALESCE(f.name, ''), COALESCE(bl.name, ''), COALESCE(bl.address, ''), r.features, COALESCE(m.join_url, '')
	FROM workplace_bookings b
	JOIN workplace_resources r ON r.id = b.resource_id AND r.org_id = b.org_id
	LEFT JOIN workplace_floors f ON f.id = r.floor_id AND f.org_id = b.org_id
	LEFT JOIN workplace_buildings bl ON bl.id = f.building_id AND bl.org_id = b.org_id
	LEFT JOIN workplace_meetings m ON m.booking_id = b.id AND m.deleted_at = 0 `

func scanCalendarEntry(rows interface{ Scan(...any) error }) (CalendarEntry, error) {
	var e CalendarEntry
	var start, end, checked, created, updated int64
	var features string
	err := rows.Scan(&e.ID, &e.OrgID, &e.ResourceID, &e.ResourceName, &e.ResourceKind, &e.FloorID, &e.PersonID, &e.PersonName, &e.UnitID,
		&start, &end, &e.Status, &e.SeriesID, &e.Title, &e.Attendees, &e.Sequence, &checked, &e.DecidedBy, &e.Note,
		&created, &updated, &e.CancelReason, &e.Floor, &e.Building, &e.Address, &features, &e.JoinURL)
	if err != nil {
		return e, err
	}
	e.Start, e.End, e.CheckedInAt, e.CreatedAt, e.UpdatedAt = store.Time(start), store.Time(end), store.Time(checked), store.Time(created), store.Time(updated)
	_ = json.Unmarshal([]byte(features), &e.Features)
	return e, nil
}

// bookingForCalendar reads one booking of the organisation with its place.
func (s *Store) bookingForCalendar(ctx context.Context, orgID, id string) (CalendarEntry, error) {
	e, err := scanCalendarEntry(s.db.QueryRow(ctx, calendarSelect+`WHERE b.id = ? AND b.org_id = ?`, id, orgID))
	if errors.Is(err, sql.ErrNoRows) {
		return e, platform.NotFound("booking")
	}
	return e, err
}

// CalendarBooking reads one booking for the module's calendar work (the
// invitation and meeting jobs, which act for the organisation, not for a
// person); orgID must be the booking's.
func (s *Store) CalendarBooking(ctx context.Context, orgID, id string) (CalendarEntry, error) {
	return s.bookingForCalendar(ctx, orgID, id)
}

// CalendarFeed is a person's private feed.
type CalendarFeed struct {
	ID, OrgID, PersonID string
	CreatedAt           time.Time
}

// feedResource is a person's feed, for the access point: their own.
func feedResource(sub *platform.Subject) access.Resource {
	return access.Resource{Type: ResourceType, ID: "calendar-feed", OrgID: sub.OrgID, OwnerID: sub.UserID}
}

// CalendarFeedOf returns sub's active feed; ok is false when they have none.
func (s *Store) CalendarFeedOf(ctx context.Context, sub *platform.Subject) (f CalendarFeed, ok bool, err error) {
	if sub.Kind != platform.SubjectUser {
		return f, false, platform.Errorf(platform.CodeForbidden, "A calendar feed belongs to a person")
	}
	if err := s.access.Check(ctx, sub, access.Read, feedResource(sub)); err != nil {
		return f, false, err
	}
	var at int64
	err = s.db.QueryRow(ctx, `SELECT id, org_id, person_id, created_at FROM workplace_calendar_feeds WHERE org_id = ? AND person_id = ? AND revoked_at = 0`,
		sub.OrgID, sub.UserID).Scan(&f.ID, &f.OrgID, &f.PersonID, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return CalendarFeed{}, false, nil
	}
	f.CreatedAt = store.Time(at)
	return f, err == nil, err
}

// NewCalendarFeed makes sub a new private feed, revoking the one they had,
// and returns its token: the only time the token exists outside the
// person's calendar, since only its secret's hash is kept.
func (s *Store) NewCalendarFeed(ctx context.Context, sub *platform.Subject) (token string, f CalendarFeed, err error) {
	if sub.Kind != platform.SubjectUser {
		return "", f, platform.Errorf(platform.CodeForbidden, "A calendar feed belongs to a person")
	}
	secret := newSecret()
	f = CalendarFeed{ID: platform.NewID("wcf"), OrgID: sub.OrgID, PersonID: sub.UserID, CreatedAt: s.now()}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Create, feedResource(sub)); err != nil {
			return err
		}
		now := store.Millis(f.CreatedAt)
		res, err := tx.Exec(ctx, `UPDATE workplace_calendar_feeds SET revoked_at = ? WHERE org_id = ? AND person_id = ? AND revoked_at = 0`, now, sub.OrgID, sub.UserID)
		if err != nil {
			return err
		}
		revoked, _ := res.RowsAffected()
		if _, err := tx.Exec(ctx, `INSERT INTO workplace_calendar_feeds (id, org_id, person_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
			f.ID, f.OrgID, f.PersonID, hashSecret(secret), now); err != nil {
			return err
		}
		action, detail := "workplace.calendar_feed_create", "made a private calendar feed"
		if revoked > 0 {
			action, detail = "workplace.calendar_feed_regenerate", "made a new private calendar feed; the old address no longer works"
		}
		e := audit.For(sub, action, "calendar_feed", f.ID, audit.Success)
		e.Detail = detail
		return s.audit.Record(tx, e)
	})
	if err != nil {
		return "", CalendarFeed{}, err
	}
	return f.ID + "." + secret, f, nil
}

// StopCalendarFeed revokes sub's feed, if they have one.
func (s *Store) StopCalendarFeed(ctx context.Context, sub *platform.Subject) error {
	if sub.Kind != platform.SubjectUser {
		return platform.Errorf(platform.CodeForbidden, "A calendar feed belongs to a person")
	}
	return s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.access.CheckTx(tx, sub, access.Delete, feedResource(sub)); err != nil {
			return err
		}
		var id string
		err := tx.QueryRow(ctx, `SELECT id FROM workplace_calendar_feeds WHERE org_id = ? AND person_id = ? AND revoked_at = 0`, sub.OrgID, sub.UserID).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE workplace_calendar_feeds SET revoked_at = ? WHERE id = ?`, store.Millis(s.now()), id); err != nil {
			return err
		}
		e := audit.For(sub, "workplace.calendar_feed_stop", "calendar_feed", id, audit.Success)
		e.Detail = "stopped their private calendar feed"
		return s.audit.Record(tx, e)
	})
}

// FeedByToken finds the active feed a token opens and the bookings it
// shows: the person's own requested, confirmed and checked-in bookings
// from FeedPast ago to FeedAhead. The token is the only credential, so
// every failure (malformed, unknown, revoked, wrong secret) is the same
// not-found, and the secret's hash is compared in constant time.
func (s *Store) FeedByToken(ctx context.Context, token string) (CalendarFeed, []CalendarEntry, error) {
	var f CalendarFeed
	notFound := platform.NotFound("calendar feed")
	id, secret, ok := strings.Cut(token, ".")
	if !ok || !platform.ValidID("wcf", id) || len(secret) != 43 {
		return f, nil, notFound
	}
	var hash string
	var at int64
	err := s.db.QueryRow(ctx, `SELECT id, org_id, person_id, secret_hash, created_at FROM workplace_calendar_feeds WHERE id = ? AND revoked_at = 0`, id).
		Scan(&f.ID, &f.OrgID, &f.PersonID, &hash, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil, notFound
	}
	if err != nil {
		return f, nil, err
	}
	if subtle.ConstantTimeCompare([]byte(hashSecret(secret)), []byte(hash)) != 1 {
		return CalendarFeed{}, nil, notFound
	}
	f.CreatedAt = store.Time(at)
	now := s.now()
	rows, err := s.db.Query(ctx, calendarSelect+`WHERE b.org_id = ? AND b.person_id = ? AND b.status IN (?, ?, ?) AND b.end_at > ? AND b.start_at < ?
		ORDER BY b.start_at, b.id LIMIT `+strconv.Itoa(feedMax),
		f.OrgID, f.PersonID, StatusRequested, StatusConfirmed, StatusCheckedIn, store.Millis(now.Add(-FeedPast)), store.Millis(now.Add(FeedAhead)))
	if err != nil {
		return f, nil, err
	}
	defer rows.Close()
	var out []CalendarEntry
	for rows.Next() {
		e, err := scanCalendarEntry(rows)
		if err != nil {
			return f, nil, err
		}
		out = append(out, e)
	}
	return f, out, rows.Err()
}
