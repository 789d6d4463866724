package workplace

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// One room can need approval though rooms do not, and one desk can need
// none though desks do: the resource's own setting overrides its kind's
// rules in booking, changing and promoting off the waiting list, and
// clearing it follows the kind's rules again.
func TestApprovalPerResource(t *testing.T) {
	storetest.Each(t, bookMods, func(t *testing.T, db *store.DB) {
		e := newBookEnv(t, db)
		s := e.site()
		yes, no := true, false
		in := ResourceInput{Kind: KindRoom, Name: "Board Room", FloorID: s.floor.ID, X: -1, Y: -1, Capacity: 12, NeedsApproval: &yes}
		board, err := e.ws.CreateResource(e.ctx, e.kim, in)
		noErr(t, err)
		if got, err := e.ws.Resource(e.ctx, e.sid, board.ID); err != nil || got.NeedsApproval == nil || !*got.NeedsApproval {
			t.Fatalf("the board room's own approval %+v %v", got.NeedsApproval, err)
		}
		// Rooms need no approval, the board room does.
		if b := e.book(e.sid, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "09:00", To: "10:00"}); b.Status != StatusConfirmed {
			t.Fatalf("Medway Room: %s", b.Status)
		}
		asked := e.book(e.sid, BookInput{ResourceID: board.ID, Date: "2026-03-03", From: "09:00", To: "10:00"})
		if asked.Status != StatusRequested {
			t.Fatalf("the board room: %s", asked.Status)
		}
		// Moving a Medway Room booking into the board room asks again.
		m := e.book(e.ann, BookInput{ResourceID: s.room.ID, Date: "2026-03-03", From: "11:00", To: "12:00"})
		moved, err := e.ws.Change(e.ctx, e.ann, m.ID, ChangeInput{ResourceID: board.ID, Date: "2026-03-03", From: "11:00", To: "12:00"})
		noErr(t, err)
		if moved.Status != StatusRequested {
			t.Fatalf("moved into the board room: %s", moved.Status)
		}
		// The waiting list of the board room is promoted to requested.
		waiting := e.book(e.ann, BookInput{ResourceID: board.ID, Date: "2026-03-03", From: "09:00", To: "10:00", Wait: true})
		_, err = e.ws.Cancel(e.ctx, e.sid, asked.ID)
		noErr(t, err)
		if got, _ := e.ws.Booking(e.ctx, e.kim, waiting.ID); got.Status != StatusRequested {
			t.Fatalf("promoted off the board room's waiting list: %s", got.Status)
		}

		// Desks need approval, but not this one.
		r := DefaultRules(KindDesk)
		r.NeedsApproval = true
		noErr(t, e.ws.SaveRules(e.ctx, e.kim, r))
		upd := ResourceInput{Name: s.desk2.Name, FloorID: s.floor.ID, X: -1, Y: -1, Features: s.desk2.Features, NeedsApproval: &no}
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, upd)
		noErr(t, err)
		if b := e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-04"}); b.Status != StatusConfirmed {
			t.Fatalf("desk 1.02, approval off: %s", b.Status)
		}
		if b := e.book(e.sid, BookInput{ResourceID: s.desk1.ID, Date: "2026-03-04"}); b.Status != StatusRequested {
			t.Fatalf("desk 1.01, under the desks' rules: %s", b.Status)
		}
		// Cleared, it follows the desks' rules again.
		upd.NeedsApproval = nil
		_, err = e.ws.UpdateResource(e.ctx, e.kim, s.desk2.ID, upd)
		noErr(t, err)
		if b := e.book(e.ann, BookInput{ResourceID: s.desk2.ID, Date: "2026-03-05"}); b.Status != StatusRequested {
			t.Fatalf("desk 1.02, back under the rules: %s", b.Status)
		}

		// Equipment is lent, not booked: it has no approval of its own.
		_, err = e.ws.CreateResource(e.ctx, e.kim, ResourceInput{Kind: KindEquipment, Name: "Laptop 1", Category: "laptop", X: -1, Y: -1, NeedsApproval: &yes})
		wantField(t, err, "approval")
		wantCode(t, err, platform.CodeInvalid)
	})
}
