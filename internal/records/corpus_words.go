package records

import "strings"

// The vocabulary of generated corpora (corpus.go): what a county council's
// letters, notes, minutes and invoices are made of. The general words come
// roughly in order of frequency, and are drawn with a Zipf-like weight, so
// a few are in nearly every document (as in real text) and most in few.

var corpusGeneral = splitWords(`the of and to a in for is on that with by this be as are at from we
your you it have will or our has an not was which please can been their if any all would they there
council date reference following regarding information meeting review further may also dear thank
letter email contact team service services should request provide required confirm attached details
time week month year support need more about new one two three within current number report record
concerns agreed discussed noted action update next call office local officer county manager
decision arrangements address telephone available process consider received sent made last
following taking place outcome support issues matter response working advice relevant
notes discussion plan review copy form appropriate case visit day previous note further
however regarding ensure identified involved provided include including position area other
family member members home property site works cost costs payment paid amount total balance
period agreed letter attached enclosed summary background purpose recommendation recommendations
approved approval budget funding standard policy procedure statutory legal requirement requirements
assessment assessed risk risks evidence concern health wellbeing safety school education children
adult adults young people person client resident residents tenant applicant employee staff
director head lead senior assistant practitioner worker coordinator administrator consultant
contractor supplier partner agency partnership board panel committee cabinet scrutiny member
monday tuesday wednesday thursday friday morning afternoon january february march april may june
july august september october november december spring summer autumn winter annual quarterly
urgent routine final draft version revised original signed received complete completed pending
open closed outstanding overdue progress delay delayed extension deadline timescale target
north south east west central district ward parish town village road street lane avenue close
hall centre building office depot library school hospital surgery station unit block floor room`)

// corpusTopics are the words and phrases (joined by _) of each function of
// the default file plan.
var corpusTopics = map[string][]string{
	"ADM": splitWords(`care_assessment carer carers home_care_package domiciliary residential nursing placement
safeguarding adult safeguarding_concern enquiry section_42 mental_capacity deprivation_of_liberty best_interests
occupational_therapy equipment adaptation direct_payments personal_budget reablement hospital_discharge
dementia learning_disability physical_disability sensory_impairment continuing_healthcare care_plan
support_plan review eligibility needs outcomes wellbeing financial_assessment charging respite`),
	"CHI": splitWords(`child_protection_plan looked_after_children foster_carer fostering adoption placement
special_guardianship care_proceedings court_order social_worker visit strategy_discussion
section_47 enquiry early_help family_support school_admissions exclusion attendance SEND
education_health_care_plan EHCP transport youth_offending pathway_plan leaving_care
independent_reviewing_officer contact supervision kinship residential_home`),
	"CUS": splitWords(`complaint stage_one stage_two ombudsman compliment feedback enquiry response apology
resolution escalated investigation upheld partially_upheld not_upheld remedy learning
contact_centre call_handling front_desk telephone webchat missed_collection bins waiting
repairs noise nuisance parking_fine penalty_charge_notice council_tax bill`),
	"FIN": splitWords(`invoice purchase_order payment remittance supplier creditor debtor accounts_payable
receivable VAT net gross budget_monitoring forecast outturn variance reserves capital revenue
council_tax business_rates collection arrears recovery write_off procurement tender contract
framework quotation audit internal_audit external_auditor risk_register mitigation controls
treasury_management pension_fund insurance_claim budget`),
	"GOV": splitWords(`minutes agenda cabinet committee full_council scrutiny resolution motion decision_notice
key_decision forward_plan call_in officer_delegation constitution standards monitoring_officer
declaration_of_interest freedom_of_information_request subject_access_request data_protection
breach information_governance retention disposal records_management privacy_notice
consultation equality_impact_assessment petition`),
	"HRS": splitWords(`recruitment vacancy job_description person_specification interview shortlisting
appointment offer contract employment probation appraisal training development sickness_absence
occupational_health return_to_work grievance disciplinary capability redundancy restructure
pay grade salary overtime annual_leave maternity paternity flexible_working pension payroll DBS_check`),
	"ICT": splitWords(`project_initiation_document business_case requirements specification supplier
implementation migration testing go_live rollout network server cloud Microsoft_365 SharePoint
OneDrive laptop device licence security_incident cyber phishing firewall backup recovery
service_desk ticket change_request architecture integration API data_platform`),
	"PRO": splitWords(`lease licence landlord tenant rent_review asbestos_survey fire_risk_assessment
legionella inspection maintenance repair boiler roof heating ventilation electrical_test
condition_survey estates asset disposal acquisition valuation planning_application building
control highways pothole street_lighting gritting drainage road_closure traffic_regulation_order
fly_tipping recycling waste_collection equipment_loan stores vehicle fleet depot`),
	"GEN": splitWords(`miscellaneous correspondence general_enquiry note scanned post unsorted awaiting
classification transferred archive box legacy file shared_drive`),
}

