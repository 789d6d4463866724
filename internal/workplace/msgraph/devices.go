package msgraph

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// ManagedDevice is an Intune-managed device as Graph's managedDevice
// resource describes it, with the properties the device inventory keeps.
type ManagedDevice struct {
	ID                string `json:"id"`
	DeviceName        string `json:"deviceName"`
	UserPrincipalName string `json:"userPrincipalName"`
	Model             string `json:"model"`
	Manufacturer      string `json:"manufacturer"`
	SerialNumber      string `json:"serialNumber"`
	OperatingSystem   string `json:"operatingSystem"`
	OSVersion         string `json:"osVersion"`
	IsEncrypted       bool   `json:"isEncrypted"`
	// ComplianceState is unknown, compliant, noncompliant, conflict,
	// error, inGracePeriod or configManager.
	ComplianceState string `json:"complianceState"`
	// LastSyncDateTime is the device's last check-in with Intune; Graph
	// sends 0001-01-01T00:00:00Z for never, which reads as the zero time.
	LastSyncDateTime time.Time `json:"lastSyncDateTime"`
	// ManagedDeviceOwnerType is company, personal or unknown.
	ManagedDeviceOwnerType string `json:"managedDeviceOwnerType"`
}

// deviceFields is the $select list: only what ManagedDevice keeps, which
// also keeps each page small.
var deviceFields = []string{"id", "deviceName", "userPrincipalName", "model", "manufacturer", "serialNumber",
	"operatingSystem", "osVersion", "isEncrypted", "complianceState", "lastSyncDateTime", "managedDeviceOwnerType"}

// maxPages bounds the paging loop (Graph pages devices by 1,000 at most
// by default; 1,000 pages is far beyond any council's estate).
const maxPages = 1000

type devicePage struct {
	Value    []ManagedDevice `json:"value"`
	NextLink string          `json:"@odata.nextLink"`
}

// ManagedDevices lists every device Intune manages:
// GET /deviceManagement/managedDevices, following @odata.nextLink until
// the last page. It needs the DeviceManagementManagedDevices.Read.All
// application permission.
func (c *Client) ManagedDevices(ctx context.Context) ([]ManagedDevice, error) {
	next := c.cfg.BaseURL + "/deviceManagement/managedDevices?$select=" + strings.Join(deviceFields, ",")
	var all []ManagedDevice
	seen := map[string]bool{}
	for page := 0; next != ""; page++ {
		if page == maxPages || seen[next] {
			return nil, unavailable(fmt.Errorf("graph: managed devices: paging did not end after %d pages", page))
		}
		seen[next] = true
		// The token goes only to Graph: a next link elsewhere is refused.
		if err := c.sameOrigin(next); err != nil {
			return nil, err
		}
		var p devicePage
		if err := c.call(ctx, "GET", next, nil, &p, "managed devices"); err != nil {
			return nil, err
		}
		all = append(all, p.Value...)
		next = p.NextLink
	}
	return all, nil
}

func (c *Client) sameOrigin(raw string) error {
	u, err := url.Parse(raw)
	base, _ := url.Parse(c.cfg.BaseURL)
	if err != nil || u.Scheme != base.Scheme || u.Host != base.Host {
		return unavailable(fmt.Errorf("graph: a next link %q is not on %s", raw, base.Host))
	}
	return nil
}
