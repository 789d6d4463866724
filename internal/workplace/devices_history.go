package workplace

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/audit"
	"dbtp/internal/platform"
)

// A device's history is what the audit log holds about it: added,
// changed, assigned, unassigned, retired, by whom and when. The log is
// the one record of those changes, so the history is read from it rather
// than kept twice.

// DeviceEvent is one change to a device.
type DeviceEvent struct {
	At     time.Time
	What   string // in words: "Assigned to Jo Baker"
	By     string
	Failed bool
}

// auditLister is the part of *audit.Log the history reads.
type auditLister interface {
	List(ctx context.Context, f audit.Filter) (audit.Page, error)
}

// DeviceHistory lists the changes to a device, newest first, to whoever
// may see the device. A recorder that cannot list (none in a real wiring)
// gives no history.
func (a *Assets) DeviceHistory(ctx context.Context, sub *platform.Subject, id string) ([]DeviceEvent, error) {
	if _, err := a.Device(ctx, sub, id); err != nil {
		return nil, err
	}
	log, ok := a.audit.(auditLister)
	if !ok {
		return nil, nil
	}
	var out []DeviceEvent
	f := audit.Filter{OrgID: sub.OrgID, ResourceType: "workplace_device", ResourceID: id, Limit: audit.MaxLimit}
	for {
		p, err := log.List(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, e := range p.Entries {
			out = append(out, DeviceEvent{At: e.At, What: deviceEventWords(e), By: e.ActorName, Failed: e.Outcome != audit.Success})
		}
		if p.Next == "" {
			return out, nil
		}
		f.Cursor = p.Next
	}
}

// deviceEventWords says an entry's action; its detail is "SERIAL" or
// "SERIAL to PERSON" (see changeDevice).
func deviceEventWords(e audit.Entry) string {
	_, person, assigned := strings.Cut(e.Detail, " to ")
	switch strings.TrimPrefix(e.Action, "workplace.device_") {
	case "create":
		return "Added to the inventory"
	case "assign":
		return "Assigned to " + person
	case "unassign":
		return "Unassigned"
	case "retire":
		return "Retired"
	case "update":
		if assigned {
			return "Details changed; assigned to " + person
		}
		return "Details changed; assigned to nobody"
	}
	return e.Action
}
