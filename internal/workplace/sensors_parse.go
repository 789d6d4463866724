package workplace

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxPayload is the largest sensor message accepted, in bytes; anything
// larger is dead-lettered unread. A reading is a few dozen bytes.
const MaxPayload = 4 << 10

// MaxBatch is the most readings one HTTP request may carry.
const MaxBatch = 1000

// Where a message came from.
const (
	SourceMQTT   = "mqtt"   // the embedded broker
	SourceBroker = "broker" // an external broker dbtp subscribes to
	SourceHTTP   = "http"
)

// WireReading is one reading as a device sends it, in JSON:
//
//	{"id": "m-123", "at": "2026-03-03T09:15:00Z", "occupied": true}
//	{"id": "m-124", "at": "2026-03-03T09:15:00Z", "count": 4}
//	{"temperature": 21.5, "humidity": 40, "co2": 612}
//
// id (up to 100 characters) makes a repeat a no-op; without it, a repeat
// is recognised by its time. Sensor and Secret are only for messages
// through an external broker, which cannot tell dbtp who published.
type WireReading struct {
	Sensor      string   `json:"sensor,omitempty"`
	Secret      string   `json:"secret,omitempty"`
	ID          string   `json:"id,omitempty"`
	At          string   `json:"at,omitempty"`
	Occupied    *bool    `json:"occupied,omitempty"`
	Count       *int     `json:"count,omitempty"`
	Temperature *float64 `json:"temperature,omitempty"`
	Humidity    *float64 `json:"humidity,omitempty"`
	CO2         *float64 `json:"co2,omitempty"`

	bad error // why this reading could not be read, if it could not
}

// Bad says why this reading of a payload could not be read; nil if it
// could. One bad reading does not spoil the others.
func (w WireReading) Bad() error { return w.bad }

// reading is a checked reading, ready to store.
type reading struct {
	key         string
	deviceAt    time.Time // zero when the device sent no time
	occupied    *int
	temperature *float64
	humidity    *float64
	co2         *int
}

// DecodePayload splits a payload into its readings: one JSON object, a
// JSON array of them, or {"readings": [...]}. An error says why the whole
// payload is refused (too large, not JSON, too many readings).
func DecodePayload(payload []byte) ([]WireReading, error) {
	if len(payload) > MaxPayload*MaxBatch/4 {
		return nil, fmt.Errorf("payload too large: %d bytes", len(payload))
	}
	body := bytes.TrimSpace(payload)
	if len(body) == 0 {
		return nil, errors.New("malformed JSON: empty payload")
	}
	if !utf8.Valid(body) {
		return nil, errors.New("malformed JSON: not UTF-8")
	}
	var raws []json.RawMessage
	switch body[0] {
	case '[':
		if err := json.Unmarshal(body, &raws); err != nil {
			return nil, jsonReason(err)
		}
	case '{':
		var env struct {
			Readings []json.RawMessage `json:"readings"`
		}
		if err := json.Unmarshal(body, &env); err != nil {
			return nil, jsonReason(err)
		}
		if env.Readings != nil {
			raws = env.Readings
		} else {
			raws = []json.RawMessage{body}
		}
	default:
		return nil, errors.New("malformed JSON: expected an object or an array")
	}
	if len(raws) == 0 {
		return nil, errors.New("no readings")
	}
	if len(raws) > MaxBatch {
		return nil, fmt.Errorf("too many readings: %d (at most %d)", len(raws), MaxBatch)
	}
	out := make([]WireReading, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			out[i] = WireReading{bad: jsonReason(err)}
		}
	}
	return out, nil
}

func jsonReason(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Errorf("bad value: %s must be a %s, not %s", te.Field, typeWord(te.Type.Kind().String()), te.Value)
	}
	return fmt.Errorf("malformed JSON: %v", err)
}

func typeWord(kind string) string {
	switch kind {
	case "bool":
		return "true or false"
	case "int", "float64":
		return "number"
	case "struct", "map":
		return "JSON object"
	}
	return kind
}

// check turns a wire reading from a sensor of kind into a reading, or
// says what is wrong with it.
func (w WireReading) check(kind string) (reading, error) {
	var r reading
	if w.bad != nil {
		return r, w.bad
	}
	if len(w.ID) > 100 || strings.ContainsFunc(w.ID, func(c rune) bool { return c < 0x20 || c == 0x7f }) {
		return r, errors.New("bad value: id must be up to 100 printable characters")
	}
	if w.At != "" {
		t, err := time.Parse(time.RFC3339Nano, w.At)
		if err != nil {
			return r, fmt.Errorf("bad value: at must be an RFC 3339 time like 2026-03-03T09:15:00Z, not %q", clip(w.At, 40))
		}
		r.deviceAt = t.UTC()
	}
	switch {
	case w.ID != "":
		r.key = "i:" + w.ID
	case !r.deviceAt.IsZero():
		r.key = fmt.Sprintf("t:%d", r.deviceAt.UnixMilli())
	}
	switch kind {
	case SensorOccupancy:
		if w.Temperature != nil || w.Humidity != nil || w.CO2 != nil {
			return r, errors.New("bad value: an occupancy sensor sends occupied or count, not temperature, humidity or co2")
		}
		switch {
		case w.Occupied != nil && w.Count != nil:
			return r, errors.New("bad value: send occupied or count, not both")
		case w.Occupied != nil:
			v := b2i(*w.Occupied)
			r.occupied = &v
		case w.Count != nil:
			if *w.Count < 0 || *w.Count > 10000 {
				return r, fmt.Errorf("bad value: count must be from 0 to 10000, not %d", *w.Count)
			}
			v := *w.Count
			r.occupied = &v
		default:
			return r, errors.New("bad value: an occupancy reading needs occupied (true or false) or count")
		}
	case SensorEnvironment:
		if w.Occupied != nil || w.Count != nil {
			return r, errors.New("bad value: an environment sensor sends temperature, humidity or co2, not occupied or count")
		}
		if w.Temperature == nil && w.Humidity == nil && w.CO2 == nil {
			return r, errors.New("bad value: an environment reading needs temperature, humidity or co2")
		}
		if v := w.Temperature; v != nil && (math.IsNaN(*v) || *v < -50 || *v > 100) {
			return r, fmt.Errorf("bad value: temperature must be from -50 to 100 degrees Celsius, not %g", *v)
		}
		if v := w.Humidity; v != nil && (*v < 0 || *v > 100) {
			return r, fmt.Errorf("bad value: humidity must be from 0 to 100 per cent, not %g", *v)
		}
		if v := w.CO2; v != nil {
			if *v < 0 || *v > 40000 {
				return r, fmt.Errorf("bad value: co2 must be from 0 to 40000 ppm, not %g", *v)
			}
			c := int(math.Round(*v))
			r.co2 = &c
		}
		r.temperature, r.humidity = w.Temperature, w.Humidity
	default:
		return r, fmt.Errorf("sensor of unknown kind %q", kind)
	}
	return r, nil
}

var secretField = regexp.MustCompile(`"secret"\s*:\s*"(?:[^"\\]|\\.)*"?`)

// Redact blanks any "secret" field of a payload, so that what is kept or
// shown of a message (a dead letter) never holds a sensor's credential.
func Redact(payload []byte) []byte {
	if !bytes.Contains(payload, []byte(`"secret"`)) {
		return payload
	}
	return secretField.ReplaceAll(payload, []byte(`"secret":"(removed)"`))
}

// clip shortens s to at most n bytes on a rune boundary, for messages and
// dead letters.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
