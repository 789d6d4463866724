package post

import (
	"context"
	"encoding/json"

	"dbtp/internal/jobs"
	"dbtp/internal/post/notify"
	"dbtp/internal/post/provider"
	"dbtp/internal/store"
)

type callbackArgs struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// queueCallback queues a delivery receipt of notification id's new status
// when its service has a callback URL (callbackURL, as read with the
// notification), in the write that sets the status.
// One receipt per notification and status, however often it is set.
func (dl *Deliverer) queueCallback(ctx context.Context, tx *store.Tx, callbackURL, orgID, id, status string) error {
	if callbackURL == "" {
		return nil
	}
	_, err := dl.s.opts.Jobs.Enqueue(ctx, tx, jobs.Enqueued{Kind: JobCallback, OrgID: orgID, Args: callbackArgs{ID: id, Status: status},
		Key: id + ":" + status})
	return err
}

// Receipt is Notify's delivery receipt (its callback JSON), as POSTed to a
// sending service's callback URL.
type Receipt struct {
	ID               string  `json:"id"`
	Reference        *string `json:"reference"`
	To               string  `json:"to"`
	Status           string  `json:"status"`
	CreatedAt        string  `json:"created_at"`
	CompletedAt      *string `json:"completed_at"`
	SentAt           *string `json:"sent_at"`
	NotificationType string  `json:"notification_type"`
	TemplateID       string  `json:"template_id"`
	TemplateVersion  int     `json:"template_version"`
}

func (dl *Deliverer) callbackJob(ctx context.Context, j jobs.Job) error {
	var a callbackArgs
	if err := j.Decode(&a); err != nil {
		return err
	}
	if dl.d.Callbacks == nil {
		return nil
	}
	o, err := dl.s.loadOutgoing(ctx, nil, a.ID)
	if store.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var url, token string
	if err := dl.s.db.QueryRow(ctx, "SELECT callback_url, callback_token FROM post_services WHERE id = ?", o.ServiceID).Scan(&url, &token); err != nil {
		return err
	}
	if url == "" {
		return nil // the service stopped asking
	}
	r := Receipt{ID: o.ID, To: o.Recipient, Status: a.Status, CreatedAt: *notify.Time(o.CreatedAt), CompletedAt: notify.Time(o.CompletedAt),
		SentAt: notify.Time(o.SentAt), NotificationType: o.Kind, TemplateID: o.TemplateID, TemplateVersion: o.TemplateVersion}
	if o.Reference != "" {
		r.Reference = &o.Reference
	}
	body, err := json.Marshal(r)
	if err != nil {
		return jobs.Permanent(err)
	}
	if err := dl.d.Callbacks.Post(ctx, url, token, body); err != nil {
		if provider.IsPermanent(err) {
			return jobs.Permanent(err)
		}
		return err
	}
	return nil
}
