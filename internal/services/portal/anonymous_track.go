package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/forms"
	"dbtp/internal/web"
)

// Tracking without an account: someone who started a case anonymously
// gives its reference and their email address, enters a fresh code sent to
// that address, and sees the case's status, their answers and, once it is
// closed, the outcome. services.CaseForEmail shows a case only to the
// address it was started with, so a reference and someone else's address
// reveal nothing (the code is sent either way).

const (
	trackCodeCookie = "track-code" // "<verification id>.<base64 email>"
	trackCookie     = "track"      // the verified tracking session's token
)

// trackStep is the data of portal/anonymous-track-start.
type trackStep struct{ *web.Form }

// signedInTrack sends signed-in people to their requests, which list them all.
func (p *portal) signedInTrack(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return seeOther(w, r, "/services/requests", "")
}

func (p *portal) trackForm(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	return web.Render(w, r, http.StatusOK, "portal/anonymous-track-start", trackStep{})
}

// trackPost sends a code for tracking a reference to the address given.
func (p *portal) trackPost(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	ref := strings.ToUpper(strings.TrimSpace(r.PostFormValue("reference")))
	var bad []platform.FieldError
	if ref == "" || len(ref) > 40 || strings.ContainsAny(ref, " /?#") {
		bad = append(bad, platform.FieldError{Field: "reference", Message: "Enter your reference number, like COMP-2026-000123"})
	}
	if _, err := services.CleanEmail(r.PostFormValue("email")); err != nil {
		bad = append(bad, platform.AsError(err).Fields...)
	}
	if len(bad) > 0 {
		f := web.FormErrors(r, nil)
		f.Errors = bad
		return web.Render(w, r, http.StatusUnprocessableEntity, "portal/anonymous-track-start", trackStep{f})
	}
	v, err := p.svc.SendCode(r.Context(), sub.OrgID, r.PostFormValue("email"), services.PurposeTrack+ref, sub.Addr, "your request "+ref)
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeInvalid, platform.CodeRateLimited:
		f := web.FormErrors(r, nil)
		f.Errors = []platform.FieldError{{Field: "email", Message: platform.AsError(err).Message}}
		status := http.StatusUnprocessableEntity
		if platform.CodeOf(err) == platform.CodeRateLimited {
			status = http.StatusTooManyRequests
		}
		return web.Render(w, r, status, "portal/anonymous-track-start", trackStep{f})
	default:
		return err
	}
	web.SetCookie(w, r, trackCodeCookie, codeValue(v), services.CodeLifetime)
	return seeOther(w, r, "/services/track/code", "")
}

// anonTrack3 serves GET /services/track/{b} to signed-out visitors: the
// code page, or the case.
func (p *portal) anonTrack3(w http.ResponseWriter, r *http.Request, sub *platform.Subject, b string) error {
	if b == "code" {
		return p.trackCodePage(w, r, http.StatusOK, nil)
	}
	return p.trackCase(w, r, sub, b)
}

func (p *portal) trackCodePage(w http.ResponseWriter, r *http.Request, status int, f *web.Form) error {
	_, email, ok := pending(r, trackCodeCookie)
	if !ok {
		return seeOther(w, r, "/services/track", "")
	}
	return web.Render(w, r, status, "portal/anonymous-code", emailStep{Form: f, Caption: "Track a request", Action: "/services/track/code",
		Back: "/services/track", Email: email, Again: "/services/track"})
}

// trackCodePost checks the code and shows the case.
func (p *portal) trackCodePost(w http.ResponseWriter, r *http.Request, sub *platform.Subject) error {
	vid, _, ok := pending(r, trackCodeCookie)
	if !ok {
		return seeOther(w, r, "/services/track", "")
	}
	sess, token, err := p.svc.CheckCode(r.Context(), sub.OrgID, vid, r.PostFormValue("code"))
	switch platform.CodeOf(err) {
	case "":
	case platform.CodeInvalid:
		f := web.FormErrors(r, err)
		if len(f.Errors) == 0 {
			f.Errors, f.Message = []platform.FieldError{{Field: "code", Message: platform.AsError(err).Message}}, ""
		}
		return p.trackCodePage(w, r, http.StatusUnprocessableEntity, f)
	case platform.CodeNotFound:
		web.SetCookie(w, r, trackCodeCookie, "", -1)
		return seeOther(w, r, "/services/track", "")
	default:
		return err
	}
	ref, ok := strings.CutPrefix(sess.Purpose, services.PurposeTrack)
	if !ok {
		return platform.NotFound("code")
	}
	web.SetCookie(w, r, trackCodeCookie, "", -1)
	web.SetCookie(w, r, trackCookie, token, time.Until(sess.ExpiresAt))
	return seeOther(w, r, "/services/track/"+url.PathEscape(ref), "")
}

type anonTrackPage struct {
	*web.Form
	Case      services.Case
	Status    string
	Submitted string
	Answers   []answerRow
	Response  []answerRow
	Messages  []messageRow
	Action    string
	Actions   []actionButton // moves the applicant may make (a stage 2 review)
}

// trackCase shows a case to the address it was started with: its status,
// the council's response and messages, and a box to reply.
func (p *portal) trackCase(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref string) error {
	return p.trackCasePage(w, r, sub, ref, http.StatusOK, nil)
}

