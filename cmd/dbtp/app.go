package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/identity"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/calendar"
	"dbtp/internal/store"

	"golang.org/x/mod/sumdb/note"
)

// modules lists every module's migrations in the order they are applied.
func modules() []store.Migrations {
	return []store.Migrations{audit.Migrations, identity.Migrations, services.Migrations}
}

// app is the opened platform: the database and the kernel services built on it.
type app struct {
	db       *store.DB
	audit    *audit.Log
	access   *access.Point
	identity *identity.Service
	services *services.Service
	calendar *calendar.Calendar
	applied  []store.Applied
	auditPub string // verifier key text, so pages and clients can check tree heads
}

type appOptions struct {
	auditKey string // a note signer key; empty = the key file in the data folder
	identity identity.Options
}

// openApp opens the database, applies pending migrations and builds the kernel.
func openApp(ctx context.Context, dc dataConfig, opts appOptions, log *slog.Logger) (*app, error) {
	db, err := store.Open(ctx, store.Options{DataDir: dc.Data, DatabaseURL: dc.DatabaseURL, Logger: log})
	if err != nil {
		return nil, err
	}
	applied, err := db.Migrate(ctx, modules())
	if err != nil {
		db.Close()
		return nil, err
	}
	signer, verifier, err := loadAuditKey(dc, opts.auditKey)
	if err != nil {
		db.Close()
		return nil, err
	}
	a := &app{db: db, applied: applied}
	if a.auditPub, err = auditPublicKey(dc, opts.auditKey); err != nil {
		db.Close()
		return nil, err
	}
	a.audit = audit.New(db, signer, verifier)
	// A log from before per-organisation logs is rebuilt once (migration
	// 0002 of the audit module leaves that to Go: it needs signing).
	if n, err := a.audit.Upgrade(ctx); err != nil {
		db.Close()
		return nil, err
	} else if n > 0 {
		log.Info("audit log rebuilt into per-organisation logs", "entries", n)
	}
	a.access = access.New(a.audit)
	a.identity = identity.New(db, a.audit, a.access, opts.identity)
	if a.services, a.calendar, err = newServices(a, dc); err != nil {
		db.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) Close() error { return a.db.Close() }

// loadAuditKey uses the configured key when several nodes share a PostgreSQL
// database, or the key file in the data folder otherwise.
func loadAuditKey(dc dataConfig, skey string) (note.Signer, note.Verifier, error) {
	if skey != "" {
		s, v, err := audit.ParseKey(skey)
		if err != nil {
			return nil, nil, fmt.Errorf("DBTP_AUDIT_KEY is not a valid signing key: %w", err)
		}
		return s, v, nil
	}
	s, v, err := audit.LoadOrCreateKey(dc.Data)
	if err != nil {
		return nil, nil, err
	}
	return s, v, nil
}

// auditPublicKey is the verifier half of the signing key in use.
func auditPublicKey(dc dataConfig, skey string) (string, error) {
	if skey != "" {
		return audit.PublicKey(skey)
	}
	b, err := os.ReadFile(filepath.Join(dc.Data, "audit.pub"))
	if err != nil {
		return "", fmt.Errorf("audit public key: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

// orgSubject is who the CLI acts as: the platform itself, inside one organisation.
func (a *app) orgSubject(ctx context.Context, slug string) (*platform.Subject, platform.Org, error) {
	if strings.TrimSpace(slug) == "" {
		return nil, platform.Org{}, badUsage("--org is required: the organisation's short name (see dbtp org list)")
	}
	org, err := a.identity.OrgBySlug(ctx, slug)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeNotFound {
			return nil, platform.Org{}, fmt.Errorf("no organisation with short name %q (see dbtp org list)", slug)
		}
		return nil, platform.Org{}, err
	}
	s := platform.System(org.ID)
	s.Name = "dbtp CLI"
	s.Addr = "cli"
	return s, org, nil
}
