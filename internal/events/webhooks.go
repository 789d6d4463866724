package events

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Endpoint is a council system that receives events by webhook.
type Endpoint struct {
	ID          string    `json:"id"`
	OrgID       string    `json:"org_id"`
	URL         string    `json:"url"`
	Types       []string  `json:"types"`
	Description string    `json:"description,omitempty"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	secret      string
}

// Delivery is one attempt to deliver an event to an endpoint.
type Delivery struct {
	ID         string    `json:"id"`
	EndpointID string    `json:"endpoint_id"`
	EventID    string    `json:"event_id"`
	EventType  string    `json:"event_type"`
	Attempt    int       `json:"attempt"`
	Status     int       `json:"status"` // HTTP status; 0 when no response came
	Error      string    `json:"error,omitempty"`
	Duration   int64     `json:"duration_ms"`
	At         time.Time `json:"at"`
}

// OK reports whether the receiver accepted the delivery.
func (d Delivery) OK() bool { return d.Status >= 200 && d.Status < 300 }

// NewEndpoint is what an admin asks for.
type NewEndpoint struct {
	URL         string
	Types       []string
	Description string
	// Once is the add form's one-time key: a second request with the same
	// key (a reload) returns the webhook already added, with no secret.
	Once string
}

func (b *Bus) checkAdmin(ctx context.Context, s *platform.Subject, id string) error {
	return b.access.Check(ctx, s, access.Administer, access.Resource{Type: "webhook", ID: id, OrgID: s.OrgID})
}

// CreateEndpoint registers a webhook receiver for the subject's
// organisation and returns it with its signing secret, shown only now. When
// n.Once names a webhook already added, that one is returned with an empty
// secret: it was shown the first time.
func (b *Bus) CreateEndpoint(ctx context.Context, s *platform.Subject, n NewEndpoint) (Endpoint, string, error) {
	if err := b.checkAdmin(ctx, s, ""); err != nil {
		return Endpoint{}, "", err
	}
	var bad []platform.FieldError
	if msg := checkURL(n.URL, b.opts.PrivateNetworks); msg != "" {
		bad = append(bad, platform.FieldError{Field: "url", Message: msg})
	}
	if len(n.Types) == 0 {
		bad = append(bad, platform.FieldError{Field: "types", Message: "Enter at least one event type, such as case.submitted, case.* or *"})
	}
	for _, t := range n.Types {
		if !validPattern(t) {
			bad = append(bad, platform.FieldError{Field: "types", Message: fmt.Sprintf("%q is not an event type such as case.submitted, a prefix such as case.* or *", t)})
		} else if !b.known(t) {
			bad = append(bad, platform.FieldError{Field: "types", Message: fmt.Sprintf("No event is called %q; the events are %s", t, b.knownList())})
		}
	}
	if len(n.Description) > 200 {
		bad = append(bad, platform.FieldError{Field: "description", Message: "Description must be 200 characters or fewer"})
	}
	if len(bad) > 0 {
		return Endpoint{}, "", platform.Invalid("Check the webhook", bad...)
	}
	if len(n.Once) > 64 {
		return Endpoint{}, "", platform.Invalid("The form is out of date: go back to the webhooks page and try again")
	}
	ep := Endpoint{ID: platform.NewID("whk"), OrgID: s.OrgID, URL: n.URL, Types: n.Types, Description: strings.TrimSpace(n.Description),
		CreatedAt: b.opts.Clock.Now(), secret: NewSecret()}
	var again string
	err := b.db.Write(ctx, func(tx *store.Tx) error {
		if n.Once != "" {
			err := tx.QueryRow(ctx, "SELECT id FROM webhook_endpoints WHERE org_id = ? AND create_key = ?", s.OrgID, n.Once).Scan(&again)
			if err == nil {
				return nil
			}
			if !store.IsNoRows(err) {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_endpoints (id, org_id, url, secret, types, description, disabled, created_at, created_by, create_key)
			VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?)`, ep.ID, ep.OrgID, ep.URL, ep.secret, strings.Join(ep.Types, " "), ep.Description,
			store.Millis(ep.CreatedAt), s.UserID, n.Once); err != nil {
			return err
		}
		e := audit.For(s, "webhook.create", "webhook", ep.ID, audit.Success)
		e.Detail = ep.URL + " for " + strings.Join(ep.Types, " ")
		return b.audit(tx, e)
	})
	if err != nil {
		return Endpoint{}, "", err
	}
	if again != "" {
		existing, err := b.GetEndpoint(ctx, s, again)
		return existing, "", err
	}
	return ep, ep.secret, nil
}

