package signing

import (
	"errors"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// Two boxes on the same place of a page are refused, on the later row,
// naming the earlier field by its recipient, kind and label; the form's first places for several signers never overlap.
func TestFieldsOverlapRefused(t *testing.T) {
	storetest.Each(t, testMods, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		env := e.draft(e.pat, "Overlap")
		rs, err := e.ss.SetRecipients(e.ctx, e.pat, e.id.Directory(), env.ID, []RecipientInput{
			{Step: 1, Role: RoleSigner, Name: "Sam Supplier", Email: "sam@supplier.example"},
			{Step: 1, Role: RoleSigner, UserID: e.cara.UserID},
		})
		noErr(t, err)
		_, err = e.ss.SetFields(e.ctx, e.pat, env.ID, []FieldInput{
			{RecipientID: rs[0].ID, Kind: FieldSignature, Position: "bottom of the last page"},
			{RecipientID: rs[1].ID, Kind: FieldSignature, Page: 3, X: 56, Y: 56},
		})
		var pe *platform.Error
		if platform.CodeOf(err) != platform.CodeInvalid || !errors.As(err, &pe) || len(pe.Fields) != 1 ||
			pe.Fields[0].Field != "fields[1].position" || !strings.Contains(pe.Fields[0].Message, "overlaps Sam Supplier’s signature on page 3") {
			t.Fatalf("field errors: %+v", err)
		}
		// The field overlapped is named by its label too.
		_, err = e.ss.SetFields(e.ctx, e.pat, env.ID, []FieldInput{
			{RecipientID: rs[1].ID, Kind: FieldCheckbox, Page: 1, X: 100, Y: 100, Label: "I have read the terms"},
			{RecipientID: rs[0].ID, Kind: FieldText, Page: 1, X: 90, Y: 95},
		})
		if !errors.As(err, &pe) || len(pe.Fields) != 1 || !strings.Contains(pe.Fields[0].Message, "overlaps "+e.cara.Name+"’s checkbox “I have read the terms” on page 1") {
			t.Fatalf("field errors: %+v", err)
		}
		got, err := e.ss.Get(e.ctx, e.pat, env.ID)
		noErr(t, err)
		if len(got.Fields) != 0 {
			t.Fatalf("a refusal wrote %d fields", len(got.Fields))
		}
		places := DefaultSignaturePlaces(3, 5)
		var in []FieldInput
		for i, p := range places {
			in = append(in, FieldInput{RecipientID: rs[i%2].ID, Kind: FieldSignature, Page: p.Page, X: p.X, Y: p.Y})
		}
		_, err = e.ss.SetFields(e.ctx, e.pat, env.ID, in)
		noErr(t, err)
		// Side by side: one box's right edge touching nothing of the next.
		if places[0].X == places[1].X || places[0].Y == places[2].Y {
			t.Fatalf("default places %+v", places)
		}
	})
}
