// Package servicesapi is the JSON API of the low-code engine under
// /api/v1/services and /api/v1/cases: list and read service definitions,
// upload new versions, submit cases, search and read them, move them along
// their workflow and write notes. It is one more channel over the engine, like
// the resident portal and the staff console: the engine decides who may do
// what, forms turns JSON answers into canonical ones, and this package only
// translates HTTP to engine calls and engine errors to problem documents.
package servicesapi

import (
	"context"
	"net/http"
	"slices"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// Options wire the API. All are optional; the zero value works with the
// consequences noted.
type Options struct {
	// Now is the clock for SLA statuses and for "today" in date rules of
	// answers; default time.Now. Pass the engine's clock.
	Now func() time.Time
	// People resolves a user of an organisation to a display name, for
	// person answers. Without it no person answer is accepted.
	People func(ctx context.Context, sub *platform.Subject, userID string) (name string, ok bool)
	// UnitID resolves a definition's owner_unit name to the organisation's
	// unit ID (the engine's resolver), so the services list can tell staff
	// which services they work on. Without it, only admins see that.
	UnitID services.UnitResolver
}

type api struct {
	svc  *services.Service
	opts Options
}

// Register mounts the services and cases API on srv. Every route is
// documented in the OpenAPI document with the scope it needs.
func Register(srv *web.Server, svc *services.Service, opts Options) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	a := &api{svc: svc, opts: opts}
	a.routeServices(srv.API())
	a.routeCases(srv.API())
	a.routeWork(srv.API())
}

// handler is an API handler for a signed-in subject.
type handler func(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error

// route adapts h: the caller must be signed in (401), and errors that are
// the client's malformed request become 400 problems even when they name a
// field (the shell would make those 422). The token scope each operation
// documents is enforced before h by the server's scope gate (the access
// point), so a read-only token learns nothing from validation it could
// never act on.
func (a *api) route(h handler) http.Handler {
	return web.RequireSignedInFunc(func(w http.ResponseWriter, r *http.Request) error {
		return writeSpecial(w, r, h(w, r, web.SubjectOf(r)))
	})
}

// formOptions are the form rules' options for sub's organisation.
func (a *api) formOptions(ctx context.Context, sub *platform.Subject, internal bool) forms.Options {
	o := forms.Options{Now: a.opts.Now, AllowInternal: internal}
	if a.opts.People != nil {
		// Naming a person in an answer is part of the operation the token
		// was scoped for, so it is looked up under the person's roles.
		who := person(sub)
		o.People = func(id string) (string, bool) { return a.opts.People(ctx, who, id) }
	}
	return o
}

// person is the subject as the person behind it, with the token's scopes
// set aside: the services list tells people what their roles let them do,
// whichever token they used to ask.
func person(sub *platform.Subject) *platform.Subject {
	p := *sub
	if p.Kind == platform.SubjectToken {
		p.Kind, p.Scopes = platform.SubjectUser, nil
	}
	return &p
}

// isStaff mirrors the engine's notion of staff for display only (who may
// submit on a resident's behalf); the engine decides again on submission.
func isStaff(sub *platform.Subject) bool {
	return slices.ContainsFunc([]platform.Role{platform.RoleAdmin, platform.RoleManager, platform.RoleCaseworker, platform.RoleStaff}, sub.HasRole)
}

// mayWorkOn reports whether the person may update cases of def: the access
// policy's answer for a case of that service in its owning unit.
func (a *api) mayWorkOn(ctx context.Context, sub *platform.Subject, def *definition.Definition) bool {
	if !isStaff(sub) {
		return false
	}
	res := access.Resource{Type: "case", ID: "case_probe", OrgID: sub.OrgID, Classification: def.Classification}
	if res.Classification == "" {
		res.Classification = platform.Official
	}
	if def.OwnerUnit != "" {
		if a.opts.UnitID == nil {
			return a.svc.Allowed(person(sub), access.Administer, access.Resource{Type: "case", OrgID: sub.OrgID})
		}
		id, err := a.opts.UnitID(ctx, sub.OrgID, def.OwnerUnit)
		if err != nil {
			return false
		}
		res.BusinessUnit = id
	}
	return a.svc.Allowed(person(sub), access.Update, res)
}
