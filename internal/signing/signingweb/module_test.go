package signingweb

import (
	"testing"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestModuleMounts(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		if e.m.Store() == nil {
			t.Fatal("no engine")
		}
	})
}