// ListEndpoints returns the organisation's endpoints, oldest first.
func (b *Bus) ListEndpoints(ctx context.Context, s *platform.Subject) ([]Endpoint, error) {
	if err := b.checkAdmin(ctx, s, ""); err != nil {
		return nil, err
	}
	rows, err := b.db.Query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE org_id = ? ORDER BY id", s.OrgID)
	if err != nil {
		return nil, err
	}
	return scanEndpoints(rows)
}

// GetEndpoint returns one endpoint of the subject's organisation.
func (b *Bus) GetEndpoint(ctx context.Context, s *platform.Subject, id string) (Endpoint, error) {
	if err := b.checkAdmin(ctx, s, id); err != nil {
		return Endpoint{}, err
	}
	rows, err := b.db.Query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE org_id = ? AND id = ?", s.OrgID, id)
	if err != nil {
		return Endpoint{}, err
	}
	eps, err := scanEndpoints(rows)
	if err != nil {
		return Endpoint{}, err
	}
	if len(eps) == 0 {
		return Endpoint{}, platform.NotFound("webhook")
	}
	return eps[0], nil
}

// SetDisabled pauses or resumes an endpoint. Events raised while it is
// paused are not sent to it later; replay them from the delivery log.
func (b *Bus) SetDisabled(ctx context.Context, s *platform.Subject, id string, disabled bool) error {
	return b.changeEndpoint(ctx, s, id, map[bool]string{true: "webhook.disable", false: "webhook.enable"}[disabled],
		"UPDATE webhook_endpoints SET disabled = ? WHERE org_id = ? AND id = ?", boolInt(disabled), s.OrgID, id)
}

// DeleteEndpoint removes an endpoint; its delivery log stays until pruned.
func (b *Bus) DeleteEndpoint(ctx context.Context, s *platform.Subject, id string) error {
	return b.changeEndpoint(ctx, s, id, "webhook.delete", "DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?", s.OrgID, id)
}

func (b *Bus) changeEndpoint(ctx context.Context, s *platform.Subject, id, action, stmt string, args ...any) error {
	if err := b.checkAdmin(ctx, s, id); err != nil {
		return err
	}
	return b.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, stmt, args...)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.NotFound("webhook")
		}
		return b.audit(tx, audit.For(s, action, "webhook", id, audit.Success))
	})
}

