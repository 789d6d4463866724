package post

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

const notificationColumns = `id, org_id, service_id, template_id, template_version, kind, recipient, address, personalisation, subject, body,
	reference, client_key, case_id, person_id, key_type, api_key_id, created_by, status, large_print, postage, provider, provider_ref,
	attempts, last_error, fragments, pages, pdf_blob, scheduled_for, created_at, sent_at, completed_at, updated_at, channel_reason`

func scanNotification(r rowScanner) (Notification, error) {
	var n Notification
	var addr, pers string
	var large int
	var sched, created, sent, completed, updated int64
	err := r.Scan(&n.ID, &n.OrgID, &n.ServiceID, &n.TemplateID, &n.TemplateVersion, &n.Kind, &n.Recipient, &addr, &pers, &n.Subject, &n.Body,
		&n.Reference, &n.ClientKey, &n.CaseID, &n.PersonID, &n.KeyType, &n.APIKeyID, &n.CreatedBy, &n.Status, &large, &n.Postage, &n.Provider,
		&n.ProviderRef, &n.Attempts, &n.LastError, &n.Fragments, &n.Pages, &n.PDFBlob, &sched, &created, &sent, &completed, &updated, &n.ChannelReason)
	if err != nil {
		return n, err
	}
	if addr != "" {
		n.Address = strings.Split(addr, "\n")
	}
	n.Personalisation = map[string]any{}
	_ = json.Unmarshal([]byte(pers), &n.Personalisation) // written by insert: always an object
	n.LargePrint = large == 1
	n.ScheduledFor, n.CreatedAt, n.SentAt, n.CompletedAt, n.UpdatedAt = timeOrZero(sched), store.Time(created), timeOrZero(sent), timeOrZero(completed), store.Time(updated)
	return n, nil
}

// opt is a time column where 0 means never.
func timeOrZero(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return store.Time(ms)
}

const byClientKeyQuery = "SELECT " + notificationColumns + " FROM post_notifications WHERE service_id = ? AND client_key = ? AND client_key <> ''"

func (s *Store) byClientKey(ctx context.Context, serviceID, key string) (Notification, error) {
	// "client_key <> ''" repeats the unique index's condition so the
	// planner may use that partial index; without it every look-up
	// scanned the service's notifications (a profile of the write mix:
	// 13.6 ms of CPU a submission, jobs included, and 9.3 ms with it).
	n, err := scanNotification(s.db.QueryRow(ctx, byClientKeyQuery, serviceID, key))
	if store.IsNoRows(err) {
		return n, platform.NotFound("notification")
	}
	return n, err
}

// NotificationForService is the API's look-up: a notification of the
// calling service (another service's is not found).
func (s *Store) NotificationForService(ctx context.Context, serviceID, id string) (Notification, error) {
	n, err := scanNotification(s.db.QueryRow(ctx, "SELECT "+notificationColumns+" FROM post_notifications WHERE id = ? AND service_id = ?", id, serviceID))
	if store.IsNoRows(err) {
		return n, platform.NotFound("notification")
	}
	return n, err
}

// Notification is one message, for staff who may read its service.
func (s *Store) Notification(ctx context.Context, sub *platform.Subject, id string) (Notification, Service, error) {
	n, err := scanNotification(s.db.QueryRow(ctx, "SELECT "+notificationColumns+" FROM post_notifications WHERE id = ? AND org_id = ?", id, sub.OrgID))
	if store.IsNoRows(err) {
		return n, Service{}, s.access.Missing(ctx, sub, access.Read, serviceResource("", id, ""),
			access.RowOrg(s.db, "post_notifications", "id", id), platform.NotFound("message"))
	}
	if err != nil {
		return n, Service{}, err
	}
	sv, err := s.ServiceByID(ctx, n.ServiceID)
	if err != nil {
		return n, sv, err
	}
	return n, sv, s.access.Check(ctx, sub, access.Read, serviceResource(sv.OrgID, n.ID, sv.UnitID))
}

// NotificationFilter narrows a list of notifications. Statuses take Notify's
// groups too: "failed" is every failure, "sending" includes pending.
type NotificationFilter struct {
	ServiceIDs []string // the API: the calling service; staff: "" all they may read
	Kind       string
	Statuses   []string
	Reference  string
	KeyType    string // the API lists only what keys of the caller's type sent, as Notify does
	CaseID     string
	Recipient  string // staff: an exact address or number
	// Text is what staff typed to find a recipient by name (or the
	// caller's reference): a message matches when it is about one of
	// PersonIDs (the people the directory finds by that name), when it is
	// a letter whose addressee's line holds the text, or when its
	// reference is the text exactly.
	Text      string
	PersonIDs []string
	// Before pages back: notifications created before this one (Notify's
	// older_than; the pages' cursor).
	Before string
	Limit  int // default and most: 250, Notify's page
}

