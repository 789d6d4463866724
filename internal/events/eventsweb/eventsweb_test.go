package eventsweb_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/events/eventsweb"
	"dbtp/internal/jobs"
	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/web"
	"dbtp/internal/web/webtest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// Through the pages an admin adds a webhook, sees its secret once, sees a
// delivery in the log, sends it again, pauses and deletes it; a caseworker
// and another organisation's admin get nowhere.
func TestWebhookPages(t *testing.T) {
	storetest.Each(t, []store.Migrations{audit.Migrations, jobs.Migrations, events.Migrations}, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		log := audittest.NewLog(t, db)
		ap := access.New(log)
		q := jobs.New(db, jobs.Options{})
		bus, err := events.New(db, q, ap, log, events.Options{PrivateNetworks: true})
		if err != nil {
			t.Fatal(err)
		}
		m := &eventsweb.Module{}
		d := &module.Deps{DB: db, Audit: log, Access: ap, Jobs: q, Events: bus, Log: slog.New(slog.DiscardHandler),
			Config: module.Config{Getenv: func(string) string { return "" }}}
		if err := module.Init(ctx, []module.Module{m}, d); err != nil {
			t.Fatal(err)
		}
		who := webtest.Subjects{
			"admin": {Kind: platform.SubjectUser, UserID: "usr_admin", Name: "Alex Morgan", OrgID: "org_kent", Roles: []platform.Role{platform.RoleAdmin}},
			"cw":    {Kind: platform.SubjectUser, UserID: "usr_cw", OrgID: "org_kent", Roles: []platform.Role{platform.RoleCaseworker}},
			"nhs":   {Kind: platform.SubjectUser, UserID: "usr_nhs", OrgID: "org_nhs", Roles: []platform.Role{platform.RoleAdmin}},
		}
		srv, err := web.NewServer(web.Config{CouncilName: "Kent County Council"}, slog.New(slog.DiscardHandler), web.WithAuthenticator(who))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Web(srv); err != nil {
			t.Fatal(err)
		}
		s := webtest.Start(t, srv)
		as := func(name string) *webtest.Browser { b := s.Browser(); b.SignIn(name); return b }
		crm := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }))
		defer crm.Close()

		admin := as("admin")
		if r := admin.Get("/admin/webhooks"); r.Status != http.StatusOK || !strings.Contains(r.Body, "You have no webhooks yet") {
			t.Fatalf("empty list: %d", r.Status)
		}
		r := admin.PostForm("/admin/webhooks", url.Values{"url": {"crm.example"}, "types": {"case.submitted"}})
		if r.Status != http.StatusUnprocessableEntity || !strings.Contains(r.Body, "starting with https://") {
			t.Fatalf("bad address: %d", r.Status)
		}
		form := url.Values{"url": {crm.URL}, "types": {"case.submitted, case.transitioned"}, "description": {"CRM"}, "once": {"form-1"}}
		r = admin.PostForm("/admin/webhooks", form)
		if r.Status != http.StatusCreated || !strings.Contains(r.Body, "whsec_") || r.Header.Get("Cache-Control") != "no-store" {
			t.Fatalf("created: %d %q", r.Status, r.Header.Get("Cache-Control"))
		}
		// A reload sends the form again: the same webhook, no second secret.
		if r := admin.PostForm("/admin/webhooks", form); r.Status != http.StatusSeeOther || strings.Contains(r.Body, "whsec_") {
			t.Fatalf("form sent twice: %d", r.Status)
		}
		eps, _ := bus.ListEndpoints(ctx, who["admin"])
		if len(eps) != 1 || len(eps[0].Types) != 2 {
			t.Fatalf("endpoints %+v", eps)
		}
		id := eps[0].ID
		if list := admin.Get("/admin/webhooks"); strings.Contains(list.Body, "whsec_") {
			t.Fatal("the secret is shown again on the list")
		}
		var ev events.Event
		if err := db.Write(ctx, func(tx *store.Tx) error {
			ev, err = bus.Publish(ctx, tx, "org_kent", "case.submitted", "cas_1", nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		page := admin.Get("/admin/webhooks/" + id)
		if page.Status != http.StatusOK || !strings.Contains(page.Body, "Delivered") || !strings.Contains(page.Body, ev.ID) {
			t.Fatalf("delivery log: %d", page.Status)
		}
		if r := admin.PostForm("/admin/webhooks/"+id+"/replay", url.Values{"event": {ev.ID}}); r.Status != http.StatusSeeOther {
			t.Fatalf("replay: %d", r.Status)
		}
		if _, err := q.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		ds, _ := bus.Deliveries(ctx, who["admin"], id, "", 0)
		if len(ds) != 2 {
			t.Fatalf("deliveries after replay: %d", len(ds))
		}

		if r := as("cw").Get("/admin/webhooks"); r.Status != http.StatusForbidden {
			t.Fatalf("caseworker: %d", r.Status)
		}
		nhs := as("nhs")
		if r := nhs.Get("/admin/webhooks/" + id); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation reading: %d", r.Status)
		}
		if r := nhs.PostForm("/admin/webhooks/"+id+"/delete", url.Values{}); r.Status != http.StatusNotFound {
			t.Fatalf("other organisation deleting: %d", r.Status)
		}

		if r := admin.PostForm("/admin/webhooks/"+id+"/pause", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("pause: %d", r.Status)
		}
		if page := admin.Get("/admin/webhooks/" + id); !strings.Contains(page.Body, "Resume webhook") || strings.Contains(page.Body, "Send again") {
			t.Fatal("a paused webhook offers no resume, or offers to send again")
		}
		if r := admin.Get("/admin/webhooks/" + id + "/delete"); r.Status != http.StatusOK || !strings.Contains(r.Body, "Yes, delete the webhook") {
			t.Fatalf("delete confirmation: %d", r.Status)
		}
		if r := admin.PostForm("/admin/webhooks/"+id+"/delete", url.Values{}); r.Status != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.Status)
		}
		if r := admin.Get("/admin/webhooks/" + id); r.Status != http.StatusNotFound {
			t.Fatalf("deleted webhook: %d", r.Status)
		}
		entries, _ := log.List(ctx, audit.Filter{OrgID: "org_kent", ResourceType: "webhook", Limit: 50})
		actions := map[string]bool{}
		for _, e := range entries.Entries {
			actions[e.Action] = true
		}
		for _, a := range []string{"webhook.create", "webhook.replay", "webhook.disable", "webhook.delete"} {
			if !actions[a] {
				t.Errorf("no %s in the audit log: %v", a, actions)
			}
		}
	})
}
