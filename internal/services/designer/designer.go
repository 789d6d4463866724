// Package designer is the service designer: staff with the designer role
// create and change digital services in the browser, without writing YAML.
// A service being designed is a draft kept as the YAML of the definition
// language (see Encode); each page of the designer edits one part of it
// (the service's details and who may start it, a question, a page and its
// branching, a state with its clock and notifications, a transition and its
// guards) and the definition checker's problems are shown with links to the
// part they are in. Publishing goes through the engine's own publish path
// as the next version, refuses a version that would strand open cases, and
// then shows the difference from the version before.
//
// Every change is a plain HTML form post, so the designer works with the
// keyboard alone and without JavaScript.
package designer

import (
	"context"
	"embed"
	"net/http"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

//go:embed all:templates
var templates embed.FS

// Options wire the designer.
type Options struct {
	Now func() time.Time // default time.Now
	// Units lists the names of the organisation's business units, offered
	// as the owning unit and a transition's units; nil offers a text box.
	Units func(ctx context.Context, sub *platform.Subject) ([]string, error)
}

// Designer is the drafts and the pages that edit them.
type Designer struct {
	db   *store.DB
	rec  audit.Recorder
	ap   *access.Point
	svc  *services.Service
	opts Options
}

// New builds the designer over the engine. The caller registers Policy for
// ResourceType on the access point.
func New(db *store.DB, rec audit.Recorder, ap *access.Point, svc *services.Service, opts Options) *Designer {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Designer{db: db, rec: rec, ap: ap, svc: svc, opts: opts}
}

func (d *Designer) now() time.Time { return d.opts.Now() }

// Base is where the designer's pages live.
const Base = "/designer"

// roles may open the designer; the access policy decides each draft.
var roles = []platform.Role{platform.RoleDesigner, platform.RoleAdmin}

// Register adds the designer's pages and navigation to srv.
func (d *Designer) Register(srv *web.Server) error {
	if err := srv.Renderer().Add(templates, "templates/designer/*.html"); err != nil {
		return err
	}
	srv.Renderer().AddNav(web.NavItem{Label: "Service designer", Href: Base, Roles: roles, Order: 30})
	rt := srv.Router()
	page := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		rt.Handle(pattern, web.RequireSignedInFunc(h))
	}
	page("GET "+Base, d.list)
	page("POST "+Base, d.createNew)
	page("POST "+Base+"/{sid}/open", d.openPublished)
	page("GET "+Base+"/{sid}", d.overview)
	page("GET "+Base+"/{sid}/yaml", d.yamlPage)
	page("GET "+Base+"/{sid}/details", d.detailsForm)
	page("POST "+Base+"/{sid}/details", d.saveDetails)
	page("GET "+Base+"/{sid}/new-field", d.fieldForm)
	page("POST "+Base+"/{sid}/new-field", d.saveField)
	page("GET "+Base+"/{sid}/fields/{fid}", d.fieldForm)
	page("POST "+Base+"/{sid}/fields/{fid}", d.saveField)
	page("POST "+Base+"/{sid}/fields/{fid}/delete", d.deleteField)
	page("GET "+Base+"/{sid}/new-page", d.pageForm)
	page("POST "+Base+"/{sid}/new-page", d.savePage)
	page("GET "+Base+"/{sid}/pages/{pid}", d.pageForm)
	page("POST "+Base+"/{sid}/pages/{pid}", d.savePage)
	page("POST "+Base+"/{sid}/pages/{pid}/move", d.movePage)
	page("POST "+Base+"/{sid}/pages/{pid}/delete", d.deletePage)
	page("GET "+Base+"/{sid}/preview/{pid}", d.preview)
	page("POST "+Base+"/{sid}/initial", d.saveInitial)
	page("GET "+Base+"/{sid}/new-state", d.stateForm)
	page("POST "+Base+"/{sid}/new-state", d.saveState)
	page("GET "+Base+"/{sid}/states/{stid}", d.stateForm)
	page("POST "+Base+"/{sid}/states/{stid}", d.saveState)
	page("POST "+Base+"/{sid}/states/{stid}/delete", d.deleteState)
	page("POST "+Base+"/{sid}/states/{stid}/actions", d.addAction)
	page("POST "+Base+"/{sid}/states/{stid}/actions/{n}/delete", d.deleteAction)
	page("GET "+Base+"/{sid}/new-transition", d.transitionForm)
	page("POST "+Base+"/{sid}/new-transition", d.saveTransition)
	page("GET "+Base+"/{sid}/transitions/{tid}", d.transitionForm)
	page("POST "+Base+"/{sid}/transitions/{tid}", d.saveTransition)
	page("POST "+Base+"/{sid}/transitions/{tid}/delete", d.deleteTransition)
	page("GET "+Base+"/{sid}/publish", d.publishForm)
	page("POST "+Base+"/{sid}/publish", d.publish)
	page("POST "+Base+"/{sid}/discard", d.discardDraft)
	page("GET "+Base+"/{sid}/versions/{v}", d.versionDiff)
	return nil
}
