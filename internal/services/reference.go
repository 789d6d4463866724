package services

import (
	"context"
	"fmt"
	"time"

	"dbtp/internal/store"
)

// nextReference issues the next case reference for prefix in org, such as
// COMP-2026-000123: a sequence per organisation, prefix and calendar year.
// The counter row is bumped inside the submitting transaction, so a
// submission that rolls back gives its number back and the sequence has no
// gaps; on PostgreSQL the row lock orders concurrent submissions.
//
// The year is taken in UTC: the United Kingdom is on GMT at New Year, so
// that is also the council's local year.
func nextReference(ctx context.Context, tx *store.Tx, orgID, prefix string, at time.Time) (string, error) {
	year := at.UTC().Year()
	var n int64
	err := tx.QueryRow(ctx, `INSERT INTO case_sequences (org_id, prefix, year, last) VALUES (?, ?, ?, 1)
		ON CONFLICT (org_id, prefix, year) DO UPDATE SET last = case_sequences.last + 1
		RETURNING last`, orgID, prefix, year).Scan(&n)
	if err != nil {
		return "", fmt.Errorf("services: next reference: %w", err)
	}
	return fmt.Sprintf("%s-%04d-%06d", prefix, year, n), nil
}
