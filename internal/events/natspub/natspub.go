// Package natspub publishes dbtp's domain events to NATS JetStream, for
// councils that run it: an option, never a requirement. It is an in-process
// subscriber of the events bus, so publication inherits the bus's at-least-
// once delivery and retries, and JetStream's de-duplication on the message
// ID (the event ID) turns a repeated delivery into one stored message.
package natspub

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"dbtp/internal/events"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config says where to publish.
type Config struct {
	URL    string // nats://host:4222 (several, comma-separated)
	Stream string // JetStream stream to create or use; default DBTP
	// Prefix starts every subject; an event is published on
	// <prefix>.<organisation ID>.<event type>. Default "dbtp".
	Prefix string
	// Credentials is a NATS .creds file, when the server needs one.
	Credentials string
}

// Publisher publishes events to one stream.
type Publisher struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	prefix string
}

// New connects and makes sure the stream exists (file storage, so the
// server keeps events across its own restarts; set sync_interval: always
// in the server's jetstream block for every write to be fsynced).
func New(ctx context.Context, cfg Config) (*Publisher, error) {
	if cfg.Stream == "" {
		cfg.Stream = "DBTP"
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "dbtp"
	}
	opts := []nats.Option{nats.Name("dbtp"), nats.MaxReconnects(-1), nats.ReconnectWait(2 * time.Second)}
	if cfg.Credentials != "" {
		opts = append(opts, nats.UserCredentials(cfg.Credentials))
	}
	nc, err := nats.Connect(cfg.URL, opts...)
	if err != nil {
		return nil, fmt.Errorf("NATS at %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, err
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: cfg.Stream, Subjects: []string{cfg.Prefix + ".>"}, Storage: jetstream.FileStorage,
		Duplicates: 10 * time.Minute,
	}); err != nil {
		nc.Close()
		return nil, fmt.Errorf("NATS JetStream stream %s: %w", cfg.Stream, err)
	}
	return &Publisher{nc: nc, js: js, prefix: cfg.Prefix}, nil
}

// Subject is where an event is published.
func (p *Publisher) Subject(e events.Event) string {
	return p.prefix + "." + token(e.OrgID) + "." + e.Type
}

// message is the body: the same fields a webhook receiver gets.
type message struct {
	ID      string          `json:"id"`
	Type    string          `json:"type"`
	OrgID   string          `json:"org_id"`
	Subject string          `json:"subject,omitempty"`
	At      time.Time       `json:"timestamp"`
	Data    json.RawMessage `json:"data"`
}

// Publish stores e in the stream, acknowledged by the server; it is an
// events.Subscriber.
func (p *Publisher) Publish(ctx context.Context, e events.Event) error {
	b, err := json.Marshal(message{ID: e.ID, Type: e.Type, OrgID: e.OrgID, Subject: e.Subject, At: e.At.UTC(), Data: e.Data})
	if err != nil {
		return err
	}
	_, err = p.js.Publish(ctx, p.Subject(e), b, jetstream.WithMsgID(e.ID))
	return err
}

// Close drains the connection.
func (p *Publisher) Close() { p.nc.Close() }

// token keeps a subject token free of NATS's separators and wildcards.
func token(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '.' || r == '*' || r == '>' || r == ' ' {
			return '_'
		}
		return r
	}, s)
}
