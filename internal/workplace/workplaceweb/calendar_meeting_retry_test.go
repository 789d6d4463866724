package workplaceweb

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
	"dbtp/internal/workplace/msgraph/msgraphtest"
)

// Graph makes the meeting but its answer is lost (as when the node dies
// between Graph's answer and saving it): the retry asks again under the
// external ID recorded before the first try and gets the same meeting,
// so the room has one meeting, not two. A booking called off before the
// retry has the meeting it may have found deleted.
func TestOnlineMeetingMadeOnceWhenTheAnswerIsLost(t *testing.T) {
	storetest.Each(t, calMods, func(t *testing.T, db *store.DB) {
		g := msgraphtest.New(t)
		e := newCalEnv(t, db, g.Env(), true)
		run := func() {
			t.Helper()
			for {
				n, err := e.jobs.RunDue(e.ctx)
				calNoErr(t, err)
				if n == 0 {
					return
				}
			}
		}
		start := calStart.Add(48 * time.Hour)
		g.LoseAnswers(1)
		id := e.book(e.room, "Jo", start, time.Hour, workplace.StatusConfirmed, "Budget review")
		run()
		m, ok, err := e.m.ws.MeetingFor(e.ctx, e.org.ID, id)
		calNoErr(t, err)
		if ms := g.Meetings(); len(ms) != 1 || !ok || m.MeetingID != "" || m.ExternalID == "" || ms[0].ExternalID != m.ExternalID {
			t.Fatalf("after the lost answer: Graph holds %+v, dbtp %+v", ms, m)
		}
		if n := len(e.smtp.Messages()); n != 0 {
			t.Fatalf("%d invitations sent before the meeting was saved", n)
		}
		e.clock.Add(time.Minute) // past the job's backoff
		run()
		ms := g.Meetings()
		m, _, err = e.m.ws.MeetingFor(e.ctx, e.org.ID, id)
		calNoErr(t, err)
		if len(ms) != 1 || g.Requests("POST createOrGet") != 2 || m.MeetingID != ms[0].ID || m.JoinURL != ms[0].JoinWebURL {
			t.Fatalf("after the retry: Graph holds %+v after %d asks; dbtp %+v", ms, g.Requests("POST createOrGet"), m)
		}
		last := e.smtp.Messages()
		if len(last) != 1 || !strings.Contains(readInvite(t, last[0].Data).text, ms[0].JoinWebURL) {
			t.Fatalf("the invitation lacks the one meeting's link (%d sent)", len(last))
		}

		// Lost again, and the booking is cancelled before the retry: the
		// meeting Graph made is found under its ID and deleted.
		g.LoseAnswers(1)
		other := e.book(e.room, "Jo", start.Add(3*time.Hour), time.Hour, workplace.StatusConfirmed, "Planning")
		run()
		if ms := g.Meetings(); len(ms) != 2 || ms[1].Deleted {
			t.Fatalf("the second meeting: %+v", ms)
		}
		e.change(other, "cancelled", workplace.StatusCancelled, start.Add(3*time.Hour), time.Hour)
		e.clock.Add(time.Minute)
		run()
		ms = g.Meetings()
		m, _, err = e.m.ws.MeetingFor(e.ctx, e.org.ID, other)
		calNoErr(t, err)
		if len(ms) != 2 || !ms[1].Deleted || !m.Deleted || m.MeetingID != ms[1].ID {
			t.Fatalf("after cancelling: Graph holds %+v; dbtp %+v", ms, m)
		}
		e.runJobs() // and no job is left failing
	})
}
