package workplaceweb

import (
	"fmt"
	"net/http"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// Withdrawing a building, floor, desk, room or item asks first (see
// web.Confirm): the page says how many desks, rooms and items go out of
// use and lists the bookings that will be cancelled, with whose they are,
// before the workplace manager confirms. The engine cancels them in the
// withdrawal's write and each booker is emailed the cancellation.

// withdrawal is one thing to withdraw, as the confirmation page names it.
type withdrawal struct {
	what, id, name string
	lead           string // what goes with it
	back, done     string // the page it was asked from; where to go after
}

func (p *placesPart) withdrawBuilding(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	b, err := p.ws.Building(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if b.Withdrawn {
		return platform.Errorf(platform.CodeConflict, "%s is already withdrawn", b.Name)
	}
	return p.withdraw(w, r, sub, withdrawal{what: workplace.WithdrawBuildingScope, id: b.ID, name: b.Name,
		lead: "It goes out of use with its floors, their zones and", back: "/buildings/" + b.ID, done: "/workplace"})
}

func (p *placesPart) withdrawFloor(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	f, err := p.ws.Floor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if f.Withdrawn {
		return platform.Errorf(platform.CodeConflict, "%s is already withdrawn", f.Name)
	}
	return p.withdraw(w, r, sub, withdrawal{what: workplace.WithdrawFloorScope, id: f.ID, name: f.Name,
		lead: "It goes out of use with its zones and", back: "/floors/" + f.ID, done: "/buildings/" + f.BuildingID})
}

func (p *placesPart) withdrawResource(w http.ResponseWriter, r *http.Request) error {
	sub, err := keeper(r)
	if err != nil {
		return err
	}
	res, err := p.ws.Resource(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if !res.Active {
		return platform.Errorf(platform.CodeConflict, "%s is already withdrawn", res.Name)
	}
	return p.withdraw(w, r, sub, withdrawal{what: workplace.WithdrawResourceScope, id: res.ID, name: res.Name,
		back: "/resources/" + res.ID + "/edit", done: resourceHome(res)})
}

// withdraw shows the confirmation page (a GET, or a POST without the
// page's confirm=yes) or withdraws.
func (p *placesPart) withdraw(w http.ResponseWriter, r *http.Request, sub *platform.Subject, wd withdrawal) error {
	ctx := r.Context()
	if !web.Confirmed(r) {
		prev, err := p.ws.WithdrawalPreview(ctx, sub, wd.what, wd.id)
		if err != nil {
			return err
		}
		return web.RenderConfirm(w, r, p.withdrawPage(wd, prev))
	}
	var done workplace.Withdrawal
	var err error
	switch wd.what {
	case workplace.WithdrawBuildingScope:
		done, err = p.ws.WithdrawBuilding(ctx, sub, wd.id)
	case workplace.WithdrawFloorScope:
		done, err = p.ws.WithdrawFloor(ctx, sub, wd.id)
	default:
		done, err = p.ws.WithdrawResource(ctx, sub, wd.id)
	}
	if err != nil {
		return err
	}
	msg := wd.name + " withdrawn: it is kept for history"
	if n := len(done.Bookings); n > 0 {
		msg = fmt.Sprintf("%s withdrawn; %s cancelled and each booker emailed", wd.name, plural(n, "booking", "bookings"))
	}
	return redirect(w, r, msg, wd.done)
}

func (p *placesPart) withdrawPage(wd withdrawal, prev workplace.Withdrawal) web.Confirm {
	pg := web.Confirm{Title: "Withdraw " + wd.name + "?", Action: "/" + map[string]string{workplace.WithdrawBuildingScope: "buildings",
		workplace.WithdrawFloorScope: "floors", workplace.WithdrawResourceScope: "resources"}[wd.what] + "/" + wd.id + "/withdraw",
		Back: wd.back, Button: "Withdraw " + wd.name}
	if wd.lead != "" {
		pg.Lead = append(pg.Lead, fmt.Sprintf("%s %s. They are kept so past bookings still say where they were, but nobody can book them.",
			wd.lead, plural(prev.Resources, "desk, room or item", "desks, rooms and items")))
	} else {
		pg.Lead = append(pg.Lead, "Nobody can book it once it is withdrawn. It is kept, with its past bookings and loans, for history, and can be brought back from its floor's page.")
	}
	if n := len(prev.Bookings); n > 0 {
		pg.Warning = fmt.Sprintf("%s by %s will be cancelled, and each person emailed the cancellation.", plural(n, "booking", "bookings"),
			plural(prev.People(), "person", "people"))
		pg.Table, pg.More = bookingsTable(p.ws.Location(), prev.Bookings, "Bookings to be cancelled", true)
		pg.After = append(pg.After, "Anyone checked in now keeps their place until their booking ends.")
		pg.Button = fmt.Sprintf("Withdraw %s and cancel %s", wd.name, plural(n, "booking", "bookings"))
	} else if wd.lead != "" {
		pg.Lead = append(pg.Lead, "Nothing there is booked from now on, so no bookings are cancelled.")
	} else {
		pg.Lead = append(pg.Lead, "Nobody has booked it from now on, so no bookings are cancelled.")
	}
	if prev.Loans > 0 {
		pg.After = append(pg.After, fmt.Sprintf("%s of equipment stay: move them to another item or cancel them from the loans list.",
			plural(prev.Loans, "reservation", "reservations")))
	}
	return pg
}
