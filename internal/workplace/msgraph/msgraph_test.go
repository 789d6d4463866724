package msgraph_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/workplace/msgraph"
	"dbtp/internal/workplace/msgraph/msgraphtest"
)

func client(t *testing.T, g *msgraphtest.Server) (*msgraph.Client, *[]time.Duration) {
	t.Helper()
	c, err := msgraph.New(g.Config())
	if err != nil {
		t.Fatal(err)
	}
	var waits []time.Duration
	msgraph.RecordWaits(c, &waits)
	return c, &waits
}

func TestManagedDevices(t *testing.T) {
	g := msgraphtest.New(t)
	c, waits := client(t, g)
	devs, err := c.ManagedDevices(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != msgraphtest.Devices {
		t.Fatalf("%d devices: %+v", len(devs), devs)
	}
	// Both pages were read, the second after one 429 whose Retry-After
	// was honoured.
	if g.Requests("GET devices") != 3 || len(*waits) != 1 || (*waits)[0] != msgraphtest.RetryAfterSeconds*time.Second {
		t.Fatalf("requests %d, waits %v", g.Requests("GET devices"), *waits)
	}
	d := devs[0]
	if d.ID != "a1d4c7e0-3b6f-4a9c-8d2e-5f1b4c7a0e3d" || d.DeviceName != "KCC-LT-04127" || d.UserPrincipalName != "jo.baker@kent.example" ||
		d.Model != "Latitude 5440" || d.Manufacturer != "Dell Inc." || d.SerialNumber != "7QX4K53" || d.OperatingSystem != "Windows" ||
		d.OSVersion != "10.0.22631.4890" || !d.IsEncrypted || d.ComplianceState != "compliant" || d.ManagedDeviceOwnerType != "company" ||
		!d.LastSyncDateTime.Equal(time.Date(2026, 3, 2, 7, 12, 45, 0, time.UTC)) {
		t.Errorf("first device %+v", d)
	}
	if devs[1].ComplianceState != "noncompliant" || devs[3].ManagedDeviceOwnerType != "personal" || devs[3].ComplianceState != "inGracePeriod" {
		t.Errorf("devices %+v", devs)
	}
	// Never synced: Graph's 0001-01-01 is the zero time; unassigned: no UPN.
	if !devs[2].LastSyncDateTime.IsZero() || devs[2].UserPrincipalName != "" || devs[2].IsEncrypted {
		t.Errorf("unassigned device %+v", devs[2])
	}
	if g.TokenRequests() != 1 {
		t.Errorf("%d tokens fetched", g.TokenRequests())
	}

	// A revoked token is renewed once, transparently.
	g.RevokeTokens()
	if _, err := c.ManagedDevices(context.Background()); err != nil {
		t.Fatal(err)
	}
	if g.TokenRequests() != 2 {
		t.Errorf("%d tokens fetched", g.TokenRequests())
	}
}

func TestOnlineMeetings(t *testing.T) {
	g := msgraphtest.New(t)
	c, _ := client(t, g)
	ctx := context.Background()
	start := time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC)
	in := msgraph.MeetingInput{Subject: "Budget review; Medway Room", Start: start, End: start.Add(time.Hour)}
	m, err := c.CreateOrGetMeeting(ctx, "mtg-1", in)
	if err != nil {
		t.Fatal(err)
	}
	if m.ID == "" || !strings.HasPrefix(m.JoinWebURL, "https://teams.microsoft.com/l/meetup-join/") || m.Subject != "Budget review; Medway Room" ||
		!m.StartDateTime.Equal(start) || !m.EndDateTime.Equal(start.Add(time.Hour)) || m.JoinMeetingIDSettings.JoinMeetingID == "" || m.ExternalID != "mtg-1" {
		t.Fatalf("meeting %+v", m)
	}
	// Asked again under the same external ID, even after an answer was
	// lost, Graph gives the same meeting: never a second.
	g.LoseAnswers(1)
	if _, err := c.CreateOrGetMeeting(ctx, "mtg-1", in); !errors.Is(err, msgraph.ErrUnavailable) {
		t.Fatalf("a lost answer: %v", err)
	}
	again, err := c.CreateOrGetMeeting(ctx, "mtg-1", in)
	if err != nil || again.ID != m.ID || again.JoinWebURL != m.JoinWebURL || len(g.Meetings()) != 1 {
		t.Fatalf("again %+v %v; the stand-in holds %d", again, err, len(g.Meetings()))
	}
	if _, err := c.CreateOrGetMeeting(ctx, " ", in); platform.CodeOf(err) != platform.CodeInvalid {
		t.Fatalf("no external ID: %v", err)
	}
	up, err := c.UpdateMeeting(ctx, m.ID, msgraph.MeetingInput{Subject: "Moved", Start: start.Add(time.Hour), End: start.Add(2 * time.Hour)})
	if err != nil || up.Subject != "Moved" || !up.StartDateTime.Equal(start.Add(time.Hour)) || up.JoinWebURL != m.JoinWebURL {
		t.Fatalf("update %+v %v", up, err)
	}
	if err := c.DeleteMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	// Deleting again, or a meeting Graph never had, is not an error.
	if err := c.DeleteMeeting(ctx, m.ID); err != nil {
		t.Fatal(err)
	}
	ms := g.Meetings()
	if len(ms) != 1 || !ms[0].Deleted || ms[0].Subject != "Moved" {
		t.Fatalf("stand-in holds %+v", ms)
	}
	_, err = c.UpdateMeeting(ctx, m.ID, msgraph.MeetingInput{Subject: "x", Start: start, End: start.Add(time.Hour)})
	if platform.CodeOf(err) != platform.CodeNotFound {
		t.Fatalf("update of a deleted meeting: %v", err)
	}

	// Without an application access policy Graph says 403; the message
	// says what to grant.
	g.RefuseMeetings(true)
	_, err = c.CreateOrGetMeeting(ctx, "mtg-2", msgraph.MeetingInput{Subject: "x", Start: start, End: start.Add(time.Hour)})
	if !errors.Is(err, msgraph.ErrAccessDenied) || !strings.Contains(err.Error(), "OnlineMeetings.ReadWrite.All") {
		t.Fatalf("refused: %v", err)
	}
	// Bad input is refused before Graph is asked.
	if _, err := c.CreateOrGetMeeting(ctx, "mtg-3", msgraph.MeetingInput{Subject: " ", Start: start, End: start}); platform.CodeOf(err) != platform.CodeInvalid {
		t.Fatalf("bad input: %v", err)
	}
}

