package recordsweb

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"

	"github.com/go-pdf/fpdf"
)

// demoDoc is one demonstration document: filed at a date in the past so
// some are already due for disposal.
type demoDoc struct {
	class, title, unit, by string
	sensitive, declare     bool
	yearsAgo               int
	people                 []records.Person
	tags                   []string
	pages                  []string // the PDF's pages; one paragraph each
}

// demoDocs follow the council's own papers (decision 21/00097 and the
// committee's minutes) and everyday work across its units. The people are
// made up.
var demoDocs = []demoDoc{
	{class: "GOV.01.01", title: "21/00097 Record of decision: Technology Strategy 2020-2023", unit: "Democratic Services", by: "democratic@kent.example", declare: true, yearsAgo: 5,
		tags: []string{"key decision", "technology strategy"},
		pages: []string{"Record of decision 21/00097. The Deputy Leader and Cabinet Member for Finance, Corporate and Traded Services approved the adoption of the Kent County Council Technology Strategy 2020-2023, and its publication on an interim basis, whilst the Council reviews the strategy in the light of the COVID-19 pandemic.",
			"Reason: the Council's technology infrastructure is essential to delivering its services. Past pathway: Policy and Resources Cabinet Committee, 6 November 2020. Report by Rebecca Spore, Director of Infrastructure."}},
	{class: "GOV.01.02", title: "Policy and Resources Cabinet Committee minutes, 6 November 2020: Technology Strategy Update", unit: "Democratic Services", by: "democratic@kent.example", declare: true, yearsAgo: 6,
		tags: []string{"committee", "minutes"},
		pages: []string{"Ms Spore introduced the report and emphasised the importance of the strategy in shaping the County Council's response to the covid-19 pandemic. Mr Cole presented slides on key trends, progress and an activity plan for 2020-2023.",
			"The committee noted that all local councils are partners in the Kent Public Sector Network (KPSN), and resolved to endorse the adoption of the strategy as a working draft."}},
	{class: "FIN.01.01", title: "Invoice 2019-4471: laptop refresh (Total Refresh Programme)", unit: "Finance", by: "manager@kent.example", declare: true, yearsAgo: 7,
		tags: []string{"invoice"}, pages: []string{"Invoice 2019-4471. 250 laptops supplied under the Total Refresh Programme. Paid in full."}},
	{class: "FIN.01.01", title: "Invoice 2019-5120: Microsoft Azure consumption, March 2019", unit: "Finance", by: "manager@kent.example", declare: true, yearsAgo: 7,
		tags: []string{"invoice", "azure"}, pages: []string{"Invoice 2019-5120. Azure consumption for March 2019. Paid in full."}},
	{class: "FIN.01.01", title: "Invoice 2025-0310: Kent Public Sector Network annual charge", unit: "Finance", by: "manager@kent.example", declare: true, yearsAgo: 1,
		tags: []string{"invoice", "kpsn"}, pages: []string{"Invoice 2025-0310. Annual charge for the Kent Public Sector Network."}},
	{class: "ADM.01.02", title: "Care and support plan review: Edna Pratt", unit: "Adults", by: "manager@kent.example", sensitive: true, declare: true, yearsAgo: 2,
		people: []records.Person{{Name: "Edna Pratt", BirthDate: "1938-09-14"}}, tags: []string{"care plan"},
		pages: []string{"Review of Mrs Pratt's care and support plan after her discharge from hospital. Home care twice daily; a falls sensor installed; next review in six months."}},
	{class: "CHI.01.01", title: "Placement record: Jamie Carter", unit: "Children's", by: "caseworker@kent.example", sensitive: true, declare: true, yearsAgo: 3,
		people: []records.Person{{Name: "Jamie Carter", BirthDate: "2012-06-30"}}, tags: []string{"placement"},
		pages: []string{"Placement with foster carers in Maidstone. School: continues at current primary school. Contact with birth family fortnightly."}},
	{class: "ICT.01.01", title: "Cloud migration plan: moving the remaining 50% of services to Azure", unit: "Infrastructure", by: "manager@kent.example", yearsAgo: 0,
		tags:  []string{"technology strategy", "azure"},
		pages: []string{"Draft plan. About half of the council's computer architecture already runs in Microsoft Azure; this plan covers the rest, service by service, with the Kent Public Sector Network as the backbone."}},
	{class: "CUS.01.01", title: "Letter to Chris Walker about his complaint", unit: "Customer Services", by: "caseworker@kent.example", declare: true, yearsAgo: 0,
		people: []records.Person{{Name: "Chris Walker"}}, tags: []string{"complaint", "letter"},
		pages: []string{"Dear Mr Walker, thank you for telling us about the missed collection. We have spoken to the crew and your bins will be collected on the usual day from now on."}},
}

