package post

import (
	"context"
	"fmt"

	"dbtp/internal/jobs"
	"dbtp/internal/post/provider"
	"dbtp/internal/store"
)

// receiptsJob asks the providers that can be asked (provider.Checker)
// how the messages they took are doing, and gives up on a message left
// "sending" longer than ReceiptAge, as Notify does.
func (dl *Deliverer) receiptsJob(ctx context.Context, _ jobs.Job) error {
	now := dl.s.now()
	// Only messages a provider can be asked about, and those past the age.
	// Letters the printer has ("accepted") are asked about, never aged.
	q := "SELECT id, kind, status, provider, provider_ref, sent_at FROM post_notifications WHERE status IN (?, ?) AND (status = ? AND sent_at < ?"
	args := []any{StatusSending, StatusAccepted, StatusSending, store.Millis(now.Add(-dl.d.ReceiptAge))}
	for _, p := range dl.d.Providers {
		if _, ok := p.(provider.Checker); ok {
			q += " OR provider = ?"
			args = append(args, p.Name())
		}
	}
	rows, err := dl.s.db.Query(ctx, q+") ORDER BY updated_at LIMIT 500", args...)
	if err != nil {
		return err
	}
	type pending struct {
		id, kind, st, prov, ref string
		sent                    int64
	}
	var ps []pending
	for rows.Next() {
		var p pending
		if err := rows.Scan(&p.id, &p.kind, &p.st, &p.prov, &p.ref, &p.sent); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		st := ""
		if c, ok := dl.d.Providers[p.kind].(provider.Checker); ok && dl.d.Providers[p.kind].Name() == p.prov && p.ref != "" {
			if st, err = c.Check(ctx, p.ref); err != nil {
				continue // asked again next time
			}
		}
		if p.st == StatusSending && (st == "" || st == StatusSending) && now.Sub(store.Time(p.sent)) > dl.d.ReceiptAge {
			st = StatusTemporaryFailure
		}
		if st == "" || !Final(st) {
			if err := dl.s.db.Write(ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(ctx, "UPDATE post_notifications SET updated_at = ? WHERE id = ?", store.Millis(now), p.id)
				return err
			}); err != nil {
				return err
			}
			continue
		}
		if err := dl.Receipt(ctx, p.prov, p.ref, st); err != nil {
			return err
		}
	}
	return nil
}

// Receipt records what provider name says of the message it calls ref:
// a final status ends the message (and queues the service's callback).
// A receipt for a message already final, or unknown, changes nothing.
func (dl *Deliverer) Receipt(ctx context.Context, name, ref, status string) error {
	if !Final(status) {
		return fmt.Errorf("post: %q is not a final status", status)
	}
	return dl.s.db.Write(ctx, func(tx *store.Tx) error {
		var id, org, url string
		err := tx.QueryRow(ctx, receiptQuery, name, ref, StatusSending, StatusAccepted).Scan(&id, &org, &url)
		if store.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		now := store.Millis(dl.s.now())
		if _, err := tx.Exec(ctx, "UPDATE post_notifications SET status = ?, completed_at = ?, updated_at = ? WHERE id = ?", status, now, now, id); err != nil {
			return err
		}
		return dl.queueCallback(ctx, tx, url, org, id, status)
	})
}

// receiptQuery finds a receipt's message by the provider's reference. It
// repeats the partial index's condition (a reference not empty), without which
// the planner may not use the index and reads every message being sent
// (TestReceiptLookupUsesItsIndex).
const receiptQuery = `SELECT n.id, n.org_id, s.callback_url FROM post_notifications n JOIN post_services s ON s.id = n.service_id
	WHERE n.provider = ? AND n.provider_ref = ? AND n.provider_ref <> '' AND n.status IN (?, ?)`
