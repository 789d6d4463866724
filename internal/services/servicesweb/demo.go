package servicesweb

import (
	"context"
	"fmt"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
)

// Demo fills Kent's services with what the council's own papers
// describe: the activity plan 2020-2023 as technology roadmap projects,
// decision 21/00097 with its Policy and Resources Cabinet Committee meeting
// of 6 November 2020 and the Cabinet Member's decision sent for signature, a few risks the report names, complaints and equipment
// requests at different stages. It runs once, when the demo is first seeded.
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	people := map[string]*platform.Subject{}
	for _, email := range []string{"admin@kent.example", "staff@kent.example", "resident@kent.example", "caseworker@kent.example", "stores@kent.example",
		"democratic@kent.example", "cabinet@kent.example"} {
		if people[email], err = env.Person(ctx, org, email); err != nil {
			return fmt.Errorf("demo person %s: %w", email, err)
		}
	}
	admin, staff, resident := people["admin@kent.example"], people["staff@kent.example"], people["resident@kent.example"]
	caseworker, stores := people["caseworker@kent.example"], people["stores@kent.example"]
	d := &demoSeeder{ctx: ctx, svc: m.svc}

	for i, p := range roadmapProjects {
		// The activity plan runs from April 2020 to March 2023; projects
		// start a quarter apart and run 18 to 30 months within it (the
		// report gives the plan's span, not each project's dates).
		from := time.Date(2020, 4, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 3*(i%5), 0)
		to := from.AddDate(0, 18+6*(i%3), -1)
		if end := time.Date(2023, 3, 31, 0, 0, 0, 0, time.UTC); to.After(end) {
			to = end
		}
		c := d.submit(admin, "technology-roadmap", definition.Answers{
			"project_name": p.name, "theme": p.theme, "work_programme": p.programme, "description": p.description,
			"project_owner": admin.UserID, "funding_model": p.funding, "start_date": from.Format(time.DateOnly), "target_date": to.Format(time.DateOnly),
			"milestones": p.milestones,
		})
		c = d.move(admin, c, "start_project", definition.Answers{"rag_status": p.rag})
		if p.done {
			d.move(admin, c, "complete_project", definition.Answers{"completion_date": "2021-12-17"})
		}
	}

	dec := d.submit(admin, "key-decisions", definition.Answers{
		"decision_reference":    "21/00097",
		"decision_title":        "The Kent County Council Technology Strategy 2020-2023",
		"decision_maker":        "Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services",
		"responsible_director":  "Rebecca Spore, Director of Infrastructure",
		"is_key_decision":       "yes",
		"key_decision_tests":    []string{"divisions", "spend"},
		"electoral_divisions":   "All",
		"report_classification": "unrestricted",
		"summary": "The previous Technology Strategy 2016-2020 came to an end and a new Draft Technology Strategy 2020-2023 was prepared. " +
			"COVID-19 changed the Council's working practices, and parts of the strategy were accelerated. The paper seeks endorsement to adopt the draft strategy on a working basis.",
		"recommendations": "The Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services to approve the adoption of the Kent County Council " +
			"Technology Strategy 2020-2023, and its publication on an interim basis, whilst the Council reviews the Technology Strategy, considering the COVID-19 pandemic.",
		"cabinet_committee": "Policy and Resources Cabinet Committee",
	})
	dec = d.move(admin, dec, "refer_to_committee", nil)
	dec = d.move(admin, dec, "record_committee", definition.Answers{
		"committee_meeting_date": "2020-11-06",
		"committee_minutes": "Technology Strategy Update. Ms Spore introduced the report; Mr Cole presented the key trends, progress and the activity plan 2020-2023. " +
			"Members asked about connectivity for staff working at home, the Kent Public Sector Network, residents without suitable devices, IT security and the " +
			"Council's trading companies segregating their networks. RESOLVED that, taking account of the points raised, the draft Technology Strategy 2020-2023 be endorsed.",
	})
	// Democratic Services records the decision of 11 January 2021 and sends
	// its Record of Decision to the Cabinet Member, Peter Oakford, to sign
	// (the signing module's sign action; cmd/dbtp's demo signs it as him,
	// and the case is published once the council has sealed it).
	d.move(people["democratic@kent.example"], dec, "record_decision", definition.Answers{
		"outcome": "approved", "decision_date": "2021-01-11", "cabinet_member": people["cabinet@kent.example"].UserID,
		"decision_notes": "To adopt the Kent County Council Technology Strategy 2020-2023 and publish it on an interim basis, whilst the Council reviews it " +
			"in the light of the COVID-19 pandemic. The strategy's themes remain relevant and adopting it lets the activity plan 2020-2023 proceed. " +
			"The alternative, waiting for the review to finish, would have held back work the pandemic made urgent.",
	})

	for _, r := range demoRisks {
		d.submit(admin, "risk-register", definition.Answers{"risk_title": r.title, "description": r.description, "category": r.category,
			"likelihood": r.likelihood, "impact": r.impact, "risk_owner": admin.UserID, "controls": r.controls,
			"review_date": time.Now().AddDate(0, 3, 0).Format(time.DateOnly)})
	}

	complaint := func(details, area string) definition.Answers {
		return definition.Answers{"name": resident.Name, "email": "resident@kent.example", "service_area": area, "details": details,
			"complained_before": "no", "desired_outcome": "An apology and the problem put right."}
	}
	d.submit(resident, "complaints", complaint("The pothole outside 12 High Street, Maidstone, reported in March, is still not repaired.", "highways"))
	c := d.submit(resident, "complaints", complaint("My garden waste collection has been missed three times this month.", "waste"))
	d.move(caseworker, c, "acknowledge", nil)
	c = d.submit(resident, "complaints", complaint("The library's opening hours online did not match the sign on the door.", "libraries"))
	c = d.move(caseworker, c, "acknowledge", nil)
	c = d.move(caseworker, c, "send_stage1_response", definition.Answers{"outcome": "upheld",
		"stage1_response": "Thank you for telling us. We have corrected the opening hours on the website and apologise for the wasted journey."})
	d.move(caseworker, c, "resolve", definition.Answers{"outcome": "upheld"})

	// Chris Walker asks for his information; Information Governance has
	// checked who he is and is searching (the records module's demo runs
	// the search in its SAR workspace).
	rosa, err := env.Person(ctx, org, "records@kent.example")
	if err != nil {
		return fmt.Errorf("demo person records@kent.example: %w", err)
	}
	sar := d.submit(resident, "subject-access-request", definition.Answers{"name": resident.Name, "birth_date": "1984-06-12",
		"address": definition.Address{Line1: "12 High Street", Town: "Maidstone", Postcode: "ME14 1XX"}, "email": "resident@kent.example",
		"details": "Everything you hold about me, including my complaints and the adult social care assessment that mentions me."})
	d.move(rosa, sar, "confirm_identity", definition.Answers{"identity_check": "Signed in with a verified account; the date of birth matches our records."})

	kit := func(items []string, site string) definition.Answers {
		return definition.Answers{"items": items, "reason": "Working from home three days a week.", "collection_site": site,
			"preferred_date": time.Now().AddDate(0, 0, 10).Format(time.DateOnly), "line_manager": admin.UserID}
	}
	d.submit(staff, "equipment-collection", kit([]string{"headset"}, "invicta_house"))
	e := d.submit(staff, "equipment-collection", kit([]string{"laptop", "monitor", "docking_station"}, "sessions_house"))
	e = d.move(stores, e, "accept", nil)
	d.move(stores, e, "book_collection", definition.Answers{"asset_tags": "KCC-LT-04211, KCC-MN-11873",
		"collection_date": time.Now().AddDate(0, 0, 7).Format(time.DateOnly), "collection_slot": "morning"})
	if d.err != nil {
		return d.err
	}
	return m.demoPartners(ctx, env, admin)
}

