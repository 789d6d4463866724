package post

import (
	"strings"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/post/letter"
	"dbtp/internal/post/notify"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

func TestLettersLetterOf(t *testing.T) {
	sv := Service{Name: "Northshire Council", LetterContact: "Northshire Council\r\nCounty Hall\n\n  NS1 1AA  "}
	n := Notification{Address: []string{"Rita", "1 Mill Lane", "NS2 3BB"}, Reference: "REF-1", LargePrint: true, CreatedAt: start}
	r := &notify.Rendered{Subject: "Hello", Blocks: []notify.Block{{Kind: notify.Paragraph, Lines: []string{"Body"}}}}
	l := LetterOf(sv, n, r)
	if l.Council != sv.Name || strings.Join(l.ReturnAddress, "|") != "Northshire Council|County Hall|NS1 1AA" || l.Heading != "Hello" ||
		len(l.Blocks) != 1 || !l.LargePrint || l.Reference != "REF-1" || !l.Date.Equal(start) || len(l.Address) != 3 {
		t.Fatalf("%+v", l)
	}
	if _, pages, err := letter.Render(l); err != nil || pages != 1 {
		t.Fatalf("%d pages, %v", pages, err)
	}
}

func TestLettersLetterTemplate(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		sv := e.service()
		add := func(kind string) string {
			id := NewUUID()
			now := store.Millis(time.Now())
			noErr(t, db.Write(e.ctx, func(tx *store.Tx) error {
				_, err := tx.Exec(e.ctx, `INSERT INTO post_templates (id, org_id, service_id, unit_id, kind, name, subject, body, created_at, updated_at)
					VALUES (?, ?, ?, ?, ?, 'T', 'Heading', 'Dear ((name)), your ((thing)) is ready.', ?, ?)`, id, e.org.ID, sv.ID, sv.UnitID, kind, now, now)
				return err
			}))
			return id
		}
		id := add(KindLetter)
		tpl, got, err := e.ps.LetterTemplate(e.ctx, e.dee, id)
		noErr(t, err)
		if tpl.ID != id || got.Name != sv.Name || got.LetterContact != sv.LetterContact {
			t.Fatalf("%+v %+v", tpl, got)
		}
		_, _, err = e.ps.LetterTemplate(e.ctx, e.sid, id) // Finance staff: another unit's post
		wantCode(t, err, platform.CodeForbidden)
		_, _, err = e.ps.LetterTemplate(e.ctx, e.other, id)
		wantCode(t, err, platform.CodeNotFound)
		_, _, err = e.ps.LetterTemplate(e.ctx, e.dee, add(KindEmail))
		wantCode(t, err, platform.CodeNotFound)

		p := LetterSample(tpl.Subject, tpl.Body, map[string]string{"THING": "bin"})
		if p["name"] != "A. Resident" || p["thing"] != "bin" {
			t.Fatalf("sample %v", p)
		}
		if p := LetterSample("", "((Case number)) ((address_line_2))", nil); p["Case number"] != "[Case number]" || p["address_line_2"] != LetterSampleAddress[1] {
			t.Fatalf("sample %v", p)
		}
	})
}
