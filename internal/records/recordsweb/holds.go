package recordsweb

import (
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

type holdsPage struct {
	Holds  []*records.Hold
	Active string
	Tabs   []web.Option
	Next   string
}

func (h *handlers) holdsPage(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	p, err := h.rs.Holds(r.Context(), sub, q.Get("active"), q.Get("cursor"))
	if err != nil {
		return err
	}
	out := holdsPage{Holds: p.Holds, Active: q.Get("active"),
		Tabs: []web.Option{{Value: "", Text: "All"}, {Value: "yes", Text: "Active"}, {Value: "no", Text: "Lifted"}}}
	if p.Next != "" {
		out.Next = web.CursorURL(r, p.Next)
	}
	return web.Render(w, r, http.StatusOK, "records/holds", out)
}

type holdForm struct {
	*web.Form
	Classes []web.Option
}

func (h *handlers) holdFormPage(r *http.Request, sub *platform.Subject, f *web.Form) (holdForm, error) {
	p := holdForm{Form: f}
	classes, err := h.rs.Classes(r.Context(), sub)
	if err != nil {
		return p, err
	}
	for _, c := range classes {
		p.Classes = append(p.Classes, web.Option{Value: c.ID, Text: c.Code + " " + c.Title})
	}
	return p, nil
}

func (h *handlers) holdForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if !records.CanKeepPlan(sub) {
		return platform.Errorf(platform.CodeForbidden, "Only records managers and administrators place legal holds")
	}
	q := r.URL.Query()
	p, err := h.holdFormPage(r, sub, web.NewForm(url.Values{"document_ids": {q.Get("record")}, "case_ids": {q.Get("case")}}))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "records/holdform", p)
}

// lines splits a textarea into its non-empty lines (commas separate too).
func lines(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' }) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func (h *handlers) createHold(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := records.HoldInput{Title: r.PostFormValue("title"), Reason: r.PostFormValue("reason"), ClassIDs: r.PostForm["class_ids"],
		DocumentIDs: lines(r.PostFormValue("document_ids")), CaseIDs: lines(r.PostFormValue("case_ids"))}
	hold, err := h.rs.CreateHold(r.Context(), sub, in)
	if platform.CodeOf(err) == platform.CodeInvalid {
		p, perr := h.holdFormPage(r, sub, web.FormErrors(r, err))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, statusFor(err), "records/holdform", p)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Legal hold placed: nothing it covers can be disposed of or deleted until it is lifted")
	http.Redirect(w, r, "/legal-holds/"+url.PathEscape(hold.ID), http.StatusSeeOther)
	return nil
}

type holdPage struct {
	*web.Form
	Hold    *records.Hold
	Classes []records.Class
	Docs    []*records.Document
	Missing int // named records the viewer cannot see (none for a records manager)
}

func (h *handlers) holdPage(w http.ResponseWriter, r *http.Request) error {
	return h.renderHold(w, r, http.StatusOK, web.NewForm(nil))
}

func (h *handlers) renderHold(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	hold, err := h.rs.Hold(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	p := holdPage{Form: f, Hold: hold}
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return err
	}
	for _, c := range classes {
		for _, id := range hold.ClassIDs {
			if c.ID == id {
				p.Classes = append(p.Classes, c)
			}
		}
	}
	for _, id := range hold.DocumentIDs {
		d, err := h.rs.Document(ctx, sub, id)
		if platform.CodeOf(err) == platform.CodeNotFound {
			p.Missing++
			continue
		}
		if err != nil {
			return err
		}
		p.Docs = append(p.Docs, d)
	}
	return web.Render(w, r, status, "records/hold", p)
}

func (h *handlers) liftHold(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	_, err = h.rs.LiftHold(r.Context(), sub, r.PathValue("id"), r.PostFormValue("reason"))
	if c := platform.CodeOf(err); c == platform.CodeInvalid || c == platform.CodeConflict {
		return h.renderHold(w, r, statusFor(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Legal hold lifted: disposal of what it covered resumes")
	http.Redirect(w, r, "/legal-holds/"+url.PathEscape(r.PathValue("id")), http.StatusSeeOther)
	return nil
}
