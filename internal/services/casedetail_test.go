package services

import (
	"reflect"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// GetCaseDetail must answer exactly as GetCase, Timeline, ListNotes and
// ListTasks do one by one, including refusing a subject who sees the case
// only as its applicant (tasks are staff work).
func TestCaseDetailAnswersAsTheSeparateReads(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		e.publish(complaints(1))
		c := e.submit(e.rita, "Bins missed")
		_, err := e.svc.AddNote(e.ctx, e.cara, c.ID, "Called the crew", Internal)
		noErr(t, err)
		_, err = e.svc.AddNote(e.ctx, e.cara, c.ID, "We are on it", ToApplicant)
		noErr(t, err)
		_, err = e.svc.CreateTask(e.ctx, e.cara, c.ID, NewTask{Title: "Check the round"})
		noErr(t, err)

		d, err := e.svc.GetCaseDetail(e.ctx, e.cara, c.ID)
		noErr(t, err)
		one, err := e.svc.GetCase(e.ctx, e.cara, c.ID)
		noErr(t, err)
		events, err := e.svc.Timeline(e.ctx, e.cara, c.ID)
		noErr(t, err)
		notes, err := e.svc.ListNotes(e.ctx, e.cara, c.ID)
		noErr(t, err)
		tasks, err := e.svc.ListTasks(e.ctx, e.cara, c.ID)
		noErr(t, err)
		if !reflect.DeepEqual(d.Case, one) || !reflect.DeepEqual(d.Timeline, events) || !reflect.DeepEqual(d.Notes, notes) || !reflect.DeepEqual(d.Tasks, tasks) {
			t.Fatalf("detail differs from the separate reads:\n%+v\n%+v %+v %+v %+v", d, one, events, notes, tasks)
		}
		if len(d.Notes) != 2 || len(d.Tasks) == 0 || len(d.Timeline) == 0 {
			t.Fatalf("detail lacks lists: %d notes, %d tasks, %d events", len(d.Notes), len(d.Tasks), len(d.Timeline))
		}

		_, want := e.svc.ListTasks(e.ctx, e.rita, c.ID)
		_, got := e.svc.GetCaseDetail(e.ctx, e.rita, c.ID)
		if want == nil || platform.CodeOf(got) != platform.CodeOf(want) {
			t.Fatalf("the applicant: detail answered %v, tasks %v", got, want)
		}
		_, got = e.svc.GetCaseDetail(e.ctx, e.cara, "case_nosuchcase0000000000000")
		if platform.CodeOf(got) != platform.CodeNotFound {
			t.Fatalf("an unknown case: %v", got)
		}
	})
}
