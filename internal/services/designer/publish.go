package designer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/web"
)

// candidate is the draft as it would be published: numbered after the
// latest published version, written out, and parsed by the checker.
type candidate struct {
	Def      *definition.Definition
	Source   []byte
	Previous *services.Published // nil for a new service
}

func (d *Designer) candidate(ctx context.Context, sub *platform.Subject, dr Draft) (candidate, error) {
	var c candidate
	pub, err := d.svc.GetDefinition(ctx, sub, dr.ServiceID, 0)
	switch platform.CodeOf(err) {
	case "":
		c.Previous = &pub
	case platform.CodeNotFound:
	default:
		return c, err
	}
	def, err := working(dr)
	if err != nil {
		return c, err
	}
	def.ID, def.Version = dr.ServiceID, 1
	if c.Previous != nil {
		def.Version = c.Previous.Def.Version + 1
	}
	if c.Source, err = Encode(def); err != nil {
		return c, platform.Internal(err)
	}
	c.Def, err = definition.Parse(c.Source, dr.ServiceID+".yaml")
	var verr *definition.ValidationError
	if errors.As(err, &verr) {
		n := len(verr.Problems)
		return c, platform.Invalid(fmt.Sprintf("The draft has %d %s to fix before it can be published", n, plural(n, "problem")))
	}
	return c, err
}

// Stranded names the states open cases are in that def no longer has.
//
// Cases are pinned to the version they started on, so a case never runs on
// a workflow without its state: it keeps its transitions and its clock.
// But staff find work through the latest version: the queue's state
// filter, the state names in queues and the dashboards' states come from
// it. A case in a state the latest version lacks can no longer be picked
// out by its state, and that is what stranded means here. The designer
// refuses such a version, naming the states, until those cases close or
// the state is kept.
func (d *Designer) Stranded(ctx context.Context, sub *platform.Subject, def *definition.Definition) ([]services.StateInUse, error) {
	inUse, err := d.svc.OpenCaseStates(ctx, sub, def.ID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(inUse, func(s services.StateInUse) bool { return def.State(s.State) != nil }), nil
}

func strandedError(stranded []services.StateInUse) error {
	var names []string
	var fields []platform.FieldError
	for _, s := range stranded {
		names = append(names, s.State)
		vs := make([]string, len(s.Versions))
		for i, v := range s.Versions {
			vs[i] = strconv.Itoa(v)
		}
		fields = append(fields, platform.FieldError{Field: "states", Message: fmt.Sprintf("State %q: %d open %s (version %s) would be stranded. Keep the state until they close",
			s.State, s.Cases, plural(s.Cases, "case"), strings.Join(vs, ", "))})
	}
	return &platform.Error{Code: platform.CodeConflict, Fields: fields,
		Message: "This version removes states that open cases are in: " + strings.Join(names, ", ") + ". Keep them until those cases close"}
}

// publishPage is the data of designer/publish.
type publishPage struct {
	*web.Form
	Draft    Draft
	Title    string
	Version  int
	Problems []problem
	Stranded []services.StateInUse
	Diff     []diffLine
	Previous int
}

func (d *Designer) publishForm(w http.ResponseWriter, r *http.Request) error {
	return d.renderPublish(w, r, nil)
}

func (d *Designer) renderPublish(w http.ResponseWriter, r *http.Request, form *web.Form) error {
	sub, err := needDesigner(r)
	if err != nil {
		return err
	}
	dr, err := d.Draft(r.Context(), sub, r.PathValue("sid"))
	if err != nil {
		return err
	}
	c, cerr := d.candidate(r.Context(), sub, dr)
	if cerr != nil && platform.CodeOf(cerr) != platform.CodeInvalid {
		return cerr
	}
	p := &publishPage{Form: form, Draft: dr, Title: nameOr(dr.Def.Title, dr.ServiceID), Problems: problemsOf(dr)}
	if p.Form == nil {
		p.Form = &web.Form{}
	}
	if c.Def != nil {
		p.Version = c.Def.Version
		if p.Stranded, err = d.Stranded(r.Context(), sub, c.Def); err != nil {
			return err
		}
	}
	var before []byte
	if c.Previous != nil {
		p.Previous = c.Previous.Def.Version
		if before, err = Encode(c.Previous.Def); err != nil {
			return platform.Internal(err)
		}
	}
	p.Diff = lineDiff(string(before), string(c.Source))
	status := http.StatusOK
	if p.Form.HasErrors() {
		status = http.StatusConflict
	}
	return web.Render(w, r, status, "designer/publish", p)
}

// publish makes the draft the next version through the engine's publish
// path, then removes the draft and shows what changed.
func (d *Designer) publish(w http.ResponseWriter, r *http.Request) error {
	sub, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		form := web.FormErrors(r, err)
		if form.Message == "" {
			form.Message = platform.AsError(err).Message
		}
		return d.renderPublish(w, r, form)
	}
	c, err := d.candidate(r.Context(), sub, dr)
	if err != nil {
		if platform.CodeOf(err) == platform.CodeInvalid {
			return fail(err)
		}
		return err
	}
	stranded, err := d.Stranded(r.Context(), sub, c.Def)
	if err != nil {
		return err
	}
	if len(stranded) > 0 {
		return fail(strandedError(stranded))
	}
	pub, err := d.svc.PublishDefinition(r.Context(), sub, c.Def, c.Source)
	if err != nil {
		switch platform.CodeOf(err) {
		case platform.CodeInvalid, platform.CodeConflict:
			return fail(err)
		}
		return err
	}
	msg := fmt.Sprintf("Published %s version %d", pub.Def.Title, pub.Def.Version)
	err = d.db.Write(r.Context(), func(tx *store.Tx) error {
		return d.discard(r.Context(), tx, sub, dr, fmt.Sprintf("published as version %d", pub.Def.Version))
	})
	if err != nil {
		// Someone saved the draft while it was published: it stays, with
		// their change, for them to publish as the version after.
		msg += ". The draft was changed meanwhile and is kept"
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, fmt.Sprintf("%s/%s/versions/%d", Base, pub.Def.ID, pub.Def.Version), http.StatusSeeOther)
	return nil
}

