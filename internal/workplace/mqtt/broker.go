// Package mqtt carries sensor readings over MQTT into the workplace
// engine's ingester, in one of two ways:
//
//   - an embedded broker (mochi-mqtt) that sensors connect to with their
//     sensor ID as the username and their secret as the password, each
//     allowed to publish only to its own topic, Topic(org, sensor), and
//     to subscribe to nothing;
//   - or a client (Eclipse Paho) subscribed to an external broker such as
//     Mosquitto, which cannot tell dbtp who published: there every
//     message names its sensor and carries its secret (see Subscriber).
//
// Payloads are JSON, as workplace.WireReading describes.
package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	mochi "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/listeners"
	"github.com/mochi-mqtt/server/v2/packets"

	"dbtp/internal/workplace"
)

// Topic is where a sensor publishes: dbtp/<organisation's short name>/
// sensors/<sensor ID>/readings.
func Topic(orgSlug, sensorID string) string {
	return "dbtp/" + orgSlug + "/sensors/" + sensorID + "/readings"
}

// SubscribeTopic matches every sensor's topic, for the external broker.
const SubscribeTopic = "dbtp/+/sensors/+/readings"

// parseTopic splits a sensor topic into its organisation and sensor.
func parseTopic(topic string) (orgSlug, sensorID string, ok bool) {
	p := strings.Split(topic, "/")
	if len(p) != 5 || p[0] != "dbtp" || p[2] != "sensors" || p[4] != "readings" || p[1] == "" || p[3] == "" {
		return "", "", false
	}
	return p[1], p[3], true
}

// Sensors is what the transport needs of the workplace engine.
type Sensors interface {
	AuthenticateSensor(ctx context.Context, id, secret string) (workplace.SensorAuth, error)
}

// Ingest is the ingester: *workplace.Ingester.
type Ingest interface {
	Submit(ctx context.Context, sensor workplace.SensorAuth, source string, payload []byte, wait bool) (workplace.Result, error)
	DeadLetter(ctx context.Context, sensor workplace.SensorAuth, source, reason string, payload []byte) error
}

// BrokerOptions configure the embedded broker.
type BrokerOptions struct {
	Addr    string // host:port to listen on, e.g. 127.0.0.1:1883
	Sensors Sensors
	Ingest  Ingest
	// OrgSlug names an organisation by its ID, for the topic check.
	OrgSlug func(ctx context.Context, orgID string) (string, error)
	Log     *slog.Logger
}

// Broker is the embedded MQTT broker.
type Broker struct {
	srv  *mochi.Server
	tcp  *listeners.TCP
	opts BrokerOptions
	ctx  context.Context

	closing sync.Once
	mu      sync.Mutex
	clients map[*mochi.Client]session
}

// session is what a connected sensor may do.
type session struct {
	auth  workplace.SensorAuth
	topic string
}

// StartBroker listens on opts.Addr and serves until ctx ends or Close.
func StartBroker(ctx context.Context, opts BrokerOptions) (*Broker, error) {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	caps := mochi.NewDefaultServerCapabilities()
	// Bounded memory: a packet is at most 64 KiB (a reading is tiny;
	// anything over workplace.MaxPayload is dead-lettered, anything over
	// this cuts the connection), a disconnected sensor's session is
	// forgotten after an hour, nothing is retained.
	caps.MaximumPacketSize = 64 << 10
	caps.MaximumSessionExpiryInterval = 3600
	caps.MaximumClientWritesPending = 64
	caps.MaximumInflight = 1024
	caps.RetainAvailable = 0
	caps.WildcardSubAvailable = 0
	caps.MaximumQos = 1
	srv := mochi.New(&mochi.Options{Capabilities: caps, Logger: opts.Log.With("component", "mqtt broker"), InlineClient: false})
	b := &Broker{srv: srv, opts: opts, ctx: ctx, clients: map[*mochi.Client]session{}}
	if err := srv.AddHook(&hook{b: b}, nil); err != nil {
		return nil, err
	}
	b.tcp = listeners.NewTCP(listeners.Config{ID: "sensors", Address: opts.Addr})
	if err := srv.AddListener(b.tcp); err != nil {
		return nil, fmt.Errorf("MQTT broker cannot listen on %s: %w", opts.Addr, err)
	}
	if err := srv.Serve(); err != nil {
		srv.Close()
		return nil, err
	}
	go func() {
		<-ctx.Done()
		b.Close()
	}()
	return b, nil
}

