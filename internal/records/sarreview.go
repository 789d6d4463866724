package records

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/access"
	"dbtp/internal/platform"
	"dbtp/internal/records/pdfs"
	"dbtp/internal/store"
)

// maxReason bounds the reason given for a decision.
const maxReason = 2000

// DecideSARItem records the officer's decision on one item: include it in
// the bundle, or exclude it, which needs a reason (about someone else, an
// exemption, a duplicate). Including an item needs content a bundle can
// hold. Each decision is audited with its reason.
func (s *Store) DecideSARItem(ctx context.Context, sub *platform.Subject, caseID, itemID, decision, reason string) (*SARItem, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case decision != DecisionInclude && decision != DecisionExclude:
		return nil, platform.Invalid("Choose whether to include the item", platform.FieldError{Field: "decision", Message: "Choose include or exclude"})
	case decision == DecisionExclude && reason == "":
		return nil, platform.Invalid("Say why the item is left out", platform.FieldError{Field: "reason",
			Message: "Say why this is left out: for example, it is about someone else, or an exemption applies"})
	case utf8.RuneCountInString(reason) > maxReason || strings.ContainsFunc(reason, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		return nil, platform.Invalid("Check the reason", platform.FieldError{Field: "reason", Message: fmt.Sprintf("Keep the reason under %d characters", maxReason)})
	}
	r, it, err := s.openItem(ctx, sub, caseID, itemID)
	if err != nil {
		return nil, err
	}
	if decision == DecisionInclude {
		if _, err := s.bundleForm(ctx, it); err != nil {
			return nil, err
		}
	}
	now := s.now()
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.stillOpen(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE records_sar_items SET decision = ?, reason = ?, decided_by = ?, decided_at = ? WHERE id = ?`,
			decision, reason, declarer(sub), store.Millis(now), it.ID); err != nil {
			return err
		}
		detail := fmt.Sprintf("%s %s %q (%s)", decision, it.Kind, it.Title, it.RefLabel)
		if reason != "" {
			detail += ": " + reason
		}
		return s.sarEntry(tx, sub, "records.sar_"+decision, r, detail)
	})
	if err != nil {
		return nil, err
	}
	it.Decision, it.Reason, it.DecidedBy, it.DecidedAt = decision, reason, declarer(sub), now
	return it, nil
}

// openItem loads a request that is still open and one of its items, for
// sub to change.
func (s *Store) openItem(ctx context.Context, sub *platform.Subject, caseID, itemID string) (*SAR, *SARItem, error) {
	r, err := s.sarFor(ctx, sub, caseID, access.Update)
	if err != nil {
		return nil, nil, err
	}
	if r.Released() {
		return nil, nil, released(r)
	}
	it, err := s.sarItem(ctx, sub, r, itemID)
	if err != nil {
		return nil, nil, err
	}
	return r, it, nil
}

func released(r *SAR) error {
	return platform.Errorf(platform.CodeConflict, "This request was answered on %s: its items cannot change", r.ReleasedAt.Format("2 January 2006"))
}

// stillOpen re-reads the request inside a write, so no change lands after
// the release.
func (s *Store) stillOpen(ctx context.Context, tx *store.Tx, r *SAR) error {
	now, err := s.loadSAR(ctx, tx.QueryRow, r.OrgID, r.CaseID)
	if err != nil {
		return err
	}
	if now.Released() {
		return released(now)
	}
	return nil
}

// RedactSARItem makes the redacted copy of an item: its content with the
// boxes burned in (pdfs.Redact, pdfs.RedactImage), kept as content of its
// own. The original (the record's version, the case as set out) is never
// changed. No boxes removes the copy, and the item goes out as it is. The
// boxes and the copy's SHA-256 are audited.
func (s *Store) RedactSARItem(ctx context.Context, sub *platform.Subject, caseID, itemID string, boxes []pdfs.Box) (*SARItem, error) {
	r, it, err := s.openItem(ctx, sub, caseID, itemID)
	if err != nil {
		return nil, err
	}
	if len(boxes) > 500 {
		return nil, platform.Invalid("Use at most 500 redactions on one item")
	}
	blobID, size := "", int64(0)
	if len(boxes) > 0 {
		form, err := s.bundleForm(ctx, it)
		if err != nil {
			return nil, err
		}
		var red []byte
		if form.mediaType == "application/pdf" {
			red, err = pdfs.Redact(ctx, form.content, boxes, pdfs.Options{})
		} else {
			red, err = pdfs.RedactImage(ctx, form.content, boxes)
		}
		if err != nil {
			return nil, err
		}
		if blobID, size, err = s.put(ctx, bytes.NewReader(red)); err != nil {
			return nil, err
		}
	}
	body, _ := json.Marshal(boxes)
	if boxes == nil {
		body = []byte("[]")
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.stillOpen(ctx, tx, r); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE records_sar_items SET boxes = ?, redacted_blob = ?, redacted_size = ? WHERE id = ?`, string(body), blobID, size, it.ID); err != nil {
			return err
		}
		detail := fmt.Sprintf("redactions removed from %s %q (%s)", it.Kind, it.Title, it.RefLabel)
		if len(boxes) > 0 {
			detail = fmt.Sprintf("%d %s on %s %q (%s) %s; the copy's sha256 %s, the original's %s", len(boxes), plural(len(boxes), "redaction"),
				it.Kind, it.Title, it.RefLabel, pagesOf(boxes), blobID, it.ContentBlob)
		}
		return s.sarEntry(tx, sub, "records.sar_redact", r, detail)
	})
	if err != nil {
		return nil, err
	}
	it.Boxes, it.RedactedBlob, it.RedactedSize = boxes, blobID, size
	return it, nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// pagesOf says which pages boxes are on: "on pages 1, 3".
