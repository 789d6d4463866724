package workplaceweb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/web"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/mqtt"
)

// DefaultMQTTAddr is where the embedded broker listens when
// DBTP_WORKPLACE_MQTT_ADDR is not set.
const DefaultMQTTAddr = "127.0.0.1:1883"

// sensorsPart is the module's sensors part: the sensor registry, the
// ingestion of readings (MQTT and HTTP), dead letters, retention, and the
// utilisation pages built on them.
//
// Settings (docs/operations.md):
//
//	DBTP_WORKPLACE_MQTT_ADDR      the embedded broker's address; "off" for none.
//	                              Unset: 127.0.0.1:1883 if that port is free
//	                              (another process holding it is logged, not fatal).
//	DBTP_WORKPLACE_MQTT_URL       an external broker to subscribe to instead
//	DBTP_WORKPLACE_MQTT_USERNAME  dbtp's account there
//	DBTP_WORKPLACE_MQTT_PASSWORD
//	DBTP_WORKPLACE_READINGS_DAYS  days raw readings are kept (14)
type sensorsPart struct {
	ws   *workplace.Store
	d    *module.Deps
	in   *workplace.Ingester
	log  *slog.Logger
	days int

	once    sync.Once
	mu      sync.Mutex
	broker  string // the embedded broker's address, when it runs
	extURL  string // the external broker, when subscribed
	mqttErr string // why MQTT is not running, for the sensors page

	slugs sync.Map // org ID -> slug

	stopRun func()        // ends the ingester's run
	ran     chan struct{} // closed when it has written what it held
}

func (p *sensorsPart) init(ctx context.Context, m *Module) error {
	p.ws, p.d = m.ws, m.d
	p.log = m.d.Log
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.days = 14
	if v := p.getenv("DBTP_WORKPLACE_READINGS_DAYS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 3650 {
			return fmt.Errorf("DBTP_WORKPLACE_READINGS_DAYS=%q must be a whole number of days from 1 to 3650", v)
		}
		p.days = n
	}
	p.in = m.ws.NewIngester(workplace.IngestOptions{Log: p.log})
	if m.d.Jobs == nil {
		return nil
	}
	// Retention is a periodic job, not a loop on every node: the schedule
	// is advanced by one node per run, so with several nodes up the
	// readings are swept once an hour, not once per node, and a sweep cut
	// short by a node's death runs again on another.
	err := m.d.Jobs.Handle(retentionKind, jobs.Kind{Label: "Delete sensor readings, aggregates and dead letters past their retention",
		Timeout: 30 * time.Minute, Handler: p.sweep})
	if err != nil {
		return err
	}
	return m.d.Jobs.Every(retentionKind, retentionKind, retentionEvery)
}

// retentionKind is the job that deletes sensor data past its retention,
// every retentionEvery.
const (
	retentionKind  = "workplace.sensor_retention"
	retentionEvery = time.Hour
)

func (p *sensorsPart) getenv(k string) string {
	if p.d == nil || p.d.Config.Getenv == nil {
		return ""
	}
	return strings.TrimSpace(p.d.Config.Getenv(k))
}

func (p *sensorsPart) web(srv *web.Server, m *Module) error {
	p.routes(srv)
	p.utilisationRoutes(srv)
	p.api(srv)
	return nil
}

// start runs the ingester and the MQTT transport, once however often the
// platform starts its modules, until ctx ends.
func (p *sensorsPart) start(ctx context.Context, m *Module) error {
	var err error
	p.once.Do(func() {
		runCtx, stop := context.WithCancel(ctx)
		p.stopRun, p.ran = stop, make(chan struct{})
		go func() { defer close(p.ran); p.in.Run(runCtx) }()
		err = p.startMQTT(ctx)
	})
	return err
}

// stop ends the ingester and waits, a while, for it to write the readings
// it holds: the database closes next.
func (p *sensorsPart) stop() {
	if p.stopRun == nil {
		return
	}
	p.stopRun()
	select {
	case <-p.ran:
	case <-time.After(10 * time.Second):
		p.log.Error("sensor readings still being written as the platform stops")
	}
}