// Addr is the address the broker listens on (the real port if :0 was asked).
func (b *Broker) Addr() string { return b.tcp.Address() }

// Close stops the broker; closing it again does nothing.
func (b *Broker) Close() error {
	var err error
	b.closing.Do(func() { err = b.srv.Close() })
	return err
}

// hook authenticates sensors, keeps each to its own topic and hands
// what they publish to the ingester.
type hook struct {
	mochi.HookBase
	b *Broker
}

func (h *hook) ID() string { return "dbtp-sensors" }

func (h *hook) Provides(b byte) bool {
	return b == mochi.OnConnectAuthenticate || b == mochi.OnACLCheck || b == mochi.OnPublish || b == mochi.OnDisconnect
}

func (h *hook) OnConnectAuthenticate(cl *mochi.Client, pk packets.Packet) bool {
	b := h.b
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
	defer cancel()
	id := string(pk.Connect.Username)
	auth, err := b.opts.Sensors.AuthenticateSensor(ctx, id, string(pk.Connect.Password))
	if err != nil {
		b.opts.Log.Info("sensor refused", "sensor", id, "addr", cl.Net.Remote, "reason", err.Error())
		if auth.OrgID != "" {
			_ = b.opts.Ingest.DeadLetter(ctx, auth, workplace.SourceMQTT, "connection refused: "+err.Error(), nil)
		}
		return false
	}
	slug, err := b.opts.OrgSlug(ctx, auth.OrgID)
	if err != nil {
		b.opts.Log.Error("sensor's organisation not found", "sensor", id, "err", err)
		return false
	}
	b.mu.Lock()
	b.clients[cl] = session{auth: auth, topic: Topic(slug, auth.ID)}
	b.mu.Unlock()
	return true
}

func (h *hook) session(cl *mochi.Client) (session, bool) {
	h.b.mu.Lock()
	defer h.b.mu.Unlock()
	s, ok := h.b.clients[cl]
	return s, ok
}

// OnACLCheck lets a sensor publish to its own topic and nothing else, and
// subscribe to nothing: sensors never read each other's readings.
func (h *hook) OnACLCheck(cl *mochi.Client, topic string, write bool) bool {
	s, ok := h.session(cl)
	if !ok || !write {
		return false
	}
	if topic != s.topic {
		_ = h.b.opts.Ingest.DeadLetter(h.b.ctx, s.auth, workplace.SourceMQTT, "not allowed to publish to "+clip(topic, 200)+" (only to "+s.topic+")", nil)
		return false
	}
	return true
}

// OnPublish hands the payload to the ingester. At QoS 1 it waits until
// the reading is stored (or dead-lettered), so the PUBACK the sensor gets
// means its reading is safe; at QoS 0 it only buffers. The message is
// never passed on to subscribers.
func (h *hook) OnPublish(cl *mochi.Client, pk packets.Packet) (packets.Packet, error) {
	s, ok := h.session(cl)
	if !ok {
		return pk, packets.ErrRejectPacket
	}
	wait := pk.FixedHeader.Qos > 0
	if _, err := h.b.opts.Ingest.Submit(h.b.ctx, s.auth, workplace.SourceMQTT, pk.Payload, wait); err != nil {
		// Not acknowledged: a QoS 1 sensor sends it again.
		h.b.opts.Log.Warn("sensor reading not taken", "sensor", s.auth.ID, "err", err)
		return pk, packets.ErrRejectPacket
	}
	return pk, packets.CodeSuccessIgnore
}

func (h *hook) OnDisconnect(cl *mochi.Client, err error, expire bool) {
	h.b.mu.Lock()
	delete(h.b.clients, cl)
	h.b.mu.Unlock()
}

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
