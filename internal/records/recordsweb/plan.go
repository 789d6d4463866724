package recordsweb

import (
	"net/http"
	"net/url"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/web"
)

type classForm struct {
	*web.Form
	Class    *records.Class // nil for a new class
	Parents  []web.Option
	Triggers []web.Option
	Actions  []web.Option
	// TwoStage and ClosedOption are the single checkboxes of the form.
	TwoStage     []web.Option
	ClosedOption []web.Option
}

var (
	triggerOptions = []web.Option{
		{Value: records.TriggerCreated, Text: "When it was filed"},
		{Value: records.TriggerModified, Text: "When it last changed"},
		{Value: records.TriggerCaseClosed, Text: "When its case closed"},
		{Value: records.TriggerSubjectBirth, Text: "The date of birth of the person it is about"},
		{Value: records.TriggerLastContact, Text: "The last contact with the person it is about"},
	}
	actionOptions = []web.Option{
		{Value: "", Text: "Use the parent class's schedule"},
		{Value: records.ActionDestroy, Text: "Destroy"},
		{Value: records.ActionReview, Text: "Review (a person decides)"},
		{Value: records.ActionTransfer, Text: "Transfer to the archive"},
	}
)

func (h *handlers) classFormPage(r *http.Request, sub *platform.Subject, f *web.Form) (classForm, error) {
	p := classForm{Form: f, Triggers: triggerOptions, Actions: actionOptions,
		TwoStage:     []web.Option{{Value: "yes", Text: "Disposal needs two approvals, by two different people"}},
		ClosedOption: []web.Option{{Value: "yes", Text: "Closed to new documents"}}}
	classes, err := h.rs.Classes(r.Context(), sub)
	if err != nil {
		return p, err
	}
	p.Parents = []web.Option{{Value: "", Text: "None: a new function at the top of the plan"}}
	for _, c := range classes {
		if c.ID == r.PathValue("id") {
			cc := c
			p.Class = &cc
		}
		if c.Level != records.LevelTransaction && c.ID != r.PathValue("id") {
			p.Parents = append(p.Parents, web.Option{Value: c.ID, Text: c.Code + " " + c.Title})
		}
	}
	if r.PathValue("id") != "" && p.Class == nil {
		return p, platform.NotFound("class")
	}
	return p, nil
}

func (h *handlers) classForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := planKeeper(r)
	if err != nil {
		return err
	}
	p, err := h.classFormPage(r, sub, web.NewForm(url.Values{"parent_id": {r.URL.Query().Get("parent")}}))
	if err != nil {
		return err
	}
	if c := p.Class; c != nil {
		p.Form = web.NewForm(url.Values{"parent_id": {c.ParentID}, "code": {c.Code}, "title": {c.Title}, "description": {c.Description},
			"retention_key": {c.RetentionKey}, "period_months": {strconv.Itoa(c.Schedule.PeriodMonths)}, "trigger": {c.Schedule.Trigger},
			"action": {c.Schedule.Action}, "two_stage": {yesIf(c.Schedule.TwoStage)}, "closed": {yesIf(c.Closed)}})
	}
	return web.Render(w, r, http.StatusOK, "records/classform", p)
}

func yesIf(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

func planKeeper(r *http.Request) (*platform.Subject, error) {
	sub, err := staff(r)
	if err != nil {
		return nil, err
	}
	if !records.CanKeepPlan(sub) {
		return nil, platform.Errorf(platform.CodeForbidden, "Only records managers and administrators change the file plan")
	}
	return sub, nil
}

func (h *handlers) saveClass(w http.ResponseWriter, r *http.Request) error {
	sub, err := planKeeper(r)
	if err != nil {
		return err
	}
	in := records.ClassInput{ParentID: r.PostFormValue("parent_id"), Code: r.PostFormValue("code"), Title: r.PostFormValue("title"),
		Description: r.PostFormValue("description"), RetentionKey: r.PostFormValue("retention_key"), Closed: r.PostFormValue("closed") == "yes",
		Schedule: records.Schedule{Trigger: r.PostFormValue("trigger"), Action: r.PostFormValue("action"), TwoStage: r.PostFormValue("two_stage") == "yes"}}
	var bad error
	if s := r.PostFormValue("period_months"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil {
			bad = platform.Invalid("Check the class", platform.FieldError{Field: "period_months", Message: "Enter the period as a whole number of months, like 72 for six years"})
		}
		in.Schedule.PeriodMonths = n
	}
	if in.Schedule.Action == "" {
		in.Schedule.Trigger, in.Schedule.PeriodMonths, in.Schedule.TwoStage = "", 0, false
	}
	var c records.Class
	if bad == nil {
		c, bad = h.rs.SaveClass(r.Context(), sub, r.PathValue("id"), in)
	}
	if bad != nil {
		p, err := h.classFormPage(r, sub, web.FormErrors(r, bad))
		if err != nil {
			return err
		}
		return web.Render(w, r, statusFor(bad), "records/classform", p)
	}
	web.SetFlash(w, r, "Class "+c.Code+" saved")
	http.Redirect(w, r, "/file-plan/"+url.PathEscape(c.ID), http.StatusSeeOther)
	return nil
}