func pagesOf(boxes []pdfs.Box) string {
	var pages []string
	seen := map[int]bool{}
	for _, b := range boxes {
		if !seen[b.Page] {
			seen[b.Page] = true
			pages = append(pages, fmt.Sprint(b.Page))
		}
	}
	return "on " + plural(len(pages), "page") + " " + strings.Join(pages, ", ")
}

// form is an item's content as a bundle holds it: a PDF, or a PNG or
// JPEG picture.
type form struct {
	content   []byte
	mediaType string
	converted string // how it was made, when not the content itself
}

// maxItemBytes bounds the content read into memory for one item.
const maxItemBytes = 200 << 20

// bundleForm reads an item's content and turns it into what a bundle can
// hold: PDFs and pictures as they are, text files and documents with
// extracted text set out as PDF. Other content is refused with what to do.
func (s *Store) bundleForm(ctx context.Context, it *SARItem) (form, error) {
	mt, _, _ := mime.ParseMediaType(it.MediaType)
	mt = strings.ToLower(mt)
	if it.ContentSize > maxItemBytes {
		return form{}, platform.Invalid(fmt.Sprintf("%q is larger than %s: split it before it can go in a bundle", it.Title, humanBytes(maxItemBytes)))
	}
	read := func() ([]byte, error) {
		rc, _, err := s.opts.Files.Open(ctx, it.ContentBlob)
		if err != nil {
			return nil, err
		}
		defer rc.Close()
		return io.ReadAll(io.LimitReader(rc, maxItemBytes+1))
	}
	switch {
	case mt == "application/pdf", mt == "image/png", mt == "image/jpeg":
		b, err := read()
		return form{content: b, mediaType: mt}, err
	case strings.HasPrefix(mt, "text/"):
		b, err := read()
		if err != nil {
			return form{}, err
		}
		pdf, err := pdfs.TextPDF(it.Title, it.Source, strings.ToValidUTF8(string(b), "\uFFFD"))
		return form{content: pdf, mediaType: "application/pdf", converted: "set out from the text file"}, err
	}
	if it.Kind == ItemRecord {
		var body string
		err := s.db.QueryRow(ctx, `SELECT body FROM records_text WHERE document_id = ?`, it.RefID).Scan(&body)
		if err == nil && strings.TrimSpace(body) != "" {
			pdf, err := pdfs.TextPDF(it.Title, it.Source+" · the text read from the document", body)
			return form{content: pdf, mediaType: "application/pdf", converted: "the text read from the document"}, err
		}
		if err != nil && !store.IsNoRows(err) {
			return form{}, err
		}
	}
	return form{}, platform.Invalid(fmt.Sprintf("%q is a %s file, which cannot go in a bundle as it is and has no text read from it: save it as PDF, file that about the person, and include it instead", it.Title, orUnknown(mt)),
		platform.FieldError{Field: "decision", Message: "Save it as PDF and file the PDF, or exclude it with a reason"})
}

func orUnknown(mt string) string {
	if mt == "" {
		return "an unknown kind of"
	}
	return mt
}

// SARItemContent returns what an item will look like in the bundle (its
// redacted copy when redacted is true and there is one) for the officer
// to see, with its media type. Reading it is audited as reading a
// record's content is.
func (s *Store) SARItemContent(ctx context.Context, sub *platform.Subject, caseID, itemID string, redacted bool) ([]byte, string, error) {
	r, err := s.sarFor(ctx, sub, caseID, access.Read)
	if err != nil {
		return nil, "", err
	}
	it, err := s.sarItem(ctx, sub, r, itemID)
	if err != nil {
		return nil, "", err
	}
	var f form
	if redacted && it.Redacted() {
		rc, _, err := s.opts.Files.Open(ctx, it.RedactedBlob)
		if err != nil {
			return nil, "", err
		}
		b, err := io.ReadAll(io.LimitReader(rc, maxItemBytes+1))
		rc.Close()
		if err != nil {
			return nil, "", err
		}
		f = form{content: b, mediaType: "application/pdf"}
	} else if f, err = s.bundleForm(ctx, it); err != nil {
		return nil, "", err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		which := "original"
		if redacted && it.Redacted() {
			which = "redacted copy"
		}
		return s.sarEntry(tx, sub, "records.sar_read", r, fmt.Sprintf("read the %s of %s %q (%s)", which, it.Kind, it.Title, it.RefLabel))
	})
	if err != nil {
		return nil, "", err
	}
	return f.content, f.mediaType, nil
}