func (d *Designer) discardDraft(w http.ResponseWriter, r *http.Request) error {
	sub, dr, err := d.loadDraft(r)
	if err != nil {
		return err
	}
	if err := d.db.Write(r.Context(), func(tx *store.Tx) error { return d.discard(r.Context(), tx, sub, dr, "discarded") }); err != nil {
		return err
	}
	web.SetFlash(w, r, "Discarded the draft of "+nameOr(dr.Def.Title, dr.ServiceID))
	http.Redirect(w, r, Base, http.StatusSeeOther)
	return nil
}

// versionPage is the data of designer/version.
type versionPage struct {
	Title    string
	ID       string
	Version  int
	Previous int
	Diff     []diffLine
	Admin    string
}

// versionDiff shows a published version against the one before, as the
// designer writes both, so the difference is in meaning, not layout.
func (d *Designer) versionDiff(w http.ResponseWriter, r *http.Request) error {
	sub, err := needDesigner(r)
	if err != nil {
		return err
	}
	v, err := strconv.Atoi(r.PathValue("v"))
	if err != nil || v < 1 {
		return platform.NotFound("version")
	}
	id := r.PathValue("sid")
	if err := d.may(r.Context(), sub, id); err != nil {
		return err
	}
	pub, err := d.svc.GetDefinition(r.Context(), sub, id, v)
	if err != nil {
		return err
	}
	after, err := Encode(pub.Def)
	if err != nil {
		return platform.Internal(err)
	}
	p := versionPage{Title: pub.Def.Title, ID: id, Version: v, Admin: fmt.Sprintf("/services/admin/%s?version=%d", id, v)}
	var before []byte
	for prev := v - 1; prev >= 1; prev-- {
		old, err := d.svc.GetDefinition(r.Context(), sub, id, prev)
		if platform.CodeOf(err) == platform.CodeNotFound {
			continue
		}
		if err != nil {
			return err
		}
		p.Previous = prev
		if before, err = Encode(old.Def); err != nil {
			return platform.Internal(err)
		}
		break
	}
	p.Diff = lineDiff(string(before), string(after))
	return web.Render(w, r, http.StatusOK, "designer/version", p)
}
