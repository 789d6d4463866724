// Package gazetteerweb is the gazetteer module: the council's address list
// (package gazetteer), its CLI verbs and its demo addresses. It has no
// pages of its own: other modules find addresses through the methods
// below, which they reach through an interface they declare themselves
// (the services module's portal.Addresses), wired in cmd/dbtp.
package gazetteerweb

import (
	"context"
	"time"

	"dbtp/internal/gazetteer"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Module is the gazetteer module. Its zero value is ready to be listed.
type Module struct {
	module.Base
	g *gazetteer.Gazetteer
}

var _ module.Module = (*Module)(nil)

func (*Module) Name() string { return "gazetteer" }

func (*Module) Migrations() []store.Migrations { return []store.Migrations{gazetteer.Migrations} }

func (m *Module) Init(_ context.Context, d *module.Deps) error {
	m.g = newGazetteer(d)
	return nil
}

func newGazetteer(d *module.Deps) *gazetteer.Gazetteer {
	var now func() time.Time
	if d.Clock != nil {
		now = d.Clock.Now
	}
	return gazetteer.New(d.DB, now)
}

// Demo loads the made-up Kent addresses (UPRNs beginning 99000), unless
// the council has already loaded its own gazetteer: demo rows are never
// mixed into a real one.
func (m *Module) Demo(ctx context.Context, _ *module.DemoEnv) error {
	if m.g == nil {
		return nil
	}
	if ok, err := m.g.Loaded(ctx); err != nil || ok {
		return err
	}
	_, err := m.g.LoadDemo(ctx)
	return err
}

// The methods below are what consumers see. Their address type is an
// unnamed struct, so a consumer declares the same shape in its own
// interface and needs no import of this module.

// AddressesLoaded reports whether any address is loaded; with none, forms
// ask for addresses by hand.
func (m *Module) AddressesLoaded(ctx context.Context) (bool, error) {
	if m.g == nil {
		return false, nil
	}
	return m.g.Loaded(ctx)
}

// AddressesByPostcode lists a postcode's addresses in house-number order;
// none is not an error. A postcode of the wrong shape is platform.Invalid.
func (m *Module) AddressesByPostcode(ctx context.Context, postcode string) ([]struct{ UPRN, Line1, Line2, Town, Postcode string }, error) {
	if m.g == nil {
		return nil, platform.NotFound("gazetteer")
	}
	return m.g.ByPostcode(ctx, postcode)
}

// AddressByUPRN returns one address, or a platform.NotFound error.
func (m *Module) AddressByUPRN(ctx context.Context, uprn string) (struct{ UPRN, Line1, Line2, Town, Postcode string }, error) {
	if m.g == nil {
		return gazetteer.Address{}, platform.NotFound("address")
	}
	return m.g.ByUPRN(ctx, uprn)
}
