package post

import (
	"errors"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestTemplateVersions(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		tp, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindEmail, Name: " Complaint received ",
			Subject: "We have your complaint ((reference))", Body: "Dear ((name)),\r\n\r\nThank you."})
		noErr(t, err)
		if tp.Version != 1 || tp.Name != "Complaint received" || tp.UnitID != e.units["Customer services"] || !tp.Statutory || len(tp.ID) != 36 {
			t.Fatalf("%+v", tp)
		}
		// A new body is version 2; a new name alone is not a version.
		no := false
		tp2, err := e.ps.UpdateTemplate(e.ctx, e.mia, tp.ID, TemplateInput{Name: "Complaint received", Subject: tp.Subject, Body: "Dear ((name)),\n\nThanks, ((officer))."})
		noErr(t, err)
		tp3, err := e.ps.UpdateTemplate(e.ctx, e.mia, tp.ID, TemplateInput{Name: "Complaint acknowledgement", Subject: tp.Subject, Body: tp2.Body, Statutory: &no})
		noErr(t, err)
		if tp2.Version != 2 || tp3.Version != 2 || tp3.Name != "Complaint acknowledgement" || tp3.Statutory {
			t.Fatalf("%+v\n%+v", tp2, tp3)
		}
		vs, err := e.ps.TemplateVersions(e.ctx, e.dee, tp.ID)
		noErr(t, err)
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Body != "Dear ((name)),\n\nThank you." {
			t.Fatalf("%+v", vs)
		}
		old, err := e.ps.TemplateAt(e.ctx, e.dee, tp.ID, 1)
		noErr(t, err)
		if old.Version != 1 || old.Body != vs[1].Body || old.Name != "Complaint acknowledgement" {
			t.Fatalf("%+v", old)
		}
		_, err = e.ps.TemplateAt(e.ctx, e.dee, tp.ID, 9)
		wantCode(t, err, platform.CodeNotFound)

		// Preview with sample data: what is left out shows as ((name)).
		p, err := e.ps.PreviewTemplate(e.ctx, e.dee, tp.ID, 0, map[string]any{"Name": "Ann <Lee>"})
		noErr(t, err)
		if strings.Join(p.Placeholders, ",") != "reference,name,officer" || strings.Join(p.Missing, ",") != "reference,officer" {
			t.Fatalf("%+v", p)
		}
		if p.Rendered.Subject != "We have your complaint ((reference))" || !strings.Contains(p.Rendered.HTML, "Dear Ann &lt;Lee&gt;") ||
			!strings.Contains(p.Rendered.Text, "Thanks, ((officer)).") {
			t.Fatalf("%+v", p.Rendered)
		}

		// Archived: not changed, listed apart, brought back.
		noErr(t, e.ps.ArchiveTemplate(e.ctx, e.mia, tp.ID, true))
		_, err = e.ps.UpdateTemplate(e.ctx, e.mia, tp.ID, TemplateInput{Name: "x", Subject: "y", Body: "z"})
		wantCode(t, err, platform.CodeConflict)
		live, _, err := e.ps.Templates(e.ctx, e.dee, TemplateFilter{})
		noErr(t, err)
		gone, _, err := e.ps.Templates(e.ctx, e.dee, TemplateFilter{Archived: true})
		noErr(t, err)
		if len(live) != 0 || len(gone) != 1 {
			t.Fatalf("live %d archived %d", len(live), len(gone))
		}
		noErr(t, e.ps.ArchiveTemplate(e.ctx, e.mia, tp.ID, false))
	})
}

func TestTemplateRulesAndAccess(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		_, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{Kind: "fax", Name: "", Body: " "})
		for _, f := range []string{"service", "kind", "name", "body"} {
			wantField(t, err, f)
		}
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindEmail, Name: "x", Body: "y"})
		wantField(t, err, "subject")
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindEmail, Name: "x", Subject: "a\nb", Body: "y"})
		wantField(t, err, "subject")
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "x", Body: strings.Repeat("a", 919)})
		wantField(t, err, "body")
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: "nope", Kind: KindSMS, Name: "x", Body: "y"})
		wantField(t, err, "service")
		// Only managers and designers of the owning unit keep its templates.
		for _, who := range []*platform.Subject{e.cas, e.sid} {
			_, err = e.ps.CreateTemplate(e.ctx, who, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "x", Body: "y"})
			wantCode(t, err, platform.CodeForbidden)
		}
		sms, err := e.ps.CreateTemplate(e.ctx, e.mia, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "Collection reminder", Subject: "ignored", Body: "Hi ((name))"})
		noErr(t, err)
		if sms.Subject != "" {
			t.Fatalf("%+v", sms)
		}
		_, err = e.ps.Template(e.ctx, e.sid, sms.ID)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ps.Template(e.ctx, e.other, sms.ID)
		wantCode(t, err, platform.CodeNotFound)
		_, err = e.ps.UpdateTemplate(e.ctx, e.cas, sms.ID, TemplateInput{Name: "x", Body: "y"})
		wantCode(t, err, platform.CodeForbidden)
		_, _, err = e.ps.Templates(e.ctx, e.rita, TemplateFilter{})
		wantCode(t, err, platform.CodeForbidden)
		if ls, _, err := e.ps.Templates(e.ctx, e.sid, TemplateFilter{}); err != nil || len(ls) != 0 {
			t.Fatalf("Finance sees %d, %v", len(ls), err)
		}
		if ss, err := e.ps.TemplateServices(e.ctx, e.cas); err != nil || len(ss) != 0 {
			t.Fatalf("%v %v", ss, err)
		}
		if ss, err := e.ps.TemplateServices(e.ctx, e.dee); err != nil || len(ss) != 1 {
			t.Fatalf("%v %v", ss, err)
		}
	})
}

