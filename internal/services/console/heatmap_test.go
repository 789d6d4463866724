package console

import (
	"net/http"
	"os"
	"testing"

	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A scored service (the risk register) gets a heat map of its open cases by
// likelihood and impact, with the same counts in the table beside it;
// closed risks and other services are left out.
func TestRiskHeatMap(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		src, err := os.ReadFile("../definition/builtin/risk-register.yaml")
		noErr(t, err)
		def, err := definition.Parse(src, "risk-register.yaml")
		noErr(t, err)
		noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{def}, [][]byte{src}))
		risk := func(title, likelihood, impact string) {
			_, err := e.svc.Submit(e.ctx, e.admin, "risk-register", definition.Answers{
				"risk_title": title, "description": "d", "category": "operational", "likelihood": likelihood, "impact": impact,
				"risk_owner": e.admin.UserID, "controls": "c", "review_date": "2026-06-01"}, services.SubmitOptions{})
			noErr(t, err)
		}
		risk("Cyber attack", "4", "5")
		risk("Another cyber attack", "4", "5")
		risk("Broadband at home", "3", "3")
		e.complaint("not a risk")

		admin := e.browser(e.admin)
		r := admin.Get("/dashboards?service=risk-register")
		want(t, r, http.StatusOK, "risk dashboard")
		wantBody(t, r, "Open risks by likelihood and impact", "3 open risks placed by likelihood",
			// Row "4": impact 5 holds both cyber risks.
			`<td class="govuk-table__cell">4</td><td class="govuk-table__cell govuk-table__cell--numeric">0</td><td class="govuk-table__cell govuk-table__cell--numeric">0</td><td class="govuk-table__cell govuk-table__cell--numeric">0</td><td class="govuk-table__cell govuk-table__cell--numeric">0</td><td class="govuk-table__cell govuk-table__cell--numeric">2</td>`)
		wantNot(t, admin.Get("/dashboards?service=complaints"), "Open risks by likelihood and impact")
	})
}
