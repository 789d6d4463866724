package portal

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// startPage is the data of portal/start.
type startPage struct {
	J        *journey
	Summary  string
	Needs    []string // the questions that must be answered
	StartURL string
	Resume   string // set when a draft exists
	// For a signed-out visitor without a session, on a service anonymous
	// people may use: where to continue without an account, and sign in.
	Email, SignIn string
}

func (p *portal) start(w http.ResponseWriter, r *http.Request, j *journey) error {
	answers, page, err := p.load(r.Context(), j)
	if err != nil {
		return err
	}
	d := startPage{J: j, Summary: j.def.Summary, StartURL: j.base + "/pages/" + j.def.Pages[0].ID, Needs: needs(j.def)}
	if len(answers) > 0 {
		d.Resume = p.resumeURL(j, answers, page)
	}
	return web.Render(w, r, http.StatusOK, "portal/start", d)
}

// resumeURL is where a returning person continues: the saved page if it is
// still on their path, else the first unanswered one.
func (p *portal) resumeURL(j *journey, answers definition.Answers, page string) string {
	if page != "" && page != forms.CheckAnswers {
		for _, id := range forms.Path(j.def, answers) {
			if id == page {
				return j.base + "/pages/" + page
			}
		}
	}
	if next := forms.Resume(j.def, answers); next != forms.CheckAnswers {
		return j.base + "/pages/" + next
	}
	return j.base + "/check-answers"
}

// fieldView is one question as a template draws it.
type fieldView struct {
	ID, Type, Label, Hint string
	Options               []web.Option
	Hidden                bool   // the label repeats the page's h1, so screen readers only
	Saved                 string // a file already uploaded
	Parts                 []datePart
	Picker                *forms.Picker // a person question
	Address               *addressView  // an address question
}

// datePart is one box of a date question.
type datePart struct{ Label, Name string }

// questionPage is the data of portal/page.
type questionPage struct {
	*web.Form
	J       *journey
	Heading string
	Fields  []fieldView
	Action  string
	Back    string
	Change  bool
	Save    bool // offer "Save and come back later"
}

func (q questionPage) Multipart() bool {
	for _, f := range q.Fields {
		if f.Type == string(definition.TypeFile) {
			return true
		}
	}
	return false
}

func (p *portal) page(w http.ResponseWriter, r *http.Request, j *journey, pageID string, status int, f *web.Form) error {
	pg := pageOf(j.def, pageID)
	if pg == nil {
		return platform.NotFound("page")
	}
	answers, _, err := p.load(r.Context(), j)
	if err != nil {
		return err
	}
	path := forms.Path(j.def, answers)
	onPath := false
	for _, id := range path {
		onPath = onPath || id == pageID
	}
	if !onPath {
		// A page off the person's branch (an old bookmark, a hand-made
		// URL) would collect answers that are dropped at submission.
		http.Redirect(w, r, p.resumeURL(j, answers, ""), http.StatusSeeOther)
		return nil
	}
	change := r.URL.Query().Get("change") == "1"
	if f == nil {
		f = web.NewForm(forms.Inputs(j.def, pg, p.known(r.Context(), j, pg, answers)))
	}
	q := questionPage{Form: f, J: j, Action: j.base + "/pages/" + pageID, Change: change, Save: j.Acting == nil && j.anon == nil}
	if change {
		q.Action += "?change=1"
		q.Back = j.base + "/check-answers"
	} else if prev := previous(j.def, answers, pageID); prev != "" {
		q.Back = j.base + "/pages/" + prev
	} else {
		q.Back = j.base + "/start"
	}
	q.Heading = pg.Title
	single := len(pg.Fields) == 1
	loaded := p.gazetteerLoaded(r.Context())
	for _, id := range pg.Fields {
		fd := fieldOf(j.def, id)
		if fd == nil || fd.Internal {
			continue
		}
		if q.Heading == "" {
			q.Heading = fd.Label
		}
		v := fieldView{ID: fd.ID, Type: string(fd.Type), Label: fd.Label, Hint: fd.Hint, Hidden: single && (pg.Title == "" || pg.Title == fd.Label)}
		for _, o := range fd.Options {
			v.Options = append(v.Options, web.Option{Value: o.Value, Text: o.Label, Hint: o.Hint})
		}
		if fd.Type == definition.TypeYesNo {
			v.Options = []web.Option{{Value: "yes", Text: "Yes"}, {Value: "no", Text: "No"}}
		}
		if fd.Type == definition.TypeDate {
			v.Parts = []datePart{{"Day", fd.ID + "-day"}, {"Month", fd.ID + "-month"}, {"Year", fd.ID + "-year"}}
		}
		switch fd.Type {
		case definition.TypePerson:
			v.Picker = p.pickerOf(r.Context(), j, fd, f.Input)
		case definition.TypeAddress:
			v.Address = p.addressViewOf(r, fd, f.Input, q.Action, loaded)
		}
		if fd.Type == definition.TypeFile {
			v.Saved = forms.Display(fd, answers[fd.ID])
			if v.Hint == "" {
				v.Hint = "The file must be smaller than " + forms.FormatSize(maxFileBytes(fd))
			}
		}
		q.Fields = append(q.Fields, v)
	}
	return web.Render(w, r, status, "portal/page", q)
}

