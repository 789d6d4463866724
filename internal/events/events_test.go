package events_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/audit/audittest"
	"dbtp/internal/events"
	"dbtp/internal/jobs"
	"dbtp/internal/platform"
	"dbtp/internal/platform/platformtest"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

var mods = []store.Migrations{audit.Migrations, jobs.Migrations, events.Migrations}

// The Standard Webhooks specification's published test vector.
func TestSignMatchesSpecificationVector(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	ts := time.Unix(1614265330, 0)
	body := []byte(`{"test": 2432232314}`)
	sig, err := events.Sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", ts, body)
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; sig != want {
		t.Fatalf("signature = %s, want %s", sig, want)
	}
	if err := events.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,bm9wZQ== "+sig, body, ts, 5*time.Minute); err != nil {
		t.Fatalf("verify: %v", err)
	}
	if err := events.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, []byte(`{"test": 2432232315}`), ts, 5*time.Minute); !errors.Is(err, events.ErrSignature) {
		t.Fatalf("altered body verified: %v", err)
	}
	if err := events.Verify(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig, body, ts.Add(time.Hour), 5*time.Minute); err == nil {
		t.Fatal("stale timestamp accepted")
	}
}

type env struct {
	db    *store.DB
	q     *jobs.Queue
	bus   *events.Bus
	clock *platformtest.Clock
	admin *platform.Subject
}

func newEnv(t *testing.T, db *store.DB, client *http.Client) *env {
	t.Helper()
	log := audittest.NewLog(t, db)
	clock := platformtest.NewClock(time.Now())
	q := jobs.New(db, jobs.Options{Clock: clock})
	bus, err := events.New(db, q, access.New(log), log, events.Options{Clock: clock, HTTPClient: client, PrivateNetworks: true})
	if err != nil {
		t.Fatal(err)
	}
	admin := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_admin", OrgID: "org_a", Roles: []platform.Role{platform.RoleAdmin}}
	return &env{db: db, q: q, bus: bus, clock: clock, admin: admin}
}

