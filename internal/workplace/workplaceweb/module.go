// Package workplaceweb is the workplace module: desks, rooms and equipment
// and their booking, equipment loans, the device inventory, occupancy
// sensors and the estate's utilisation. It builds the workplace engine from
// the kernel's dependencies and puts the pages (/workplace, /resources,
// /bookings, /loans, /devices, /sensors, /utilisation) and the JSON API
// (/api/v1/...) on the server.
//
// The module's parts each keep to their own file and struct: places
// (places.go), bookings (bookings.go), sensors (sensors.go) and loans and
// devices (assets.go); this file only wires them.
package workplaceweb

import (
	"context"
	"embed"
	"errors"
	"net/http"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

//go:embed all:templates
var templates embed.FS

// Module is the workplace module. Its zero value is ready to be listed.
type Module struct {
	module.Base
	// Holiday names the bank holiday a day is, if it is one (the services
	// calendar, wired in cmd/dbtp); nil: no bank holidays are closed.
	Holiday func(day time.Time) (name string, ok bool)

	d  *module.Deps
	ws *workplace.Store

	places   placesPart
	bookings bookingsPart
	sensors  sensorsPart
	assets   assetsPart
	calendar calendarPart
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "workplace" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{workplace.Migrations} }

// Store is the built engine, for the composition root and tests.
func (m *Module) Store() *workplace.Store { return m.ws }

// Init builds the engine and registers the access policy for the estate,
// then each part's jobs and subscriptions.
func (m *Module) Init(ctx context.Context, d *module.Deps) error {
	m.d = d
	if err := d.Access.Register(workplace.ResourceType, workplace.Policy); err != nil {
		return err
	}
	opts := workplace.Options{Now: d.Clock.Now, Events: d.Events, Holiday: m.Holiday}
	if d.Blob != nil {
		opts.Files = d.Blob
	}
	m.ws = workplace.New(d.DB, d.Audit, d.Access, opts)
	return errors.Join(m.places.init(ctx, m), m.bookings.init(ctx, m), m.sensors.init(ctx, m), m.assets.init(ctx, m),
		m.calendar.init(ctx, m))
}

// Web mounts the pages and the API.
func (m *Module) Web(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/workplace/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Workplace", Href: "/workplace", Roles: platform.StaffRoles, Order: 30})
	return errors.Join(m.places.web(srv, m), m.bookings.web(srv, m), m.sensors.web(srv, m), m.assets.web(srv, m),
		m.calendar.web(srv, m))
}

// Start runs each part's start-up (the MQTT broker, say).
func (m *Module) Start(ctx context.Context) error {
	return errors.Join(m.places.start(ctx, m), m.bookings.start(ctx, m), m.sensors.start(ctx, m), m.assets.start(ctx, m),
		m.calendar.start(ctx, m))
}

// Demo adds Sessions House, Maidstone: its floors, desks, rooms, kit,
// devices and a week of sensor readings, once.
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	sys := platform.System(org.ID)
	if bs, err := m.ws.Buildings(ctx, sys); err != nil || len(bs) > 0 {
		return err // made already
	}
	if err := m.places.demo(ctx, m, env, org); err != nil {
		return err
	}
	return errors.Join(m.bookings.demo(ctx, m, env, org), m.assets.demo(ctx, m, env, org), m.sensors.demo(ctx, m, env, org),
		m.calendar.demo(ctx, m, env, org))
}

// Stop lets the sensors part write the readings it holds before the
// database closes.
func (m *Module) Stop() { m.sensors.stop() }

var _ module.Stopper = (*Module)(nil)

// staff refuses anyone who is not staff: the workplace is the council's.
func staff(r *http.Request) (*platform.Subject, error) {
	sub := web.SubjectOf(r)
	if !sub.IsStaff() {
		return nil, platform.Errorf(platform.CodeForbidden, "The workplace pages are for the council's staff")
	}
	return sub, nil
}
