package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"dbtp/internal/browsertest"
	"dbtp/internal/services"
)

// TestBrowserPartnerAndDecisions walks two roles the demo gained, with
// JavaScript on and off: a partner at NHS Kent and Medway refers someone to
// the council's adult social care under the data-sharing agreement, and sees
// the referral among theirs; Democratic Services open key decision
// 21/00097, published with the Cabinet Member's signed and sealed Record
// of Decision on the case, which a signed-out visitor then reads in the
// forward plan. Each
// page is axe-clean and reflows at 320 px.
func TestBrowserPartnerAndDecisions(t *testing.T) {
	for _, js := range []bool{true, false} {
		name := map[bool]string{true: "javascript", false: "no-javascript"}[js]
		t.Run(name, func(t *testing.T) {
			r := startDemo(t, t.TempDir())
			check := func(ctx context.Context, page string) {
				t.Helper()
				if js {
					browsertest.CheckAccessible(t, ctx, page)
				}
				fits(t, ctx, page)
			}
			const next = `main form button[type=submit]:not([name=action]):not([name=lookup])`
			var partner demoLogin
			for _, l := range r.logins {
				if l.Org == "nhs-kent-medway" && l.Role == "partner" {
					partner = l
				}
			}
			if partner.Email == "" {
				t.Fatal("no demo partner")
			}
			tom := browsertest.New(t, js)
			signIn(t, tom, r.url, partner, "main h1")
			open(t, tom, r.url+"/partners")
			check(tom, "partners")
			page := text(t, tom, "main")
			for _, want := range []string{"NHS Kent and Medway", "Hospital discharge and community referrals", "Kent County Council", "Refer someone to adult social care"} {
				if !strings.Contains(page, want) {
					t.Fatalf("partners page lacks %q:\n%s", want, page)
				}
			}
			submitButton(t, tom, `main a[href$="/adult-social-care-referral/start"]`, "#acting-under")
			check(tom, "referral start")
			if s := text(t, tom, "#acting-under"); !strings.Contains(s, "You are acting for NHS Kent and Medway") || !strings.Contains(s, "goes to Kent County Council") {
				t.Fatalf("the start page does not say for whom: %q", s)
			}
			submitButton(t, tom, `a.govuk-button--start`, "#person_name")
			do(t, tom, "person", chromedp.SendKeys(chromedp.CSS(`#person_name`), "Arthur Penn"),
				chromedp.SendKeys(chromedp.CSS(`#birth_date-day`), "3"), chromedp.SendKeys(chromedp.CSS(`#birth_date-month`), "9"),
				chromedp.SendKeys(chromedp.CSS(`#birth_date-year`), "1938"))
			submitAndWait(t, tom, next, "#address-lookup")
			do(t, tom, "postcode", chromedp.SetValue(chromedp.CSS(`#address-lookup`), "ME14 1XQ"))
			submitButton(t, tom, `button[name=lookup][value=address]`, "#address-uprn")
			do(t, tom, "choose", chromedp.SetValue(chromedp.CSS(`#address-uprn`), "990000000001"))
			submitAndWait(t, tom, next, "#consent")
			do(t, tom, "consent", chromedp.Click(chromedp.CSS(`#consent`)))
			submitAndWait(t, tom, next, "#reason")
			do(t, tom, "reason", chromedp.SendKeys(chromedp.CSS(`#reason`), "Discharged tomorrow after a stroke; his wife cannot manage alone."),
				chromedp.Click(chromedp.CSS(`#urgency`)))
			submitAndWait(t, tom, next, "#referrer_phone")
			do(t, tom, "phone", chromedp.SendKeys(chromedp.CSS(`#referrer_phone`), "01622 224000"))
			submitAndWait(t, tom, next, "main h1")
			check(tom, "referral check answers")
			submitAndWait(t, tom, `main form button[type=submit]`, "#reference")
			ref := text(t, tom, "#reference")
			if !strings.HasPrefix(ref, "ASC-") {
				t.Fatalf("reference %q", ref)
			}
			check(tom, "referral sent")
			open(t, tom, r.url+"/partners")
			if page := text(t, tom, "#referrals"); !strings.Contains(page, ref) || !strings.Contains(page, "Received") {
				t.Fatalf("the new referral is not among Tom's:\n%s", page)
			}
			submitButton(t, tom, `#referrals a[href$="/`+ref+`"]`, "#status")
			check(tom, "referral")

			// 21/00097 was signed by the Cabinet Member as the demo was
			// seeded; once sealed it is published, with the sealed Record
			// of Decision on the case, which Democratic Services open;
			// anyone reads the decision.
			sys, _, err := r.app.orgSubject(context.Background(), "kent")
			if err != nil {
				t.Fatal(err)
			}
			decisions, err := r.app.services().Search(context.Background(), sys, services.CaseFilter{Service: "key-decisions"}, "", 10)
			if err != nil || len(decisions.Cases) != 1 {
				t.Fatalf("the demo's decision: %v", err)
			}
			for deadline := time.Now().Add(90 * time.Second); ; {
				c, err := r.app.services().GetCase(context.Background(), sys, decisions.Cases[0].ID)
				if err != nil {
					t.Fatal(err)
				}
				if c.State == "published" {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("21/00097 not published: %s", c.State)
				}
				time.Sleep(100 * time.Millisecond) // waiting for the seal's job, not timing it
			}
			var ds demoLogin
			for _, l := range r.logins {
				if l.Email == "democratic@kent.example" {
					ds = l
				}
			}
			dana := browsertest.New(t, js)
			signIn(t, dana, r.url, ds, "main h1")
			open(t, dana, r.url+"/cases?service=key-decisions&state=published&q=21/00097") // closed cases are listed when asked for by state
			submitButton(t, dana, "main table a[href^='/cases/']", ".dbtp-case-actions")
			check(dana, "key decision")
			if page := text(t, dana, "main"); !strings.Contains(page, "record-of-decision-21-00097") || !strings.Contains(page, "Published") {
				t.Fatalf("the published decision's case lacks its signed record:\n%s", page)
			}
			visitor := browsertest.New(t, js)
			open(t, visitor, r.url+"/registers/key-decisions")
			check(visitor, "forward plan")
			submitButton(t, visitor, `#register a[href*="/registers/key-decisions/"]`, "#status")
			check(visitor, "decision notice")
			notice := text(t, visitor, "main")
			for _, want := range []string{"21/00097", "Published", "Approved", "11 January 2021", "interim basis"} {
				if !strings.Contains(notice, want) {
					t.Fatalf("decision notice lacks %q:\n%s", want, notice)
				}
			}
		})
	}
}
