package signingweb

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

// The draft's recipients and fields are edited in plain forms of numbered
// rows (r0-name, f0-page, ...), which work without JavaScript; "Add
// another row" posts the form back with one more empty row, saving
// nothing. The fields page's script only adds a keyboard- and
// pointer-driven page map over the same inputs.

const maxRows = 50

type editPage struct {
	*web.Form
	Env        signing.Envelope
	Rows       []int
	Roles      []web.Option
	Kinds      []web.Option
	Positions  []web.Option
	Recipients []web.Option
	// Places and Sizes, JSON for the page maps: see placesJSON.
	Places, Sizes string

	StaffOption, ReassignOption, CodeOptions []web.Option
}

func rowsOf(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// rowCount is how many rows a posted form had, plus one when asked.
func rowCount(r *http.Request, have int) int {
	n := number(r.FormValue("rows"))
	if n < have {
		n = have
	}
	if r.FormValue("more") == "yes" {
		n++
	}
	return max(1, min(n, maxRows))
}

var (
	staffOption    = []web.Option{{Value: "yes", Text: "A member of staff (signs signed in)"}}
	reassignOption = []web.Option{{Value: "yes", Text: "May pass it on to someone else to sign"}}
	codeOptions    = []web.Option{{Value: signing.CodeByEmail, Text: "By email"},
		{Value: signing.CodeBySMS, Text: "By text message", Hint: "To the UK mobile number below"}}
)

func recipientsPage(f *web.Form, env signing.Envelope, n int) editPage {
	return editPage{Form: f, Env: env, Rows: rowsOf(n), Roles: roleOptions, StaffOption: staffOption, ReassignOption: reassignOption,
		CodeOptions: codeOptions}
}

var roleOptions = []web.Option{{Value: signing.RoleSigner, Text: "Signs"}, {Value: signing.RoleApprover, Text: "Approves"}, {Value: signing.RoleCopy, Text: "Gets a copy when it is finished"}}

func (p *envelopesPart) draft(r *http.Request, sub *platform.Subject) (signing.Envelope, error) {
	env, err := p.ss.Get(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return env, err
	}
	if env.Status != signing.EnvelopeDraft {
		return env, platform.Errorf(platform.CodeConflict, "The envelope has been sent: its recipients and fields can no longer change")
	}
	return env, nil
}

func (p *envelopesPart) recipientsForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.draft(r, sub)
	if err != nil {
		return err
	}
	v := url.Values{}
	for i, rc := range env.Recipients {
		k := fmt.Sprintf("r%d-", i)
		v.Set(k+"step", strconv.Itoa(rc.Step))
		v.Set(k+"role", rc.Role)
		v.Set(k+"name", rc.Name)
		v.Set(k+"email", rc.Email)
		v.Set(k+"phone", rc.Phone)
		v.Set(k+"codeby", signing.CodeByEmail)
		if rc.Phone != "" {
			v.Set(k+"codeby", signing.CodeBySMS)
		}
		if rc.UserID != "" {
			v.Set(k+"staff", "yes")
		}
		if rc.MayReassign {
			v.Set(k+"reassign", "yes")
		}
	}
	n, next := len(env.Recipients)+2, 1
	if len(env.Recipients) > 0 {
		next = env.Recipients[len(env.Recipients)-1].Step + 1
	}
	for i := len(env.Recipients); i < n; i++ {
		v.Set(fmt.Sprintf("r%d-step", i), strconv.Itoa(next))
		v.Set(fmt.Sprintf("r%d-role", i), signing.RoleSigner)
		v.Set(fmt.Sprintf("r%d-codeby", i), signing.CodeByEmail)
	}
	return web.Render(w, r, http.StatusOK, "signing/envelopes_recipients", recipientsPage(web.NewForm(v), env, n))
}

var engineField = regexp.MustCompile(`^(recipients|fields)\[(\d+)\]\.(\w+)$`)

// formErrors renames the engine's field errors (recipients[2].email)
// to the form's inputs (r5-email), through the rows that were sent.
func formErrors(r *http.Request, err error, prefix string, rows []int, rename map[string]string) *web.Form {
	return rowErrors(web.FormErrors(r, err), engineField, map[string]formRows{"recipients": {prefix, rows}, "fields": {prefix, rows}}, rename)
}

func (p *envelopesPart) saveRecipients(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.draft(r, sub)
	if err != nil {
		return err
	}
	n := rowCount(r, 0)
	render := func(f *web.Form) error {
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_recipients", recipientsPage(f, env, n))
	}
	if r.FormValue("more") == "yes" {
		return web.Render(w, r, http.StatusOK, "signing/envelopes_recipients", recipientsPage(web.FormErrors(r, nil), env, n))
	}
	var in []signing.RecipientInput
	var rows []int
	var errs []platform.FieldError
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("r%d-", i)
		name, email := strings.TrimSpace(r.FormValue(k+"name")), strings.TrimSpace(r.FormValue(k+"email"))
		if name == "" && email == "" {
			continue // an empty row
		}
		ri := signing.RecipientInput{Step: number(r.FormValue(k + "step")), Role: r.FormValue(k + "role"), Name: name, Email: email,
			Phone: r.FormValue(k + "phone"), CodeBy: r.FormValue(k + "codeby"), MayReassign: r.FormValue(k+"reassign") == "yes"}
		if r.FormValue(k+"staff") == "yes" {
			id, err := p.staffByEmail(r, sub, email)
			if err != nil {
				return err
			}
			if id == "" {
				errs = append(errs, platform.FieldError{Field: k + "email", Message: "No member of staff has this email address: check it, or untick “member of staff”"})
			}
			ri.UserID = id
		}
		in, rows = append(in, ri), append(rows, i)
	}
	if errs != nil {
		// Every problem at once: the engine's on the other rows too.
		if _, err := signing.CheckRecipients(r.Context(), sub, p.dir, in); platform.CodeOf(err) == platform.CodeInvalid {
			errs = append(formErrors(r, err, "r", rows, map[string]string{"user_id": "email", "code_by": "codeby"}).Errors, errs...)
		}
		return render(web.FormErrors(r, platform.Invalid("Check the recipients", errs...)))
	}
	if len(in) == 0 {
		return render(web.FormErrors(r, platform.Invalid("Check the recipients", platform.FieldError{Field: "r0-name", Message: "Add at least one recipient"})))
	}
	_, err = p.ss.SetRecipients(r.Context(), sub, p.dir, env.ID, in)
	if platform.CodeOf(err) == platform.CodeInvalid {
		return render(formErrors(r, err, "r", rows, map[string]string{"user_id": "email", "code_by": "codeby"}))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Recipients saved. Now place their fields.")
	http.Redirect(w, r, "/envelopes/"+url.PathEscape(env.ID)+"/fields", http.StatusSeeOther)
	return nil
}