func maxFileBytes(f *definition.Field) int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return forms.DefaultMaxBytes
}

// pagePost records one page and moves on: to the next page on the branch
// the answers now take, back to check-your-answers after a change, or to
// the "saved" page when the person chose to come back later.
func (p *portal) pagePost(w http.ResponseWriter, r *http.Request, j *journey, pageID string) error {
	ctx := r.Context()
	pg := pageOf(j.def, pageID)
	if pg == nil {
		return platform.NotFound("page")
	}
	if button := r.PostFormValue(forms.LookupButton); button != "" {
		return p.lookup(w, r, j, pg, button)
	}
	answers, _, err := p.load(ctx, j)
	if err != nil {
		return err
	}
	uploads, contents, err := readUploads(r, j.def, pg)
	if err != nil {
		return err
	}
	decoded, raw, perr := forms.Decode(j.def, pg, r.PostForm, uploads, p.formOpts(ctx, j, answers))
	if perr != nil {
		if perr.Code != platform.CodeInvalid {
			return perr
		}
		return p.page(w, r, j, pageID, http.StatusUnprocessableEntity, &web.Form{Input: raw, Errors: perr.Fields})
	}
	if bad := verifiedEmail(j, pg, decoded); bad != nil {
		return p.page(w, r, j, pageID, http.StatusUnprocessableEntity, &web.Form{Input: raw, Errors: bad})
	}
	for id, content := range contents {
		file, ok := decoded[id].(definition.File)
		if !ok {
			continue
		}
		// Held in the file store for this journey: the answer saved now
		// names it, and the submission hands it to the case, on any node
		// and after a restart.
		held, err := p.svc.HoldFile(ctx, j.sub, j.def.ID, id, j.key(), file, content)
		if about(err) {
			return p.page(w, r, j, pageID, web.StatusOf(err), web.FormErrors(r, err))
		}
		if err != nil {
			return err
		}
		decoded[id] = held
	}
	merged := forms.Merge(pg, answers, decoded)
	next, err := forms.Next(j.def, pageID, merged)
	if err != nil {
		return err
	}
	change := r.URL.Query().Get("change") == "1"
	dest := j.base + "/pages/" + next
	switch {
	case next == forms.CheckAnswers:
		dest = j.base + "/check-answers"
	case change && answeredPage(j.def, pageOf(j.def, next), merged):
		dest = j.base + "/check-answers"
	case change:
		dest += "?change=1"
	}
	if err := p.save(ctx, j, merged, next); err != nil {
		if about(err) {
			return p.page(w, r, j, pageID, web.StatusOf(err), web.FormErrors(r, err))
		}
		return err
	}
	if r.PostFormValue("action") == "save" && j.Acting == nil && j.anon == nil {
		return seeOther(w, r, j.base+"/saved", "")
	}
	return seeOther(w, r, dest, "")
}

