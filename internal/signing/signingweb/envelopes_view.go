package signingweb

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/web"
)

type recipientRow struct {
	signing.Recipient
	RoleName, StatusName, Acted string
	Current                     bool
}

type fieldRow struct {
	signing.Field
	KindName, Who string
}

type eventRow struct {
	signing.Event
	When, Who, What, Said string
}

type viewPage struct {
	*web.Form
	Env                    signing.Envelope
	StatusName, StatusTag  string
	Summary                []web.SummaryRow
	Steps                  [][]recipientRow
	Fields                 []fieldRow
	Events                 []eventRow
	Draft, Sent, MayChange bool
	Lacks                  []string // what a draft needs before it can be sent
	HasCurrent, HasSealed  bool
}

func (p *envelopesPart) viewPage(r *http.Request, sub *platform.Subject, id string, f *web.Form) (viewPage, error) {
	env, err := p.ss.Get(r.Context(), sub, id)
	if err != nil {
		return viewPage{}, err
	}
	evs, err := p.ss.Events(r.Context(), sub, id)
	if err != nil {
		return viewPage{}, err
	}
	out := viewPage{Form: f, Env: env, StatusName: statusNames[env.Status], StatusTag: statusTags[env.Status], Draft: env.Status == signing.EnvelopeDraft,
		Sent: env.Status == signing.EnvelopeSent, MayChange: p.ss.MayChange(sub, env),
		HasSealed: env.SealedBlob != ""}
	// The signatures so far and the reminders belong to an envelope still
	// out: once it is completed, declined, voided or expired nobody else
	// signs it (a completed one has its sealed copy instead) and nobody is
	// reminded.
	out.HasCurrent = out.Sent && env.CurrentBlob != "" && env.CurrentBlob != env.OriginalBlob
	out.Summary = []web.SummaryRow{{Key: "Status", Value: out.StatusName}, {Key: "Sent by", Value: env.SenderName},
		{Key: "Pages", Value: fmt.Sprint(env.Pages)}, {Key: "Created", Value: day(env.CreatedAt)}}
	if !env.SentAt.IsZero() {
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Sent", Value: day(env.SentAt)})
	}
	if env.Status == signing.EnvelopeSent || env.Status == signing.EnvelopeDraft {
		exp := day(env.ExpiresAt)
		if env.Status == signing.EnvelopeDraft {
			exp = fmt.Sprintf("%d days after it is sent", int(env.ExpiresAt.Sub(env.CreatedAt).Hours()/24+0.5))
		}
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Expires", Value: exp})
	}
	if env.RemindEveryDays > 0 && (out.Sent || out.Draft) {
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Reminders", Value: fmt.Sprintf("Every %d days", env.RemindEveryDays)})
	}
	if !env.CompletedAt.IsZero() {
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Completed", Value: day(env.CompletedAt)})
	}
	if env.Reason != "" {
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Reason", Value: env.Reason})
	}
	if env.Message != "" {
		out.Summary = append(out.Summary, web.SummaryRow{Key: "Message to recipients", Value: env.Message})
	}
	if env.TemplateID != "" {
		// The version it was made from, which later edits leave as it was.
		made := web.SummaryRow{Key: "Made from", Value: fmt.Sprintf("A template since deleted (version %d)", env.TemplateVersion)}
		if t, err := p.ss.TemplateVersion(r.Context(), sub, env.TemplateID, env.TemplateVersion); err == nil {
			made.Value = fmt.Sprintf("The template “%s”, version %d", t.Name, t.Version)
			made.Href, made.ActionText = "/envelope-templates/"+url.PathEscape(t.ID)+"/versions/"+strconv.Itoa(t.Version), "See that version"
		}
		out.Summary = append(out.Summary, made)
	}
	out.Summary = append(out.Summary, web.SummaryRow{Key: "Document fingerprint (SHA-256)", Value: env.OriginalSHA256})
	names := map[string]string{}
	for _, rc := range env.Recipients {
		names[rc.ID] = rc.Name
		for len(out.Steps) < rc.Step {
			out.Steps = append(out.Steps, nil)
		}
		out.Steps[rc.Step-1] = append(out.Steps[rc.Step-1], recipientRow{Recipient: rc, RoleName: roleNames[rc.Role], StatusName: recipientStatus(env, rc),
			Acted: day(rc.ActedAt), Current: env.Status == signing.EnvelopeSent && rc.Step == env.CurrentStep})
	}
	for _, fl := range env.Fields {
		out.Fields = append(out.Fields, fieldRow{Field: fl, KindName: kindNames[fl.Kind], Who: names[fl.RecipientID]})
	}
	for _, ev := range evs {
		out.Events = append(out.Events, eventRow{Event: ev, When: day(ev.At), Who: ev.ActorName, What: eventName(ev.Action), Said: eventDetail(ev.Detail)})
	}
	if out.Draft {
		if err := signing.ReadyToSend(env); err != nil {
			for _, f := range platform.AsError(err).Fields {
				out.Lacks = append(out.Lacks, f.Message)
			}
		}
	}
	return out, nil
}

// recipientStatus says where a recipient stands. Nobody waits for a
// turn on a draft, which has not been sent, nor on an envelope that
// ended (voided, declined, expired) before their turn came.
func recipientStatus(env signing.Envelope, rc signing.Recipient) string {
	if rc.Status == signing.RecipientWaiting {
		switch env.Status {
		case signing.EnvelopeDraft:
			return "Not sent yet"
		case signing.EnvelopeVoided, signing.EnvelopeDeclined, signing.EnvelopeExpired:
			return "Never asked"
		}
	}
	return recipientStatusNames[rc.Status]
}

func (p *envelopesPart) view(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	pg, err := p.viewPage(r, sub, r.PathValue("id"), web.NewForm(nil))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/envelope", pg)
}

func (p *envelopesPart) send(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	env, err := p.ss.Send(r.Context(), sub, id)
	if c := platform.CodeOf(err); c == platform.CodeInvalid || c == platform.CodeConflict {
		pg, perr := p.viewPage(r, sub, id, web.FormErrors(r, err))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelope", pg)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Sent: "+env.Title+" is out for signing")
	http.Redirect(w, r, "/envelopes/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (p *envelopesPart) void(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	_, err = p.ss.Void(r.Context(), sub, id, r.FormValue("reason"))
	if c := platform.CodeOf(err); c == platform.CodeInvalid || c == platform.CodeConflict {
		pg, perr := p.viewPage(r, sub, id, web.FormErrors(r, err))
		if perr != nil {
			return perr
		}
		return web.Render(w, r, http.StatusUnprocessableEntity, "signing/envelope", pg)
	}
	if err != nil {
		return err
	}
	web.SetFlash(w, r, "Voided: its recipients can no longer sign it")
	http.Redirect(w, r, "/envelopes/"+url.PathEscape(id), http.StatusSeeOther)
	return nil
}

func (p *envelopesPart) discard(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	if !web.Confirmed(r) {
		env, err := p.draft(r, sub)
		if err != nil {
			return err
		}
		base := "/envelopes/" + url.PathEscape(env.ID)
		return web.RenderConfirm(w, r, web.Confirm{Caption: env.Title, Title: "Discard the draft?",
			Warning: "The draft, its document, recipients and fields are deleted. Nobody has been sent it.", Action: base + "/discard", Button: "Yes, discard the draft", Back: base})
	}
	if err := p.ss.Discard(r.Context(), sub, r.PathValue("id")); err != nil {
		return err
	}
	web.SetFlash(w, r, "Draft discarded")
	http.Redirect(w, r, "/envelopes", http.StatusSeeOther)
	return nil
}