// staffByEmail finds the member of staff with exactly this address.
func (p *envelopesPart) staffByEmail(r *http.Request, sub *platform.Subject, email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return "", nil
	}
	res, err := p.dir.SearchPeople(r.Context(), sub, platform.PeopleQuery{Text: email, Staff: true, Active: true, Limit: 10})
	if err != nil {
		return "", err
	}
	for _, pp := range res.People {
		if strings.EqualFold(pp.Email, email) {
			return pp.ID, nil
		}
	}
	return "", nil
}

func (p *envelopesPart) fieldsPage(env signing.Envelope, f *web.Form, n int) editPage {
	pg := editPage{Form: f, Env: env, Rows: rowsOf(n), Kinds: kindOptions, Positions: positionOptions}
	pg.Places, pg.Sizes = placesJSON(env.Pages)
	pg.Recipients = []web.Option{nobody}
	for _, rc := range env.Recipients {
		if rc.Role != signing.RoleCopy {
			pg.Recipients = append(pg.Recipients, web.Option{Value: rc.ID, Text: fmt.Sprintf("%s (step %d, %s)", rc.Name, rc.Step, strings.ToLower(roleNames[rc.Role]))})
		}
	}
	return pg
}

func (p *envelopesPart) fieldsForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.draft(r, sub)
	if err != nil {
		return err
	}
	v := url.Values{}
	for i, f := range env.Fields {
		k := fmt.Sprintf("f%d-", i)
		v.Set(k+"recipient", f.RecipientID)
		setFieldRow(v, k, signing.FieldInput{Kind: f.Kind, Page: f.Page, X: f.X, Y: f.Y, Label: f.Label})
	}
	n := len(env.Fields)
	// With no fields yet, a row per signer with their signature on the
	// last page, each in a place of its own (side by side, then a row
	// higher): the usual case is one click, and no two boxes overlap.
	if len(env.Fields) == 0 {
		var signers []signing.Recipient
		for _, rc := range env.Recipients {
			if rc.Role == signing.RoleSigner {
				signers = append(signers, rc)
			}
		}
		places := signing.DefaultSignaturePlaces(env.Pages, len(signers))
		for i, rc := range signers {
			k := fmt.Sprintf("f%d-", n)
			v.Set(k+"recipient", rc.ID)
			v.Set(k+"kind", signing.FieldSignature)
			switch i {
			case 0:
				v.Set(k+"position", "bottom of the last page")
			case 1:
				v.Set(k+"position", "bottom right of the last page")
			default:
				v.Set(k+"page", strconv.Itoa(places[i].Page))
				v.Set(k+"x", strconv.FormatFloat(places[i].X, 'f', -1, 64))
				v.Set(k+"y", strconv.FormatFloat(places[i].Y, 'f', -1, 64))
			}
			n++
		}
	}
	n++
	return web.Render(w, r, http.StatusOK, "signing/envelopes_fields", p.fieldsPage(env, web.NewForm(v), n))
}

// coord reads a coordinate; a bad one is -1, which the engine refuses.
func coord(s string) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return -1
	}
	return f
}

func (p *envelopesPart) saveFields(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	env, err := p.draft(r, sub)
	if err != nil {
		return err
	}
	n := rowCount(r, 0)
	if r.FormValue("more") == "yes" {
		return web.Render(w, r, http.StatusOK, "signing/envelopes_fields", p.fieldsPage(env, web.FormErrors(r, nil), n))
	}
	var in []signing.FieldInput
	var rows []int
	for i := 0; i < n; i++ {
		k := fmt.Sprintf("f%d-", i)
		if r.FormValue(k+"recipient") == "" {
			continue
		}
		fi := readFieldRow(r, k)
		fi.RecipientID = r.FormValue(k + "recipient")
		in = append(in, fi)
		rows = append(rows, i)
	}
	_, err = p.ss.SetFields(r.Context(), sub, env.ID, in)
	if platform.CodeOf(err) == platform.CodeInvalid {
		f := formErrors(r, err, "f", rows, map[string]string{"recipient_id": "recipient", "width": "kind"})
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelopes_fields", p.fieldsPage(env, f, n))
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Fields saved. Check the envelope, then send it.")
	http.Redirect(w, r, "/envelopes/"+url.PathEscape(env.ID), http.StatusSeeOther)
	return nil
}