func (p *sensorsPart) startMQTT(ctx context.Context) error {
	addr, explicit := p.getenv("DBTP_WORKPLACE_MQTT_ADDR"), true
	url := p.getenv("DBTP_WORKPLACE_MQTT_URL")
	if addr == "" {
		addr, explicit = DefaultMQTTAddr, false
		if url != "" {
			addr = "off" // an external broker replaces the embedded one unless both are asked for
		}
	}
	if url != "" {
		_, err := mqtt.StartSubscriber(ctx, mqtt.SubscriberOptions{URL: url, Username: p.getenv("DBTP_WORKPLACE_MQTT_USERNAME"),
			Password: p.getenv("DBTP_WORKPLACE_MQTT_PASSWORD"), Sensors: p.ws, Ingest: p.in, OrgID: p.orgID, Log: p.log})
		if err != nil {
			return err
		}
		p.mu.Lock()
		p.extURL = url
		p.mu.Unlock()
		p.log.Info("subscribed to the sensors' MQTT broker", "broker", url)
	}
	if addr == "off" {
		return nil
	}
	b, err := mqtt.StartBroker(ctx, mqtt.BrokerOptions{Addr: addr, Sensors: p.ws, Ingest: p.in, OrgSlug: p.orgSlug, Log: p.log})
	if err != nil {
		if !explicit && errors.Is(err, syscall.EADDRINUSE) {
			p.log.Warn("MQTT broker not started: the default port is in use; set DBTP_WORKPLACE_MQTT_ADDR", "addr", addr, "err", err)
			p.mu.Lock()
			p.mqttErr = "The MQTT broker is not running: " + addr + " is in use by another program. Set DBTP_WORKPLACE_MQTT_ADDR."
			p.mu.Unlock()
			return nil
		}
		return fmt.Errorf("DBTP_WORKPLACE_MQTT_ADDR: %w", err)
	}
	p.mu.Lock()
	p.broker = b.Addr()
	p.mu.Unlock()
	p.log.Info("MQTT broker for sensors listening", "addr", b.Addr())
	return nil
}

// sweep deletes sensor data past its retention: the retention job.
func (p *sensorsPart) sweep(ctx context.Context, _ jobs.Job) error {
	r := workplace.DefaultRetention
	r.Raw = time.Duration(p.days) * 24 * time.Hour
	n, err := p.ws.PruneSensorData(ctx, r)
	if n.Readings+n.Aggregates+n.DeadLetters > 0 {
		p.log.Info("sensor data past retention deleted", "readings", n.Readings, "aggregates", n.Aggregates, "dead_letters", n.DeadLetters)
	}
	return err
}

func (p *sensorsPart) orgSlug(ctx context.Context, orgID string) (string, error) {
	if v, ok := p.slugs.Load(orgID); ok {
		return v.(string), nil
	}
	o, err := p.d.Directory.Org(ctx, platform.System(orgID), orgID)
	if err != nil {
		return "", err
	}
	p.slugs.Store(orgID, o.Slug)
	return o.Slug, nil
}

func (p *sensorsPart) orgID(ctx context.Context, slug string) string {
	orgs, err := p.d.Directory.Orgs(ctx)
	if err != nil {
		return ""
	}
	for _, o := range orgs {
		if o.Slug == slug {
			return o.ID
		}
	}
	return ""
}

// topic is where a sensor of sub's organisation publishes.
func (p *sensorsPart) topic(ctx context.Context, orgID, sensorID string) string {
	slug, err := p.orgSlug(ctx, orgID)
	if err != nil {
		slug = orgID
	}
	return mqtt.Topic(slug, sensorID)
}

// transport says how sensors reach dbtp, for the sensors page.
func (p *sensorsPart) transport() (broker, ext, problem string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.broker, p.extURL, p.mqttErr
}
