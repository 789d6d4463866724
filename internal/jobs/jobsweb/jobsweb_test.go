package jobsweb_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/identity"
	"dbtp/internal/jobs"
	"dbtp/internal/jobs/jobsweb"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// An admin sees their organisation's failed job, retries it from the page
// and it runs again; a caseworker is refused, and another organisation's
// admin cannot see or touch it. Each change is audited.
func TestJobsPageRetryDiscardAndAccess(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations, identity.Migrations, jobs.Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audittest.NewLog(t, db)
		ap := access.New(log)
		ids := identity.New(db, log, ap, identity.Options{})
		kent, err := ids.CreateOrg(ctx, platform.System(""), identity.NewOrg{Slug: "kent", Name: "Kent County Council", Kind: platform.OrgCouncil})
		if err != nil {
			t.Fatal(err)
		}
		nhs, err := ids.CreateOrg(ctx, platform.System(""), identity.NewOrg{Slug: "nhs", Name: "NHS Kent and Medway", Kind: platform.OrgPartner})
		if err != nil {
			t.Fatal(err)
		}
		clock := platformtest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
		q := jobs.New(db, jobs.Options{Clock: clock})
		runs := 0
		if err := q.Handle("test.sync", jobs.Kind{MaxAttempts: 1, Handler: func(context.Context, jobs.Job) error {
			runs++
			if runs == 1 {
				return errors.New("CRM unreachable")
			}
			return nil
		}}); err != nil {
			t.Fatal(err)
		}
		d := &module.Deps{DB: db, Audit: log, Access: ap, Directory: ids.Directory(), Jobs: q, Clock: clock, Log: slog.New(slog.DiscardHandler)}
		m := &jobsweb.Module{}
		if err := module.Init(ctx, []module.Module{m}, d); err != nil {
			t.Fatal(err)
		}
		if _, err := q.EnqueueNow(ctx, jobs.Enqueued{Kind: "test.sync", OrgID: kent.ID}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		who := webtest.Subjects{
			"admin":    {Kind: platform.SubjectUser, UserID: "usr_admin", Name: "Alex Morgan", OrgID: kent.ID, Roles: []platform.Role{platform.RoleAdmin}},
			"cw":       {Kind: platform.SubjectUser, UserID: "usr_cw", Name: "Sam Okafor", OrgID: kent.ID, Roles: []platform.Role{platform.RoleCaseworker}},
			"nhsadmin": {Kind: platform.SubjectUser, UserID: "usr_nhs", Name: "Ruth Evans", OrgID: nhs.ID, Roles: []platform.Role{platform.RoleAdmin}},
		}
		srv, err := web.NewServer(web.Config{CouncilName: "Kent County Council"}, slog.New(slog.DiscardHandler), web.WithAuthenticator(who))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Web(srv); err != nil {
			t.Fatal(err)
		}
		s := webtest.Start(t, srv)
		browser := func(name string) *webtest.Browser { b := s.Browser(); b.SignIn(name); return b }

		admin := browser("admin")
		page := admin.Get("/admin/jobs?state=failed")
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "test.sync") || !strings.Contains(page.Body, "CRM unreachable") {
			t.Fatalf("admin's failed jobs: %d %s", page.Status, page.Body)
		}
		failed, _ := q.List(ctx, jobs.Filter{OrgID: kent.ID, State: jobs.Failed})
		id := failed.Jobs[0].ID

		if r := browser("cw").Get("/admin/jobs"); r.Status != http.StatusForbidden {
			t.Fatalf("caseworker on the jobs page: %d", r.Status)
		}
		other := browser("nhsadmin")
		if r := other.Get("/admin/jobs?state=failed"); r.Status != http.StatusOK || strings.Contains(r.Body, id) {
			t.Fatalf("another organisation's admin sees the job: %d", r.Status)
		}
		if r := other.PostForm("/admin/jobs/"+id+"/retry", url.Values{}); r.Status != http.StatusNotFound {
			t.Fatalf("another organisation's admin retrying: %d", r.Status)
		}

		r := admin.PostForm("/admin/jobs/"+id+"/retry", url.Values{"state": {"failed"}})
		if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/admin/jobs?state=failed" {
			t.Fatalf("retry: %d %s", r.Status, r.Header.Get("Location"))
		}
		if _, err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		if j, _ := q.Get(ctx, id); j.State != jobs.Completed || runs != 2 {
			t.Fatalf("after retry: %s, %d runs", j.State, runs)
		}
		if r := admin.PostForm("/admin/jobs/"+id+"/discard", url.Values{}); r.Status != http.StatusConflict {
			t.Fatalf("discarding a completed job: %d", r.Status)
		}
		entries, err := log.List(ctx, audit.Filter{OrgID: kent.ID, Action: "job.retry"})
		if err != nil || len(entries.Entries) != 1 || entries.Entries[0].ResourceID != id {
			t.Fatalf("retry audit: %+v %v", entries.Entries, err)
		}
		denied, _ := log.List(ctx, audit.Filter{OrgID: nhs.ID, Action: "job.administer"})
		if len(denied.Entries) == 0 {
			t.Fatal("the other organisation's attempt was not audited")
		}
	})
}