// Notify's aggregate statuses, as its API's filter takes them.
var statusGroups = map[string][]string{
	"failed":  {StatusTechnicalFailure, StatusTemporaryFailure, StatusPermanentFailure, StatusValidationFailed, "virus-scan-failed"},
	"sending": {StatusSending, StatusPending},
}

// ExpandStatuses turns Notify's status filter into stored statuses.
func ExpandStatuses(in []string) []string {
	var out []string
	for _, st := range in {
		if g, ok := statusGroups[st]; ok {
			out = append(out, g...)
		} else {
			out = append(out, st)
		}
	}
	return out
}

// ValidStatus reports whether st is a status (or group) a filter takes.
func ValidStatus(st string) bool {
	switch st {
	case StatusCreated, StatusSending, StatusPending, StatusSent, StatusDelivered, StatusTemporaryFailure, StatusPermanentFailure,
		StatusTechnicalFailure, StatusAccepted, StatusReceived, StatusCancelled, StatusValidationFailed, "failed", "virus-scan-failed":
		return true
	}
	return false
}

// ListForService is the API's list: the calling service's notifications,
// newest first. more reports whether an older page exists.
func (s *Store) ListForService(ctx context.Context, serviceID string, f NotificationFilter) (out []Notification, more bool, err error) {
	f.ServiceIDs = []string{serviceID}
	return s.list(ctx, "", f)
}

// Notifications lists the messages of the services sub may read (or of
// f.ServiceIDs among them), newest first.
func (s *Store) Notifications(ctx context.Context, sub *platform.Subject, f NotificationFilter) ([]Notification, bool, error) {
	svs, err := s.Services(ctx, sub)
	if err != nil {
		return nil, false, err
	}
	want := map[string]bool{}
	for _, id := range f.ServiceIDs {
		want[id] = true
	}
	var ids []string
	for _, sv := range svs {
		if len(want) == 0 || want[sv.ID] {
			ids = append(ids, sv.ID)
		}
	}
	if len(ids) == 0 {
		return nil, false, nil
	}
	f.ServiceIDs = ids
	return s.list(ctx, sub.OrgID, f)
}

func (s *Store) list(ctx context.Context, orgID string, f NotificationFilter) ([]Notification, bool, error) {
	if f.Limit <= 0 || f.Limit > 250 {
		f.Limit = 250
	}
	var where []string
	var args []any
	in := func(col string, vals []string) {
		where = append(where, col+" IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", ")+")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("service_id", f.ServiceIDs)
	if orgID != "" {
		where, args = append(where, "org_id = ?"), append(args, orgID)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if st := ExpandStatuses(f.Statuses); len(st) > 0 {
		in("status", st)
	}
	for _, c := range []struct{ col, v string }{{"reference", f.Reference}, {"key_type", f.KeyType}, {"case_id", f.CaseID}, {"recipient", f.Recipient}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	if f.Text != "" {
		match := []string{"reference = ?", `kind = 'letter' AND LOWER(recipient) LIKE ? ESCAPE '\'`}
		args = append(args, f.Text, "%"+likeEscape(strings.ToLower(f.Text))+"%")
		if len(f.PersonIDs) > 0 {
			match = append(match, "person_id IN ("+strings.TrimSuffix(strings.Repeat("?, ", len(f.PersonIDs)), ", ")+")")
			for _, id := range f.PersonIDs {
				args = append(args, id)
			}
		}
		where = append(where, "("+strings.Join(match, " OR ")+")")
	}
	if f.Before != "" {
		var at int64
		err := s.db.QueryRow(ctx, "SELECT created_at FROM post_notifications WHERE id = ?", f.Before).Scan(&at)
		if store.IsNoRows(err) {
			return nil, false, nil
		}
		if err != nil {
			return nil, false, err
		}
		where = append(where, "(created_at < ? OR created_at = ? AND id < ?)")
		args = append(args, at, at, f.Before)
	}
	args = append(args, f.Limit+1)
	rows, err := s.db.Query(ctx, "SELECT "+notificationColumns+" FROM post_notifications WHERE "+strings.Join(where, " AND ")+
		" ORDER BY created_at DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	if len(out) > f.Limit {
		return out[:f.Limit], true, nil
	}
	return out, false, nil
}
