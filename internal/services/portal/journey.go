package portal

import (
	"context"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
)

// journey is one person filling in one service: a resident for themselves,
// or a member of staff for a resident (Acting set). Both walk the same
// pages; only where the answers are kept and the URLs differ.
type journey struct {
	sub    *platform.Subject
	def    *definition.Definition
	base   string  // "/services/complaints" or "/services/assist/{user}/complaints"
	Acting *Person // the resident staff are acting for, if any
	// anon is the verified-email session of someone without an account;
	// their answers live in it rather than in a draft.
	anon *services.EmailSession
	// under says, for a partner acting under a data-sharing agreement, for
	// whom they act and where what they send goes.
	under string
}

// Under is the partner's banner text (templates), or "".
func (j *journey) Under() string { return j.under }

// Referral is where a partner follows the referral ref (templates).
func (j *journey) Referral(ref string) string {
	return "/partners/" + url.PathEscape(j.sub.Agreement) + "/referrals/" + url.PathEscape(ref)
}

// Anonymous reports whether the person has no account (templates).
func (j *journey) Anonymous() bool { return j.anon != nil }

// Base is the URL prefix of this journey's pages, for templates.
func (j *journey) Base() string { return j.base }

// Title is the service's title, for templates.
func (j *journey) Title() string { return j.def.Title }

// key identifies the journey's held files (in the engine) and, for
// assisted digital, its answers (in memory).
func (j *journey) key() string {
	k := j.sub.OrgID + "|" + j.sub.UserID + "|" + j.def.ID
	if j.anon != nil {
		k = j.sub.OrgID + "|anon|" + j.anon.ID + "|" + j.def.ID
	}
	if j.Acting != nil {
		k += "|for|" + j.Acting.ID
	}
	return k
}

// self is the journey of the signed-in person starting service id.
func (p *portal) self(r *http.Request, sub *platform.Subject, id string) (*journey, error) {
	def, err := p.definition(r.Context(), sub, id)
	if err != nil {
		return nil, err
	}
	if !services.CanStart(sub, def) {
		return nil, platform.Errorf(platform.CodeForbidden, "You cannot use this service.")
	}
	return &journey{sub: sub, def: def, base: "/services/" + def.ID}, nil
}

// definition is the latest version of a service that has pages to fill in.
func (p *portal) definition(ctx context.Context, sub *platform.Subject, id string) (*definition.Definition, error) {
	if reserved(id) || len(id) > 64 {
		return nil, platform.NotFound("service")
	}
	pub, err := p.svc.GetDefinition(ctx, sub, id, 0)
	if err != nil {
		return nil, err
	}
	if len(pub.Def.Pages) == 0 {
		return nil, platform.NotFound("service")
	}
	return pub.Def, nil
}

// load returns the answers so far and the page to resume on; a journey
// not yet begun has none.
func (p *portal) load(ctx context.Context, j *journey) (definition.Answers, string, error) {
	if j.Acting != nil {
		a, page := p.held.answers(j.key())
		return a, page, nil
	}
	if j.anon != nil {
		return j.anon.Answers, j.anon.Page, nil
	}
	d, err := p.svc.GetDraft(ctx, j.sub, j.def.ID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return definition.Answers{}, "", nil
	}
	if err != nil {
		return nil, "", err
	}
	if d.Answers == nil {
		d.Answers = definition.Answers{}
	}
	return d.Answers, d.Page, nil
}

// save keeps the answers so far. A resident's go into their draft, so they
// can come back from any device; staff acting for a resident keep them in
// memory for the sitting, because drafts belong to the signed-in person and
// a member of staff's own draft of the service must not be overwritten.
func (p *portal) save(ctx context.Context, j *journey, answers definition.Answers, page string) error {
	for _, f := range j.def.Fields {
		if f.Type == definition.TypeFile && answers[f.ID] != nil {
			// The files held for the journey last as long as its answers.
			if err := p.svc.KeepHeldFiles(ctx, j.sub, j.key()); err != nil {
				return err
			}
			break
		}
	}
	if j.Acting != nil {
		p.held.setAnswers(j.key(), answers, page)
		return nil
	}
	if j.anon != nil {
		return p.svc.SaveSessionAnswers(ctx, *j.anon, j.def.ID, answers, page)
	}
	_, err := p.svc.SaveDraft(ctx, j.sub, j.def.ID, answers, page)
	return err
}

// formOpts are the rules' dependencies for this request.
func (p *portal) formOpts(ctx context.Context, j *journey, saved definition.Answers) forms.Options {
	o := forms.Options{Now: p.opts.Now, Saved: saved}
	if p.opts.Person != nil {
		o.People = func(id string) (string, bool) {
			per, ok, err := p.opts.Person(ctx, j.sub, id)
			if err != nil || !ok {
				return "", false
			}
			return per.Name, true
		}
	}
	o.Address = p.addressResolver(ctx)
	return o
}

// known adds to answers what the page's questions can take from the
// person's account (from_account): their name and email address, or those of
// the resident staff act for, or the address someone without an account
// proved. Only questions not yet answered are filled in, and only on the
// page: nothing is kept until the person continues.
func (p *portal) known(ctx context.Context, j *journey, pg *definition.Page, answers definition.Answers) definition.Answers {
	var who Person
	switch {
	case j.Acting != nil:
		who = *j.Acting
	case j.anon != nil:
		who.Email = j.anon.Email
	case p.opts.Person != nil:
		per, ok, err := p.opts.Person(ctx, j.sub, j.sub.UserID)
		if err != nil || !ok {
			return answers
		}
		who = per
	}
	var out definition.Answers
	for _, id := range pg.Fields {
		fd := fieldOf(j.def, id)
		if fd == nil || fd.FromAccount == "" {
			continue
		}
		if _, ok := answers[id]; ok {
			continue
		}
		v := who.Name
		switch fd.FromAccount {
		case "email":
			v = who.Email
		case "phone":
			v = who.Phone
		}
		if v == "" {
			continue
		}
		if out == nil {
			out = maps.Clone(answers)
			if out == nil {
				out = definition.Answers{}
			}
		}
		out[id] = v
	}
	if out == nil {
		return answers
	}
	return out
}

func pageOf(def *definition.Definition, id string) *definition.Page {
	for i := range def.Pages {
		if def.Pages[i].ID == id {
			return &def.Pages[i]
		}
	}
	return nil
}

func fieldOf(def *definition.Definition, id string) *definition.Field {
	for i := range def.Fields {
		if def.Fields[i].ID == id {
			return &def.Fields[i]
		}
	}
	return nil
}

// previous is the page before id on the person's path, or "" for the first.
func previous(def *definition.Definition, answers definition.Answers, id string) string {
	path := forms.Path(def, answers)
	i := slices.Index(path, id)
	if i <= 0 {
		return ""
	}
	return path[i-1]
}

// answeredPage reports whether every question of a page has an answer, so
// that a change from check-your-answers can skip straight back there.
func answeredPage(def *definition.Definition, page *definition.Page, answers definition.Answers) bool {
	for _, id := range page.Fields {
		if f := fieldOf(def, id); f != nil && f.Internal {
			continue
		}
		if _, ok := answers[id]; !ok {
			return false
		}
	}
	return true
}
