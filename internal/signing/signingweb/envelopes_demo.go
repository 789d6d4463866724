package signingweb

import (
	"context"
	"fmt"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// The demo's envelopes: a standard supply contract template, and a
// supplier contract made from it, waiting for the supplier's signature
// (then the council's). The Record of Decision 21/00097 is the
// key-decisions service's own envelope (its sign action), which
// cmd/dbtp's demo signs as the Cabinet Member once every module's demo
// data is in.

const demoContractTemplate = `# The parties
Kent County Council (the council) and ((supplier)) of ((supplier address)) (the supplier).

# What is supplied
The supplier shall supply ((goods)) to the council's depot at Sessions House, Maidstone, within ((delivery days)) days of this contract being signed.

# Price and payment
The price is £((price)), exclusive of VAT. The council shall pay within thirty days of a valid invoice.

# Term
This contract runs from the date of the last signature until ((end date)), unless ended earlier under its terms.

# Signatures
Signed for the supplier, and for the council, by electronic signature, each sealed with the council's certificate.`

// seed adds the demo's envelopes, once.
func (p *envelopesPart) seed(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	if ts, err := p.ss.Templates(ctx, sys); err != nil || len(ts) > 0 {
		return err // already there
	}
	jo, err := env.Person(ctx, org, "staff@kent.example")
	if err != nil {
		return err
	}
	priya, err := env.Person(ctx, org, "manager@kent.example")
	if err != nil {
		return err
	}
	tpl, err := p.ss.CreateTemplate(ctx, jo, signing.TemplateInput{Name: "Supply contract", Body: demoContractTemplate})
	if err != nil {
		return fmt.Errorf("signing demo: template: %w", err)
	}
	// The supplier signs first, then the council's manager.
	_, err = p.ss.Compose(ctx, jo, p.dir, signing.Composed{
		NewEnvelope: signing.NewEnvelope{Title: "Supply contract CT-2026-017: laptops for the Total Refresh Programme", RemindEveryDays: 3,
			Message: "Please sign the supply contract we agreed. Our Head of Strategy signs it for the council after you."},
		TemplateID: tpl.ID, Values: map[string]string{"supplier": "Weald Computing Ltd", "supplier address": "4 Mill Lane, Ashford TN24 8AA",
			"goods": "1,000 laptops with docking stations", "delivery days": "60", "price": "642,000", "end date": "31 March 2027"},
		Recipients: []signing.RecipientInput{{Step: 1, Role: signing.RoleSigner, Name: "Sam Carter", Email: "sam.carter@weald-computing.example", CodeBy: signing.CodeBySMS, Phone: "07700 900456"},
			{Step: 2, Role: signing.RoleSigner, UserID: priya.UserID}},
		Fields: []signing.ComposedField{{Recipient: 0, FieldInput: signing.FieldInput{Kind: signing.FieldSignature, Position: "bottom of the last page"}},
			{Recipient: 0, FieldInput: signing.FieldInput{Kind: signing.FieldDate, Page: signing.LastPage, X: 56, Y: 120}},
			{Recipient: 1, FieldInput: signing.FieldInput{Kind: signing.FieldSignature, Position: "bottom right of the last page"}}},
		Send: true,
	})
	if err != nil {
		return fmt.Errorf("signing demo: contract: %w", err)
	}
	return nil
}
