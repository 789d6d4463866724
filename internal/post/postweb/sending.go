package postweb

import (
	"context"

	"dbtp/internal/jobs"
	"dbtp/internal/post"
	"dbtp/internal/web"
)

// sendingPart is the sending part of the module: GOV.UK Notify's v2 API
// (v2*.go), the sending services' pages with their keys and the sent
// messages (services*.go, messages*.go) and their JSON API
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
	p.apiRoutes(srv.API())
	return nil
}

// start makes sure the delivery job's kind is known to the queue, so a
// send can enqueue it: the delivery part registers its handler in init;
// a node without one (a second registration fails, harmlessly) declares
// it so that sends are queued for the nodes that deliver.
func (p *sendingPart) start(ctx context.Context, m *Module) error {
	_ = m.d.Jobs.Handle(post.JobDeliver, jobs.Kind{Label: "Deliver a digital post message"})
	return nil
}