// demoPartners records the council's data-sharing agreement with NHS Kent
// and Medway for referrals to adult social care, and one referral made
// under it by the NHS partner.
func (m *Module) demoPartners(ctx context.Context, env *module.DemoEnv, admin *platform.Subject) error {
	nhs, err := env.Org(ctx, "nhs-kent-medway")
	if err != nil {
		return err
	}
	tom, err := env.Person(ctx, nhs, "partner@nhs-kent-medway.example")
	if err != nil {
		return err
	}
	a, err := m.svc.AddAgreement(ctx, admin, services.NewAgreement{PartnerOrgID: nhs.ID, Title: "Hospital discharge and community referrals",
		Purpose:  "So that people leaving hospital, or known to community health teams, get the care and support they need (Care Act 2014, section 6).",
		Services: []string{"adult-social-care-referral"}, EndsAt: time.Now().AddDate(2, 0, 0)})
	if err != nil {
		return err
	}
	as, _, err := m.svc.ActUnder(ctx, tom, a.ID, nhs.Name)
	if err != nil {
		return err
	}
	d := &demoSeeder{ctx: ctx, svc: m.svc}
	d.submit(as, "adult-social-care-referral", definition.Answers{
		"person_name": "Edna Pratt", "birth_date": "1941-06-14", "nhs_number": "943 476 5919",
		"address": map[string]any{"line1": "4 Tonbridge Road", "town": "Maidstone", "postcode": "ME16 8RY"},
		"consent": "yes", "urgency": "this_week", "referrer_phone": "01622224000",
		"reason": "Mrs Pratt, 85, is ready to leave Maidstone Hospital after a fall at home. She lives alone and will need help with washing and dressing for some weeks.",
	})
	return d.err
}

