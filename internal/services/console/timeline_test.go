package console

import (
	"net/http"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/services"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// TestRoadmapTimeline: the technology roadmap is a timeline by strategy
// theme, each project a bar coloured by its RAG status, with the table a
// screen reader reads; services without a timeline have none.
func TestRoadmapTimeline(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		_, err := e.id.CreateUnit(e.ctx, platform.System(e.org.ID), "Infrastructure")
		noErr(t, err)
		srcs, err := definition.BuiltinSources()
		noErr(t, err)
		for _, s := range srcs {
			if s.Def.ID == "technology-roadmap" {
				noErr(t, e.svc.EnsureBuiltins(e.ctx, e.org.ID, []*definition.Definition{s.Def}, [][]byte{s.YAML}))
			}
		}
		project := func(name, theme, from, to string) services.Case {
			c, err := e.svc.Submit(e.ctx, e.admin, "technology-roadmap", definition.Answers{"project_name": name, "theme": theme,
				"work_programme": "Cloud", "description": "A project.", "project_owner": e.admin.UserID, "funding_model": "capital",
				"start_date": from, "target_date": to, "milestones": "One; two"}, services.SubmitOptions{})
			noErr(t, err)
			return c
		}
		a := project("Replace the ageing SAN", "modern_infrastructure", "2020-07-01", "2022-06-30")
		project("A data platform for insight", "information_insight", "2021-01-01", "2023-03-31")
		_, err = e.svc.Transition(e.ctx, e.admin, a.ID, "start_project", a.Version, definition.Answers{"rag_status": "amber"})
		noErr(t, err)

		r := e.browser(e.admin).Get("/timelines/technology-roadmap")
		want(t, r, http.StatusOK, "timeline")
		wantBody(t, r, "Technology roadmap", "A modern ICT infrastructure that enables digital transformation",
			"Exploiting information for business and customer insight", `<svg class="dbtp-timeline"`, "Replace the ageing SAN",
			`fill="#f47738"`, "govuk-tag--orange", "Amber", "Jul 2020", "Jun 2022", "2021", `href="/cases/`+a.ID+`"`)
		wantNot(t, r, "Streamline processes") // a theme without projects is not drawn
		wantBody(t, e.browser(e.mona).Get("/dashboards"), `href="/timelines/technology-roadmap"`)
		want(t, e.browser(e.admin).Get("/timelines/complaints"), http.StatusNotFound, "no timeline")
		want(t, e.browser(e.rita).Get("/timelines/technology-roadmap"), http.StatusForbidden, "resident")
	})
}
