package records

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

// corpusTopics are the words of each function of the default file plan.
var corpusTopics = map[string][]string{
	"ADM": splitWords(`care assessment carer carers home care package domiciliary residential nursing placement
safeguarding adult concern enquiry section 42 mental capacity deprivation liberty best interests
occupational therapy equipment adaptation direct payments personal budget reablement hospital discharge
dementia learning disability physical disability sensory impairment continuing healthcare
support plan review eligibility needs outcomes wellbeing financial assessment charging respite`),
	"CHI": splitWords(`child protection plan looked after children foster carer fostering adoption placement
special guardianship care proceedings court order social worker visit strategy discussion
section 47 enquiry early help family support school admissions exclusion attendance SEND
education health care plan EHCP transport youth offending pathway plan leaving care
independent reviewing officer contact supervision kinship residential home`),
	"CUS": splitWords(`complaint stage one stage two ombudsman compliment feedback enquiry response apology
resolution escalated investigation upheld partially upheld not upheld remedy learning
contact centre call handling front desk telephone webchat missed collection bins waiting
repairs noise nuisance parking fine penalty charge notice council tax bill`),
	"FIN": splitWords(`invoice purchase order payment remittance supplier creditor debtor accounts payable
receivable VAT net gross budget monitoring forecast outturn variance reserves capital revenue
council tax business rates collection arrears recovery write off procurement tender contract
framework quotation audit internal audit external auditor risk register mitigation controls
treasury management pension fund insurance claim`),
	"GOV": splitWords(`minutes agenda cabinet committee full council scrutiny resolution motion decision notice
key decision forward plan call in officer delegation constitution standards monitoring officer
declaration interest freedom of information request subject access request data protection
breach information governance retention disposal records management privacy notice
consultation equality impact assessment petition`),
	"HRS": splitWords(`recruitment vacancy job description person specification interview shortlisting
appointment offer contract employment probation appraisal training development sickness absence
occupational health return to work grievance disciplinary capability redundancy restructure
pay grade salary overtime leave maternity paternity flexible working pension payroll DBS check`),
	"ICT": splitWords(`project initiation document business case requirements specification supplier
implementation migration testing go live rollout network server cloud Microsoft 365 SharePoint
OneDrive laptop device licence security incident cyber phishing firewall backup recovery
service desk ticket change request architecture integration API data platform`),
	"PRO": splitWords(`lease licence landlord tenant rent review asbestos survey fire risk assessment
legionella inspection maintenance repair boiler roof heating ventilation electrical test
condition survey estates asset disposal acquisition valuation planning application building
control highways pothole street lighting gritting drainage road closure traffic regulation order
fly tipping recycling waste collection equipment loan stores vehicle fleet depot`),
	"GEN": splitWords(`miscellaneous correspondence general enquiry note scanned post unsorted awaiting
classification transferred archive box legacy file shared drive`),
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

func splitWords(s string) []string {
	var out []string
	start := -1
	for i, r := range s + " " {
		switch {
		case r == ' ' || r == '\n' || r == '\t':
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
		case start < 0:
			start = i
		}
	}
	return out
}