// Deliveries lists attempts to reach an endpoint, newest first, a page at
// a time (before: the last delivery ID of the previous page).
func (b *Bus) Deliveries(ctx context.Context, s *platform.Subject, endpointID, before string, limit int) ([]Delivery, error) {
	if _, err := b.GetEndpoint(ctx, s, endpointID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := "SELECT id, endpoint_id, event_id, event_type, attempt, status, error, duration_ms, at FROM webhook_deliveries WHERE org_id = ? AND endpoint_id = ?"
	args := []any{s.OrgID, endpointID}
	if before != "" {
		q += " AND id < ?"
		args = append(args, before)
	}
	rows, err := b.db.Query(ctx, q+" ORDER BY id DESC LIMIT ?", append(args, limit)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Delivery
	for rows.Next() {
		var d Delivery
		var at int64
		if err := rows.Scan(&d.ID, &d.EndpointID, &d.EventID, &d.EventType, &d.Attempt, &d.Status, &d.Error, &d.Duration, &at); err != nil {
			return nil, err
		}
		d.At = store.Time(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// Replay sends an event to an endpoint again, as a new delivery job.
func (b *Bus) Replay(ctx context.Context, s *platform.Subject, endpointID, eventID string) error {
	ep, err := b.GetEndpoint(ctx, s, endpointID)
	if err != nil {
		return err
	}
	if ep.Disabled {
		return platform.Errorf(platform.CodeConflict, "The webhook is paused: resume it before sending events to it again")
	}
	e, err := b.Event(ctx, eventID)
	if err != nil || e.OrgID != s.OrgID {
		return platform.NotFound("event")
	}
	return b.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := b.jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: kindWebhook, OrgID: s.OrgID,
			Args: eventArgs{Event: eventID, Endpoint: endpointID}, Key: eventID + "/" + endpointID + "/replay/" + platform.NewID("rpl")}); err != nil {
			return err
		}
		return b.audit(tx, audit.For(s, "webhook.replay", "webhook", endpointID, audit.Success))
	})
}

// body is what a receiver gets: the Standard Webhooks payload shape.
type body struct {
	Type      string          `json:"type"`
	Timestamp time.Time       `json:"timestamp"`
	Data      json.RawMessage `json:"data"`
	ID        string          `json:"id"`
	Subject   string          `json:"subject,omitempty"`
	OrgID     string          `json:"org_id"`
}

// deliverWebhook sends one event to one endpoint and logs the attempt. A
// 2xx answer completes the job; anything else (a timeout, a 500, a
// redirect) is an error the job retries with backoff.
func (b *Bus) deliverWebhook(ctx context.Context, j jobs.Job) error {
	a, e, err := b.jobEvent(ctx, j)
	if err != nil {
		return err
	}
	rows, err := b.db.Query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE org_id = ? AND id = ?", e.OrgID, a.Endpoint)
	if err != nil {
		return err
	}
	eps, err := scanEndpoints(rows)
	if err != nil {
		return err
	}
	if len(eps) == 0 || eps[0].Disabled {
		return nil // removed or paused since: nothing to send
	}
	ep := eps[0]
	payload, err := json.Marshal(body{Type: e.Type, Timestamp: e.At.UTC(), Data: e.Data, ID: e.ID, Subject: e.Subject, OrgID: e.OrgID})
	if err != nil {
		return jobs.Permanent(err)
	}
	now := b.opts.Clock.Now()
	sig, err := Sign(ep.secret, e.ID, now, payload)
	if err != nil {
		return jobs.Permanent(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(payload))
	if err != nil {
		return jobs.Permanent(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "dbtp-webhooks/1")
	req.Header.Set("webhook-id", e.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	start := time.Now()
	resp, sendErr := b.opts.HTTPClient.Do(req)
	d := Delivery{ID: platform.NewID("dlv"), EndpointID: ep.ID, EventID: e.ID, EventType: e.Type, Attempt: j.Attempt, At: now}
	if sendErr == nil {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		d.Status = resp.StatusCode
		switch {
		case resp.StatusCode >= 300 && resp.StatusCode < 400:
			d.Error = "redirected to " + resp.Header.Get("Location") + ": redirects are not followed; register the new address"
		case !d.OK():
			d.Error = "receiver answered " + resp.Status
		}
	} else {
		d.Error = deliveryError(sendErr)
		b.opts.Logger.Info("webhook delivery failed", "endpoint", ep.ID, "event", e.ID, "err", sendErr)
	}
	d.Duration = time.Since(start).Milliseconds()
	if err := b.db.Write(context.WithoutCancel(ctx), func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO webhook_deliveries (id, org_id, endpoint_id, event_id, event_type, attempt, status, error, duration_ms, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.ID, e.OrgID, d.EndpointID, d.EventID, d.EventType, d.Attempt, d.Status, d.Error, d.Duration, store.Millis(d.At))
		return err
	}); err != nil {
		return err
	}
	if d.Error != "" {
		return fmt.Errorf("webhook %s: %s", ep.ID, d.Error)
	}
	return nil
}

const endpointColumns = "id, org_id, url, secret, types, description, disabled, created_at"

func endpointsFor(ctx context.Context, tx *store.Tx, orgID string) ([]Endpoint, error) {
	rows, err := tx.Query(ctx, "SELECT "+endpointColumns+" FROM webhook_endpoints WHERE org_id = ? ORDER BY id", orgID)
	if err != nil {
		return nil, err
	}
	return scanEndpoints(rows)
}

func scanEndpoints(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}) ([]Endpoint, error) {
	defer rows.Close()
	var out []Endpoint
	for rows.Next() {
		var ep Endpoint
		var types string
		var disabled int
		var created int64
		if err := rows.Scan(&ep.ID, &ep.OrgID, &ep.URL, &ep.secret, &types, &ep.Description, &disabled, &created); err != nil {
			return nil, err
		}
		ep.Types, ep.Disabled, ep.CreatedAt = strings.Fields(types), disabled != 0, store.Time(created)
		out = append(out, ep)
	}
	return out, rows.Err()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
