package workplaceweb

import (
	"context"
	"net/http"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// bookingsPart is the module's bookings part: finding and booking desks
// and rooms (from a list or a floor's plan), one's bookings, check-in
// (also by a desk's QR code), approvals, and the release of no-shows.
type bookingsPart struct {
	ws      *workplace.Store
	baseURL string
	now     func() time.Time
	// meetingsOn reports whether video rooms' bookings get Teams meetings
	// (the calendar part, set up after this one, knows).
	meetingsOn func() bool
}

// releaseKind is the job that gives back bookings nobody checked in to.
const releaseKind = "workplace.release_no_shows"

// releaseEvery is how often the job runs: a few minutes late is fine for
// a grace period counted in quarter hours.
const releaseEvery = 5 * time.Minute

func (p *bookingsPart) init(ctx context.Context, m *Module) error {
	p.ws, p.baseURL, p.now = m.ws, m.d.Config.BaseURL, m.d.Clock.Now
	p.meetingsOn = m.calendar.MeetingsOn
	if m.d.Events != nil {
		if err := m.d.Events.Declare(workplace.EventBooking); err != nil {
			return err
		}
	}
	if m.d.Jobs == nil {
		return nil
	}
	err := m.d.Jobs.Handle(releaseKind, jobs.Kind{Label: "Release desk and room bookings nobody checked in to", Timeout: time.Minute,
		Handler: func(ctx context.Context, _ jobs.Job) error {
			run, err := m.ws.ReleaseNoShows(ctx)
			if run.Released > 0 || run.Sensed > 0 {
				m.d.Log.Info("no-shows released", "released", run.Released, "checked_in_by_sensor", run.Sensed)
			}
			return err
		}})
	if err != nil {
		return err
	}
	return m.d.Jobs.Every(releaseKind, releaseKind, releaseEvery)
}

func (p *bookingsPart) web(srv *web.Server, m *Module) error {
	rt := srv.Router()
	page := func(pattern string, f func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(f))
	}
	page("GET /resources", p.find)
	page("GET /floors/{id}/book", p.floor)
	page("GET /bookings", p.mine)
	page("GET /bookings/new", p.newForm)
	page("POST /bookings", p.create)
	page("GET /bookings/cancel", p.rangeForm)
	page("POST /bookings/cancel", p.cancelRange)
	page("GET /bookings/approvals", p.approvals)
	page("GET /bookings/{id}", p.show)
	page("GET /bookings/{id}/change", p.changeForm)
	page("POST /bookings/{id}/change", p.change)
	page("GET /bookings/{id}/cancel", p.cancel)
	page("POST /bookings/{id}/cancel", p.cancel)
	page("GET /bookings/{id}/cancel-series", p.cancelSeries)
	page("POST /bookings/{id}/cancel-series", p.cancelSeries)
	page("POST /bookings/{id}/check-in", p.checkIn)
	page("POST /bookings/{id}/approve", p.approve)
	page("POST /bookings/{id}/reject", p.reject)
	page("GET /resources/{id}/check-in", p.checkInHere)
	page("POST /resources/{id}/check-in", p.checkInHerePost)
	page("GET /resources/{id}/qr", p.qr)
	srv.Renderer().AddNav(web.NavItem{Label: "Bookings", Href: "/bookings", Roles: platform.StaffRoles, Order: 31})
	p.routeAPI(srv.API())
	return nil
}

func (p *bookingsPart) start(ctx context.Context, m *Module) error { return nil }
