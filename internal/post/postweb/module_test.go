package postweb

import (
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestModuleMounts(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if len(e.service.ID) != 36 {
			t.Fatalf("service %+v", e.service)
		}
	})
}
