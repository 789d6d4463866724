package workplaceweb

import (
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

func (p *sensorsPart) routes(srv *web.Server) {
	rt := srv.Router()
	rt.Handle("GET /sensors", web.RequireSignedInFunc(p.list))
	rt.Handle("POST /sensors", web.RequireSignedInFunc(p.create))
	rt.Handle("GET /sensors/{id}/revoke", web.RequireSignedInFunc(p.revoke))
	rt.Handle("POST /sensors/{id}/revoke", web.RequireSignedInFunc(p.revoke))
	rt.Handle("GET /sensors/{id}/map", web.RequireSignedInFunc(p.movePage))
	rt.Handle("POST /sensors/{id}/map", web.RequireSignedInFunc(p.remap))
}

type sensorRow struct {
	workplace.Sensor
	Topic string
}

type sensorsPage struct {
	*web.Form
	Sensors     []sensorRow
	DeadLetters []workplace.DeadLetter
	Targets     []web.Option
	Kinds       []web.Option
	Broker      string // the embedded broker's address
	External    string // the external broker
	Problem     string // why MQTT is not running
	// Created is the sensor just registered and Secret its credential,
	// shown on this one page and never again.
	Created *sensorRow
	Secret  string
}

func (p *sensorsPart) page(r *http.Request, sub *platform.Subject, form *web.Form) (sensorsPage, error) {
	ctx := r.Context()
	pg := sensorsPage{Form: form, Kinds: []web.Option{{Value: workplace.SensorOccupancy, Text: "Occupancy (presence or people count)"}, {Value: workplace.SensorEnvironment, Text: "Environment (temperature, humidity, CO2)"}}}
	pg.Broker, pg.External, pg.Problem = p.transport()
	ss, err := p.ws.Sensors(ctx, sub)
	if err != nil {
		return pg, err
	}
	for _, s := range ss {
		pg.Sensors = append(pg.Sensors, sensorRow{Sensor: s, Topic: p.topic(ctx, s.OrgID, s.ID)})
	}
	if pg.DeadLetters, err = p.ws.DeadLetters(ctx, sub, 50); err != nil {
		return pg, err
	}
	pg.Targets, err = p.targets(r, sub)
	return pg, err
}

// targets are the places a sensor can be mapped to: every desk and room,
// then every zone.
func (p *sensorsPart) targets(r *http.Request, sub *platform.Subject) ([]web.Option, error) {
	ctx := r.Context()
	out := []web.Option{{Value: "", Text: "Not mapped yet"}}
	rs, err := p.ws.Resources(ctx, sub, workplace.ResourceFilter{})
	if err != nil {
		return nil, err
	}
	for _, res := range rs {
		if res.Kind == workplace.KindDesk || res.Kind == workplace.KindRoom {
			out = append(out, web.Option{Value: workplace.TargetResource + ":" + res.ID, Text: res.Name})
		}
	}
	zs, err := p.ws.Zones(ctx, sub, "")
	if err != nil {
		return nil, err
	}
	for _, z := range zs {
		out = append(out, web.Option{Value: workplace.TargetZone + ":" + z.ID, Text: "Zone: " + z.Name})
	}
	return out, nil
}

// movePage asks where one sensor now is: one list of places on a page of
// its own, rather than a list in every row of the sensors table (27
// sensors made 1,350 options on one page).
func (p *sensorsPart) movePage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	s, err := p.ws.Sensor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.Revoked() {
		return platform.Errorf(platform.CodeConflict, "%s's credential is revoked: register the device as a new sensor", s.Name)
	}
	targets, err := p.targets(r, sub)
	if err != nil {
		return err
	}
	f := web.NewForm(url.Values{"target": {""}})
	if s.TargetKind != "" {
		f.Input.Set("target", s.TargetKind+":"+s.TargetID)
	}
	return web.Render(w, r, http.StatusOK, "workplace/sensor_move", struct {
		*web.Form
		Sensor  workplace.Sensor
		Targets []web.Option
	}{f, s, targets})
}

func (p *sensorsPart) list(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pg, err := p.page(r, sub, web.NewForm(nil))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "workplace/sensors_list", pg)
}

func splitTarget(v string) (kind, id string) {
	kind, id, _ = strings.Cut(v, ":")
	return kind, id
}

func (p *sensorsPart) create(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	kind, id := splitTarget(r.PostFormValue("target"))
	s, secret, err := p.ws.CreateSensor(r.Context(), sub, workplace.SensorInput{Name: r.PostFormValue("name"), Kind: r.PostFormValue("kind"), TargetKind: kind, TargetID: id})
	if platform.CodeOf(err) == platform.CodeInvalid {
		pg, perr := p.page(r, sub, web.FormErrors(r, err))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "workplace/sensors_list", pg)
	}
	if err != nil {
		return err
	}
	pg, err := p.page(r, sub, web.NewForm(nil))
	if err != nil {
		return err
	}
	pg.Created, pg.Secret = &sensorRow{Sensor: s, Topic: p.topic(r.Context(), s.OrgID, s.ID)}, secret
	return web.Render(w, r, http.StatusCreated, "workplace/sensors_list", pg)
}

// revoke revokes a sensor's credential from its confirmation page; a
// GET, or a POST that is not the page's own, shows the page (web.Confirm).
func (p *sensorsPart) revoke(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	s, err := p.ws.Sensor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	if s.Revoked() {
		return platform.Errorf(platform.CodeConflict, "%s's credential is already revoked", s.Name)
	}
	if !web.Confirmed(r) {
		where := "not mapped to a desk, room or zone"
		if s.TargetName != "" {
			where = "on " + s.TargetName
		}
		return web.RenderConfirm(w, r, web.Confirm{Caption: "Sensors", Title: "Revoke " + s.Name + "?", Action: "/sensors/" + s.ID + "/revoke",
			Back: "/sensors", Button: "Yes, revoke " + s.Name,
			// The ID is named for what it is to the person holding the
			// device: the username it connects with.
			Lead: []string{s.Name + " is " + where + ". It connects with the MQTT username " + s.ID + "."},
			// One named sensor: "its", not a count ("1 sensor's").
			Warning: "Its credential will be revoked: it can no longer connect, and anything it still sends is set aside as a dead letter. " +
				"This cannot be undone: to use the device again, register it as a new sensor."})
	}
	if err := p.ws.RevokeSensor(r.Context(), sub, s.ID); err != nil {
		return err
	}
	web.SetFlash(w, r, s.Name+"'s credential revoked")
	http.Redirect(w, r, "/sensors", http.StatusSeeOther)
	return nil
}

func (p *sensorsPart) remap(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	kind, id := splitTarget(r.PostFormValue("target"))
	if err := p.ws.MapSensor(r.Context(), sub, r.PathValue("id"), kind, id); err != nil {
		return err
	}
	web.SetFlash(w, r, "Sensor moved")
	http.Redirect(w, r, "/sensors", http.StatusSeeOther)
	return nil
}
