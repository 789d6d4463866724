package signingweb

import (
	"context"
	"fmt"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/signing"
)

// The demo's envelopes: a standard supply contract template; a supplier
// contract made from it, waiting for the supplier's signature (then the
// council's); and the key decision record 21/00097 (the Kent County
// Council Technology Strategy 2020-2023), signed by the Cabinet Member
// (Peter Oakford, a demo person) and sealed by the council.

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

const demoDecision = `From: Rebecca Spore, Director of Infrastructure
To: Peter Oakford, Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services
Key decision: it affects more than 2 Electoral Divisions, and involves expenditure or savings of a maximum of £1m.
Classification: Unrestricted. Electoral Division: All.
Past pathway: Policy and Resources Cabinet Committee, 6 November 2020, which endorsed the draft strategy.

# Summary
The previous Kent County Council Technology Strategy 2016-2020 came to an end and a new Draft Technology Strategy 2020-2023 was prepared. COVID-19 changed the Council's working practices, with most staff now using the Council's systems remotely, and parts of the strategy were accelerated. The strategy supports a fully integrated and interoperable Digital Business Technology Platform across all corporate business units, with four themes: a modern ICT infrastructure; streamlined processes and an agile digital service model; exploiting information for insight; and governance, risk management, security and compliance.

# Decision
I, the Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services, approve the adoption of the Kent County Council Technology Strategy 2020-2023, and its publication on an interim basis, whilst the Council reviews the Technology Strategy, considering the COVID-19 pandemic.

# Reason
The Council's technology infrastructure is essential to delivering its services; the strategy's themes and ambitions remain relevant, and adopting it on a working basis lets the activity plan 2020-2023 proceed.

Signed by the Cabinet Member.`

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
	dana, err := env.Person(ctx, org, "democratic@kent.example")
	if err != nil {
		return err
	}
	cabinet, err := env.Person(ctx, org, "cabinet@kent.example")
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

	pdf, err := signing.RenderPDF("Record of Decision 21/00097: The Kent County Council Technology Strategy 2020-2023", demoDecision)
	if err != nil {
		return err
	}
	dec, err := p.ss.Compose(ctx, dana, p.dir, signing.Composed{
		NewEnvelope: signing.NewEnvelope{Title: "Record of Decision 21/00097", PDF: pdf,
			Message: "The record of your decision on the Technology Strategy 2020-2023, for your signature."},
		Recipients: []signing.RecipientInput{{Step: 1, Role: signing.RoleSigner, UserID: cabinet.UserID},
			{Step: 2, Role: signing.RoleCopy, UserID: dana.UserID}},
		Fields: []signing.ComposedField{{Recipient: 0, FieldInput: signing.FieldInput{Kind: signing.FieldSignature, Position: "bottom of the last page"}},
			{Recipient: 0, FieldInput: signing.FieldInput{Kind: signing.FieldDate, Page: signing.LastPage, X: 300, Y: 56}}},
		Send: true,
	})
	if err != nil {
		return fmt.Errorf("signing demo: decision: %w", err)
	}
	// The Cabinet Member signs (signed in, typed); the seal follows on the
	// jobs queue with the demo's key and time-stamping authority.
	err = p.ss.Sign(ctx, signing.Actor{Subject: cabinet, EnvelopeID: dec.ID, Addr: "127.0.0.1"},
		signing.Signature{Consent: true, Kind: "typed", Typed: cabinet.Name})
	if err != nil {
		return fmt.Errorf("signing demo: the Cabinet Member's signature: %w", err)
	}
	return nil
}
