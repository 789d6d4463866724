package postweb

import (
	"context"
	"fmt"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/post"
)

// The demo's sending services, one for each unit that runs a built-in
// service, and templates for what those services tell people (the
// notify steps of internal/services' built-in definitions). The sending
// part adds API keys to these services, finding them by name.

type demoTemplate struct {
	kind, name, subject, body string
	statutory                 bool
}

type demoService struct {
	name, unit, replyTo, smsSender, letterContact string
	templates                                     []demoTemplate
}

const kentAddress = "Kent County Council\nSessions House\nCounty Road\nMaidstone\nME14 1XQ"

// DemoServices are the demo's sending services by name: the sending part
// looks them up to give them API keys.
var DemoServices = []string{"Kent County Council", "Adult social care", "Equipment and stores", "Information governance"}

var demoServices = []demoService{
	{DemoServices[0], "Customer Services", "contact@kent.example", "KentCC", kentAddress, []demoTemplate{
		{post.KindEmail, "Complaint received", "We have your complaint ((reference))",
			"# We have your complaint\n\nDear ((name)),\n\nThank you for telling us what went wrong. Your reference is ((reference)).\n\n" +
				"We will:\n\n* look into what happened\n* reply within 10 working days, by ((due date))\n\n" +
				"^ If you are not happy with our reply, you can ask us to look again (stage 2), then go to the Local Government and Social Care Ombudsman.\n\n" +
				"You can see your complaint at any time at ((case link)).\n\nCustomer Services\nKent County Council", true},
		{post.KindSMS, "Complaint received (text)", "",
			"Kent County Council: we have your complaint ((reference)) and will reply by ((due date)).((callback?? We will phone you first to talk it through.))", true},
		{post.KindLetter, "Complaint response", "Our response to your complaint ((reference))",
			"Dear ((name)),\n\nThank you for your complaint, which we received on ((received date)).\n\n## What we found\n\n((findings))\n\n" +
				"## What we will do\n\n((actions))\n\n---\n\nIf you are not satisfied, write to us within 28 days quoting ((reference)) and we will look at it again (stage 2).\n\n" +
				"Yours sincerely\n\n((officer))\nCustomer Services", true},
		{post.KindEmail, "Your request has been updated", "((service)): update on ((reference))",
			"Dear ((name)),\n\n((message))\n\nSee your request at ((case link)).\n\nKent County Council", true},
		{post.KindEmail, "Residents' newsletter", "What's on in Kent this ((month))",
			"Dear ((name)),\n\n((news))\n\nYou are receiving this because you asked for news from the council.", false},
	}},
	{DemoServices[1], "Adults", "adult.social.care@kent.example", "KentASC", "Adult Social Care\n" + kentAddress, []demoTemplate{
		{post.KindEmail, "Referral received", "Referral ((reference)) received",
			"Dear ((name)),\n\nWe have the referral for ((person referred)) (reference ((reference))).\n\nWhat happens next:\n\n1. A social worker reads it within 2 working days\n" +
				"2. They contact you to arrange an assessment\n\n^ If someone is in danger now, call 999.\n\nAdult Social Care", true},
		{post.KindSMS, "Assessment appointment", "",
			"Adult Social Care: ((worker)) will visit on ((date)) at ((time)) for the assessment ((reference)). To change it call 03000 41 61 61.", true},
		{post.KindLetter, "Assessment outcome", "The outcome of your care and support assessment",
			"Dear ((name)),\n\nReference: ((reference))\n\n((outcome))\n\n((support plan??Your support plan is enclosed.))\n\nYours sincerely\n\n((worker))\nAdult Social Care", true},
	}},
	{DemoServices[2], "Property", "stores@kent.example", "KentStores", "Stores\n" + kentAddress, []demoTemplate{
		{post.KindEmail, "Equipment request received", "Equipment request ((reference)) received",
			"Stores have your request ((reference)) and will reply within 2 working days.\n\nYou asked for:\n\n((items))", true},
		{post.KindEmail, "Equipment ready for collection", "Your equipment is ready: ((reference))",
			"Your equipment for ((reference)) is ready.\n\n* Where: ((collection point))\n* When: ((slot))\n\nBring your staff pass to your collection slot.", true},
		{post.KindSMS, "Equipment ready (text)", "", "Your equipment for ((reference)) is ready at ((collection point)). Bring your staff pass.", true},
	}},
	{DemoServices[3], "Information Governance", "information.governance@kent.example", "", "Information Governance\n" + kentAddress, []demoTemplate{
		{post.KindEmail, "Subject access request received", "Your request for your information ((reference))",
			"Dear ((name)),\n\nWe have your request for a copy of your personal information. We will answer by ((due date)), one calendar month from when we could confirm who you are.\n\n" +
				"^ Your reference is ((reference)). Please quote it if you contact us.\n\nInformation Governance", true},
		{post.KindLetter, "Subject access response", "Your personal information",
			"Dear ((name)),\n\nReference: ((reference))\n\nEnclosed is a copy of the personal information the council holds about you.\n\n" +
				"((withheld??Some information has been withheld; the enclosed schedule says what and why.))\n\n***\n\n# Your rights\n\n" +
				"* to have wrong information corrected\n* to complain to the Information Commissioner's Office: https://ico.org.uk\n\nInformation Governance", true},
	}},
}

// seed adds the demo's services and templates once: a service that is
// already there (by name) is left as it is.
func (p *templatesPart) seed(ctx context.Context, m *Module, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	have := map[string]bool{}
	rows, err := m.ps.DB().Query(ctx, `SELECT name FROM post_services WHERE org_id = ?`, org.ID)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return err
		}
		have[n] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, ds := range demoServices {
		if have[ds.name] {
			continue
		}
		unit, err := m.d.Directory.UnitID(ctx, org.ID, ds.unit)
		if err != nil {
			return fmt.Errorf("post demo: unit %s: %w", ds.unit, err)
		}
		sv, err := m.ps.CreateService(ctx, sys, post.ServiceInput{Name: ds.name, UnitID: unit, EmailReplyTo: ds.replyTo, SMSSender: ds.smsSender,
			LetterContact: ds.letterContact})
		if err != nil {
			return fmt.Errorf("post demo: service %s: %w", ds.name, err)
		}
		for _, dt := range ds.templates {
			st := dt.statutory
			if _, err := m.ps.CreateTemplate(ctx, sys, post.TemplateInput{ServiceID: sv.ID, Kind: dt.kind, Name: dt.name, Subject: dt.subject, Body: dt.body,
				Statutory: &st}); err != nil {
				return fmt.Errorf("post demo: template %s: %w", dt.name, err)
			}
		}
	}
	return nil
}
