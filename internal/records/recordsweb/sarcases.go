package recordsweb

import (
	"context"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
)

// SARCases is the digital services engine as the subject access workspace
// needs it: the requests (cases of the subject-access-request service),
// the cases about a person, and the release of the bundle with the
// request's move to released. Every call is made as the officer, so the
// services module's access rules decide what they see and may do. cmd/dbtp
// adapts the services module to it.
type SARCases interface {
	// SARRequests lists the requests sub may read, open ones first,
	// without their answers (Person is empty; Summary names them).
	SARRequests(ctx context.Context, sub *platform.Subject) ([]SARRequest, error)
	// SARRequest returns one request as sub may read it; any other case
	// is not found.
	SARRequest(ctx context.Context, sub *platform.Subject, caseID string) (SARRequest, error)
	// CasesAbout finds the cases sub may read about the person, with what
	// they hold, leaving out the request itself.
	CasesAbout(ctx context.Context, sub *platform.Subject, p records.SARPerson, requestID string) ([]CaseContent, error)
	// Release gives the bundle (already in the file store) to the
	// requester as the request's response, with its move to released, in
	// one change; version is the request's version the officer saw.
	Release(ctx context.Context, sub *platform.Subject, caseID string, version int64, f ReleaseFile) error
}

// SARRequest is a subject access request case as the workspace shows it.
type SARRequest struct {
	ID, Reference string
	Href          string // the case in the services console
	State, Status string // the state's ID and label
	Open          bool   // not yet released or refused
	CanRelease    bool   // sub may make the release move now
	UnitID        string
	Version       int64
	Received      time.Time
	DueAt         time.Time // zero once closed
	AtRiskAt      time.Time
	Extended      bool   // the deadline was extended (complex request)
	Summary       string // who it is about, as queues show it
	Person        records.SARPerson
	Address       string
	Wants         string // what the person asked for
	Retention     string // the service's retention class
	Released      *ReleaseFile
}

// ReleaseFile is a released bundle as the request keeps it.
type ReleaseFile struct {
	AttachmentID string // chosen before the release, so the record can name it
	Name         string
	BlobID       string
	Size         int64
}

// CaseContent is a case found about the person, with what it holds.
type CaseContent struct {
	ID, Reference, Service, Status, Why string
	UnitID                              string
	Classification                      platform.Classification
	ApplicantID                         string
	Submitted                           time.Time
	Answers                             []pdfs.CaseAnswer
	Messages                            []pdfs.CaseMessage
}

// Clock says where a request stands against its deadline, in words.
func (r SARRequest) Clock(now time.Time) (text, tag string) {
	switch {
	case !r.Open || r.DueAt.IsZero():
		return "Closed", "govuk-tag--grey"
	case now.After(r.DueAt):
		return "Overdue since " + r.DueAt.Format("2 January 2006"), "govuk-tag--red"
	case !now.Before(r.AtRiskAt):
		return "Due " + r.DueAt.Format("2 January 2006") + ": at risk", "govuk-tag--orange"
	}
	return "Due " + r.DueAt.Format("2 January 2006"), "govuk-tag--green"
}
