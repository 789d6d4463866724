package services

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

func findTransition(def *definition.Definition, id string) (definition.Transition, bool) {
	for _, t := range def.Workflow.Transitions {
		if t.ID == id {
			return t, true
		}
	}
	return definition.Transition{}, false
}

// staleCase is the conflict every lost race gets.
func staleCase() error {
	return platform.Errorf(platform.CodeConflict, "someone else changed this case; reload it to see what changed")
}

func nowInState(def *definition.Definition, c *Case) error {
	return platform.Errorf(platform.CodeConflict, "this case is now %s", stateLabel(def, c.State))
}

// Transition moves a case along one of its pinned definition's transitions.
// expectedVersion is the Case.Version the person was looking at: if anyone
// changed the case since, nothing is written and the answer is a conflict,
// so no change is ever lost. fields are internal fields given with the move
// (the transition's "requires" asks for them when the case lacks them).
func (s *Service) Transition(ctx context.Context, sub *platform.Subject, caseID, transitionID string, expectedVersion int64, fields definition.Answers) (Case, error) {
	return s.transition(ctx, sub, caseID, transitionID, expectedVersion, fields, "")
}

// ApplicantMove makes a move the definition gives the applicant (asking
// for a stage 2 review), with their reason when the move asks for one: the
// reason is stored as their message to staff in the same change, so a
// review is never started without it, nor a reason kept for a move that
// did not happen.
func (s *Service) ApplicantMove(ctx context.Context, sub *platform.Subject, caseID, transitionID string, expectedVersion int64, reason string) (Case, error) {
	return s.transition(ctx, sub, caseID, transitionID, expectedVersion, nil, reason)
}

// applicantReason checks the applicant's answer to the move's question.
func applicantReason(t definition.Transition, reason string) (string, error) {
	if t.ApplicantReason == "" {
		return "", nil
	}
	text, err := checkNoteText(reason)
	if err != nil {
		fe := platform.AsError(err).Fields[0]
		if strings.TrimSpace(reason) == "" {
			fe.Message = "Tell us why"
		}
		return "", platform.Invalid(fe.Message, platform.FieldError{Field: "reason", Message: fe.Message})
	}
	return text, nil
}

func (s *Service) transition(ctx context.Context, sub *platform.Subject, caseID, transitionID string, expectedVersion int64, fields definition.Answers, reason string) (Case, error) {
	c, err := s.findCase(ctx, sub, caseID, access.Update)
	if err != nil {
		return Case{}, err
	}
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		return Case{}, err
	}
	t, ok := findTransition(def, transitionID)
	if !ok {
		return Case{}, platform.NotFound("transition")
	}
	// Permission first, so someone who may not touch the case learns
	// nothing about where it stands.
	if err := s.ap.Check(ctx, sub, access.Update, c.resource()); err != nil {
		return Case{}, err
	}
	refusal, err := s.guardReason(ctx, sub, &c, t)
	if err != nil {
		return Case{}, err
	}
	if refusal != "" {
		return Case{}, s.denied(ctx, sub, "case.transition", "case", c.ID, t.ID+": "+refusal, "you cannot "+lowerFirst(t.Label)+" on this case")
	}
	return s.move(ctx, sub, c, def, t, expectedVersion, fields, reason, nil)
}

// ApplicantMoveForEmail makes an applicant move (a stage 2 review) for
// someone without an account, on the case their verified-email session
// follows: the session, not a role, shows they are its applicant.
func (s *Service) ApplicantMoveForEmail(ctx context.Context, sess EmailSession, reference, transitionID string, expectedVersion int64, reason, addr string) (Case, error) {
	c, err := s.CaseForEmail(ctx, sess, reference)
	if err != nil {
		return Case{}, err
	}
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		return Case{}, err
	}
	t, ok := findTransition(def, transitionID)
	if !ok || !t.Applicant {
		return Case{}, platform.NotFound("transition")
	}
	return s.move(ctx, emailApplicant(sess, addr), c, def, t, expectedVersion, nil, reason, nil)
}

