package workplaceweb

import (
	"context"
	"net/http"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// placesPart is the module's places part: buildings, floors, zones, the
// resources on them and the booking rules.
type placesPart struct {
	ws *workplace.Store
}

func (p *placesPart) init(ctx context.Context, m *Module) error { return nil }

func (p *placesPart) web(srv *web.Server, m *Module) error {
	p.ws = m.ws
	rt := srv.Router()
	rt.Handle("GET /workplace", web.RequireSignedInFunc(p.home))
	return nil
}

func (p *placesPart) start(ctx context.Context, m *Module) error { return nil }

func (p *placesPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	return nil
}

type homePage struct {
	Buildings []workplace.Building
	Keep      bool
}

// home is the workplace's front page: the buildings.
func (p *placesPart) home(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	bs, err := p.ws.Buildings(r.Context(), sub)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/home", homePage{Buildings: bs, Keep: workplace.CanKeep(sub)})
}
