package postweb

import (
	"context"

	"dbtp/internal/web"
)

// sendingPart is the sending part of the module: GOV.UK Notify's v2 API
// (v2*.go), the sending services' pages with their keys and the sent
// messages (services*.go, messages*.go), a resident's page of each
// message sent them (sent_pages.go) and their JSON API
// (sending_api.go).
type sendingPart struct {
	m      *Module
	limits rateLimiter
}

func (p *sendingPart) init(ctx context.Context, m *Module) error {
	p.m = m
	return nil
}

func (p *sendingPart) web(srv *web.Server, m *Module) error {
	p.v2Routes(srv)
	p.pageRoutes(srv)
	p.sentWeb(srv.Router())
	p.apiRoutes(srv.API())
	return nil
}

// start has nothing to start: the delivery part registers the delivery
// job's handler (post.JobDeliver) in its init, before any send.
func (p *sendingPart) start(ctx context.Context, m *Module) error { return nil }
