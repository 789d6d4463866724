package post

import (
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestCreateService(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		if len(sv.ID) != 36 || sv.OrgID != e.org.ID {
			t.Fatalf("service %+v", sv)
		}
		_, err := e.ps.CreateService(e.ctx, e.sid, ServiceInput{Name: "Finance", UnitID: e.units["Finance"]})
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ps.CreateService(e.ctx, e.mia, ServiceInput{Name: " ", UnitID: ""})
		wantField(t, err, "name")
		wantField(t, err, "unit")
		_, err = e.ps.CreateService(e.ctx, e.mia, ServiceInput{Name: "Adults", UnitID: e.units["Adults"]})
		wantCode(t, err, platform.CodeForbidden)
	})
}