func TestTemplatesPaged(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		for _, n := range []string{"Delta", "alpha 100%", "Charlie", "Bravo", "Echo"} {
			_, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: n, Body: "x"})
			noErr(t, err)
		}
		var names []string
		var after []string
		for range 5 {
			page, next, err := e.ps.Templates(e.ctx, e.admin, TemplateFilter{Limit: 2, After: after})
			noErr(t, err)
			for _, tp := range page {
				names = append(names, tp.Name)
			}
			if next == nil {
				break
			}
			after = next
		}
		all, err := e.ps.TemplatesForService(e.ctx, sv.ID, KindSMS)
		noErr(t, err)
		none, err := e.ps.TemplatesForService(e.ctx, sv.ID, KindEmail)
		noErr(t, err)
		if len(all) != 5 || len(none) != 0 {
			t.Fatalf("for service: %d sms, %d email", len(all), len(none))
		}
		if strings.Join(names, ",") != "alpha 100%,Bravo,Charlie,Delta,Echo" {
			t.Fatalf("%q", names)
		}
		found, _, err := e.ps.Templates(e.ctx, e.dee, TemplateFilter{Query: "100%", Kind: KindSMS, ServiceID: sv.ID})
		noErr(t, err)
		if len(found) != 1 || found[0].Name != "alpha 100%" {
			t.Fatalf("%+v", found)
		}
	})
}

func TestTemplateVersionsPaged(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		tp, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: e.service().ID, Kind: KindSMS, Name: "x", Body: "v1"})
		noErr(t, err)
		for _, b := range []string{"v2", "v3", "v4", "v5"} {
			_, err := e.ps.UpdateTemplate(e.ctx, e.dee, tp.ID, TemplateInput{Name: "x", Body: b})
			noErr(t, err)
		}
		var got []string
		before := 0
		for {
			vs, more, err := e.ps.TemplateVersionsPage(e.ctx, e.dee, tp.ID, before, 2)
			noErr(t, err)
			for _, v := range vs {
				got = append(got, v.Body)
			}
			if !more {
				break
			}
			before = vs[len(vs)-1].Version
		}
		if strings.Join(got, ",") != "v5,v4,v3,v2,v1" {
			t.Fatalf("%q", got)
		}
	})
}

// A service moved to another unit takes its templates with it.
func TestTemplatesFollowTheirService(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		tp, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "x", Body: "y"})
		noErr(t, err)
		noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(e.ctx, "UPDATE post_services SET unit_id = ? WHERE id = ?", e.units["Adults"], sv.ID)
			return err
		}))
		_, err = e.ps.Template(e.ctx, e.dee, tp.ID)
		wantCode(t, err, platform.CodeForbidden)
		got, err := e.ps.Template(e.ctx, e.cas, tp.ID)
		noErr(t, err)
		ls, _, err := e.ps.Templates(e.ctx, e.cas, TemplateFilter{UnitID: e.units["Adults"]})
		noErr(t, err)
		if got.UnitID != e.units["Adults"] || len(ls) != 1 {
			t.Fatalf("%+v %d", got, len(ls))
		}
	})
}

// TestTemplateSyntaxRefused: a placeholder opened and not closed is
// refused with the line it is on, in the subject or the message; a text
// message with a character phones cannot show is refused by name; nothing
// is kept.
func TestTemplateSyntaxRefused(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		fieldSays := func(err error, field, says string) {
			t.Helper()
			var pe *platform.Error
			if !errors.As(err, &pe) {
				t.Fatalf("want a field error, got %v", err)
			}
			for _, f := range pe.Fields {
				if f.Field == field && strings.Contains(f.Message, says) {
					return
				}
			}
			t.Fatalf("want %s to say %q, got %+v", field, says, pe.Fields)
		}
		_, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindEmail, Name: "x", Subject: "About ((reference)",
			Body: "Dear ((name)),\n\nThanks.\nYour reference is ((reference) and\nwe will reply."})
		fieldSays(err, "subject", "“((reference)” is not closed")
		fieldSays(err, "body", "line 4: “((reference)” is not closed with “))”")
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindLetter, Name: "x", Subject: "Your letter", Body: "Dear (name)),"})
		fieldSays(err, "body", "line 1: “(name))” has no opening “((”")
		_, err = e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "x", Body: "Your bin day is ((day)) 🗑"})
		fieldSays(err, "body", "You cannot use 🗑 in text messages")
		tp, err := e.ps.CreateTemplate(e.ctx, e.dee, TemplateInput{ServiceID: sv.ID, Kind: KindSMS, Name: "x", Body: "Diolch, ((name)). Ŵyn (hwyr)"})
		noErr(t, err)
		_, err = e.ps.UpdateTemplate(e.ctx, e.dee, tp.ID, TemplateInput{Name: "x", Body: "Diolch, ((name)."})
		fieldSays(err, "body", "line 1: “((name)”")
		if ls, _, err := e.ps.Templates(e.ctx, e.dee, TemplateFilter{}); err != nil || len(ls) != 1 || ls[0].Version != 1 {
			t.Fatalf("kept %d %v", len(ls), err)
		}
	})
}
