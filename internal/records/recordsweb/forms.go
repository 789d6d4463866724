package recordsweb

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/blob"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/extract"
	"dbtp/internal/web"
)

// detectType is what content is, from its first bytes and its name; the
// browser's claim is never used (see extract.MediaType).
func detectType(name string, head []byte) string { return extract.MediaType(name, head) }

type metaForm struct {
	*web.Form
	Doc             *records.Document
	Classes         []web.Option
	Units           []web.Option
	Classifications []web.Option
	DeclareOption   []web.Option
	MaxSize         string
}

func (h *handlers) formOptions(ctx context.Context, sub *platform.Subject, f *web.Form) (metaForm, error) {
	p := metaForm{Form: f, MaxSize: platform.SizeText(h.maxBytes),
		DeclareOption: []web.Option{{Value: "yes", Text: "Declare it a record now", Hint: "Only when it is final: nobody can change or delete it afterwards"}}}
	classes, err := h.rs.Classes(ctx, sub)
	if err != nil {
		return p, err
	}
	p.Classes = []web.Option{{Value: "", Text: "Choose a class"}}
	for _, c := range classes {
		if c.Level == records.LevelTransaction && !c.Closed {
			p.Classes = append(p.Classes, web.Option{Value: c.ID, Text: c.Code + " " + c.Title + " (" + c.Effective.Describe() + ")"})
		}
	}
	p.Units = []web.Option{{Value: "", Text: "The whole organisation"}}
	us, err := h.dir.Units(ctx, platform.System(sub.OrgID))
	if err != nil {
		return p, err
	}
	for _, u := range us {
		p.Units = append(p.Units, web.Option{Value: u.ID, Text: u.Name})
	}
	p.Classifications = []web.Option{
		{Value: string(platform.Official), Text: "OFFICIAL", Hint: "Most council information"},
		{Value: string(platform.OfficialSensitive), Text: "OFFICIAL-SENSITIVE", Hint: "Only people in its business unit, records managers and its author can see it"},
	}
	return p, nil
}

func (h *handlers) newForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	v := url.Values{"class_id": {q.Get("class")}, "classification": {string(platform.Official)}}
	if len(sub.BusinessUnits) > 0 {
		v.Set("unit_id", sub.BusinessUnits[0])
	}
	p, err := h.formOptions(r.Context(), sub, web.NewForm(v))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "records/new", p)
}

// metadataFrom reads the metadata fields of a form.
func metadataFrom(r *http.Request) records.Metadata {
	m := records.Metadata{ClassID: r.PostFormValue("class_id"), Title: r.PostFormValue("title"), UnitID: r.PostFormValue("unit_id"),
		Classification: platform.Classification(r.PostFormValue("classification")), CaseRef: strings.TrimSpace(r.PostFormValue("case_ref"))}
	m.Tags = strings.Split(r.PostFormValue("tags"), ",")
	m.Subjects = parsePeople(r.PostFormValue("people"))
	return m
}

// parsePeople reads "Name, YYYY-MM-DD" lines; the date is optional.
func parsePeople(s string) []records.Person {
	var out []records.Person
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p := records.Person{Name: line}
		if i := strings.LastIndex(line, ","); i > 0 {
			if d := strings.TrimSpace(line[i+1:]); len(d) == 10 && d[4] == '-' {
				p.Name, p.BirthDate = strings.TrimSpace(line[:i]), d
			}
		}
		out = append(out, p)
	}
	return out
}

