package main

import (
	"context"
	"strings"

	"dbtp/internal/platform"
	"dbtp/internal/services/servicesweb"
	"dbtp/internal/workplace/workplaceweb"
)

// equipmentRequests adapts the services engine to what the workplace
// module's loans ask of it (workplaceweb.EquipmentRequests): a request of
// the built-in equipment collection service, read with the platform's own
// rights. The names below are that service's field IDs, which a council's
// own version of it must keep.
type equipmentRequests struct{ svc *servicesweb.Module }

func (c equipmentRequests) EquipmentRequest(ctx context.Context, orgID, caseID string) (workplaceweb.EquipmentRequest, error) {
	eng := c.svc.Engine()
	if eng == nil {
		return workplaceweb.EquipmentRequest{}, platform.NotFound("the services engine")
	}
	cs, err := eng.GetCase(ctx, platform.System(orgID), caseID)
	if err != nil {
		return workplaceweb.EquipmentRequest{}, err
	}
	if cs.ServiceID != workplaceweb.EquipmentService {
		return workplaceweb.EquipmentRequest{}, platform.NotFound("equipment request")
	}
	text := func(id string) string { s, _ := cs.Answers[id].(string); return strings.TrimSpace(s) }
	r := workplaceweb.EquipmentRequest{CaseID: cs.ID, Reference: cs.Reference, ApplicantID: cs.ApplicantID, State: cs.State,
		Day: text("collection_date"), ReturnCondition: text("return_condition")}
	if r.Day == "" {
		r.Day = text("preferred_date")
	}
	switch items := cs.Answers["items"].(type) {
	case []string:
		r.Items = items
	case []any:
		for _, it := range items {
			if s, ok := it.(string); ok {
				r.Items = append(r.Items, s)
			}
		}
	}
	return r, nil
}
