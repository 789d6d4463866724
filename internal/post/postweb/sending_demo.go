package postweb

import (
	"context"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
	"dbtp/internal/post/notify"
)

// demo gives each of the council's sending services (the templates part
// makes them and their templates first) a test API key and one message
// from each of its first templates, to a made-up resident, so the keys
// and messages pages have something to show. Test keys deliver nothing.
// Running it again adds nothing: each message has a client key.
func (p *sendingPart) demo(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	svs, err := m.ps.Services(ctx, sys)
	if err != nil {
		return err
	}
	for _, sv := range svs {
		if sv.Archived {
			continue
		}
		keys, err := m.ps.APIKeys(ctx, sys, sv.ID)
		if err != nil {
			return err
		}
		var key post.APIKey
		for _, k := range keys {
			if k.Type == post.KeyTest && k.RevokedAt.IsZero() {
				key = k
			}
		}
		if key.ID == "" {
			if key, _, err = m.ps.CreateAPIKey(ctx, sys, sv.ID, "Demonstration (test)", post.KeyTest); err != nil {
				return err
			}
		}
		ts, err := m.ps.TemplatesForService(ctx, sv.ID, "")
		if err != nil {
			return err
		}
		for i, t := range ts {
			if i == 3 {
				break
			}
			in := post.SendInput{TemplateID: t.ID, ClientKey: "demo-" + t.ID, Reference: "demo", Personalisation: map[string]any{}}
			for _, name := range notify.Placeholders(t.Subject, t.Body) {
				in.Personalisation[name] = "example " + name
			}
			switch t.Kind {
			case post.KindEmail:
				in.To = "rita.resident@example.org"
			case post.KindSMS:
				in.To = "07700 900123"
			case post.KindLetter:
				in.Address = []string{"Rita Resident", "1 High Street", "Maidstone", "ME14 1XQ"}
			}
			// Sent with the test key, so delivery pretends.
			in.Kind = t.Kind
			if _, err := m.ps.SendWithKey(ctx, key, in); err != nil {
				return err
			}
		}
	}
	return nil
}
