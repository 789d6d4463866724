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
	"dbtp/internal/audit"
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
	People func(ctx context.Context, orgID, userID string) (name string, ok bool)
	// UnitID resolves a definition's owner_unit name to the organisation's
	// unit ID (the engine's resolver), so the services list can tell staff
	// which services they work on. Without it, only admins see that.
	UnitID services.UnitResolver
	// Audit records a token's refusal for lacking the scope a route needs;
	// the engine and access point record every other refusal themselves.
	Audit audit.Recorder
}

// Token scopes, as identity issues them and access.Decide checks them.
const (
	scopeRead  = "read"
	scopeWrite = "write"
	scopeAdmin = "admin"
)

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

// route adapts h: the caller must be signed in (401), hold scope (403), and
// errors that are the client's malformed request become 400 problems even
// when they name a field (the shell would make those 422).
func (a *api) route(scope string, h handler) http.Handler {
	return web.RequireSignedInFunc(func(w http.ResponseWriter, r *http.Request) error {
		sub := web.SubjectOf(r)
		if err := a.requireScope(r, sub, scope); err != nil {
			return err
		}
		return writeSpecial(w, r, h(w, r, sub))
	})
}

// requireScope refuses a token without scope before any work is done, so a
// read-only token learns nothing from validation it could never act on. The
// engine's access checks would refuse it too, but only after validating the
// request (and listing services or reading a definition asks no access
// question at all). Session subjects never reach the API, but if one did its
// roles alone would govern, as everywhere else.
func (a *api) requireScope(r *http.Request, sub *platform.Subject, scope string) error {
	if sub.Kind != platform.SubjectToken || slices.Contains(sub.Scopes, scope) {
		return nil
	}
	if a.opts.Audit != nil {
		e := audit.For(sub, "api.scope", "api", r.Method+" "+web.Pattern(r), audit.Denied)
		e.Detail = "token lacks the " + scope + " scope"
		if err := a.opts.Audit.RecordNow(r.Context(), e); err != nil {
			return platform.Internal(err)
		}
	}
	return platform.Errorf(platform.CodeForbidden, "This API token does not have the %s scope this operation needs; create a token with it.", scope)
}

// formOptions are the form rules' options for sub's organisation.
func (a *api) formOptions(ctx context.Context, sub *platform.Subject, internal bool) forms.Options {
	o := forms.Options{Now: a.opts.Now, AllowInternal: internal}
	if a.opts.People != nil {
		org := sub.OrgID
		o.People = func(id string) (string, bool) { return a.opts.People(ctx, org, id) }
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
