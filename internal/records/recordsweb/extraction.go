package recordsweb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/extract"
	"dbtp/internal/store"
)

// Text is read from each new version in the background, by a job queued
// in the version's own write: filing never waits for it and never fails
// because of it. The outcome is shown on the document (read, could not be
// read and why, nothing to read) and the search index follows.

const extractJob = "records.extract"

type extractArgs struct {
	DocumentID string `json:"document_id"`
	Version    int    `json:"version"`
}

// queueExtraction is the engine's Extracted hook: one job per version.
func queueExtraction(q *jobs.Queue) func(ctx context.Context, tx *store.Tx, orgID, documentID string) error {
	return func(ctx context.Context, tx *store.Tx, orgID, documentID string) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT versions FROM records_documents WHERE id = ?`, documentID).Scan(&n); err != nil {
			return err
		}
		_, err := q.Enqueue(ctx, tx, jobs.Enqueued{Kind: extractJob, OrgID: orgID, Args: extractArgs{documentID, n},
			Key: fmt.Sprintf("%s@%d", documentID, n)})
		return err
	}
}

func (m *Module) registerExtraction(d *module.Deps) error {
	return d.Jobs.Handle(extractJob, jobs.Kind{Label: "Read a document's text for search", Handler: func(ctx context.Context, j jobs.Job) error {
		var a extractArgs
		if err := j.Decode(&a); err != nil {
			return jobs.Permanent(err)
		}
		err := m.ExtractText(ctx, j.OrgID, a.DocumentID, a.Version)
		if platform.CodeOf(err) == platform.CodeNotFound {
			return nil // deleted or disposed of meanwhile
		}
		return err
	}})
}

// ExtractText reads the text of a document's version and stores it, or
// the reason it could not be read. A version superseded meanwhile is
// skipped: its successor has its own job.
func (m *Module) ExtractText(ctx context.Context, orgID, documentID string, version int) error {
	sys := platform.System(orgID)
	vs, err := m.rs.Versions(ctx, sys, documentID)
	if err != nil {
		return err
	}
	if len(vs) == 0 || vs[0].Number != version {
		return nil
	}
	v := vs[0]
	if strings.HasPrefix(v.MediaType, "image/") {
		return m.rs.NoText(ctx, documentID)
	}
	rc, _, err := m.d.Blob.Open(ctx, v.BlobID)
	if err != nil {
		m.d.Log.Error("records: content could not be opened for reading its text", "document", documentID, "version", version, "err", err)
		return m.rs.TextFailed(ctx, documentID, "The stored content could not be read back: the records manager has been told")
	}
	defer rc.Close()
	res, err := extract.Text(ctx, v.Name, v.MediaType, rc, v.Size, extract.Options{MaxText: records.MaxTextBytes})
	switch {
	case err == nil:
		return m.d.DB.Write(ctx, func(tx *store.Tx) error { return m.rs.SetText(ctx, tx, orgID, documentID, res.Text) })
	case errors.Is(err, extract.ErrUnsupported):
		return m.rs.NoText(ctx, documentID)
	case ctx.Err() != nil:
		return err // stopping: try again later
	case platform.CodeOf(err) == platform.CodeInternal:
		// The content failed its integrity check while being read, or
		// a tool is missing: never shown as the document's fault.
		m.d.Log.Error("records: text extraction failed", "document", documentID, "version", version, "err", err)
		return m.rs.TextFailed(ctx, documentID, "The text could not be read because of a problem on our side: the records manager has been told")
	default:
		return m.rs.TextFailed(ctx, documentID, platform.AsError(err).Message)
	}
}
