package post

import (
	"sort"
	"strings"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Staff find sent messages by the recipient's name: messages about a
// person the directory found by that name, and letters whose addressee's
// line holds it (in any case); the reference still matches exactly, and
// the name's characters are never LIKE's wildcards.
func TestNotificationsFoundByName(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()
		email := e.rowTemplate(sv, KindEmail, "Hello", "Hello", "Dear ((name))")
		letter := e.rowTemplate(sv, KindLetter, "Letter", "About your complaint", "Dear ((name))")
		send := func(in SendInput) string {
			t.Helper()
			n, err := e.ps.Send(e.ctx, e.mia, sv.ID, in)
			noErr(t, err)
			return n.ID
		}
		toRita := send(SendInput{TemplateID: email.ID, To: "r.walker@example.org", PersonID: e.rita.UserID, Personalisation: map[string]any{"name": "Rita"}})
		letterRita := send(SendInput{TemplateID: letter.ID, Address: []string{"Mrs Rita Walker", "1 High Street", "NS1 1AA"}, Personalisation: map[string]any{"name": "Rita"}})
		toBob := send(SendInput{TemplateID: email.ID, To: "bob@example.org", Reference: "CS-100%", Personalisation: map[string]any{"name": "Bob"}})
		letterBob := send(SendInput{TemplateID: letter.ID, Address: []string{"Bob 100 Smith", "2 High Street", "NS1 1AA"}, Personalisation: map[string]any{"name": "Bob"}})

		find := func(f NotificationFilter) string {
			t.Helper()
			ns, _, err := e.ps.Notifications(e.ctx, e.mia, f)
			noErr(t, err)
			var ids []string
			for _, n := range ns {
				ids = append(ids, n.ID)
			}
			sort.Strings(ids)
			return strings.Join(ids, " ")
		}
		ids := func(ids ...string) string { sort.Strings(ids); return strings.Join(ids, " ") }
		// "rita" as the directory finds her, and on the letter's first line.
		if got := find(NotificationFilter{Text: "rita", PersonIDs: []string{e.rita.UserID}}); got != ids(toRita, letterRita) {
			t.Fatalf("by name: %s, want %s", got, ids(toRita, letterRita))
		}
		// A name the directory does not know still finds the letter, in any case.
		if got := find(NotificationFilter{Text: "WALKER"}); got != ids(letterRita) {
			t.Fatalf("by the letter's addressee: %s", got)
		}
		// The reference as typed; "%" is itself, not "anything".
		if got := find(NotificationFilter{Text: "CS-100%"}); got != ids(toBob) {
			t.Fatalf("by reference: %s", got)
		}
		if got := find(NotificationFilter{Text: "%"}); got != "" {
			t.Fatalf("a wildcard matched: %s", got)
		}
		if got := find(NotificationFilter{Text: "bob 100"}); got != ids(letterBob) {
			t.Fatalf("by part of the addressee: %s", got)
		}
		// Other filters still narrow it.
		if got := find(NotificationFilter{Text: "rita", PersonIDs: []string{e.rita.UserID}, Kind: KindEmail}); got != ids(toRita) {
			t.Fatalf("by name and channel: %s", got)
		}
		// Another organisation's staff find nothing of it.
		if ns, _, err := e.ps.Notifications(e.ctx, e.other, NotificationFilter{Text: "rita", PersonIDs: []string{e.rita.UserID}}); err != nil || len(ns) != 0 {
			t.Fatalf("another organisation: %v %v", ns, err)
		}
	})
}

// A resident sees the messages the council sent them about their case:
// what each said (the subject and first lines), its channel and status;
// never a message to someone else about the same case, nor one about
// another case.
func TestMessagesToPerson(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := sendingEnv(t, db)
		sv := e.service()
		email := e.rowTemplate(sv, KindEmail, "Update", "Your complaint ((ref))", "Dear ((name)),\n\n"+strings.Repeat("We are looking into it. ", 12)+"\n\nMore.")
		letter := e.rowTemplate(sv, KindLetter, "Letter", "Our answer", "Dear ((name)),\n\nWe have put it right.")
		send := func(in SendInput) {
			t.Helper()
			_, err := e.ps.Send(e.ctx, e.mia, sv.ID, in)
			noErr(t, err)
		}
		send(SendInput{TemplateID: email.ID, To: "rita@example.org", CaseID: "case_1", PersonID: e.rita.UserID, Personalisation: map[string]any{"name": "Rita", "ref": "CS-1"}})
		e.clock.Add(time.Minute)
		send(SendInput{TemplateID: letter.ID, Address: []string{"Rita", "1 High Street", "NS1 1AA"}, CaseID: "case_1", PersonID: e.rita.UserID,
			Personalisation: map[string]any{"name": "Rita"}})
		// To a caseworker about the same case, and to Rita about another.
		send(SendInput{TemplateID: email.ID, To: "mia@example.org", CaseID: "case_1", PersonID: e.mia.UserID, Personalisation: map[string]any{"name": "Mia", "ref": "CS-1"}})
		send(SendInput{TemplateID: email.ID, To: "rita@example.org", CaseID: "case_2", PersonID: e.rita.UserID, Personalisation: map[string]any{"name": "Rita", "ref": "CS-2"}})

		ms, err := e.ps.MessagesToPerson(e.ctx, e.rita, "case_1")
		noErr(t, err)
		if len(ms) != 2 || ms[0].Kind != KindEmail || ms[0].Subject != "Your complaint CS-1" || ms[0].Status != StatusCreated ||
			!strings.HasPrefix(ms[0].Excerpt, "Dear Rita, We are looking into it.") || !strings.HasSuffix(ms[0].Excerpt, "…") ||
			len([]rune(ms[0].Excerpt)) > excerptRunes+1 || ms[1].Kind != KindLetter || ms[1].Excerpt != "Dear Rita, We have put it right." {
			t.Fatalf("Rita's messages about case_1: %+v", ms)
		}
		// Mia sees only hers here; another organisation's person, nothing.
		if ms, err := e.ps.MessagesToPerson(e.ctx, e.mia, "case_1"); err != nil || len(ms) != 1 || ms[0].Subject != "Your complaint CS-1" {
			t.Fatalf("Mia's: %+v %v", ms, err)
		}
		other := *e.rita
		other.OrgID = e.other.OrgID
		if ms, err := e.ps.MessagesToPerson(e.ctx, &other, "case_1"); err != nil || len(ms) != 0 {
			t.Fatalf("another organisation: %+v %v", ms, err)
		}
	})
}
