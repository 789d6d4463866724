package main

import (
	"context"

	"dbtp/internal/platform"
	"dbtp/internal/records/recordsweb"
	"dbtp/internal/services/servicesweb"
)

// caseFiles adapts the services engine to what the records module asks of
// it (recordsweb.CaseFiles): modules never import each other, so the
// composition root translates. The engine is looked up at each call, as
// it is built during the modules' Init.
type caseFiles struct{ svc *servicesweb.Module }

func (c caseFiles) CaseFiles(ctx context.Context, orgID, caseID string) (recordsweb.CaseFileSet, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return recordsweb.CaseFileSet{}, platform.NotFound("the services engine")
	}
	rf, err := eng.RecordFiles(ctx, orgID, caseID)
	if err != nil {
		return recordsweb.CaseFileSet{}, err
	}
	out := recordsweb.CaseFileSet{Reference: rf.Case.Reference, Retention: rf.Retention, UnitID: rf.Case.UnitID,
		Classification: rf.Case.Classification, ClosedAt: rf.Case.ClosedAt}
	for _, f := range rf.Files {
		out.Files = append(out.Files, recordsweb.CaseFile{ID: f.ID, Name: f.Name, MediaType: f.MediaType, BlobID: f.BlobID, Size: f.Size})
	}
	return out, nil
}

func (c caseFiles) FileInUse(ctx context.Context, blobID string) (bool, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return true, nil // cannot tell: keep it
	}
	return eng.FileInUse(ctx, blobID)
}

// caseFileRecords lists the records a case's files are kept as, by file
// ID, for the case page's links: only records sub may read (the records
// store applies the access rule), so a caseworker without the records of
// another unit sees no link rather than a refusal. One statement, however
// many documents the case has.
func caseFileRecords(recs *recordsweb.Module) func(ctx context.Context, sub *platform.Subject, caseID string) (map[string]string, error) {
	return func(ctx context.Context, sub *platform.Subject, caseID string) (map[string]string, error) {
		rs := recs.Store()
		if rs == nil {
			return nil, nil
		}
		kept, err := rs.KeptFromCase(ctx, sub, caseID)
		if err != nil {
			return nil, err
		}
		for ref, id := range kept {
			kept[ref] = "/records/" + id
		}
		return kept, nil
	}
}
