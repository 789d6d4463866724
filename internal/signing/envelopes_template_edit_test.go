package signing

import (
	"slices"
	"strconv"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// A template's owners edit it (name, text and so merge fields, roles,
// fields); each save is a version kept whole; an envelope records the
// version it was made from, and one made from a template with roles gets
// its recipients' roles, steps and fields from it.
func TestTemplateEditsAndVersions(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		percy := e.user(e.sys, "percy", platform.RoleStaff, e.units["Procurement"]) // same unit, not the author
		v1, err := e.ss.CreateTemplate(e.ctx, e.pat, TemplateInput{Name: "Supply contract", Body: "# Parties\nNorthshire Council and ((supplier))."})
		noErr(t, err)
		if v1.Version != 1 {
			t.Fatalf("a new template is version %d", v1.Version)
		}
		values := map[string]string{"supplier": "Acme Ltd"}
		old, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), Composed{TemplateID: v1.ID, Values: values})
		noErr(t, err)

		yes, no := true, false
		edit := TemplateInput{Name: "Supply contract (2026)", Body: "# Parties\nNorthshire Council and ((supplier)).\n# Price\n£((price)) a year.", Version: 1,
			Roles: []TemplateRole{{Label: "Supplier", Role: RoleSigner, Step: 1}, {Label: "Head of Strategy", Role: RoleSigner, Step: 2}, {Label: "Audit", Role: RoleCopy, Step: 3}},
			Fields: []TemplateField{{Role: 0, Kind: FieldSignature, Position: "bottom of the last page"},
				{Role: 0, Kind: FieldText, Page: LastPage, X: 320, Y: 140, Label: "Company number", Required: &yes},
				{Role: 0, Kind: FieldCheckbox, Page: 1, X: 320, Y: 170, Label: "Insured", Required: &no},
				{Role: 1, Kind: FieldSignature, Position: "bottom right of the last page"}}}

		// Bad edits, refused whole, and those who may not edit.
		bad := edit
		bad.Roles = append([]TemplateRole{}, edit.Roles...)
		bad.Roles[1].Label = "supplier"
		bad.Fields = append([]TemplateField{{Role: 2, Kind: FieldSignature, Position: "bottom of the last page"}, {Role: 9, Kind: "stamp", Page: 0}}, edit.Fields...)
		_, err = e.ss.UpdateTemplate(e.ctx, e.pat, v1.ID, bad)
		for _, f := range []string{"roles[1].label", "fields[0].role", "fields[1].role", "fields[1].kind", "fields[1].page"} {
			wantField(t, err, f)
		}
		_, err = e.ss.UpdateTemplate(e.ctx, percy, v1.ID, edit)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.UpdateTemplate(e.ctx, e.cara, v1.ID, edit)
		wantCode(t, err, platform.CodeForbidden)
		_, err = e.ss.UpdateTemplate(e.ctx, e.other, v1.ID, edit)
		wantCode(t, err, platform.CodeNotFound)
		if e.ss.MayEditTemplate(percy, v1) || !e.ss.MayEditTemplate(e.mo, v1) || !e.ss.MayEditTemplate(e.pat, v1) {
			t.Fatal("MayEditTemplate: the author and the unit's manager, not its other staff")
		}

		v2, err := e.ss.UpdateTemplate(e.ctx, e.pat, v1.ID, edit)
		noErr(t, err)
		if v2.Version != 2 || v2.Name != "Supply contract (2026)" || strings.Join(v2.Fields, ",") != "supplier,price" || len(v2.Roles) != 3 || len(v2.Placed) != 4 {
			t.Fatalf("version 2: %+v", v2)
		}
		// An edit made from version 1 after version 2 was saved is a conflict.
		stale := edit
		stale.Name = "Someone else's name"
		_, err = e.ss.UpdateTemplate(e.ctx, e.mo, v1.ID, stale)
		wantCode(t, err, platform.CodeConflict)
		// Saving what is there makes no version.
		edit.Version = 2
		same, err := e.ss.UpdateTemplate(e.ctx, e.mo, v1.ID, edit)
		noErr(t, err)
		if same.Version != 2 {
			t.Fatalf("an edit that changes nothing made version %d", same.Version)
		}
		cur, err := e.ss.GetTemplate(e.ctx, e.cara, v1.ID)
		noErr(t, err)
		if cur.Version != 2 || cur.Placed[1].Label != "Company number" || *cur.Placed[2].Required {
			t.Fatalf("read back: %+v", cur)
		}
		vs, err := e.ss.TemplateVersions(e.ctx, e.pat, v1.ID)
		noErr(t, err)
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[1].Name != "Supply contract" || len(vs[1].Roles) != 0 || vs[1].UpdatedBy != e.pat.UserID {
			t.Fatalf("versions: %+v", vs)
		}
		first, err := e.ss.TemplateVersion(e.ctx, e.pat, v1.ID, 1)
		noErr(t, err)
		if strings.Contains(first.Body, "Price") {
			t.Fatalf("version 1 changed with the edit: %q", first.Body)
		}
		_, err = e.ss.TemplateVersion(e.ctx, e.pat, v1.ID, 3)
		wantCode(t, err, platform.CodeNotFound)

		// The envelope made before keeps version 1; a new one is version 2.
		if got, err := e.ss.Get(e.ctx, e.pat, old.ID); err != nil || got.TemplateID != v1.ID || got.TemplateVersion != 1 {
			t.Fatalf("the earlier envelope: template %q version %d", got.TemplateID, got.TemplateVersion)
		}
		values["price"] = "12,500"
		people := []RecipientInput{{Name: "Sam Supplier", Email: "sam@acme.example"}, {UserID: e.cara.UserID}, {Name: "Audit Team", Email: "audit@northshire.example"}}
		_, err = e.ss.Compose(e.ctx, e.pat, e.id.Directory(), Composed{TemplateID: v1.ID, Values: values, Recipients: people[:2]})
		wantField(t, err, "recipients")
		env, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), Composed{TemplateID: v1.ID, Values: values, Recipients: people, Send: true})
		noErr(t, err)
		if env.TemplateVersion != 2 || env.Status != EnvelopeSent || len(env.Recipients) != 3 || len(env.Fields) != 4 {
			t.Fatalf("from version 2: %+v", env)
		}
		for _, r := range env.Recipients {
			want := map[string]string{"Sam Supplier": "signer 1", "Cara": "signer 2", "Audit Team": "copy 3"}[r.Name]
			if got := r.Role + " " + strconv.Itoa(r.Step); got != want {
				t.Fatalf("%s: %s, want %s", r.Name, got, want)
			}
		}
		kinds := map[string][]string{}
		for _, f := range env.Fields {
			for _, r := range env.Recipients {
				if r.ID == f.RecipientID {
					kinds[r.Name] = append(kinds[r.Name], f.Kind)
				}
			}
		}
		slices.Sort(kinds["Sam Supplier"])
		if strings.Join(kinds["Sam Supplier"], " ") != "checkbox signature text" || strings.Join(kinds["Cara"], " ") != "signature" {
			t.Fatalf("fields by recipient: %v", kinds)
		}
		evs, err := e.ss.Events(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if !strings.Contains(evs[0].Detail, "Supply contract (2026)") || !strings.Contains(evs[0].Detail, "version 2") {
			t.Fatalf("the evidence does not name the template's version: %q", evs[0].Detail)
		}
		// A caller that gives roles and fields (a workflow) is taken at its word.
		own, err := e.ss.Compose(e.ctx, e.pat, e.id.Directory(), Composed{TemplateID: v1.ID, Values: values,
			Recipients: []RecipientInput{{Step: 1, Role: RoleApprover, UserID: e.mo.UserID}}})
		noErr(t, err)
		if len(own.Recipients) != 1 || own.Recipients[0].Role != RoleApprover || len(own.Fields) != 0 {
			t.Fatalf("a caller's own recipients: %+v", own)
		}

		// Deleting removes the versions too; the envelopes stay.
		noErr(t, e.ss.DeleteTemplate(e.ctx, e.pat, v1.ID))
		var n int
		noErr(t, db.QueryRow(e.ctx, "SELECT COUNT(*) FROM signing_template_versions WHERE template_id = ?", v1.ID).Scan(&n))
		if n != 0 || e.getEnvelope(env.ID).TemplateVersion != 2 {
			t.Fatalf("after deleting: %d versions left", n)
		}
	})
}

func (e *env) getEnvelope(id string) Envelope {
	e.t.Helper()
	env, err := e.ss.Get(e.ctx, e.pat, id)
	noErr(e.t, err)
	return env
}
