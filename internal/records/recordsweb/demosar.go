package recordsweb

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
	"dbtp/internal/records/pdfs"
)

// demoSAR files a few records about the demo resident, Chris Walker, and
// about other people (his mother, a neighbour, a namesake born on another
// day), then takes his subject access request (submitted by the services
// module's demo) as far as a records manager would in a morning: searched,
// some items decided, one redacted, one still to review. Nothing about the
// namesake or the neighbour is found.
func (m *Module) demoSAR(ctx context.Context, env *module.DemoEnv) error {
	if m.SARs == nil {
		return nil
	}
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	rosa, err := env.Person(ctx, org, "records@kent.example")
	if err != nil {
		return err
	}
	sys := platform.System(org.ID)
	units := map[string]string{}
	us, err := m.d.Directory.Units(ctx, sys)
	if err != nil {
		return err
	}
	for _, u := range us {
		units[u.Name] = u.ID
	}
	classes, err := m.rs.Classes(ctx, sys)
	if err != nil {
		return err
	}
	classID := map[string]string{}
	for _, c := range classes {
		classID[c.Code] = c.ID
	}
	chris := records.Person{Name: "Chris Walker", BirthDate: "1984-06-12"}
	margaret := records.Person{Name: "Margaret Walker", BirthDate: "1951-02-03"}
	file := func(code, title, unit string, cl platform.Classification, about []records.Person, text string, pdf bool) (*records.Document, error) {
		in := records.NewDocument{Metadata: records.Metadata{ClassID: classID[code], Title: title, UnitID: units[unit], Classification: cl, Subjects: about},
			Name: demoFileName(title) + ".txt", MediaType: "text/plain", Content: strings.NewReader(text), Declare: true}
		if pdf {
			b, err := pdfs.TextPDF(title, unit, text)
			if err != nil {
				return nil, err
			}
			in.Name, in.MediaType, in.Content = strings.TrimSuffix(in.Name, ".txt")+".pdf", "application/pdf", bytes.NewReader(b)
		}
		return m.rs.Create(ctx, rosa, in)
	}
	assessment, err := file("ADM.01.02", "Care needs assessment: Margaret Walker", "Adults", platform.OfficialSensitive, []records.Person{margaret, chris},
		"Margaret Walker (born 3 February 1951) lives alone at 12 High Street, Maidstone.\n"+
			"Her son Chris Walker (born 12 June 1984) visits every day and helps with meals and medication.\n"+
			"Neighbour Dana Smith, 14 High Street, 07700 900123, keeps a spare key.\n"+
			"Outcome: a care and support plan for four visits a day.", true)
	if err != nil {
		return err
	}
	letter, err := file("CUS.01.01", "Letter to Chris Walker about missed garden waste collections", "Customer Services", platform.Official,
		[]records.Person{chris}, "Dear Mr Walker, we are sorry your garden waste was missed three times in March. The crew now has your road on its list.", false)
	if err != nil {
		return err
	}
	if _, err := file("ADM.01.01", "GP referral: Margaret Walker", "Adults", platform.OfficialSensitive, []records.Person{margaret, {Name: "Chris Walker"}},
		"Referral from the surgery after a fall. Her son, Chris Walker, is her main carer.", true); err != nil {
		return err
	}
	question, err := file("GOV.01.02", "Public question from Chris Walker, Maidstone area panel", "Democratic Services", platform.Official,
		nil, "Mr Walker asked when the pothole outside 12 High Street would be repaired. Published with the minutes.", false)
	if err != nil {
		return err
	}
	// Not his: a namesake born on another day, and someone else entirely.
	if _, err := file("FIN.01.01", "Refund of an overpaid parking permit", "Finance", platform.Official,
		[]records.Person{{Name: "Chris Walker", BirthDate: "1990-11-30"}}, "Refund of £45 to Mr C Walker of Ashford.", false); err != nil {
		return err
	}
	if _, err := file("HRS.01.01", "Employee file: Dana Smith", "Infrastructure", platform.OfficialSensitive,
		[]records.Person{{Name: "Dana Smith"}}, "Contract, training and appraisal records.", false); err != nil {
		return err
	}

	reqs, err := m.SARs.SARRequests(ctx, rosa)
	if err != nil {
		return err
	}
	var req *SARRequest
	for _, q := range reqs {
		if !q.Open {
			continue
		}
		full, err := m.SARs.SARRequest(ctx, rosa, q.ID)
		if err != nil {
			return err
		}
		if len(full.Person.Names) > 0 && full.Person.Names[0] == chris.Name {
			req = &full
		}
	}
	if req == nil {
		return fmt.Errorf("demo: no subject access request from %s to answer", chris.Name)
	}
	h := &sarHandlers{handlers: &handlers{rs: m.rs, dir: m.d.Directory}, sars: m.SARs, council: org.Name, now: m.d.Clock.Now}
	sar, err := m.rs.OpenSAR(ctx, rosa, req.ID, req.Reference, req.UnitID, req.Person)
	if err != nil {
		return err
	}
	if _, err := h.search(ctx, rosa, *req, sar.Person); err != nil {
		return err
	}
	_, items, err := m.rs.SAR(ctx, rosa, req.ID)
	if err != nil {
		return err
	}
	for _, it := range items {
		switch it.RefID {
		case letter.ID:
			_, err = m.rs.DecideSARItem(ctx, rosa, req.ID, it.ID, records.DecisionInclude, "")
		case assessment.ID:
			if _, err = m.rs.DecideSARItem(ctx, rosa, req.ID, it.ID, records.DecisionInclude, "His own part of his mother's assessment; her details are hers"); err == nil {
				// The neighbour's name, address and phone number.
				_, err = m.rs.RedactSARItem(ctx, rosa, req.ID, it.ID, []pdfs.Box{{Page: 1, X: 0.1663, Y: 0.1330, W: 0.3326, H: 0.0184}})
			}
		case question.ID:
			_, err = m.rs.DecideSARItem(ctx, rosa, req.ID, it.ID, records.DecisionExclude, "Published with the panel's minutes: already available to him")
		}
		if err != nil {
			return fmt.Errorf("demo SAR item %s: %w", it.Title, err)
		}
	}
	return nil
}

// demoFileName makes a file name of a title as a person would: words in
// lower case joined by hyphens, without the punctuation ("care needs
// assessment: ..." had a colon, which Windows refuses in a file name).
func demoFileName(title string) string {
	words := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
	return strings.Join(words, "-")
}