// ApplicantMovesForEmail lists the moves the applicant of a case followed
// by email may make now.
func ApplicantMovesForEmail(def *definition.Definition, c Case) []definition.Transition {
	var out []definition.Transition
	for _, t := range def.Workflow.Transitions {
		if t.Applicant && slices.Contains(t.From, c.State) {
			out = append(out, t)
		}
	}
	return out
}

// move makes transition t on c, which the caller has loaded and found sub
// may make. att, when given, is a file already in the file store that
// becomes an attachment in the same write (Respond): the answer naming it
// is among fields.
func (s *Service) move(ctx context.Context, sub *platform.Subject, c Case, def *definition.Definition, t definition.Transition, expectedVersion int64, fields definition.Answers, reason string, att *fileIn) (Case, error) {
	if !slices.Contains(t.From, c.State) {
		return Case{}, nowInState(def, &c)
	}
	if expectedVersion != c.Version {
		return Case{}, staleCase()
	}
	var note *Note
	if s.applicantView(sub, &c) && t.ApplicantReason != "" {
		text, err := applicantReason(t, reason)
		if err != nil {
			return Case{}, err
		}
		n := newNote(sub, c.ID, t.ApplicantReason+"\n\n"+text, ToApplicant, s.now())
		note = &n
	}
	if len(fields) > 0 && s.applicantView(sub, &c) {
		return Case{}, platform.Invalid("Internal fields are filled in by staff", platform.FieldError{Field: "fields", Message: "are filled in by staff"})
	}
	if err := s.checkAnswers(def, fields, false); err != nil {
		return Case{}, err
	}
	merged := maps.Clone(c.Answers)
	if merged == nil {
		merged = definition.Answers{}
	}
	maps.Copy(merged, fields)
	if err := missingRequired(def, t, merged); err != nil {
		return Case{}, err
	}
	body, err := json.Marshal(merged)
	if err != nil || len(body) > maxAnswersBytes {
		return Case{}, platform.Invalid("Check the answers", platform.FieldError{Field: "answers", Message: "could not be stored"})
	}
	now := s.now()
	from := c.State
	next := c
	next.Answers, next.UpdatedAt, next.Version = merged, now, c.Version+1
	plan, err := s.planEntry(ctx, &next, def, t.To, now)
	if err != nil {
		return Case{}, err
	}
	s.keepDeadline(&plan, def, &c, t.ID)
	plan.apply(&next)
	err = s.db.Write(ctx, func(tx *store.Tx) error {
		res, err := tx.Exec(ctx, `UPDATE cases SET state = ?, state_terminal = ?, unit_id = ?, assignee_id = ?, queue = ?, answers = ?,
			version = version + 1, updated_at = ?, state_entered_at = ?, due_at = ?, at_risk_at = ?, escalated = ?, closed_at = ?
			WHERE org_id = ? AND id = ? AND version = ?`,
			next.State, boolInt(next.Terminal), next.UnitID, next.AssigneeID, next.Queue, string(body),
			store.Millis(now), store.Millis(next.StateEnteredAt), clockMillis(next.DueAt), clockMillis(next.AtRiskAt), boolInt(next.Escalated), store.Millis(next.ClosedAt),
			c.OrgID, c.ID, expectedVersion)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return staleCase()
		}
		if att != nil {
			if err := s.attachWithin(ctx, tx, sub, &next, *att, now); err != nil {
				return err
			}
		}
		// The old state's tasks close before the new state's are made, so
		// a move back into the same state leaves only its fresh ones open.
		if err := closeStateTasks(ctx, tx, &next, from, actorID(sub), now); err != nil {
			return err
		}
		if err := s.run(ctx, tx, sub, def, &next, &plan); err != nil {
			return err
		}
		if err := s.addEvent(ctx, tx, sub, &next, now, EventTransition, from, next.State, t.Label, true); err != nil {
			return err
		}
		if note != nil {
			note.CreatedAt = now
			if err := s.insertNote(ctx, tx, sub, &next, *note); err != nil {
				return err
			}
		}
		e := audit.For(sub, "case.transition", "case", c.ID, audit.Success)
		if e.ActorID == "" {
			e.ActorID = "anonymous" // the applicant, by their verified email
		}
		e.Detail = fmt.Sprintf("%s: %s -> %s (%s)", c.Reference, from, next.State, t.ID)
		return s.rec.Record(tx, e)
	})
	if err != nil {
		return Case{}, asPlatform(err)
	}
	return next, nil
}