func TestSetupErrors(t *testing.T) {
	g := msgraphtest.New(t)
	cfg := g.Config()
	cfg.ClientSecret = "wrong"
	c, err := msgraph.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.ManagedDevices(context.Background())
	if !errors.Is(err, msgraph.ErrSetup) || strings.Contains(err.Error(), "wrong") {
		t.Fatalf("bad secret: %v", err)
	}
	// No organizer: devices work, meetings say what is missing.
	cfg = g.Config()
	cfg.Organizer = ""
	c, _ = msgraph.New(cfg)
	if c.MeetingsOn() {
		t.Fatal("meetings on without an organizer")
	}
	if _, err := c.CreateOrGetMeeting(context.Background(), "mtg-4", msgraph.MeetingInput{}); !errors.Is(err, msgraph.ErrNotConfigured) {
		t.Fatalf("no organizer: %v", err)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, ok, err := msgraph.ConfigFromEnv(env(nil)); ok || err != nil {
		t.Fatalf("unset: %v %v", ok, err)
	}
	full := map[string]string{msgraph.EnvTenant: "kentcc.onmicrosoft.com", msgraph.EnvClientID: "2b7d9f1a-3c5e-4a7b-9d1f-3a5c7e9b1d3f",
		msgraph.EnvClientSecret: "s3cret-value", msgraph.EnvOrganizer: "rooms@kent.gov.uk"}
	cfg, ok, err := msgraph.ConfigFromEnv(env(full))
	if !ok || err != nil || cfg.BaseURL != msgraph.DefaultBaseURL || cfg.TokenURL != "https://login.microsoftonline.com/kentcc.onmicrosoft.com/oauth2/v2.0/token" {
		t.Fatalf("%+v %v %v", cfg, ok, err)
	}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg)} {
		if strings.Contains(s, "s3cret-value") {
			t.Fatalf("secret shown: %s", s)
		}
	}
	for k, v := range map[string]string{msgraph.EnvClientSecret: "", msgraph.EnvTenant: "bad tenant!", msgraph.EnvURL: "http://graph.example/v1.0",
		msgraph.EnvTokenURL: "https://login.example/x?y=1", msgraph.EnvOrganizer: "not an address"} {
		bad := map[string]string{}
		for a, b := range full {
			bad[a] = b
		}
		bad[k] = v
		_, ok, err := msgraph.ConfigFromEnv(env(bad))
		if ok || !errors.Is(err, msgraph.ErrNotConfigured) || !strings.Contains(err.Error(), k) || strings.Contains(err.Error(), "s3cret-value") {
			t.Errorf("%s=%q: %v %v", k, v, ok, err)
		}
	}
}
