package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/calendar"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
)

// newServices builds the low-code engine with the England and Wales working
// day calendar (the data folder's bank-holidays.json when a council has
// dropped in a newer one), the forms package as the last check on answers,
// and identity for business units and users.
func newServices(a *app, dc dataConfig) (*services.Service, *calendar.Calendar, error) {
	cal, err := calendar.Load(dc.Data)
	if err != nil {
		return nil, nil, err
	}
	london, _ := time.LoadLocation("Europe/London")
	validate := func(def *definition.Definition, answers definition.Answers, applicant bool) error {
		if applicant {
			// Person answers are checked for shape here (the engine gives no
			// organisation to look them up in); the portal and console decode
			// them with a lookup against the organisation's users.
			opts := forms.Options{Location: london, People: func(id string) (string, bool) { return id, platform.ValidID("usr", id) }}
			if err := forms.ValidateAll(def, answers, opts); err != nil {
				return err
			}
			return nil
		}
		// Staff fields on a transition arrive canonical from the console's
		// forms.DecodeFields or the API's forms.Normalise; here they must
		// still name internal fields of this definition.
		var bad []platform.FieldError
		for id := range answers {
			if f := def.Field(id); f == nil || !f.Internal {
				bad = append(bad, platform.FieldError{Field: id, Message: "is not a field staff fill in on this service"})
			}
		}
		if len(bad) > 0 {
			return platform.Invalid("Check the fields", bad...)
		}
		return nil
	}
	svc := services.New(a.db, a.audit, a.access, services.Options{
		Calendar:   cal,
		Validate:   validate,
		UnitID:     a.identity.UnitID,
		UserExists: a.identity.UserExists,
	})
	return svc, cal, nil
}

// personName resolves a user of an organisation, for person answers.
func (a *app) personName(ctx context.Context, orgID, userID string) (string, bool) {
	u, err := a.identity.GetUser(ctx, platform.System(orgID), userID)
	return u.Name, err == nil && !u.Disabled
}

// publishServices makes sure every organisation has the built-in services,
// and the host organisation the council's own definitions from the data
// folder's services/ directory. It runs at every start and after the demo
// seeds; publishing is idempotent per version.
func publishServices(ctx context.Context, a *app, dataDir string, log *slog.Logger) error {
	builtins, err := definition.BuiltinSources()
	if err != nil {
		return fmt.Errorf("built-in services: %w", err)
	}
	own, err := definition.LoadDirSources(filepath.Join(dataDir, "services"))
	if err != nil {
		return fmt.Errorf("service definitions in %s: %w", filepath.Join(dataDir, "services"), err)
	}
	orgs, err := a.identity.ListOrgs(ctx, cliSubject())
	if err != nil {
		return err
	}
	host, _ := a.identity.HostOrg(ctx)
	for _, o := range orgs {
		srcs := builtins
		if o.ID == host.ID {
			srcs = append(append([]definition.Source(nil), builtins...), own...)
		}
		defs, yamls := make([]*definition.Definition, len(srcs)), make([][]byte, len(srcs))
		for i, s := range srcs {
			defs[i], yamls[i] = s.Def, s.YAML
		}
		if err := a.services.EnsureBuiltins(ctx, o.ID, defs, yamls); err != nil {
			return fmt.Errorf("publishing services for %s: %w", o.Slug, err)
		}
	}
	if len(own) > 0 {
		log.Info("council service definitions loaded", "count", len(own), "organisation", host.Slug)
	}
	return nil
}

// serviceJobs escalates breached cases every minute and prunes stale drafts
// daily, until ctx ends.
func serviceJobs(ctx context.Context, a *app, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	lastPrune := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			if n, err := a.services.EscalateBreached(ctx, now); err != nil {
				log.Warn("escalation sweep failed", "err", err)
			} else if n > 0 {
				log.Info("cases escalated", "count", n)
			}
			if now.Sub(lastPrune) > 24*time.Hour {
				lastPrune = now
				if _, err := a.services.PruneDrafts(ctx, now); err != nil {
					log.Warn("draft prune failed", "err", err)
				}
			}
		}
	}
}
