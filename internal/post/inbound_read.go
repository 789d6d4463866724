package post

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/post/inbound"
	"dbtp/internal/store"
)

func jobsEnqueued(it InboundItem) jobs.Enqueued {
	return jobs.Enqueued{Kind: JobInboundRead, OrgID: it.OrgID, Args: map[string]string{"id": it.ID}, Key: it.ID}
}

// Register puts the reading job on q.
func (in *Inbound) Register(q *jobs.Queue) error {
	return q.Handle(JobInboundRead, jobs.Kind{Label: "Read scanned post and route it", MaxAttempts: 5, Handler: func(ctx context.Context, j jobs.Job) error {
		var args struct{ ID string }
		if err := j.Decode(&args); err != nil {
			return err
		}
		err := in.Read(ctx, j.OrgID, args.ID)
		if platform.CodeOf(err) == platform.CodeNotFound {
			return jobs.Permanent(err)
		}
		return err
	}})
}

// TriageDamaged is the triage reason of a scan that is not a readable
// PDF; its page shows no preview.
const TriageDamaged = "The scan is damaged or is not a PDF"

// Read reads an item with OCR, keeps the text and what it found, and
// routes it: to its case when the text names exactly one case the
// platform can find, otherwise to the triage queue. Without tesseract,
// or with a scan it cannot render, the item goes to triage with a note
// saying why. Running it again does no harm: an item already read is
// not read again, and one already routed is left alone.
func (in *Inbound) Read(ctx context.Context, orgID, id string) error {
	it, err := in.load(ctx, orgID, id)
	if err != nil {
		return err
	}
	if it.OCRText == "" && it.OCRNote == "" {
		// Never read (a person may have routed it meanwhile: it is read
		// all the same, so its text is there to search and show).
		if _, err = in.readText(ctx, it); err != nil {
			return err
		}
		if it, err = in.load(ctx, orgID, id); err != nil {
			return err
		}
	}
	if it.Status != InboundTriage || it.OCRText == "" {
		return nil // filed, or not read (readText said why it waits)
	}
	if in.cases() == nil {
		return in.waitInTriage(ctx, it, "Cases cannot be looked up on this server (the services module is not running)")
	}
	f := it.Findings
	switch {
	case f.Empty():
		return in.waitInTriage(ctx, it, "No case reference, name or postcode was found in the letter")
	case len(f.References) == 0:
		return in.waitInTriage(ctx, it, "No case reference was found in the letter, only a name or postcode: find the case by search")
	}
	sys := platform.System(orgID)
	sys.Name = "Digital post"
	var found []CaseRef
	for _, ref := range f.References {
		c, err := in.cases().FindCase(ctx, sys, ref)
		if platform.CodeOf(err) == platform.CodeNotFound {
			continue
		}
		if err != nil {
			return err
		}
		found = append(found, c)
	}
	switch len(found) {
	case 0:
		if len(f.References) == 1 {
			return in.waitInTriage(ctx, it, fmt.Sprintf("The reference it quotes, %s, matches no case", f.References[0]))
		}
		return in.waitInTriage(ctx, it, fmt.Sprintf("The references it quotes, %s, match no case", andList(f.References)))
	case 1:
		_, err = in.route(ctx, sys, it, found[0], "auto")
		return err
	}
	refs := make([]string, len(found))
	for i, c := range found {
		refs[i] = c.Reference
	}
	count := map[int]string{2: "Two", 3: "Three"}[len(found)]
	if count == "" {
		count = fmt.Sprint(len(found))
	}
	return in.waitInTriage(ctx, it, fmt.Sprintf("%s cases match: %s", count, andList(refs)))
}

// waitInTriage keeps why an item waits in triage, for the people who
// route it by hand. An item routed meanwhile is left alone.
func (in *Inbound) waitInTriage(ctx context.Context, it InboundItem, reason string) error {
	if it.TriageReason == reason {
		return nil
	}
	return in.s.db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE post_inbound SET triage_reason = ?, updated_at = ? WHERE id = ? AND status = ?",
			reason, store.Millis(in.s.now()), it.ID, InboundTriage)
		return err
	})
}

