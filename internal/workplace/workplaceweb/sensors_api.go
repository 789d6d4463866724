package workplaceweb

import (
	"io"
	"net/http"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
)

// SensorJSON is a sensor in the API.
type SensorJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Kind       string     `json:"kind"`
	TargetKind string     `json:"target_kind,omitempty"` // resource or zone
	TargetID   string     `json:"target_id,omitempty"`
	TargetName string     `json:"target_name,omitempty"`
	Topic      string     `json:"topic"` // where it publishes over MQTT
	Revoked    bool       `json:"revoked"`
	LastSeenAt *time.Time `json:"last_seen_at,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
}

// NewSensorJSON is a sensor just registered, with its secret: shown this
// once, never again.
type NewSensorJSON struct {
	SensorJSON
	Secret string `json:"secret"`
}

// SensorRequest registers a sensor.
type SensorRequest struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	TargetKind string `json:"target_kind,omitempty"`
	TargetID   string `json:"target_id,omitempty"`
}

// MapRequest moves a sensor; both empty: unmapped.
type MapRequest struct {
	TargetKind string `json:"target_kind"`
	TargetID   string `json:"target_id"`
}

func (p *sensorsPart) sensorJSON(r *http.Request, s workplace.Sensor) SensorJSON {
	j := SensorJSON{ID: s.ID, Name: s.Name, Kind: s.Kind, TargetKind: s.TargetKind, TargetID: s.TargetID, TargetName: s.TargetName,
		Topic: p.topic(r.Context(), s.OrgID, s.ID), Revoked: s.Revoked(), CreatedAt: s.CreatedAt}
	if !s.LastSeenAt.IsZero() {
		t := s.LastSeenAt
		j.LastSeenAt = &t
	}
	return j
}

func (p *sensorsPart) api(srv *web.Server) {
	api := srv.API()
	read, write := []string{platform.ScopeRead}, []string{platform.ScopeWrite}
	tags := []string{"sensors"}
	api.HandleFunc("GET /api/v1/sensors", web.Op{Summary: "List sensors", OperationID: "listSensors", Tags: tags, Scopes: read,
		Description: "The organisation's occupancy and environment sensors, by name. For workplace managers.",
		Responses:   map[int]web.Response{200: {Description: "Every sensor.", Schema: web.SchemaOf(web.List[SensorJSON]{})}},
	}, p.apiList)
	api.HandleFunc("POST /api/v1/sensors", web.Op{Summary: "Register a sensor", OperationID: "createSensor", Tags: tags, Scopes: write,
		Description: "Registers a sensor, optionally mapped to a desk or room (target_kind resource) or a zone. The response holds its secret, shown this once: dbtp keeps only a hash.",
		Request:     web.SchemaOf(SensorRequest{}),
		Responses:   map[int]web.Response{201: {Description: "The sensor and its secret.", Schema: web.SchemaOf(NewSensorJSON{})}},
	}, p.apiCreate)
	api.HandleFunc("POST /api/v1/sensors/{id}/revoke", web.Op{Summary: "Revoke a sensor's credential", OperationID: "revokeSensor", Tags: tags, Scopes: write,
		Description: "The sensor can no longer connect or send; what it sends is dead-lettered. Its readings stay.",
		Responses:   map[int]web.Response{200: {Description: "The revoked sensor.", Schema: web.SchemaOf(SensorJSON{})}},
	}, p.apiRevoke)
	api.HandleFunc("PUT /api/v1/sensors/{id}/target", web.Op{Summary: "Map a sensor to a desk, room or zone", OperationID: "mapSensor", Tags: tags, Scopes: write,
		Request:   web.SchemaOf(MapRequest{}),
		Responses: map[int]web.Response{200: {Description: "The sensor.", Schema: web.SchemaOf(SensorJSON{})}},
	}, p.apiMap)
	api.HandleFunc("GET /api/v1/sensors/dead-letters", web.Op{Summary: "List dead letters", OperationID: "listSensorDeadLetters", Tags: tags, Scopes: read,
		Description: "The most recent sensor messages that could not be accepted, newest first, with why and the start of the payload.",
		Params:      []web.Param{{Name: "limit", In: "query", Schema: web.Schema{"type": "integer", "minimum": 1, "maximum": 500}}},
		Responses:   map[int]web.Response{200: {Description: "Dead letters.", Schema: web.SchemaOf(web.List[workplace.DeadLetter]{})}},
	}, p.apiDeadLetters)
	api.HandleFunc("POST /api/v1/sensors/{id}/readings", web.Op{Summary: "Send readings (for sensors)", OperationID: "sendSensorReadings", Tags: tags, Public: true,
		Description: "For the sensor itself: Authorization: Bearer <the sensor's secret> (not an API token). The body is one reading, " +
			`an array of them, or {"readings": [...]} (at most 1000): {"id": "m-1", "at": "2026-03-03T09:15:00Z", "occupied": true}, or count, or ` +
			"temperature, humidity and co2. A repeated id (or, without one, time) is ignored; a time more than 10 minutes from the server's is replaced by the time of receipt. " +
			"Readings that cannot be accepted are dead-lettered with the reason. 202 says how many were accepted, duplicate and rejected.",
		Request:   web.SchemaOf(workplace.WireReading{}),
		Responses: map[int]web.Response{202: {Description: "What became of the readings.", Schema: web.SchemaOf(workplace.Result{})}},
	}, p.apiIngest, web.DeviceCredential(), web.MaxBody(1<<20))
}

func (p *sensorsPart) apiList(w http.ResponseWriter, r *http.Request) error {
	ss, err := p.ws.Sensors(r.Context(), web.SubjectOf(r))
	if err != nil {
		return err
	}
	out := web.List[SensorJSON]{Items: []SensorJSON{}}
	for _, s := range ss {
		out.Items = append(out.Items, p.sensorJSON(r, s))
	}
	return web.WriteJSON(w, http.StatusOK, out)
}

func (p *sensorsPart) apiCreate(w http.ResponseWriter, r *http.Request) error {
	var in SensorRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	s, secret, err := p.ws.CreateSensor(r.Context(), web.SubjectOf(r), workplace.SensorInput(in))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/sensors")
	return web.WriteJSON(w, http.StatusCreated, NewSensorJSON{SensorJSON: p.sensorJSON(r, s), Secret: secret})
}

func (p *sensorsPart) apiRevoke(w http.ResponseWriter, r *http.Request) error {
	sub := web.SubjectOf(r)
	if err := p.ws.RevokeSensor(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	s, err := p.ws.Sensor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p.sensorJSON(r, s))
}

func (p *sensorsPart) apiMap(w http.ResponseWriter, r *http.Request) error {
	var in MapRequest
	if err := web.DecodeJSON(r, &in); err != nil {
		return err
	}
	sub := web.SubjectOf(r)
	if err := p.ws.MapSensor(r.Context(), sub, r.PathValue("id"), in.TargetKind, in.TargetID); err != nil {
		return err
	}
	s, err := p.ws.Sensor(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, p.sensorJSON(r, s))
}

func (p *sensorsPart) apiDeadLetters(w http.ResponseWriter, r *http.Request) error {
	limit, err := web.ParseLimit(r.URL.Query().Get("limit"))
	if err != nil {
		return err
	}
	dl, err := p.ws.DeadLetters(r.Context(), web.SubjectOf(r), limit)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusOK, web.List[workplace.DeadLetter]{Items: dl})
}

// apiIngest takes readings from a sensor authenticated by its own secret.
func (p *sensorsPart) apiIngest(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("id")
	secret, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || strings.TrimSpace(secret) == "" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="sensor"`)
		return platform.Errorf(platform.CodeUnauthorized, "Send the sensor's secret: Authorization: Bearer <secret>.")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return platform.Errorf(platform.CodeTooLarge, "Send at most 1 MB of readings at once.")
	}
	auth, err := p.ws.AuthenticateSensor(r.Context(), id, strings.TrimSpace(secret))
	if err != nil {
		if platform.CodeOf(err) != platform.CodeUnauthorized {
			return err
		}
		if auth.OrgID != "" {
			_ = p.in.DeadLetter(r.Context(), auth, workplace.SourceHTTP, err.Error(), body)
		}
		w.Header().Set("WWW-Authenticate", `Bearer realm="sensor"`)
		return platform.Errorf(platform.CodeUnauthorized, "The sensor is unknown, its secret is wrong, or its credential has been revoked.")
	}
	res, err := p.in.Submit(r.Context(), auth, workplace.SourceHTTP, body, true)
	if err != nil {
		return err
	}
	return web.WriteJSON(w, http.StatusAccepted, res)
}
