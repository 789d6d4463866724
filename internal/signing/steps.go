package signing

import (
	"context"

	"dbtp/internal/store"
)

// startStep makes step of env the current one, inside the write that
// sends the envelope or finishes the step before: its recipients become
// "notified", each outside party gets a link of their own (only its hash
// kept) by email, staff get a task. SKELETON: the ceremony part owns it;
// the envelopes part calls it when an envelope is sent.
func (s *Store) startStep(ctx context.Context, tx *store.Tx, env Envelope, step int) error {
	_, err := tx.Exec(ctx, "UPDATE signing_envelopes SET current_step = ? WHERE id = ?", step, env.ID)
	return err
}
