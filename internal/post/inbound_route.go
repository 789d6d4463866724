package post

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"io"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
)

// Route files an item from the triage queue on the case with reference,
// as sub decides: sub must be able to find the case and to handle post.
// When the name or postcode read from the letter differ from the case's
// person, it is filed only once sub has confirmed (see MismatchError).
func (in *Inbound) Route(ctx context.Context, sub *platform.Subject, id, reference string, confirmed bool) (InboundItem, error) {
	reference = strings.ToUpper(strings.TrimSpace(reference))
	if reference == "" {
		return InboundItem{}, platform.Invalid("Enter the case reference", platform.FieldError{Field: "reference", Message: "Enter the case reference, like COMP-2026-000123"})
	}
	if err := in.s.access.Check(ctx, sub, access.Create, inboundResource(sub.OrgID, id)); err != nil {
		return InboundItem{}, err
	}
	it, err := in.load(ctx, sub.OrgID, id)
	if err != nil {
		return it, err
	}
	if it.Status == InboundRouted {
		return it, platform.Errorf(platform.CodeConflict, "This post is already filed on case %s", it.CaseRef)
	}
	c, err := in.findCase(ctx, sub, reference)
	if err != nil {
		return it, err
	}
	if !confirmed {
		if err := checkPerson(it, c); err != nil {
			return it, err
		}
	}
	return in.route(ctx, sub, it, c, "hand")
}

// findCase is the case with reference that sub can see, or a field error.
func (in *Inbound) findCase(ctx context.Context, sub *platform.Subject, reference string) (CaseRef, error) {
	if in.cases() == nil {
		return CaseRef{}, platform.Errorf(platform.CodeConflict, "Post cannot be filed on cases here: the services module is not running")
	}
	c, err := in.cases().FindCase(ctx, sub, reference)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return c, platform.Invalid("No case has that reference", platform.FieldError{Field: "reference", Message: "No case you can see has the reference " + reference})
	}
	return c, err
}

// SearchCases finds cases to route an item to by hand.
func (in *Inbound) SearchCases(ctx context.Context, sub *platform.Subject, text string, limit int) ([]CaseRef, error) {
	text = strings.TrimSpace(text)
	if in.cases() == nil || text == "" {
		return nil, nil
	}
	return in.cases().SearchCases(ctx, sub, text, limit)
}

// attachmentID is the attachment an item is filed as on its n-th filing
// (from 0): the first is its own ID under the attachment prefix; each
// later one (after a move) is new, derived from the item and n, so that
// filing again after a crash files nothing twice, and the records module,
// which keeps one record per attachment, keeps one on each case.
func attachmentID(itemID string, n int) string {
	if n == 0 {
		return "att_" + strings.TrimPrefix(itemID, "pin_")
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s#%d", itemID, n)))
	return "att_" + idEncoding.EncodeToString(h[:16])
}

// idEncoding is the platform's ID alphabet (platform.ValidID accepts it).
var idEncoding = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

// scanOf is an item's original, to file on a case.
func (in *Inbound) scanOf(ctx context.Context, it InboundItem) ([]byte, error) {
	rc, _, err := in.s.opts.Files.Open(ctx, it.BlobID)
	if err != nil {
		return nil, platform.AsError(err)
	}
	defer rc.Close()
	content, err := io.ReadAll(rc)
	if err != nil {
		return nil, platform.AsError(err)
	}
	return content, nil
}

// route files it on c, tells the caseworker and marks it routed. Filing
// comes first and is idempotent, so a crash between the two leaves the
// item in triage to be routed again, not filed twice.
func (in *Inbound) route(ctx context.Context, sub *platform.Subject, it InboundItem, c CaseRef, how string) (InboundItem, error) {
	content, err := in.scanOf(ctx, it)
	if err != nil {
		return it, err
	}
	by := "by its reference, read from the scan"
	if how == "hand" {
		by = "by " + sub.Name
	}
	att := attachmentID(it.ID, it.Filings)
	doc := CaseDocument{ID: att, Name: it.Name, MediaType: it.MediaType, Content: content,
		Note: fmt.Sprintf("Post received (%s, %s) and filed on this case %s.", it.Name, sourceWords(it), by)}
	if err := in.cases().FileOnCase(ctx, it.OrgID, c.ID, doc); err != nil {
		return it, err
	}
	now := in.s.now()
	err = in.s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE post_inbound SET status = ?, case_id = ?, case_ref = ?, unit_id = ?, routed_how = ?, routed_by = ?, routed_at = ?,
			attachment_id = ?, filings = filings + 1, triage_reason = '', updated_at = ? WHERE id = ? AND status <> ? AND filings = ?`,
			InboundRouted, c.ID, c.Reference, c.UnitID, how, sub.UserID, store.Millis(now), att, store.Millis(now), it.ID, InboundRouted, it.Filings)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return platform.Errorf(platform.CodeConflict, "This post was filed on a case meanwhile")
		}
		e := audit.For(sub, "post.inbound_route", "post_inbound", it.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s filed on %s (%s)", it.Name, c.Reference, how)
		return in.s.audit.Record(tx, e)
	})
	if err != nil {
		return it, platform.AsError(err)
	}
	it.Status, it.CaseID, it.CaseRef, it.UnitID, it.RoutedHow, it.RoutedBy, it.RoutedAt, it.UpdatedAt = InboundRouted, c.ID, c.Reference, c.UnitID, how, sub.UserID, now, now
	it.AttachmentID, it.Filings, it.TriageReason = att, it.Filings+1, ""
	// Telling comes last: the post is filed whether or not the message
	// goes, and the case's timeline shows it either way.
	if err := in.cases().TellCaseworker(ctx, it.OrgID, c.ID, "Post received for "+c.Reference,
		fmt.Sprintf("A letter (%s) has arrived for case %s and is filed on it. Open the case to read it.", it.Name, c.Reference)); err != nil {
		return it, err
	}
	return it, nil
}

func sourceWords(it InboundItem) string {
	switch it.Source {
	case SourceEmail, SourceIMAP:
		if it.Sender != "" {
			return "by email from " + it.Sender
		}
		return "by email"
	}
	return "scanned in the post room"
}

// ReceiveMail keeps the scans of an email received for orgID (on dbtp's
// SMTP port or from the IMAP mailbox), as the platform. Bad scans refuse
// the whole message (inbound.Reject), so the sender hears why.
func (in *Inbound) ReceiveMail(ctx context.Context, orgID, source string, m inbound.Mail) error {
	sys := platform.System(orgID)
	sys.Name = "Digital post (" + source + ")"
	d := Arrival{Source: source, SourceRef: m.MessageID, Sender: m.From}
	for _, s := range m.Scans {
		d.Files = append(d.Files, Upload{Name: s.Name, Content: s.Content})
	}
	_, _, err := in.Receive(ctx, sys, d)
	switch platform.CodeOf(err) {
	case platform.CodeInvalid, platform.CodeTooLarge:
		return inbound.Reject(err)
	}
	return err
}