// readUploads reads the page's file inputs. Only a file's first bytes are
// needed to check its type, but content within the field's limit is kept
// for the case; anything longer is refused by Decode from its size alone.
func readUploads(r *http.Request, def *definition.Definition, pg *definition.Page) (map[string]*forms.UploadedFile, map[string][]byte, error) {
	ups, contents := map[string]*forms.UploadedFile{}, map[string][]byte{}
	if r.MultipartForm == nil {
		return ups, contents, nil
	}
	for _, id := range pg.Fields {
		fd := fieldOf(def, id)
		if fd == nil || fd.Type != definition.TypeFile {
			continue
		}
		hs := r.MultipartForm.File[id]
		if len(hs) == 0 || hs[0].Filename == "" {
			continue // no new file chosen: Decode keeps the saved one
		}
		h := hs[0]
		up := &forms.UploadedFile{Name: h.Filename, Size: h.Size}
		f, err := h.Open()
		if err != nil {
			return nil, nil, platform.Internal(err)
		}
		keep := h.Size <= maxFileBytes(fd)
		n := int64(512)
		if keep {
			n = h.Size
		}
		b, err := io.ReadAll(io.LimitReader(f, n))
		f.Close()
		if err != nil {
			return nil, nil, platform.Internal(err)
		}
		up.Header = b[:min(len(b), 512)]
		ups[id] = up
		if keep {
			contents[id] = b
		}
	}
	return ups, contents, nil
}

// answerRow is one row of check-your-answers.
type answerRow struct {
	ID     string // "answer-<field>", the target of error summary links
	Key    string
	Lines  []string
	Change string
	Href   string // the value is a link (a response file to download)
}

type checkPage struct {
	*web.Form
	J    *journey
	Rows []answerRow
	Back string
}

func (p *portal) checkAnswers(w http.ResponseWriter, r *http.Request, j *journey, status int, f *web.Form) error {
	ctx := r.Context()
	answers, _, err := p.load(ctx, j)
	if err != nil {
		return err
	}
	if status == http.StatusOK {
		if next := forms.Resume(j.def, answers); next != forms.CheckAnswers {
			http.Redirect(w, r, j.base+"/pages/"+next, http.StatusSeeOther)
			return nil
		}
	}
	d := checkPage{Form: f, J: j}
	for _, row := range forms.Summary(j.def, answers, p.formOpts(ctx, j, answers)) {
		d.Rows = append(d.Rows, answerRow{ID: "answer-" + row.FieldID, Key: row.Label, Lines: row.Lines, Change: j.base + "/pages/" + row.PageID + "?change=1"})
	}
	if path := forms.Path(j.def, answers); len(path) > 0 {
		d.Back = j.base + "/pages/" + path[len(path)-1]
	}
	return web.Render(w, r, status, "portal/check", d)
}

// submit sends the answers on the person's path to the engine.
func (p *portal) submit(w http.ResponseWriter, r *http.Request, j *journey) error {
	ctx := r.Context()
	answers, _, err := p.load(ctx, j)
	if err != nil {
		return err
	}
	opts := p.formOpts(ctx, j, nil)
	canon, perr := forms.Normalise(j.def, forms.Prune(j.def, answers), opts)
	if perr == nil {
		perr = forms.ValidateAll(j.def, canon, opts)
	}
	if perr != nil {
		return p.checkAnswers(w, r, j, http.StatusUnprocessableEntity, &web.Form{Errors: summaryErrors(j, perr.Fields)})
	}
	// The engine takes the files held for this journey, and names any
	// question whose file it no longer has.
	o := services.SubmitOptions{Held: j.key()}
	if j.Acting != nil {
		o.OnBehalfOf = j.Acting.ID
	}
	if j.anon != nil {
		o.ApplicantEmail = j.anon.Email
	}
	c, err := p.svc.Submit(ctx, j.sub, j.def.ID, canon, o)
	if about(err) {
		e := platform.AsError(err)
		f := &web.Form{Errors: summaryErrors(j, e.Fields)}
		if len(f.Errors) == 0 {
			f.Message = e.Message
		}
		return p.checkAnswers(w, r, j, web.StatusOf(err), f)
	}
	if err != nil {
		return err
	}
	p.held.drop(j.key())
	if j.anon != nil {
		return p.anonSubmitted(w, r, j, c)
	}
	return seeOther(w, r, j.base+"/confirmation/"+url.PathEscape(c.Reference), "")
}