// trackSession is the verified-email session following ref, or ok false
// when the person has been sent to prove their address again.
func (p *portal) trackSession(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref string) (services.EmailSession, bool, error) {
	sess, err := p.svc.Session(r.Context(), sub.OrgID, web.Cookie(r, trackCookie))
	if platform.CodeOf(err) == platform.CodeUnauthorized || err == nil && sess.Purpose != services.PurposeTrack+ref {
		return sess, false, seeOtherNote(w, r, "/services/track", "Enter your reference number and email address to see your request.")
	}
	return sess, err == nil, err
}

func (p *portal) trackCasePage(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref string, status int, f *web.Form) error {
	ctx := r.Context()
	sess, ok, err := p.trackSession(w, r, sub, ref)
	if !ok {
		return err
	}
	c, err := p.svc.CaseForEmail(ctx, sess, ref)
	if platform.CodeOf(err) == platform.CodeNotFound {
		f := &web.Form{Input: url.Values{"reference": {ref}, "email": {sess.Email}},
			Message: "We could not find a request with that reference number made without an account from that email address. Check both and try again."}
		return web.Render(w, r, http.StatusNotFound, "portal/anonymous-track-start", trackStep{f})
	}
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(ctx, c)
	if err != nil {
		return err
	}
	notes, err := p.svc.NotesForEmail(ctx, sess, ref)
	if err != nil {
		return err
	}
	if f == nil {
		f = web.NewForm(nil)
	}
	d := anonTrackPage{Form: f, Case: c, Status: labelOf(def, c.State), Submitted: showDate(c.SubmittedAt),
		Response: response(def, c.Answers, ""), Action: "/services/track/" + url.PathEscape(c.Reference) + "/messages"}
	for _, row := range forms.Summary(def, c.Answers, forms.Options{}) {
		d.Answers = append(d.Answers, answerRow{Key: row.Label, Lines: row.Lines})
	}
	for _, t := range services.ApplicantMovesForEmail(def, c) {
		d.Actions = append(d.Actions, actionButton{ID: t.ID, Label: t.Label, Href: "/services/track/" + url.PathEscape(c.Reference) + "/move/" + url.PathEscape(t.ID)})
	}
	for _, n := range notes {
		mine := n.AuthorID == "" && strings.EqualFold(n.AuthorName, sess.Email)
		from := "The council"
		if mine {
			from = "You"
		}
		d.Messages = append(d.Messages, messageRow{When: showTime(n.CreatedAt), From: from, Body: n.Body, Mine: mine})
	}
	return web.Render(w, r, status, "portal/anonymous-track", d)
}

// trackReply adds the message of someone without an account to their case.
func (p *portal) trackReply(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref string) error {
	sess, ok, err := p.trackSession(w, r, sub, ref)
	if !ok {
		return err
	}
	_, err = p.svc.ReplyForEmail(r.Context(), sess, ref, r.PostFormValue("text"), sub.Addr)
	if about(err) {
		return p.trackCasePage(w, r, sub, ref, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	return seeOther(w, r, "/services/track/"+url.PathEscape(ref), "Your message has been sent")
}

// trackMovePage asks someone without an account to confirm a move they may
// make on their request (a stage 2 review), with its reason.
func (p *portal) trackMovePage(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref, transitionID string, status int, f *web.Form) error {
	ctx := r.Context()
	sess, ok, err := p.trackSession(w, r, sub, ref)
	if !ok {
		return err
	}
	c, err := p.svc.CaseForEmail(ctx, sess, ref)
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(ctx, c)
	if err != nil {
		return err
	}
	back := "/services/track/" + url.PathEscape(c.Reference)
	for _, t := range services.ApplicantMovesForEmail(def, c) {
		if t.ID != transitionID {
			continue
		}
		if f == nil {
			f = web.NewForm(nil)
		}
		return web.Render(w, r, status, "portal/move", movePage{Form: f, Case: c, ID: t.ID, Label: t.Label, ToState: labelOf(def, t.To),
			Question: t.ApplicantReason, Action: back + "/move", Back: back})
	}
	return seeOtherNote(w, r, back, "The status of this request has changed. Check it below.")
}

// trackMove makes the confirmed move.
func (p *portal) trackMove(w http.ResponseWriter, r *http.Request, sub *platform.Subject, ref string) error {
	sess, ok, err := p.trackSession(w, r, sub, ref)
	if !ok {
		return err
	}
	var version int64
	fmt.Sscan(r.PostFormValue("version"), &version)
	id := r.PostFormValue("transition")
	c, err := p.svc.ApplicantMoveForEmail(r.Context(), sess, ref, id, version, r.PostFormValue("reason"), sub.Addr)
	if platform.CodeOf(err) == platform.CodeInvalid {
		return p.trackMovePage(w, r, sub, ref, id, web.StatusOf(err), web.FormErrors(r, err))
	}
	if about(err) {
		return p.trackCasePage(w, r, sub, ref, web.StatusOf(err), web.FormErrors(r, err))
	}
	if err != nil {
		return err
	}
	def, err := p.svc.PinnedDefinition(r.Context(), c)
	if err != nil {
		return err
	}
	return seeOther(w, r, "/services/track/"+url.PathEscape(ref), "Status changed to "+labelOf(def, c.State))
}