func peopleText(ps []records.Person) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(p.Name)
		if p.BirthDate != "" {
			b.WriteString(", " + p.BirthDate)
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (h *handlers) create(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := records.NewDocument{Metadata: metadataFrom(r), Declare: r.PostFormValue("declare") == "yes", Source: records.SourceUpload}
	fh, hdr, ferr := r.FormFile("file")
	if ferr == nil {
		defer fh.Close()
		br := bufio.NewReaderSize(fh, 64<<10)
		in.Name, in.MediaType, in.Content = hdr.Filename, sniff(br, hdr.Filename), br
		if strings.TrimSpace(in.Title) == "" {
			in.Title = strings.TrimSuffix(records.CleanName(hdr.Filename), path.Ext(hdr.Filename))
		}
	}
	d, err := h.rs.Create(r.Context(), sub, in)
	if err != nil {
		if ferr != nil && platform.CodeOf(err) == platform.CodeInvalid {
			err = withField(err, "file", "Choose a file to upload")
		}
		p, oerr := h.formOptions(r.Context(), sub, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		return web.Render(w, r, statusFor(err), "records/new", p)
	}
	msg := "Document filed"
	if d.Declared() {
		msg = "Document filed and declared a record"
	}
	if n, err := h.fileEmailParts(r.Context(), sub, d); err != nil {
		return err
	} else if n > 0 {
		msg += fmt.Sprintf(", with the email's %d attachments filed beside it", n)
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, docURL(d.ID), http.StatusSeeOther)
	return nil
}

// withField adds a field error to an invalid-input error.
func withField(err error, field, msg string) error {
	e := platform.AsError(err)
	out := *e
	out.Fields = append([]platform.FieldError{{Field: field, Message: msg}}, e.Fields...)
	return &out
}

// statusFor is the status a form page is shown again with.
func statusFor(err error) int {
	switch platform.CodeOf(err) {
	case platform.CodeInvalid:
		return http.StatusUnprocessableEntity
	case platform.CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case platform.CodeConflict:
		return http.StatusConflict
	}
	return http.StatusBadRequest
}

func (h *handlers) editForm(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	d, err := h.rs.Document(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	v := url.Values{"class_id": {d.ClassID}, "title": {d.Title}, "unit_id": {d.UnitID}, "classification": {string(d.Classification)},
		"case_ref": {d.CaseRef}, "tags": {strings.Join(d.Tags, ", ")}, "people": {peopleText(d.Subjects)}}
	p, err := h.formOptions(r.Context(), sub, web.NewForm(v))
	if err != nil {
		return err
	}
	p.Doc = d
	return web.Render(w, r, http.StatusOK, "records/edit", p)
}

func (h *handlers) edit(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	d, err := h.rs.Document(ctx, sub, r.PathValue("id"))
	if err != nil {
		return err
	}
	m := metadataFrom(r)
	if d.Declared() {
		// The form shows frozen fields as text; they come back as they are.
		m.ClassID, m.Title, m.UnitID, m.Subjects, m.CaseID, m.CaseRef = d.ClassID, d.Title, d.UnitID, d.Subjects, d.CaseID, d.CaseRef
	} else {
		m.CaseID = d.CaseID
	}
	if _, err := h.rs.UpdateMetadata(ctx, sub, d.ID, m); err != nil {
		p, oerr := h.formOptions(ctx, sub, web.FormErrors(r, err))
		if oerr != nil {
			return oerr
		}
		p.Doc = d
		return web.Render(w, r, statusFor(err), "records/edit", p)
	}
	web.SetFlash(w, r, "Details saved")
	http.Redirect(w, r, docURL(d.ID), http.StatusSeeOther)
	return nil
}

func (h *handlers) declare(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if r.PostFormValue("confirm") != "yes" {
		return h.renderDoc(w, r, http.StatusUnprocessableEntity, web.FormErrors(r, platform.Invalid("", platform.FieldError{Field: "confirm",
			Message: "Confirm that the document is final: once declared, nobody can change or delete it"})))
	}
	if _, err := h.rs.Declare(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	web.SetFlash(w, r, "Declared a record: its content and details are now fixed")
	http.Redirect(w, r, docURL(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// delete asks first: the document page's button (and a GET) shows the
// question, and only its answer, confirm=yes, deletes. A record, or a
// document the person may not delete, is refused at once, as before.
func (h *handlers) delete(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if !web.Confirmed(r) {
		d, err := h.rs.Document(r.Context(), sub, r.PathValue("id"))
		if err != nil {
			return err
		}
		if d.Declared() {
			return platform.Errorf(platform.CodeConflict, "A declared record cannot be deleted: it is kept until its disposal is approved")
		}
		if d.State != records.StateActive || !h.rs.Can(sub, access.Delete, d) {
			return platform.Errorf(platform.CodeForbidden, "You cannot delete this document")
		}
		return web.RenderConfirm(w, r, web.Confirm{Caption: d.Title, Title: "Delete the document?", Action: docURL(d.ID) + "/delete",
			Warning: "The document and all its versions will be deleted. This cannot be undone.",
			Button:  "Yes, delete the document", Back: docURL(d.ID)})
	}
	if err := h.rs.Delete(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	web.SetFlash(w, r, "Document deleted")
	http.Redirect(w, r, "/records", http.StatusSeeOther)
	return nil
}

func (h *handlers) addVersion(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	fh, hdr, ferr := r.FormFile("file")
	if ferr != nil {
		return h.renderDoc(w, r, http.StatusUnprocessableEntity, web.FormErrors(r, platform.Invalid("", platform.FieldError{Field: "file", Message: "Choose a file for the new version"})))
	}
	defer fh.Close()
	br := bufio.NewReaderSize(fh, 64<<10)
	expected, _ := strconv.Atoi(r.PostFormValue("expected"))
	_, err = h.rs.AddVersion(r.Context(), sub, r.PathValue("id"), records.NewVersion{Name: hdr.Filename, MediaType: sniff(br, hdr.Filename),
		Content: br, Note: r.PostFormValue("note"), Expected: expected})
	if err != nil {
		if c := platform.CodeOf(err); c == platform.CodeInvalid || c == platform.CodeTooLarge || c == platform.CodeConflict {
			return h.renderDoc(w, r, statusFor(err), web.FormErrors(r, err))
		}
		return err
	}
	web.SetFlash(w, r, "New version added")
	http.Redirect(w, r, docURL(r.PathValue("id")), http.StatusSeeOther)
	return nil
}

// download sends a version as an attachment with its stored type, so a
// browser saves it rather than running it in dbtp's origin.
func (h *handlers) download(w http.ResponseWriter, r *http.Request) error {
	return h.send(w, r, "attachment")
}

// preview shows an image version inline, for the document page.
func (h *handlers) preview(w http.ResponseWriter, r *http.Request) error {
	return h.send(w, r, "inline")
}

func (h *handlers) send(w http.ResponseWriter, r *http.Request, disposition string) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		return platform.NotFound("version")
	}
	rc, v, err := h.rs.Open(r.Context(), sub, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	defer rc.Close()
	if disposition == "inline" && !previewable(v.MediaType) {
		return platform.Errorf(platform.CodeNotFound, "This kind of file cannot be shown in the page: download it instead")
	}
	// The first segment is read and authenticated before anything is
	// sent, so a damaged or altered file is refused with a page saying so
	// rather than a blank download.
	br := bufio.NewReaderSize(rc, 64<<10)
	if _, err := br.Peek(1); err != nil && !errors.Is(err, io.EOF) {
		return h.damaged(r, v, err)
	}
	hd := w.Header()
	hd.Set("Content-Type", v.MediaType)
	hd.Set("Content-Disposition", mime.FormatMediaType(disposition, map[string]string{"filename": v.Name}))
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Cache-Control", "private, no-store")
	hd.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	hd.Set("Content-Length", strconv.FormatInt(v.Size, 10))
	// Each 64 KiB segment is authenticated before it is released, so a
	// file altered further in stops before any altered byte is sent: the
	// connection is cut, and the client sees fewer bytes than promised.
	if _, err := io.Copy(w, br); err != nil {
		if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrMissing) {
			h.damaged(r, v, err)
		}
		panic(http.ErrAbortHandler)
	}
	return nil
}

// damaged reports stored content that failed its integrity check: logged
// for the operators with the object's ID, and a message for the person.
func (h *handlers) damaged(r *http.Request, v records.Version, err error) error {
	if h.log != nil {
		h.log.ErrorContext(r.Context(), "records: stored content failed its integrity check", "document", v.DocumentID, "version", v.Number, "err", err)
	}
	if errors.Is(err, blob.ErrCorrupt) || errors.Is(err, blob.ErrMissing) {
		return platform.Errorf(platform.CodeConflict, "The stored copy of this file failed its integrity check, so it is not shown. Tell your records manager: the operations guide says how to check and restore the file store")
	}
	return err
}