// Demo files the demonstration documents in the council's file plan.
func (m *Module) Demo(ctx context.Context, env *module.DemoEnv) error {
	org, err := env.Org(ctx, "kent")
	if err != nil {
		return err
	}
	sys := platform.System(org.ID)
	if p, err := m.rs.List(ctx, sys, records.Filter{State: "all", Limit: 1}); err != nil || len(p.Documents) > 0 {
		return err // filed already
	}
	if err := m.demoDocuments(ctx, env, org); err != nil {
		return err
	}
	// The subject access request in progress finds some of them.
	return m.demoSAR(ctx, env)
}

// demoDocuments files the documents, places the legal hold and runs the
// disposal queue once.
func (m *Module) demoDocuments(ctx context.Context, env *module.DemoEnv, org platform.Org) error {
	sys := platform.System(org.ID)
	if err := m.rs.EnsureFilePlan(ctx, org.ID); err != nil {
		return err
	}
	classes, err := m.rs.Classes(ctx, sys)
	if err != nil {
		return err
	}
	byCode := map[string]string{}
	for _, c := range classes {
		byCode[c.Code] = c.ID
	}
	now := m.d.Clock.Now()
	filed := map[string]string{} // title to ID
	for _, dd := range demoDocs {
		who, err := env.Person(ctx, org, dd.by)
		if err != nil {
			return err
		}
		unit, err := m.d.Directory.UnitID(ctx, org.ID, dd.unit)
		if err != nil {
			return fmt.Errorf("demo unit %s: %w", dd.unit, err)
		}
		// Filed in the past, so some documents are already due.
		then := now.AddDate(-dd.yearsAgo, -1, 0)
		// The same wiring with another clock: its text is read for search
		// like any other document's.
		o := m.opts
		o.Now = func() time.Time { return then }
		past := records.New(m.d.DB, m.d.Audit, m.d.Access, o)
		cl := platform.Official
		if dd.sensitive {
			cl = platform.OfficialSensitive
		}
		pdf, err := demoPDF(dd.title, dd.pages)
		if err != nil {
			return err
		}
		d, err := past.Create(ctx, who, records.NewDocument{
			Metadata: records.Metadata{ClassID: byCode[dd.class], Title: dd.title, UnitID: unit, Classification: cl, Subjects: dd.people, Tags: dd.tags},
			Name:     dd.title + ".pdf", MediaType: "application/pdf", Content: bytes.NewReader(pdf), Declare: dd.declare})
		if err != nil {
			return fmt.Errorf("demo document %q: %w", dd.title, err)
		}
		filed[dd.title] = d.ID
	}
	return m.demoHold(ctx, env, org, filed[DemoHeldInvoice], now)
}

// The demo's legal hold and what it holds: one of the two invoices past
// their six years (the Azure invoice is the other).
const (
	DemoHoldTitle   = "Litigation: claim about the 2019 laptop refresh"
	DemoHeldInvoice = "Invoice 2019-4471: laptop refresh (Total Refresh Programme)"
)

// demoHold places the records manager's legal hold on the laptop invoice
// and runs the daily disposal run once (it is a job, which would
// otherwise first run a day later), so the queue shows the Azure invoice
// awaiting approval while the held one is skipped.
func (m *Module) demoHold(ctx context.Context, env *module.DemoEnv, org platform.Org, invoiceID string, now time.Time) error {
	rosa, err := env.Person(ctx, org, "records@kent.example")
	if err != nil {
		return err
	}
	_, err = m.rs.CreateHold(ctx, rosa, records.HoldInput{Title: DemoHoldTitle,
		Reason:      "A supplier disputes the laptops' warranty terms; the county solicitor asked that every record of the purchase be kept until the claim is settled",
		DocumentIDs: []string{invoiceID}})
	if err != nil {
		return fmt.Errorf("demo legal hold: %w", err)
	}
	if _, err := m.rs.FillDisposalQueue(ctx, now); err != nil {
		return fmt.Errorf("demo disposal run: %w", err)
	}
	return nil
}

// demoPDF is a small PDF with a heading and a paragraph a page.
func demoPDF(title string, pages []string) ([]byte, error) {
	f := fpdf.New("P", "mm", "A4", "")
	tr := f.UnicodeTranslatorFromDescriptor("")
	for i, p := range pages {
		f.AddPage()
		f.SetFont("Helvetica", "B", 14)
		f.MultiCell(0, 7, tr("Kent County Council"), "", "L", false)
		if i == 0 {
			f.MultiCell(0, 7, tr(title), "", "L", false)
		}
		f.Ln(4)
		f.SetFont("Helvetica", "", 11)
		f.MultiCell(0, 6, tr(p), "", "L", false)
	}
	var b bytes.Buffer
	err := f.Output(&b)
	return b.Bytes(), err
}
