package mqtt

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/eclipse/paho.golang/autopaho"
	"github.com/eclipse/paho.golang/paho"

	"dbtp/internal/workplace"
)

// SubscriberOptions configure the client of an external broker.
type SubscriberOptions struct {
	// URL names the broker: mqtt://host:1883 or mqtts://host:8883.
	URL string
	// Username and Password are dbtp's own account at the broker, which
	// must be the only one allowed to subscribe to dbtp/#.
	Username, Password string
	ClientID           string // default "dbtp"
	Sensors            Sensors
	Ingest             Ingest
	// OrgID finds an organisation by its short name (the topic's second
	// level), to dead-letter what an unknown sensor sent; "" if none.
	OrgID func(ctx context.Context, slug string) string
	Log   *slog.Logger
}

// Subscriber is dbtp subscribed to an external broker.
//
// An external broker authenticates its own clients, and dbtp cannot see
// who published a message; so each message carries its sensor's ID and
// secret beside the readings:
//
//	{"sensor": "sns_...", "secret": "...", "id": "m-1", "at": "...", "occupied": true}
//
// (or {"sensor": ..., "secret": ..., "readings": [...]}), published to
// Topic(org, sensor). dbtp checks the secret against its hash exactly as
// the embedded broker does at connection, refuses a message whose topic
// names another sensor, and never stores or shows the secret (dead
// letters have it blanked). The broker must use TLS and let only dbtp's
// account subscribe, so no one else reads the secrets in transit.
type Subscriber struct {
	cm   *autopaho.ConnectionManager
	opts SubscriberOptions
	ctx  context.Context
}

// StartSubscriber connects to the broker, subscribes to every sensor's
// topic and keeps reconnecting (and resubscribing) until ctx ends. It
// returns once the first subscription is acknowledged, or ctx ends.
func StartSubscriber(ctx context.Context, opts SubscriberOptions) (*Subscriber, error) {
	u, err := url.Parse(opts.URL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("DBTP_WORKPLACE_MQTT_URL %q is not a broker URL like mqtt://host:1883", opts.URL)
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.ClientID == "" {
		opts.ClientID = "dbtp"
	}
	s := &Subscriber{opts: opts, ctx: ctx}
	subscribed := make(chan error, 1)
	cfg := autopaho.ClientConfig{
		ServerUrls:                    []*url.URL{u},
		KeepAlive:                     30,
		CleanStartOnInitialConnection: false,
		SessionExpiryInterval:         3600, // messages at QoS 1 wait at the broker for an hour while dbtp restarts
		ConnectUsername:               opts.Username,
		ConnectPassword:               []byte(opts.Password),
		ConnectTimeout:                10 * time.Second,
		OnConnectionUp: func(cm *autopaho.ConnectionManager, _ *paho.Connack) {
			go func() {
				_, err := cm.Subscribe(ctx, &paho.Subscribe{Subscriptions: []paho.SubscribeOptions{{Topic: SubscribeTopic, QoS: 1}}})
				if err != nil {
					opts.Log.Error("cannot subscribe to the sensors' topics", "broker", u.Redacted(), "err", err)
				}
				select {
				case subscribed <- err:
				default:
				}
			}()
		},
		OnConnectError: func(err error) { opts.Log.Warn("MQTT broker connection failed", "broker", u.Redacted(), "err", err) },
		ClientConfig: paho.ClientConfig{
			ClientID: opts.ClientID,
			OnPublishReceived: []func(paho.PublishReceived) (bool, error){func(pr paho.PublishReceived) (bool, error) {
				s.receive(pr.Packet)
				return true, nil
			}},
		},
	}
	if s.cm, err = autopaho.NewConnection(ctx, cfg); err != nil {
		return nil, err
	}
	select {
	case err := <-subscribed:
		if err != nil {
			return nil, fmt.Errorf("MQTT broker %s: cannot subscribe to %s: %w", u.Redacted(), SubscribeTopic, err)
		}
	case <-ctx.Done():
		return nil, fmt.Errorf("MQTT broker %s: %w", u.Redacted(), ctx.Err())
	}
	return s, nil
}

// Done is closed when the subscriber has stopped.
func (s *Subscriber) Done() <-chan struct{} { return s.cm.Done() }

// receive checks one message's credentials and hands it to the ingester;
// it returns once the readings are stored, so the broker's message is
// acknowledged only then.
func (s *Subscriber) receive(pb *paho.Publish) {
	ctx := s.ctx
	slug, topicSensor, ok := parseTopic(pb.Topic)
	if !ok {
		s.opts.Log.Info("message on an unexpected topic ignored", "topic", clip(pb.Topic, 200))
		return
	}
	dead := func(auth workplace.SensorAuth, reason string) {
		if auth.OrgID == "" {
			auth.OrgID = s.opts.OrgID(ctx, slug)
		}
		if auth.OrgID == "" {
			s.opts.Log.Info("message for an unknown organisation ignored", "topic", clip(pb.Topic, 200), "reason", reason)
			return
		}
		_ = s.opts.Ingest.DeadLetter(ctx, auth, workplace.SourceBroker, reason, workplace.Redact(pb.Payload))
	}
	if len(pb.Payload) > workplace.MaxPayload {
		dead(workplace.SensorAuth{ID: topicSensor}, fmt.Sprintf("payload too large: %d bytes (at most %d)", len(pb.Payload), workplace.MaxPayload))
		return
	}
	ws, err := workplace.DecodePayload(pb.Payload)
	if err != nil {
		dead(workplace.SensorAuth{ID: topicSensor}, err.Error())
		return
	}
	var auth workplace.SensorAuth
	checked := map[string]bool{}
	for _, w := range ws {
		if w.Bad() != nil {
			continue // dead-lettered by the ingester, once the others prove who sent it
		}
		if w.Sensor != topicSensor {
			dead(workplace.SensorAuth{ID: topicSensor}, "the message names sensor "+clip(w.Sensor, 64)+", not the topic's "+topicSensor)
			return
		}
		if checked[w.Secret] {
			continue
		}
		a, err := s.opts.Sensors.AuthenticateSensor(ctx, w.Sensor, w.Secret)
		if err != nil {
			a.ID = topicSensor
			dead(a, err.Error())
			return
		}
		auth, checked[w.Secret] = a, true
	}
	if len(checked) == 0 {
		dead(workplace.SensorAuth{ID: topicSensor}, ws[0].Bad().Error())
		return
	}
	if _, err := s.opts.Ingest.Submit(ctx, auth, workplace.SourceBroker, pb.Payload, pb.QoS > 0); err != nil {
		s.opts.Log.Warn("sensor reading not taken", "sensor", auth.ID, "err", err)
	}
}