// summaryErrors points each error at the question's page, since
// check-your-answers has no inputs for the summary to link to.
func summaryErrors(j *journey, fields []platform.FieldError) []platform.FieldError {
	out := make([]platform.FieldError, 0, len(fields))
	for _, fe := range fields {
		label := fe.Field
		if fd := fieldOf(j.def, baseField(fe.Field)); fd != nil {
			label = fd.Label
		}
		out = append(out, platform.FieldError{Field: "answer-" + baseField(fe.Field), Message: label + ": " + fe.Message})
	}
	return out
}

// baseField is the field of an input name like "dob-day".
func baseField(name string) string {
	for _, suf := range []string{"-day", "-month", "-year", "-line1", "-line2", "-town", "-postcode", "-uprn"} {
		if s, ok := strings.CutSuffix(name, suf); ok {
			return s
		}
	}
	return name
}

type confirmationPage struct {
	J         *journey
	Title     string
	Reference string
	Body      string
}

func (p *portal) confirmation(w http.ResponseWriter, r *http.Request, j *journey, reference string) error {
	var c services.Case
	var err error
	if j.Acting != nil {
		// Front-desk staff who filled the service in may not be able to
		// open the case (it belongs to the owning unit), but they see the
		// reference of what they submitted, to give the caller.
		c, err = p.svc.SubmittedCase(r.Context(), j.sub, reference)
	} else {
		c, err = p.svc.FindByReference(r.Context(), j.sub, reference)
	}
	if err != nil {
		return err
	}
	if c.ServiceID != j.def.ID {
		return platform.NotFound("case")
	}
	title := j.def.Confirmation.Title
	if title == "" {
		title = "Request received"
	}
	return web.Render(w, r, http.StatusOK, "portal/confirmation",
		confirmationPage{J: j, Title: title, Reference: c.Reference, Body: confirmationText(j.def, c.Reference)})
}

type savedPage struct {
	J       *journey
	Expires string
}

func (p *portal) saved(w http.ResponseWriter, r *http.Request, j *journey) error {
	d, err := p.svc.GetDraft(r.Context(), j.sub, j.def.ID)
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "portal/saved", savedPage{J: j, Expires: showDate(d.ExpiresAt)})
}

func (p *portal) deleteDraft(w http.ResponseWriter, r *http.Request, j *journey) error {
	if err := p.svc.DeleteDraft(r.Context(), j.sub, j.def.ID); err != nil {
		return err
	}
	if err := p.svc.DropHeldFiles(r.Context(), j.sub, j.key()); err != nil {
		return err
	}
	p.held.drop(j.key())
	return seeOther(w, r, "/services/requests", "Your saved answers to "+j.def.Title+" were deleted")
}

// verifiedEmail keeps someone without an account to the address they
// proved: the council writes to it, so an answer naming another would
// mislead staff. (A different address means starting again with it.)
func verifiedEmail(j *journey, pg *definition.Page, decoded definition.Answers) []platform.FieldError {
	if j.anon == nil {
		return nil
	}
	for _, id := range pg.Fields {
		fd := fieldOf(j.def, id)
		if fd == nil || fd.FromAccount != "email" {
			continue
		}
		if v, _ := decoded[id].(string); v != "" && !strings.EqualFold(strings.TrimSpace(v), j.anon.Email) {
			return []platform.FieldError{{Field: id, Message: "Use the email address you confirmed, " + j.anon.Email +
				". To use another, start again and confirm that one."}}
		}
	}
	return nil
}