// guardReason checks a transition's own guards (roles, units, applicant)
// and says why they refuse, or "" when they admit sub. The access policy is
// checked separately, by the access point.
func (s *Service) guardReason(ctx context.Context, sub *platform.Subject, c *Case, t definition.Transition) (string, error) {
	if t.Applicant && sub.UserID != "" && sub.UserID == c.ApplicantID {
		return "", nil
	}
	if !isStaff(sub) {
		if t.Applicant {
			return "only the applicant or staff may make this transition", nil
		}
		return "only staff may make this transition", nil
	}
	// Admins and the platform pass the definition's guards as they pass
	// the access policy: someone must be able to unstick any case.
	if sub.Kind == platform.SubjectSystem || sub.HasRole(platform.RoleAdmin) {
		return "", nil
	}
	if len(t.Roles) > 0 && !slices.ContainsFunc(t.Roles, sub.HasRole) {
		return "role not in the transition's roles", nil
	}
	if len(t.Units) > 0 {
		for _, name := range t.Units {
			id, err := s.unitID(ctx, c.OrgID, name)
			if err != nil {
				return "", err
			}
			if sub.InUnit(id) {
				return "", nil
			}
		}
		return "not a member of the transition's business units", nil
	}
	return "", nil
}

// missingRequired lists the fields a transition requires that have no value.
func missingRequired(def *definition.Definition, t definition.Transition, answers definition.Answers) error {
	var bad []platform.FieldError
	for _, id := range t.Requires {
		if !answered(answers[id]) {
			label := id
			if f, ok := findField(def, id); ok && f.Label != "" {
				label = f.Label
			}
			bad = append(bad, platform.FieldError{Field: id, Message: "Enter " + lowerFirst(label)})
		}
	}
	if len(bad) > 0 {
		return platform.Invalid("Some information is needed before you can "+lowerFirst(t.Label), bad...)
	}
	return nil
}

// answered reports whether an answer has a value in the canonical shapes.
func answered(v any) bool {
	switch x := v.(type) {
	case nil:
		return false
	case string:
		return x != ""
	case []string:
		return len(x) > 0
	case []any:
		return len(x) > 0
	}
	return true
}

// AllowedTransitions lists the transitions sub may make on c now, for the
// case page's buttons. It decides without auditing; Transition checks again.
func (s *Service) AllowedTransitions(ctx context.Context, sub *platform.Subject, c Case) ([]definition.Transition, error) {
	if sub == nil || sub.OrgID != c.OrgID || !s.ap.Allowed(sub, access.Update, c.resource()) {
		return nil, nil
	}
	def, err := s.PinnedDefinition(ctx, c)
	if err != nil {
		return nil, err
	}
	var out []definition.Transition
	for _, t := range def.Workflow.Transitions {
		if !slices.Contains(t.From, c.State) {
			continue
		}
		reason, err := s.guardReason(ctx, sub, &c, t)
		if err != nil {
			return nil, err
		}
		if reason == "" {
			out = append(out, t)
		}
	}
	return out, nil
}

func lowerFirst(s string) string {
	if s == "" {
		return "do this"
	}
	if len(s) > 1 && s[0] >= 'A' && s[0] <= 'Z' && !(s[1] >= 'A' && s[1] <= 'Z') {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}
