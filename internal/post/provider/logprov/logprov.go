// Package logprov is the "log" provider: it sends nothing and writes each
// message to the log instead, for the demo and for trying dbtp out. Every
// message it takes is delivered (letters: received by the printer).
package logprov

import (
	"context"
	"log/slog"

	"dbtp/internal/post/provider"
)

// Provider logs messages.
type Provider struct{ log *slog.Logger }

// New returns the provider writing to log.
func New(log *slog.Logger) *Provider { return &Provider{log: log} }

// Name is "log".
func (p *Provider) Name() string { return "log" }

// Send writes m to the log; a letter's PDF is only counted.
func (p *Provider) Send(_ context.Context, m provider.Message) (provider.Result, error) {
	p.log.Info("post: message logged, not sent (the log provider)", "id", m.ID, "kind", m.Kind, "to", m.To, "subject", m.Subject,
		"text", m.Text, "pdf_bytes", len(m.PDF))
	if m.Kind == "letter" {
		return provider.Result{Ref: m.ID, Status: "received"}, nil
	}
	return provider.Result{Ref: m.ID, Status: "delivered"}, nil
}

// Idempotent: logging a message twice sends nobody anything.
func (p *Provider) Idempotent() bool { return true }