var corpusFirstNames = splitWords(`Olivia Amelia Isla Ava Mia Ivy Lily Isabella Sophia Grace Freya Florence
Emily Ella Poppy Evie Charlotte Sienna Elsie Rosie Jack Oliver Harry George Noah Leo Arthur Muhammad Oscar
Charlie Jacob Thomas Henry William Alfie Joshua Freddie Archie Theo James Margaret Patricia Susan Janet
Jean Dorothy Barbara Joan Christine Linda Elizabeth Mary Anne Helen Sarah Karen David John Michael Peter
Paul Robert Richard Stephen Andrew Mark Ian Alan Brian Kevin Gary Colin Derek Raymond Keith Priya Aisha
Fatima Zainab Mohammed Ahmed Ali Hassan Tomasz Piotr Agnieszka Zoë Siobhan Niamh Ciaran Declan Rhys
Dylan Megan Bethan Gareth Hamish Fiona Morag`)

// corpusSurnames are in roughly the order of their frequency in England,
// so "Smith" is about one person in a hundred.
var corpusSurnames = splitWords(`Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson
Roberts Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Patel
Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Kelly Cook Carter
Richardson Bailey Collins Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis
Adams Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt Hussain Campbell
Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins
Murray Dixon Harvey Graham Pearson Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott
Reynolds Saunders Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Gill
Dawson Ball Burton O’Brien Watts Rose Booth Perry Ryan Grant Wells Armstrong Francis Rees Hayes Hart
Hudson Newman Barrett Webster Hunter Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry
Stone Reid Holland Hawkins Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner
Shah Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson Shepherd Ross Cross
Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald Yates Hodgson Robson Curtis Hopkins
O’Connor Harper Coleman Watkins Moss McCarthy Chambers O’Neill Griffin Sharp Hardy Wheeler Potter
Osborne Johnston Gordon Doyle Wallace George Jordan Hutchinson Rowe Burke May Pritchard Gilbert Willis
Higgins Read Miles Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater
Austin Sullivan Whitehouse Randall Kowalski Nowak Wiśniewski Nguyen Okafor Mensah Achterberg`)

var corpusPlaces = splitWords(`Northshire Ashford Bramley Castleton Dunmore Elmstead Fairholme Greystone Hatherley
Ivybridge Kingsmere Langley Marlow Netherby Oakham Pendle Queensbury Redhill Stanton Thornbury Upton
Westbury Yarwood Millbrook Harbourside Fenwick Hollins Brackenfield Stowmarket Chalkley`)

var corpusTags = []string{"urgent", "legal", "finance", "safeguarding", "review", "complaint", "contract",
	"personal data", "board", "audit", "health and safety", "foi", "court", "archive", "project", "hr"}

var corpusSuppliers = splitWords(`Acme Northgate Capita Kier Serco Amey Veolia Biffa Mitie Balfour Sodexo
Civica Idox Agilisys Tunstall Allpay Xerox Ricoh Dell Softcat`)

// splitWords splits s at white space; _ inside an entry stands for a space.
func splitWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s + " " {
		switch {
		case r == ' ' || r == '\n' || r == '\t':
			if start >= 0 {
				out = append(out, strings.ReplaceAll(s[start:i], "_", " "))
				start = -1
			}
		case start < 0:
			start = i
		}
	}
	return out
}
