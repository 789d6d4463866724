package workplaceweb

import (
	"context"

	"dbtp/internal/workplace"
	"dbtp/internal/workplace/msgraph"
)

// graphDevices is Microsoft Graph's Intune as the device inventory reads
// it: the client's managed devices mapped to the engine's shape.
type graphDevices struct{ c *msgraph.Client }

func (g graphDevices) ManagedDevices(ctx context.Context) ([]workplace.ManagedDevice, error) {
	list, err := g.c.ManagedDevices(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]workplace.ManagedDevice, 0, len(list))
	for _, d := range list {
		out = append(out, workplace.ManagedDevice{ID: d.ID, DeviceName: d.DeviceName, UserPrincipalName: d.UserPrincipalName, Model: d.Model,
			Manufacturer: d.Manufacturer, SerialNumber: d.SerialNumber, OperatingSystem: d.OperatingSystem, OSVersion: d.OSVersion,
			IsEncrypted: d.IsEncrypted, ComplianceState: d.ComplianceState, LastSyncDateTime: d.LastSyncDateTime, OwnerType: d.ManagedDeviceOwnerType})
	}
	return out, nil
}

// intuneFromEnv sets up the Intune import from the DBTP_WORKPLACE_GRAPH_*
// settings (the tenant, client ID and secret; the organizer the calendar
// needs is not), unless the composition root gave one.
func (p *assetsPart) intuneFromEnv() error {
	getenv := p.m.d.Config.Getenv
	if p.intune != nil || getenv == nil {
		return nil
	}
	cfg, on, err := msgraph.ConfigFromEnv(getenv)
	if err != nil || !on {
		return err
	}
	c, err := msgraph.New(cfg)
	if err != nil {
		return err
	}
	p.intune = graphDevices{c}
	p.m.d.Log.Info("Intune device import on", "graph", cfg.BaseURL)
	return nil
}