// demoSeeder keeps the first error so the seeding reads as a script.
type demoSeeder struct {
	ctx context.Context
	svc *services.Service
	err error
}

type caseRef struct {
	id      string
	version int64
}

func (d *demoSeeder) submit(sub *platform.Subject, service string, answers definition.Answers) caseRef {
	if d.err != nil {
		return caseRef{}
	}
	c, err := d.svc.Submit(d.ctx, sub, service, answers, services.SubmitOptions{})
	if err != nil {
		d.err = fmt.Errorf("demo %s: %w %v", service, err, platform.AsError(err).Fields)
		return caseRef{}
	}
	return caseRef{c.ID, c.Version}
}

func (d *demoSeeder) move(sub *platform.Subject, c caseRef, transition string, fields definition.Answers) caseRef {
	if d.err != nil {
		return c
	}
	got, err := d.svc.Transition(d.ctx, sub, c.id, transition, c.version, fields)
	if err != nil {
		d.err = fmt.Errorf("demo %s on %s: %w", transition, c.id, err)
		return c
	}
	return caseRef{got.ID, got.Version}
}

type roadmapProject struct {
	name, theme, programme, description, funding, rag, milestones string
	done                                                          bool
}

// roadmapProjects are the activity plan 2020-2023 items in the decision
// report (paragraph 2.7), under the strategy's four themes.
var roadmapProjects = []roadmapProject{
	{"Corporate OneDrive to replace personal drives", "modern_infrastructure", "Modern workplace", "Move personal network drives to Corporate OneDrive.", "subscription", "amber", "Pilot; migration by directorate; drives retired", false},
	{"Replace the ageing SAN in Sessions House data centre", "modern_infrastructure", "Data centre and resilience", "Replace the storage area network and associated infrastructure in Sessions House Data Centre.", "capital", "amber", "Procure; install; migrate; decommission", false},
	{"Telephony from Skype to Microsoft Teams", "modern_infrastructure", "Collaboration", "Migrate telephony from Skype for Business to Microsoft Teams.", "subscription", "green", "Pilot; contact centres; all staff", false},
	{"Video conferencing in office buildings across Kent", "modern_infrastructure", "Collaboration", "Deploy video conferencing in office buildings across Kent.", "capital", "green", "Survey rooms; install; train", false},
	{"Child and adult care records in the Kent and Medway Care Record", "information_insight", "Integrated care records", "Integrate child and adult care records into the Kent and Medway Care Record (KMCR).", "subscription", "green", "Adults; children; go-live", true},
	{"Cloud data infrastructure for Adults, Children's, Finance and Property data", "information_insight", "Data and insight", "Create a cloud-based data infrastructure populated with Adults, Children's, Finance and Property data.", "subscription", "amber", "Platform; Adults; Children's; Finance; Property", false},
	{"Internet of Things, robotics and automation pilots", "streamlined_processes", "Automation", "Pilots in the application of the Internet of Things (IoT), robotics and automation.", "subscription", "amber", "Select pilots; run; evaluate", false},
	{"Microsoft Defender across the estate", "governance_security", "Cyber security", "Implement Microsoft Defender across the Council's estate to enhance anti-virus protection.", "subscription", "green", "Servers; end user devices", true},
	{"Microsoft Managed Desktop", "modern_infrastructure", "Modern workplace", "Implement Microsoft Managed Desktop to improve management of end user devices.", "subscription", "green", "Pilot; roll-out", true},
	{"Microsoft Intune for mobile devices", "governance_security", "Device management", "Implement Microsoft Intune to improve management of mobile devices.", "subscription", "green", "Enrol; policies; roll-out", true},
	{"Ransomware protection: advanced backup and network segmentation", "governance_security", "Cyber security", "Improve protection against ransomware through advanced backup technology and network segmentation.", "capital", "green", "Backup platform; segmentation", true},
	{"Public Services Network Code of Compliance", "governance_security", "Compliance", "Achieve Public Sector Network Code of Compliance.", "subscription", "green", "Health check; remediation; submission", true},
}

type demoRisk struct{ title, description, category, likelihood, impact, controls string }

var demoRisks = []demoRisk{
	{"Cyber attack disrupts council services", "Criminal attacks on local authorities (Redcar and Cleveland, Hackney, Kent Commercial Services) show the service and financial impact of a successful attack.", "information_security", "4", "5", "Microsoft Defender; E5 security and compliance modules; resilient cloud backup; network segmentation."},
	{"Home workers on weak local broadband", "Some staff working at home are in areas with less robust local networks (committee, 6 November 2020).", "operational", "3", "3", "BDUK work on slow spots; Kent Public Sector Network resilience."},
	{"Residents without a suitable device cannot reach services", "Digital service models must not exclude people without devices or skills (committee, 6 November 2020).", "reputational", "3", "4", "Assisted digital: staff submit on a resident's behalf; phone and face-to-face channels kept."},
}
