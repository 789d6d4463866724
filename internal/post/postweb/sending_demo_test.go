package postweb

import (
	"testing"

	"dbtp/internal/post"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestSendingDemo(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.rowTemplate(post.KindEmail, "Acknowledgement", "Your complaint ((reference))", "Dear ((name))")
		e.rowTemplate(post.KindLetter, "Letter", "About", "Dear ((name))")
		for i := 0; i < 2; i++ {
			noErr(t, e.m.sending.demo(e.ctx, e.m, nil, e.org))
		}
		if e.deliveriesQueued() != 2 {
			t.Fatalf("%d demo messages, want 2 however often the demo runs", e.deliveriesQueued())
		}
		var test int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM post_notifications WHERE key_type = 'test'").Scan(&test))
		keys, err := e.m.Store().APIKeys(e.ctx, e.subject("Mia"), e.service.ID)
		noErr(t, err)
		if test != 2 || len(keys) != 1 || keys[0].Type != post.KeyTest {
			t.Fatalf("%d test messages, keys %+v", test, keys)
		}
	})
}
