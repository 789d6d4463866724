package workplace

import (
	"context"
	"strings"
	"time"

	"dbtp/internal/platform"
)

// ManagedDevice is a device as Intune knows it: the fields of Microsoft
// Graph's managedDevice resource the inventory uses, with Graph's JSON
// names, so a Graph response decodes into it directly.
type ManagedDevice struct {
	ID                string    `json:"id"`
	DeviceName        string    `json:"deviceName"`
	UserPrincipalName string    `json:"userPrincipalName"`
	Model             string    `json:"model"`
	Manufacturer      string    `json:"manufacturer"`
	SerialNumber      string    `json:"serialNumber"`
	OperatingSystem   string    `json:"operatingSystem"`
	OSVersion         string    `json:"osVersion"`
	IsEncrypted       bool      `json:"isEncrypted"`
	ComplianceState   string    `json:"complianceState"`
	LastSyncDateTime  time.Time `json:"lastSyncDateTime"`
	OwnerType         string    `json:"managedDeviceOwnerType"` // company | personal | unknown
}

// ManagedDevices is Intune: the organisation's managed devices (Microsoft
// Graph's GET /deviceManagement/managedDevices, every page).
type ManagedDevices interface {
	ManagedDevices(ctx context.Context) ([]ManagedDevice, error)
}

// ImportIntune reads every managed device from Intune and adds or updates
// them: matched by Intune ID, then by serial number; the person by their
// user principal name against the directory's email addresses (a device
// whose user is not found is left unassigned and counted). Devices no
// longer in Intune are left as they are: the stale report shows them.
func (a *Assets) ImportIntune(ctx context.Context, sub *platform.Subject, src ManagedDevices) (ImportResult, error) {
	if !CanKeep(sub) {
		return ImportResult{}, platform.Errorf(platform.CodeForbidden, "Only workplace managers import devices")
	}
	if src == nil {
		return ImportResult{}, platform.Invalid("Intune is not set up", platform.FieldError{Field: "source", Message: "Intune is not set up on this platform"})
	}
	list, err := src.ManagedDevices(ctx)
	if err != nil {
		return ImportResult{}, platform.Errorf(platform.CodeConflict, "Intune did not answer, so nothing was imported: %v. Try again later", err)
	}
	lookup, err := a.staffByEmail(ctx, sub.OrgID)
	if err != nil {
		return ImportResult{}, err
	}
	var res ImportResult
	var rows []importRow
	seen := map[string]bool{}
	for _, md := range list {
		in := fromManaged(md)
		key := strings.ToLower(in.Serial)
		if md.ID == "" || in.Serial == "" || seen[key] || seen["id:"+md.ID] || len(in.check()) > 0 {
			res.Skipped++
			continue
		}
		seen[key], seen["id:"+md.ID] = true, true
		row := importRow{in: in, externalID: md.ID}
		if md.UserPrincipalName != "" {
			p, ok := lookup(md.UserPrincipalName)
			if !ok {
				res.Unmatched++
			}
			row.person = p
		}
		rows = append(rows, row)
	}
	if len(rows) == 0 {
		return res, nil
	}
	done, err := a.applyImport(ctx, sub, "intune", rows)
	done.Unmatched, done.Skipped = res.Unmatched, res.Skipped
	return done, err
}

// fromManaged maps Graph's values onto the inventory's.
func fromManaged(md ManagedDevice) DeviceInput {
	in := DeviceInput{Name: md.DeviceName, Manufacturer: md.Manufacturer, Model: md.Model, Serial: strings.TrimSpace(md.SerialNumber),
		OS: md.OperatingSystem, OSVersion: md.OSVersion, Encrypted: md.IsEncrypted}
	// Intune may report no serial for a personal phone: its Intune ID
	// stands in, so the device is still on the inventory once.
	if in.Serial == "" && md.ID != "" {
		in.Serial = "intune:" + md.ID
	}
	switch os := strings.ToLower(md.OperatingSystem); {
	case strings.HasPrefix(os, "windows") || strings.HasPrefix(os, "macos") || strings.HasPrefix(os, "mac os") || strings.Contains(os, "chrome"):
		in.Kind = "laptop"
	case strings.HasPrefix(os, "ipados"):
		in.Kind = "tablet"
	case strings.HasPrefix(os, "ios") || strings.HasPrefix(os, "android"):
		in.Kind = "mobile"
	default:
		in.Kind = "other"
	}
	switch strings.ToLower(md.ComplianceState) {
	case "compliant":
		in.Compliance = Compliant
	case "noncompliant":
		in.Compliance = Noncompliant
	case "ingraceperiod":
		in.Compliance = GracePeriod
	case "conflict":
		in.Compliance = Conflict
	case "error":
		in.Compliance = ComplyError
	default:
		in.Compliance = Unknown
	}
	switch strings.ToLower(md.OwnerType) {
	case "company":
		in.Ownership = "corporate"
	case "personal":
		in.Ownership = "personal"
	default:
		in.Ownership = "unknown"
	}
	// Graph says 0001-01-01T00:00:00Z for a device that never synced.
	if md.LastSyncDateTime.Year() > 1 {
		in.LastSeen = md.LastSyncDateTime.UTC()
	}
	return in
}
