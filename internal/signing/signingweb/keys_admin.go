package signingweb

import (
	"io"
	"net/http"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/signing"
	"dbtp/internal/signing/ca"
	"dbtp/internal/web"
)

// The administrators' pages for the council's signing keys: the list
// (the active key first), importing the council's own PKCS#12, creating
// the demo's internal certificate authority, activating and revoking.

type keysPage struct {
	*web.Form
	Keys []keyView
}

type keyView struct {
	signing.Key
	StatusText string
	Usable     bool // may become the active key
	Rows       []web.SummaryRow
}

func (p *keysPart) keysView(r *http.Request, f *web.Form) (keysPage, error) {
	ks, err := p.m.ss.Keys(r.Context(), web.SubjectOf(r))
	if err != nil {
		return keysPage{}, err
	}
	now := p.m.d.Clock.Now()
	pg := keysPage{Form: f}
	for _, k := range ks {
		st := k.Status(now)
		v := keyView{Key: k, StatusText: st, Usable: st == "ready"}
		src := "Imported (the council's own certificate)"
		if k.Source == signing.KeyInternalCA {
			src = "Demo certificate authority (not trusted outside this site)"
		}
		v.Rows = []web.SummaryRow{
			{Key: "Status", Value: st},
			{Key: "Certificate", Value: k.Subject},
			{Key: "Issued by", Value: k.Issuer},
			{Key: "Valid", Value: k.NotBefore.Format("2 January 2006") + " to " + k.NotAfter.Format("2 January 2006")},
			{Key: "Serial number", Value: k.Serial},
			{Key: "Source", Value: src},
			{Key: "Added", Value: k.CreatedAt.Format("2 January 2006 15:04") + " by " + k.CreatedBy},
		}
		if !k.RevokedAt.IsZero() {
			v.Rows = append(v.Rows, web.SummaryRow{Key: "Revoked", Value: k.RevokedAt.Format("2 January 2006 15:04") + ": " + k.RevokedReason})
		}
		pg.Keys = append(pg.Keys, v)
	}
	return pg, nil
}

func (p *keysPart) keysPage(w http.ResponseWriter, r *http.Request) error {
	pg, err := p.keysView(r, web.NewForm(nil))
	if err != nil {
		return err
	}
	return web.Render(w, r, http.StatusOK, "signing/keys", pg)
}

// again shows the page with the error of a refused form.
func (p *keysPart) again(w http.ResponseWriter, r *http.Request, err error) error {
	if c := platform.CodeOf(err); c != platform.CodeInvalid && c != platform.CodeConflict && c != platform.CodeTooLarge {
		return err
	}
	pg, verr := p.keysView(r, web.FormErrors(r, err))
	if verr != nil {
		return verr
	}
	return web.Render(w, r, web.StatusOf(err), "signing/keys", pg)
}

func (p *keysPart) importKey(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	in := signing.NewKey{Name: trimmed(r, "name"), Password: r.PostFormValue("password"), Activate: r.PostFormValue("activate") == "yes"}
	if f, _, ferr := r.FormFile("file"); ferr == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, ca.MaxPKCS12Size+1))
		if err != nil {
			return platform.Invalid("The file could not be read: choose it again")
		}
		in.PKCS12 = b
	}
	k, err := p.m.ss.ImportKey(r.Context(), sub, in)
	if err != nil {
		return p.again(w, r, err)
	}
	msg := "Imported " + k.Subject
	if k.Active {
		msg += ": it seals the council's documents from now"
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, "/signing-keys", http.StatusSeeOther)
	return nil
}

func (p *keysPart) createDemoCA(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	org, err := p.m.d.Directory.Org(r.Context(), platform.System(sub.OrgID), sub.OrgID)
	if err != nil {
		return err
	}
	k, err := p.m.ss.CreateDemoCA(r.Context(), sub, org.Name)
	if err != nil {
		return p.again(w, r, err)
	}
	msg := "Created the certificate " + k.Subject + " from the demo certificate authority"
	if k.Active {
		msg += ": it seals the council's documents from now"
	}
	web.SetFlash(w, r, msg)
	http.Redirect(w, r, "/signing-keys", http.StatusSeeOther)
	return nil
}

func (p *keysPart) activate(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	k, err := p.m.ss.ActivateKey(r.Context(), sub, r.PathValue("id"))
	if err != nil {
		return p.again(w, r, err)
	}
	web.SetFlash(w, r, k.Subject+" seals the council's documents from now")
	http.Redirect(w, r, "/signing-keys", http.StatusSeeOther)
	return nil
}

func (p *keysPart) revoke(w http.ResponseWriter, r *http.Request) error {
	sub, err := staff(r)
	if err != nil {
		return err
	}
	k, err := p.m.ss.RevokeKey(r.Context(), sub, r.PathValue("id"), trimmed(r, "reason"))
	if err != nil {
		return p.again(w, r, err)
	}
	web.SetFlash(w, r, "Revoked "+k.Subject+" on "+k.RevokedAt.Format(time.DateOnly))
	http.Redirect(w, r, "/signing-keys", http.StatusSeeOther)
	return nil
}

// ActivateOptions is the import form's one checkbox.
func (keysPage) ActivateOptions() []web.Option {
	return []web.Option{{Value: "yes", Text: "Make it the active key", Hint: "The council's first key is always made active"}}
}
