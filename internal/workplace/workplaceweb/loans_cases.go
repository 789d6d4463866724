package workplaceweb

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"dbtp/internal/events"
	"dbtp/internal/platform"
	"dbtp/internal/workplace"
)

// The built-in equipment collection service (services' equipment-collection
// definition) reserves and releases items through events: the loans
// follow each request's case events, read the request through
// EquipmentRequests (the services engine, adapted in cmd/dbtp), and bring
// the request's loans into line with its state. Working from the case's
// current state, not the event's, makes a redelivered or late event
// harmless.

// EquipmentService is the ID of the built-in equipment collection service.
const EquipmentService = "equipment-collection"

// EquipmentRequests is the digital services engine as the loans need it.
type EquipmentRequests interface {
	// EquipmentRequest reads one request (a case of EquipmentService),
	// or a not-found error.
	EquipmentRequest(ctx context.Context, orgID, caseID string) (EquipmentRequest, error)
}

// EquipmentRequest is a request for equipment as the loans need it.
type EquipmentRequest struct {
	CaseID      string
	Reference   string
	ApplicantID string
	State       string   // the service's workflow state
	Items       []string // what is asked for: laptop, monitor, headset... (the service's item values)
	// Day is when it is to be collected (YYYY-MM-DD): the collection
	// date stores booked, or else the date the person asked for.
	Day             string
	ReturnCondition string // good | damaged | incomplete, once returned
}

// The service's states, as its definition names them.
var (
	requestOpen      = []string{"requested", "preparing", "ready_for_collection"}
	requestCollected = "collected"
	requestReturned  = "returned"
)

// requestLoanDays is how long a loan made for a request lasts: the
// service asks when to collect, not when to return, so a request's loan
// is a standard four weeks, after which the overdue reminders start.
const requestLoanDays = 28

func (p *assetsPart) subscribe(m *Module) error {
	if p.requests == nil || m.d.Events == nil {
		return nil
	}
	return m.d.Events.SubscribeWhen("workplace.equipment_requests", []string{"case.submitted", "case.transitioned"}, isEquipmentRequest,
		func(ctx context.Context, e events.Event) error {
			if ok, _ := isEquipmentRequest(ctx, e); !ok {
				return nil // queued before this subscriber asked first
			}
			return p.FollowRequest(ctx, e.OrgID, e.Subject)
		})
}

// isEquipmentRequest: only the equipment service's cases are followed,
// so every other case's events are not even delivered here.
func isEquipmentRequest(_ context.Context, e events.Event) (bool, error) {
	var data struct {
		Service string `json:"service"`
	}
	return json.Unmarshal(e.Data, &data) == nil && data.Service == EquipmentService, nil
}

// FollowRequest brings a request's loans into line with its state: an
// open request has an item of each kind asked for reserved from its
// collection day (when one is free: otherwise stores lend by hand); a
// collected one has them collected; a returned one has them returned with
// the condition stores recorded; a declined or cancelled one has its
// reservations released. It is idempotent.
func (p *assetsPart) FollowRequest(ctx context.Context, orgID, caseID string) error {
	req, err := p.requests.EquipmentRequest(ctx, orgID, caseID)
	if platform.CodeOf(err) == platform.CodeNotFound {
		return nil
	}
	if err != nil {
		return err
	}
	loans, err := p.a.LoansForCase(ctx, orgID, caseID)
	if err != nil {
		return err
	}
	sys := platform.System(orgID)
	sys.Name = "Equipment collection " + req.Reference
	log := p.m.d.Log.With("case", req.Reference)
	active := map[string]workplace.Loan{}
	for _, l := range loans {
		if l.Active() {
			active[l.CaseItem] = l
		}
	}
	switch {
	case slices.Contains(requestOpen, req.State) || req.State == requestCollected:
		for _, item := range req.Items {
			l, ok := active[item]
			if ok && l.Status == workplace.LoanReserved && req.Day != "" && l.From != req.Day && req.State != requestCollected {
				// Stores booked another collection day: move the reservation.
				if _, err := p.a.Cancel(ctx, sys, l.ID); err != nil {
					return err
				}
				ok = false
			}
			if !ok && req.Day != "" {
				if l, err = p.reserveFor(ctx, sys, req, item); err != nil {
					if skip(err) {
						log.Info("no equipment reserved for the request", "item", item, "reason", err.Error())
						continue
					}
					return err
				}
			}
			if req.State == requestCollected && l.Status == workplace.LoanReserved {
				if _, err := p.a.Collect(ctx, sys, l.ID, "Collected through request "+req.Reference); err != nil {
					if skip(err) {
						log.Info("loan not marked collected", "loan", l.ID, "reason", err.Error())
						continue
					}
					return err
				}
			}
		}
	case req.State == requestReturned:
		for _, l := range active {
			if l.Status == workplace.LoanReserved {
				if _, err := p.a.Cancel(ctx, sys, l.ID); err != nil && !skip(err) {
					return err
				}
				continue
			}
			note := "Returned through request " + req.Reference
			if req.ReturnCondition != "" {
				note += ": " + req.ReturnCondition
			}
			damaged := req.ReturnCondition == "damaged" || req.ReturnCondition == "incomplete"
			if _, err := p.a.Return(ctx, sys, l.ID, note, damaged); err != nil && !skip(err) {
				return err
			}
		}
	default: // declined, cancelled or any other end: release what was not collected
		for _, l := range active {
			if l.Status == workplace.LoanReserved {
				if _, err := p.a.Cancel(ctx, sys, l.ID); err != nil && !skip(err) {
					return err
				}
			}
		}
	}
	return nil
}

// reserveFor reserves an item of the kind asked for from the request's
// day, lent by the service on stores' behalf.
func (p *assetsPart) reserveFor(ctx context.Context, sys *platform.Subject, req EquipmentRequest, item string) (workplace.Loan, error) {
	from, err := time.ParseInLocation(time.DateOnly, req.Day, p.m.ws.Location())
	if err != nil {
		return workplace.Loan{}, platform.Invalid("The request's collection day is not a date")
	}
	if today := p.a.Today(); req.Day < today {
		from, _ = time.ParseInLocation(time.DateOnly, today, p.m.ws.Location())
	}
	return p.a.Reserve(ctx, sys, workplace.LoanInput{Category: item, PersonID: req.ApplicantID, From: from.Format(time.DateOnly),
		To: from.AddDate(0, 0, requestLoanDays-1).Format(time.DateOnly), Purpose: "Request " + req.Reference,
		CaseID: req.CaseID, CaseRef: req.Reference, CaseItem: item})
}

// skip reports a refusal that retrying cannot cure (nothing free, a
// state already moved on, an applicant who is not staff): logged, not
// retried.
func skip(err error) bool {
	c := platform.CodeOf(err)
	return c == platform.CodeConflict || c == platform.CodeInvalid || c == platform.CodeNotFound || c == platform.CodeForbidden
}
