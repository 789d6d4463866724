package recordsweb

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/extract"
)

// An email (.eml) is filed whole, as the record of what was sent, and
// each of its attachments is filed beside it as a document of its own,
// with the email's class, unit, marking, people and case, so it can be
// found, previewed and disposed of like any other. An attachment's record
// names its email; filing again adds nothing (each is keyed by the
// email's record and its place in the message).

// fileEmailParts files the attachments of an email just filed as d, and
// returns how many it filed. A message that cannot be read is filed whole
// all the same; its text status says why.
func (h *handlers) fileEmailParts(ctx context.Context, sub *platform.Subject, d *records.Document) (int, error) {
	rc, v, err := h.rs.Open(ctx, sub, d.ID, 1)
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	if v.MediaType != "message/rfc822" {
		return 0, nil
	}
	msg, err := extract.ParseEmail(rc, extract.DefaultMaxEmail)
	if err != nil {
		return 0, nil // the email itself is filed; its unreadable parts are not
	}
	filed := 0
	for i, a := range msg.Attachments {
		title := strings.TrimSuffix(a.Name, path.Ext(a.Name))
		if msg.Subject != "" {
			title += " (attachment to: " + msg.Subject + ")"
		}
		_, err := h.rs.Create(ctx, sub, records.NewDocument{
			Metadata: records.Metadata{ClassID: d.ClassID, Title: title, UnitID: d.UnitID, Classification: d.Classification,
				Subjects: d.Subjects, CaseID: d.CaseID, CaseRef: d.CaseRef, Tags: append(append([]string{}, d.Tags...), "email attachment")},
			Name: a.Name, MediaType: a.MediaType, Content: bytes.NewReader(a.Content), Source: records.SourceEmail,
			SourceRef: fmt.Sprintf("%s#%d", d.ID, i+1), Declare: d.Declared(), Note: "Attached to the email filed as " + d.ID,
		})
		if platform.CodeOf(err) == platform.CodeConflict {
			continue
		}
		if err != nil {
			return filed, err
		}
		filed++
	}
	return filed, nil
}