func (e *env) publish(t *testing.T, typ, subject string) events.Event {
	t.Helper()
	var ev events.Event
	err := e.db.Write(context.Background(), func(tx *store.Tx) error {
		var err error
		ev, err = e.bus.Publish(context.Background(), tx, "org_a", typ, subject, map[string]string{"reference": "COMP-2026-000001"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func (e *env) runDue(t *testing.T) {
	t.Helper()
	if _, err := e.q.RunDue(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestSubscribersGetCommittedEventsOnly(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		var got []string
		fails := 2
		if err := e.bus.Subscribe("records", []string{"case.*"}, func(_ context.Context, ev events.Event) error {
			got = append(got, ev.Type+" "+ev.Subject)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		flaky := 0
		if err := e.bus.Subscribe("flaky", []string{"case.submitted"}, func(context.Context, events.Event) error {
			flaky++
			if flaky <= fails {
				return errors.New("not yet")
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		err := db.Write(ctx, func(tx *store.Tx) error {
			if _, err := e.bus.Publish(ctx, tx, "org_a", "case.submitted", "cas_rolled_back", nil); err != nil {
				return err
			}
			return errors.New("the submission failed")
		})
		if err == nil {
			t.Fatal("write should fail")
		}
		e.publish(t, "case.submitted", "cas_1")
		e.publish(t, "booking.made", "bkg_1") // no subscriber matches
		e.runDue(t)
		if len(got) != 1 || got[0] != "case.submitted cas_1" {
			t.Fatalf("records got %v", got)
		}
		// The flaky subscriber is retried with backoff without repeating
		// delivery to the one that succeeded.
		for range fails {
			e.clock.Add(time.Hour)
			e.runDue(t)
		}
		if flaky != 3 || len(got) != 1 {
			t.Fatalf("flaky called %d times, records %d times", flaky, len(got))
		}
		if err := e.bus.Subscribe("bad", []string{"Case Submitted"}, func(context.Context, events.Event) error { return nil }); err == nil {
			t.Fatal("bad pattern accepted")
		}
		if _, err := e.bus.Publish(ctx, nil, "org_a", "nodot", "", nil); err == nil {
			t.Fatal("bad type accepted")
		}
	})
}

// receiver is a real HTTP server that checks each webhook's signature.
type receiver struct {
	mu     sync.Mutex
	secret string
	now    func() time.Time
	got    []string // bodies of authentic deliveries
	bad    int
	answer func(w http.ResponseWriter, r *http.Request) bool // true: handled
	srv    *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{now: time.Now}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		answer, secret := rc.answer, rc.secret
		rc.mu.Unlock()
		if answer != nil && answer(w, r) {
			return
		}
		err := events.Verify(secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), r.Header.Get("webhook-signature"), b, rc.now(), 5*time.Minute)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		if err != nil {
			rc.bad++
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		rc.got = append(rc.got, string(b))
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) set(answer func(w http.ResponseWriter, r *http.Request) bool) {
	rc.mu.Lock()
	rc.answer = answer
	rc.mu.Unlock()
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

func TestWebhooksSignedRetriedLoggedAndReplayed(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		rc := newReceiver(t)
		e := newEnv(t, db, &http.Client{Timeout: 300 * time.Millisecond})
		ctx := context.Background()
		ep, secret, err := e.bus.CreateEndpoint(ctx, e.admin, events.NewEndpoint{URL: rc.srv.URL + "/hook", Types: []string{"case.submitted"}, Description: "Adults CRM"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("secret %q", secret)
		}
		rc.mu.Lock()
		rc.secret, rc.now = secret, e.clock.Now
		rc.mu.Unlock()

		// First the receiver is down (500), then slow (times out), then it
		// redirects; each is logged and retried, and the redirect is not followed.
		redirected := 0
		other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { redirected++ }))
		defer other.Close()
		release := make(chan struct{})
		answers := []func(w http.ResponseWriter, r *http.Request) bool{
			func(w http.ResponseWriter, r *http.Request) bool { http.Error(w, "down", 500); return true },
			func(w http.ResponseWriter, r *http.Request) bool {
				select {
				case <-release:
				case <-r.Context().Done():
				}
				return true
			},
			func(w http.ResponseWriter, r *http.Request) bool {
				http.Redirect(w, r, other.URL, http.StatusFound)
				return true
			},
		}
		ev := e.publish(t, "case.submitted", "cas_1")
		e.publish(t, "case.transitioned", "cas_1") // not subscribed
		for _, a := range answers {
			rc.set(a)
			e.runDue(t)
			e.clock.Add(2 * time.Hour)
		}
		close(release)
		rc.set(nil)
		e.runDue(t)
		if rc.count() != 1 || rc.bad != 0 || redirected != 0 {
			t.Fatalf("authentic deliveries %d, bad %d, redirect followed %d", rc.count(), rc.bad, redirected)
		}
		if !strings.Contains(rc.got[0], `"type":"case.submitted"`) || !strings.Contains(rc.got[0], `"reference":"COMP-2026-000001"`) {
			t.Fatalf("body = %s", rc.got[0])
		}
		log, err := e.bus.Deliveries(ctx, e.admin, ep.ID, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != 4 {
			t.Fatalf("delivery log has %d attempts, want 4: %+v", len(log), log)
		}
		want := []int{204, 302, 0, 500} // newest first
		for i, d := range log {
			if d.Status != want[i] || d.Attempt != 4-i || d.EventID != ev.ID {
				t.Fatalf("attempt %d = %+v, want status %d", i, d, want[i])
			}
		}
		if !strings.Contains(log[1].Error, "redirects are not followed") || log[2].Error == "" {
			t.Fatalf("errors = %q, %q", log[1].Error, log[2].Error)
		}
		// Replay sends it again, signed afresh.
		if err := e.bus.Replay(ctx, e.admin, ep.ID, ev.ID); err != nil {
			t.Fatal(err)
		}
		e.runDue(t)
		if rc.count() != 2 {
			t.Fatalf("after replay the receiver has %d deliveries", rc.count())
		}
		// A paused endpoint gets nothing.
		if err := e.bus.SetDisabled(ctx, e.admin, ep.ID, true); err != nil {
			t.Fatal(err)
		}
		e.publish(t, "case.submitted", "cas_2")
		e.runDue(t)
		if rc.count() != 2 {
			t.Fatal("a paused endpoint received an event")
		}
	})
}

func TestWebhookEndpointsBelongToAdminsOfTheirOrganisation(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		ep, _, err := e.bus.CreateEndpoint(ctx, e.admin, events.NewEndpoint{URL: "https://crm.example.org/dbtp", Types: []string{"*"}})
		if err != nil {
			t.Fatal(err)
		}
		caseworker := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_cw", OrgID: "org_a", Roles: []platform.Role{platform.RoleCaseworker}}
		if _, _, err := e.bus.CreateEndpoint(ctx, caseworker, events.NewEndpoint{URL: "https://x.example.org", Types: []string{"*"}}); platform.CodeOf(err) != platform.CodeForbidden {
			t.Fatalf("caseworker creating a webhook: %v", err)
		}
		other := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_b", OrgID: "org_b", Roles: []platform.Role{platform.RoleAdmin}}
		if _, err := e.bus.GetEndpoint(ctx, other, ep.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("another organisation's admin reading the webhook: %v", err)
		}
		if err := e.bus.DeleteEndpoint(ctx, other, ep.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("another organisation's admin deleting the webhook: %v", err)
		}
		if list, _ := e.bus.ListEndpoints(ctx, other); len(list) != 0 {
			t.Fatalf("another organisation lists %d webhooks", len(list))
		}
		for _, bad := range []events.NewEndpoint{
			{URL: "ftp://x.example.org", Types: []string{"*"}},
			{URL: "https://user:pw@x.example.org", Types: []string{"*"}},
			{URL: "https://x.example.org", Types: nil},
			{URL: "https://x.example.org", Types: []string{"Case Submitted"}},
		} {
			if _, _, err := e.bus.CreateEndpoint(ctx, e.admin, bad); platform.CodeOf(err) != platform.CodeInvalid {
				t.Fatalf("%+v accepted: %v", bad, err)
			}
		}
	})
}

func TestMain(m *testing.M) { storetest.Main(m) }

// By default a webhook reaches only public addresses over https: an
// organisation's admin cannot use the platform to probe the machines
// around it, by address or by a name that resolves to a local one.
func TestWebhooksStayOffPrivateNetworks(t *testing.T) {
	db := storetest.Open(t, store.SQLite, mods)
	log := audittest.NewLog(t, db)
	clock := platformtest.NewClock(time.Now())
	q := jobs.New(db, jobs.Options{Clock: clock})
	bus, err := events.New(db, q, access.New(log), log, events.Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.Declare("case.submitted", "case.transitioned"); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	admin := &platform.Subject{Kind: platform.SubjectUser, UserID: "usr_admin", OrgID: "org_a", Roles: []platform.Role{platform.RoleAdmin}}
	for _, bad := range []string{"http://crm.example.org/hook", "https://127.0.0.1/hook", "https://10.0.0.1/hook", "https://[::1]/hook", "https://169.254.169.254/latest"} {
		if _, _, err := bus.CreateEndpoint(ctx, admin, events.NewEndpoint{URL: bad, Types: []string{"case.*"}}); platform.CodeOf(err) != platform.CodeInvalid {
			t.Errorf("%s accepted: %v", bad, err)
		}
	}
	if _, _, err := bus.CreateEndpoint(ctx, admin, events.NewEndpoint{URL: "https://crm.example.org", Types: []string{"case.submited"}}); platform.CodeOf(err) != platform.CodeInvalid {
		t.Errorf("a misspelt event type was accepted: %v", err)
	}
	// A name resolving to loopback passes the form but is refused when dialled.
	reached := false
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { reached = true }))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	ep, _, err := bus.CreateEndpoint(ctx, admin, events.NewEndpoint{URL: "https://localhost:" + port + "/hook", Types: []string{"case.submitted"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, func(tx *store.Tx) error {
		_, err := bus.Publish(ctx, tx, "org_a", "case.submitted", "cas_1", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := q.RunDue(ctx); err != nil {
		t.Fatal(err)
	}
	log2, err := bus.Deliveries(ctx, admin, ep.ID, "", 0)
	if err != nil || len(log2) != 1 {
		t.Fatalf("deliveries %+v %v", log2, err)
	}
	if reached || !strings.Contains(log2[0].Error, "private or local network") || strings.Contains(log2[0].Error, "127.0.0.1") {
		t.Fatalf("delivery to a local address: reached %v, logged %q", reached, log2[0].Error)
	}
}

// Sending the add form twice (a reload) adds one webhook; a paused one
// cannot be sent to again.
func TestAddingTwiceAddsOnceAndPausedRefusesReplay(t *testing.T) {
	db := storetest.Open(t, store.SQLite, mods)
	e := newEnv(t, db, nil)
	ctx := context.Background()
	first, secret, err := e.bus.CreateEndpoint(ctx, e.admin, events.NewEndpoint{URL: "https://crm.example.org", Types: []string{"*"}, Once: "form-1"})
	if err != nil || secret == "" {
		t.Fatal(err)
	}
	again, secret2, err := e.bus.CreateEndpoint(ctx, e.admin, events.NewEndpoint{URL: "https://crm.example.org", Types: []string{"*"}, Once: "form-1"})
	if err != nil || again.ID != first.ID || secret2 != "" {
		t.Fatalf("second send: %+v %q %v", again, secret2, err)
	}
	if list, _ := e.bus.ListEndpoints(ctx, e.admin); len(list) != 1 {
		t.Fatalf("%d webhooks after a reload", len(list))
	}
	ev := e.publish(t, "case.submitted", "cas_1")
	if err := e.bus.SetDisabled(ctx, e.admin, first.ID, true); err != nil {
		t.Fatal(err)
	}
	if err := e.bus.Replay(ctx, e.admin, first.ID, ev.ID); platform.CodeOf(err) != platform.CodeConflict {
		t.Fatalf("replay to a paused webhook: %v", err)
	}
}

// The node that published an event keeps it for its deliveries instead of
// reading it back; what a subscriber gets must still be exactly what is
// stored, whichever node runs the delivery, and an event pruned by another
// node must not live on in memory.
func TestDeliveriesGetTheEventAsStoredOnEveryNode(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		a, b := newEnv(t, db, nil), newEnv(t, db, nil) // two nodes on one database
		ctx := context.Background()
		var got []string
		for _, n := range []*env{a, b} {
			for _, name := range []string{"first", "second"} {
				if err := n.bus.Subscribe(name, []string{"case.*"}, func(_ context.Context, ev events.Event) error {
					got = append(got, ev.ID+" "+ev.At.Format(time.RFC3339Nano)+" "+string(ev.Data))
					ev.Data[2] = 'X' // a careless subscriber scribbling on what it was given
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
		}
		at := time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC).In(time.FixedZone("BST", 3600)) // finer than stored, not UTC
		a.clock.Set(at)
		b.clock.Set(at)
		published := a.publish(t, "case.submitted", "cas_1")
		stored, err := b.bus.Event(ctx, published.ID) // b never saw it published: from the database
		if err != nil {
			t.Fatal(err)
		}
		kept, err := a.bus.Event(ctx, published.ID)
		if err != nil {
			t.Fatal(err)
		}
		if kept.ID != stored.ID || kept.OrgID != stored.OrgID || kept.Type != stored.Type || kept.Subject != stored.Subject ||
			string(kept.Data) != string(stored.Data) || kept.At != stored.At {
			t.Fatalf("the publishing node gives %+v, the database %+v", kept, stored)
		}
		want := stored.ID + " 2026-03-02T09:00:00.123Z " + string(stored.Data)
		a.runDue(t) // the dispatch and both deliveries, on the publishing node
		if len(got) != 2 || got[0] != want || got[1] != want {
			t.Fatalf("subscribers got %q, want %q twice", got, want)
		}

		a.clock.Add(91 * 24 * time.Hour)
		b.clock.Add(91 * 24 * time.Hour)
		b.runDue(t) // b's daily prune deletes the event, past the 90 days kept
		if _, err := b.bus.Event(ctx, published.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("pruned event on b: %v", err)
		}
		if ev, err := a.bus.Event(ctx, published.ID); platform.CodeOf(err) != platform.CodeNotFound {
			t.Fatalf("the publishing node still gives the pruned event: %+v, %v", ev, err)
		}
	})
}

// A subscriber that wants only some events of its types says so with
// SubscribeWhen: an event it refuses costs no delivery job at all; one it
// wants is delivered as any other; and if it cannot decide (its look-up
// failed), the fan-out fails and is retried rather than dropping it.
func TestSubscriberWhenSkipsUnwantedEventsWithoutAJob(t *testing.T) {
	storetest.Each(t, mods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db, nil)
		ctx := context.Background()
		var got []string
		var broken bool
		when := func(_ context.Context, ev events.Event) (bool, error) {
			if broken {
				return false, errors.New("definitions unreadable")
			}
			return ev.Subject != "case_unwanted", nil
		}
		if err := e.bus.SubscribeWhen("test.picky", []string{"case.*"}, when, func(_ context.Context, ev events.Event) error {
			got = append(got, ev.Subject)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		e.publish(t, "case.submitted", "case_unwanted")
		e.publish(t, "case.submitted", "case_wanted")
		e.runDue(t)
		e.runDue(t)
		if strings.Join(got, ",") != "case_wanted" {
			t.Fatalf("delivered %v, want only case_wanted", got)
		}
		page, err := e.q.List(ctx, jobs.Filter{Kind: "events.deliver", AllOrgs: true})
		if err != nil || len(page.Jobs) != 1 {
			t.Fatalf("delivery jobs %d (%v), want 1: none for the refused event", len(page.Jobs), err)
		}

		broken = true
		e.publish(t, "case.transitioned", "case_later")
		e.runDue(t)
		if failed, _ := e.q.List(ctx, jobs.Filter{Kind: "events.dispatch", State: "available", AllOrgs: true}); len(failed.Jobs) != 1 {
			t.Fatalf("a fan-out that could not decide is not waiting to be retried: %+v", failed.Jobs)
		}
		broken = false
		e.clock.Add(time.Hour)
		e.runDue(t)
		e.runDue(t)
		if strings.Join(got, ",") != "case_wanted,case_later" {
			t.Fatalf("after the retry delivered %v", got)
		}
	})
}