// andList is "a", "a and b", "a, b and c".
func andList(xs []string) string {
	if len(xs) == 1 {
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// readText runs OCR on the original and stores the result, moving the
// item to triage.
func (in *Inbound) readText(ctx context.Context, it InboundItem) (InboundItem, error) {
	if in.s.opts.Files == nil {
		return it, platform.Internal(errors.New("post: no file store"))
	}
	rc, _, err := in.s.opts.Files.Open(ctx, it.BlobID)
	if err != nil {
		return it, err
	}
	content, err := io.ReadAll(io.LimitReader(rc, in.opts.MaxBytes+1))
	rc.Close()
	if err != nil {
		return it, err
	}
	text, rerr := in.opts.Reader.Read(ctx, content, it.MediaType)
	switch {
	case rerr == nil:
		it.OCRText, it.OCRNote = text, ""
		if it.OCRText == "" {
			it.OCRNote = "No text was found in the scan: read it and route it by hand."
			it.TriageReason = "No text was found in the scan"
		}
	case errors.Is(rerr, inbound.ErrNoTesseract):
		it.OCRNote, it.TriageReason = rerr.Error(), "OCR not available: tesseract is not installed on this server, so the letter was not read"
	case errors.Is(rerr, inbound.ErrNoPdftoppm):
		it.OCRNote, it.TriageReason = rerr.Error(), "OCR not available: pdftoppm is not installed on this server, so the PDF was not read"
	case ctx.Err() != nil:
		return it, ctx.Err() // shutting down: read it next time
	case errors.Is(rerr, inbound.ErrDamagedPDF):
		it.OCRNote = "The scan could not be read or shown: the file is damaged or is not a PDF. Open it to check; if it does not open, ask the sender for it again. (" + rerr.Error() + ")"
		it.TriageReason = TriageDamaged
	default:
		it.OCRNote = "The scan could not be read (" + rerr.Error() + "): read it and route it by hand."
		it.TriageReason = "The scan could not be read by OCR"
	}
	it.Findings = inbound.Find(it.OCRText)
	findings, _ := json.Marshal(it.Findings)
	now := in.s.now()
	if it.Status == InboundReading {
		it.Status = InboundTriage
	}
	it.UpdatedAt = now
	err = in.s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE post_inbound SET status = CASE WHEN status = ? THEN ? ELSE status END, ocr_text = ?, ocr_note = ?, findings = ?,
			triage_reason = CASE WHEN status <> ? THEN ? ELSE triage_reason END, updated_at = ?
			WHERE id = ? AND ocr_text = '' AND ocr_note = ''`,
			InboundReading, InboundTriage, it.OCRText, it.OCRNote, string(findings), InboundRouted, it.TriageReason, store.Millis(now), it.ID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // read meanwhile by another run
		}
		e := audit.For(platform.System(it.OrgID), "post.inbound_read", "post_inbound", it.ID, audit.Success)
		e.Detail = fmt.Sprintf("%d characters read; references %v", len(it.OCRText), it.Findings.References)
		if it.OCRNote != "" {
			e.Detail = it.OCRNote
		}
		return in.s.audit.Record(tx, e)
	})
	return it, err
}

// ReadAgain queues an item that could not be read (tesseract was missing,
// or the scan would not render) to be read again, say once tesseract is
// installed. An item already read is left as it is.
func (in *Inbound) ReadAgain(ctx context.Context, sub *platform.Subject, id string) (InboundItem, error) {
	if err := in.s.access.Check(ctx, sub, access.Create, inboundResource(sub.OrgID, id)); err != nil {
		return InboundItem{}, err
	}
	it, err := in.load(ctx, sub.OrgID, id)
	if err != nil {
		return it, err
	}
	if it.OCRText != "" || it.OCRNote == "" {
		return it, platform.Errorf(platform.CodeConflict, "This scan has been read already, or is being read")
	}
	now := in.s.now()
	err = in.s.db.Write(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, "UPDATE post_inbound SET ocr_note = '', updated_at = ? WHERE id = ? AND ocr_text = ''", store.Millis(now), it.ID); err != nil {
			return err
		}
		if in.s.opts.Jobs != nil {
			e := jobsEnqueued(it)
			e.Key = fmt.Sprintf("%s:%d", it.ID, now.UnixMilli()) // the first reading's job is done: a new one
			if _, err := in.s.opts.Jobs.Enqueue(ctx, tx, e); err != nil {
				return err
			}
		}
		e := audit.For(sub, "post.inbound_read_again", "post_inbound", it.ID, audit.Success)
		e.Detail = it.Name
		return in.s.audit.Record(tx, e)
	})
	if err != nil {
		return it, orNil(err)
	}
	it.OCRNote, it.UpdatedAt = "", now
	return it, nil
}
