package workplaceweb

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"rsc.io/qr"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

type checkInPage struct {
	*web.Form
	Resource workplace.Resource
	Booking  *bookingRow
	BookHref string
	// Later is the person's next booking of this desk, later today or on
	// a later day, when they scan its code (or follow their booking's
	// "Check in from this device") before they may check in; CheckInFrom
	// says when.
	Later       *bookingRow
	CheckInFrom string
}

// checkInHere is /resources/{id}/check-in, where a desk's QR code leads:
// the signed-in person's booking of it for now, with a button to check in
// (a GET never changes anything), or a way to book it if there is none.
func (p *bookingsPart) checkInHere(w http.ResponseWriter, r *http.Request) error {
	return p.renderCheckIn(w, r, http.StatusOK, web.NewForm(nil))
}

func (p *bookingsPart) renderCheckIn(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	pg := checkInPage{Form: f, Resource: res, BookHref: bookLink(res.ID, url.Values{"date": {p.today()}})}
	b, err := p.ws.BookingHereNow(r.Context(), sub, res.ID)
	switch {
	case err == nil:
		row := p.row(b)
		pg.Booking = &row
	case platform.CodeOf(err) != platform.CodeNotFound:
		return err
	default:
		if err := p.nextBooking(r, sub, res.ID, &pg); err != nil {
			return err
		}
	}
	return web.Render(w, r, status, "workplace/bookings_checkin", pg)
}

// nextBooking finds the person's next booking of the resource, soonest
// first, so that someone who scans the desk's code at 7 a.m., or opens
// check-in from tomorrow's booking, reads when they may check in instead
// of "you have no booking".
func (p *bookingsPart) nextBooking(r *http.Request, sub *platform.Subject, resourceID string, pg *checkInPage) error {
	items, _, err := p.ws.MyBookings(r.Context(), sub, workplace.BookingList{Limit: 50})
	if err != nil {
		return err
	}
	today := p.today()
	for _, b := range items {
		if b.ResourceID == resourceID && b.Start.After(p.now()) {
			row := p.row(b)
			pg.Later = &row
			from := b.Start.Add(-workplace.CheckInEarly).In(p.ws.Location())
			pg.CheckInFrom = from.Format("15:04")
			if from.Format(time.DateOnly) != today {
				pg.CheckInFrom += " on " + from.Format("Monday 2 January")
			}
			return nil
		}
	}
	return nil
}

func (p *bookingsPart) checkInHerePost(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	b, err := p.ws.CheckInHere(r.Context(), sub, r.PathValue("id"))
	if refusal(err) || platform.CodeOf(err) == platform.CodeNotFound {
		return p.renderCheckIn(w, r, formStatus(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Checked in to "+b.ResourceName)
	http.Redirect(w, r, "/bookings/"+url.PathEscape(b.ID), http.StatusSeeOther)
	return nil
}

// qr is /resources/{id}/qr: a PNG QR code of the desk's check-in address,
// to print and stick on the desk.
func (p *bookingsPart) qr(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	base := strings.TrimSuffix(p.baseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	code, err := qr.Encode(base+"/resources/"+url.PathEscape(res.ID)+"/check-in", qr.M)
	if err != nil {
		return err
	}
	code.Scale = 8
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=86400")
	_, err = w.Write(code.PNG())
	return err
}
