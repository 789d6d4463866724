package signing

import (
	"context"
	"fmt"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// Composed is a whole envelope in one request: the API's way to make
// (and send) an envelope in one call, all or nothing.
type Composed struct {
	NewEnvelope
	Recipients []RecipientInput `json:"recipients,omitempty"`
	// Fields name their recipient by position in Recipients (from 0).
	Fields []ComposedField `json:"fields,omitempty"`
	Send   bool            `json:"send,omitempty"`
	// TemplateID makes the PDF from a template, with Values for its
	// merge fields, instead of an uploaded one. When the template has
	// roles, Recipients may name just the people, one per role in the
	// template's order (no role, step or fields): the template gives their
	// roles, steps and fields (applyTemplate).
	TemplateID string            `json:"template_id,omitempty"`
	Values     map[string]string `json:"values,omitempty"`
}

// ComposedField is a field whose recipient is an index into Recipients.
type ComposedField struct {
	Recipient int `json:"recipient"`
	FieldInput
}

// Compose makes a draft with its recipients and fields and, with Send,
// sends it, in one write: a refusal anywhere writes nothing.
func (s *Store) Compose(ctx context.Context, sub *platform.Subject, people People, in Composed) (Envelope, error) {
	if in.TemplateID != "" {
		if len(in.PDF) > 0 {
			return Envelope{}, platform.Invalid("Check the envelope", platform.FieldError{Field: "template_id", Message: "Give a PDF or a template, not both"})
		}
		t, err := s.fromTemplate(ctx, sub, in.TemplateID, in.Values, &in.NewEnvelope)
		if err != nil {
			return Envelope{}, err
		}
		if err := applyTemplate(t, &in); err != nil {
			return Envelope{}, err
		}
	}
	rs, err := CheckRecipients(ctx, sub, people, in.Recipients)
	if err != nil {
		return Envelope{}, err
	}
	env, err := s.prepare(ctx, sub, in.NewEnvelope)
	if err != nil {
		return Envelope{}, err
	}
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		if err := s.insertTx(ctx, tx, sub, env); err != nil {
			return err
		}
		if len(rs) > 0 {
			if err := s.setRecipientsTx(ctx, tx, sub, env, rs); err != nil {
				return err
			}
		}
		fs := make([]FieldInput, len(in.Fields))
		var errs []platform.FieldError
		for i, f := range in.Fields {
			fs[i] = f.FieldInput
			if f.Recipient < 0 || f.Recipient >= len(rs) {
				errs = append(errs, platform.FieldError{Field: fmt.Sprintf("fields[%d].recipient", i), Message: fmt.Sprintf("Name a recipient by their place in the list, from 0 to %d", len(rs)-1)})
				continue
			}
			fs[i].RecipientID = rs[inputIndex(rs, in.Recipients, f.Recipient)].ID
		}
		if errs != nil {
			return platform.Invalid("Check the fields", errs...)
		}
		if len(fs) > 0 {
			if _, err := s.setFieldsTx(ctx, tx, sub, env, fs); err != nil {
				return err
			}
		}
		if in.Send {
			return s.sendTx(ctx, tx, sub, env)
		}
		return nil
	})
	if err != nil {
		return Envelope{}, err
	}
	return s.Get(ctx, sub, env.ID)
}

// inputIndex finds where recipient i of the input went after renumber
// (which sorts by step, stably): the input's i-th recipient is the one
// at the same rank among those of its step.
func inputIndex(rs []Recipient, in []RecipientInput, i int) int {
	rank := 0
	for j := 0; j < i; j++ {
		if in[j].Step == in[i].Step {
			rank++
		}
	}
	less := 0
	for j := range in {
		if in[j].Step < in[i].Step {
			less++
		}
	}
	return less + rank
}
