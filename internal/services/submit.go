package services

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"

	"dbtp/internal/access"
	"dbtp/internal/audit"
	"dbtp/internal/platform"
	"dbtp/internal/services/definition"
	"dbtp/internal/store"
)

// SubmitOptions are the less common parts of a submission.
type SubmitOptions struct {
	// OnBehalfOf is the resident a member of staff submits for (assisted
	// digital): the case is theirs, and the audit log and timeline record
	// the staff member as acting for them.
	OnBehalfOf string
	// ApplicantEmail is how an anonymous applicant is reached (the portal
	// verifies it before submitting).
	ApplicantEmail string
	// Files holds the content of file answers, keyed by definition.File.ID;
	// each is stored as an attachment of the new case.
	Files map[string][]byte
	// Held names the journey whose held uploads (HoldFile) supply the file
	// answers not in Files. The submission takes them, and lets go of the
	// journey's other uploads (files replaced on the way). With Held set,
	// a file answer with no file is refused, naming its question.
	Held string
}

// maxAnswersBytes bounds a case's stored answers.
const maxAnswersBytes = 1 << 20

// CanStart reports whether the definition's start.who admits sub:
// residents by the resident role, staff by any staff role, partners by the
// partner role, anonymous people when not signed in. The platform itself
// may start anything (demo data, imports).
func CanStart(sub *platform.Subject, def *definition.Definition) bool {
	for _, who := range def.Start.Who {
		switch who {
		case definition.AudienceAnonymous:
			if !sub.Authenticated() {
				return true
			}
		case definition.AudienceResidents:
			if sub.HasRole(platform.RoleResident) {
				return true
			}
		case definition.AudienceStaff:
			if isStaff(sub) {
				return true
			}
		case definition.AudiencePartners:
			if sub.HasRole(platform.RolePartner) {
				return true
			}
		}
	}
	return sub != nil && sub.Kind == platform.SubjectSystem
}

// assisted reports whether staff may submit def for a resident.
func assisted(def *definition.Definition) bool {
	if def.Start.AssistedDigital != nil {
		return *def.Start.AssistedDigital
	}
	for _, who := range def.Start.Who {
		if who == definition.AudienceResidents {
			return true
		}
	}
	return false
}

// Submit starts a case of the latest version of service serviceID with the
// applicant's answers. The case gets its reference, enters the workflow's
// initial state (SLA clock, on-enter actions) and is pinned to this version
// for life. The subject's draft of the service, if any, is removed.
func (s *Service) Submit(ctx context.Context, sub *platform.Subject, serviceID string, answers definition.Answers, o SubmitOptions) (Case, error) {
	if sub == nil || sub.OrgID == "" {
		return Case{}, platform.NotFound("service")
	}
	def, err := s.latestDefinition(ctx, sub.OrgID, serviceID)
	if err != nil {
		return Case{}, err
	}
	if err := s.checkAgreement(ctx, sub, def.ID); err != nil {
		return Case{}, err
	}
	// Assisted digital is governed by the definition's assisted_digital
	// and checked in setApplicant: staff start it for a resident.
	if o.OnBehalfOf == "" && !CanStart(sub, def) {
		if !sub.Authenticated() {
			return Case{}, platform.Errorf(platform.CodeUnauthorized, "sign in to use this service")
		}
		return Case{}, s.denied(ctx, sub, "case.create", "case", "", "start.who of "+def.ID+" does not admit this person",
			"you cannot use this service")
	}
	actor := *sub
	c := Case{ID: platform.NewID("case"), OrgID: sub.OrgID, ServiceID: def.ID, ServiceVersion: def.Version, Title: def.Title,
		Classification: def.Classification, SubmittedBy: sub.UserID, Answers: answers}
	if c.Classification == "" {
		c.Classification = platform.Official
	}
	if err := s.setApplicant(ctx, sub, &actor, def, &c, o); err != nil {
		return Case{}, err
	}
	if c.UnitID, err = s.unitID(ctx, sub.OrgID, def.OwnerUnit); err != nil {
		return Case{}, err
	}
	if actor.Authenticated() {
		if err := s.ap.Check(ctx, &actor, access.Create, c.resource()); err != nil {
			return Case{}, err
		}
	}
	if c.Answers == nil {
		c.Answers = definition.Answers{}
	}
	if err := s.checkAnswers(def, c.Answers, true); err != nil {
		return Case{}, err
	}
	files, err := s.submittedFiles(ctx, sub.OrgID, def, c.Answers, o)
	if err != nil {
		return Case{}, err
	}
	body, err := json.Marshal(c.Answers)
	if err != nil {
		return Case{}, platform.Invalid("Check your answers", platform.FieldError{Field: "answers", Message: "could not be stored"})
	}
	if len(body) > maxAnswersBytes {
		return Case{}, platform.Invalid("Your answers are too long", platform.FieldError{Field: "answers", Message: "must be at most 1 MiB in total"})
	}
	now := s.now()
	c.SubmittedAt, c.UpdatedAt, c.Version, c.Summary = now, now, 1, summarize(def, c.Answers)
	plan, err := s.planEntry(ctx, &c, def, def.Workflow.Initial, now)
	if err != nil {
		return Case{}, err
	}
	plan.apply(&c)
	if err := s.storeGiven(ctx, files); err != nil {
		return Case{}, err
	}
	err = s.writeNaming(ctx, files, func(tx *store.Tx) error {
		ref, err := nextReference(ctx, tx, c.OrgID, def.ReferencePrefix, now)
		if err != nil {
			return err
		}
		c.Reference = ref
		if err := insertCase(ctx, tx, &c, body); err != nil {
			return err
		}
		if err := s.run(ctx, tx, &actor, def, &c, &plan); err != nil {
			return err
		}
		for _, f := range files {
			if f.held {
				if err := takeHeld(ctx, tx, c.OrgID, o.Held, f); err != nil {
					return err
				}
			}
			if err := insertAttachment(ctx, tx, &c, f, actor.UserID, now); err != nil {
				return err
			}
		}
		if o.Held != "" {
			if err := dropHeld(ctx, tx, c.OrgID, o.Held, now); err != nil {
				return err
			}
		}
		detail := "submitted"
		if o.OnBehalfOf != "" {
			detail = "submitted by " + actor.Name + " on the applicant's behalf"
		}
		if err := s.addEventFiles(ctx, tx, &actor, &c, now, EventSubmitted, "", c.State, detail, true, len(files)); err != nil {
			return err
		}
		// The applicant's draft goes with the submission. Deleting in the
		// write, prepared once, costs the writer one seek of the primary key
		// when there is none (most submissions); asking first on the read
		// pool cost more (a statement compiled for every submission) and let
		// a draft saved between the read and the write survive.
		if c.ApplicantID != "" {
			if _, err := tx.Exec(ctx, "DELETE FROM case_drafts WHERE org_id = ? AND user_id = ? AND service_id = ?", c.OrgID, c.ApplicantID, c.ServiceID); err != nil {
				return err
			}
		}
		e := audit.For(&actor, "case.create", "case", c.ID, audit.Success)
		e.Detail = fmt.Sprintf("%s submitted (%s v%d) -> %s", c.Reference, c.ServiceID, c.ServiceVersion, c.State)
		if !actor.Authenticated() && e.ActorID == "" {
			e.ActorID, e.ActorName = "anonymous", "anonymous applicant"
		}
		return s.rec.Record(tx, e)
	})
	if err != nil {
		s.abandonFiles(ctx, given(files))
		return Case{}, asPlatform(err)
	}
	return c, nil
}

// setApplicant decides whose case this is: the resident a member of staff
// acts for, the signed-in person, or an anonymous applicant with an email.
func (s *Service) setApplicant(ctx context.Context, sub, actor *platform.Subject, def *definition.Definition, c *Case, o SubmitOptions) error {
	if o.ApplicantEmail != "" {
		addr, err := mail.ParseAddress(o.ApplicantEmail)
		if err != nil || addr.Name != "" || len(o.ApplicantEmail) > 254 || strings.ContainsAny(o.ApplicantEmail, " <>") {
			return platform.Invalid("Enter an email address in the correct format, like name@example.com",
				platform.FieldError{Field: "email", Message: "Enter an email address in the correct format, like name@example.com"})
		}
		c.ApplicantEmail = o.ApplicantEmail
	}
	switch {
	case o.OnBehalfOf != "":
		if !isStaff(sub) || !assisted(def) {
			return s.denied(ctx, sub, "case.create", "case", "", "assisted digital not allowed for "+def.ID+" or subject is not staff",
				"you cannot submit this service on someone's behalf")
		}
		if err := s.checkUser(ctx, sub.OrgID, o.OnBehalfOf, "on_behalf_of"); err != nil {
			return err
		}
		c.ApplicantID, actor.ActingFor = o.OnBehalfOf, o.OnBehalfOf
	case !sub.Authenticated():
		if c.ApplicantEmail == "" {
			return platform.Invalid("Enter your email address", platform.FieldError{Field: "email", Message: "Enter your email address"})
		}
		actor.UserID = ""
	case sub.Kind != platform.SubjectSystem:
		c.ApplicantID = sub.UserID
	}
	return nil
}

// checkUser confirms userID is a user of org, when cmd/dbtp wired a lookup.
func (s *Service) checkUser(ctx context.Context, orgID, userID, field string) error {
	if !platform.ValidID("usr", userID) {
		return platform.Invalid("Choose a person", platform.FieldError{Field: field, Message: "Choose a person of this organisation"})
	}
	if s.opts.UserExists == nil {
		return nil
	}
	ok, err := s.opts.UserExists(ctx, orgID, userID)
	if err != nil {
		return platform.AsError(err)
	}
	if !ok {
		return platform.Invalid("Choose a person", platform.FieldError{Field: field, Message: "Choose a person of this organisation"})
	}
	return nil
}

// checkAnswers refuses answers to questions the definition does not ask
// (and, from applicants, answers to internal fields staff fill in), then
// applies the wired validator.
func (s *Service) checkAnswers(def *definition.Definition, answers definition.Answers, applicant bool) error {
	if bad := answerKeys(def, answers, applicant); len(bad) > 0 {
		return platform.Invalid("Check the answers", bad...)
	}
	if s.opts.Validate != nil && (applicant || len(answers) > 0) {
		if err := s.opts.Validate(def, answers, applicant); err != nil {
			return platform.AsError(err)
		}
	}
	return nil
}

// answerKeys reports answers that name no question of def, or that the
// wrong side is giving: applicants answer public fields, staff internal ones.
func answerKeys(def *definition.Definition, answers definition.Answers, applicant bool) []platform.FieldError {
	var bad []platform.FieldError
	for id := range answers {
		f, ok := findField(def, id)
		switch {
		case !ok:
			bad = append(bad, platform.FieldError{Field: id, Message: "is not a question of this service"})
		case applicant && f.Internal:
			bad = append(bad, platform.FieldError{Field: id, Message: "is filled in by staff"})
		case !applicant && !f.Internal:
			bad = append(bad, platform.FieldError{Field: id, Message: "is the applicant's answer and cannot be changed here"})
		}
	}
	slices.SortFunc(bad, func(a, b platform.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return bad
}

// summarize is the short text shown in queues and matched by Search's Text:
// the definition's list fields, in order.
func summarize(def *definition.Definition, answers definition.Answers) string {
	var parts []string
	for _, id := range def.ListFields {
		v, ok := answers[id].(string)
		if !ok || v == "" {
			continue
		}
		// Queues show what people read: a choice's label, never its stored
		// value; a person is an internal ID the queue names separately.
		if f := def.Field(id); f != nil {
			switch f.Type {
			case definition.TypePerson:
				continue
			case definition.TypeChoice:
				for _, o := range f.Options {
					if o.Value == v {
						v = o.Label
					}
				}
			case definition.TypeDate:
				if d, err := time.Parse(time.DateOnly, v); err == nil {
					v = d.Format("2 Jan 2006")
				}
			}
		}
		parts = append(parts, v)
	}
	out := strings.Join(parts, " · ")
	if len(out) > 500 {
		out = strings.ToValidUTF8(out[:500], "")
	}
	return out
}

// insertCase stores a new case. It is the only statement that adds cases:
// on SQLite it also arranges for the case to be added to the text index
// (cases_search) before the transaction commits (see indexNewCases).
func insertCase(ctx context.Context, tx *store.Tx, c *Case, answers []byte) error {
	res, err := tx.Exec(ctx, `INSERT INTO cases (`+caseColumns+`, answers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.OrgID, c.Reference, c.ServiceID, c.ServiceVersion, c.Title, c.State, boolInt(c.Terminal), c.UnitID,
		string(c.Classification), c.ApplicantID, c.ApplicantEmail, c.SubmittedBy, c.AssigneeID, c.Queue, c.Summary,
		c.Version, store.Millis(c.SubmittedAt), store.Millis(c.UpdatedAt), store.Millis(c.StateEnteredAt),
		clockMillis(c.DueAt), clockMillis(c.AtRiskAt), boolInt(c.Escalated), store.Millis(c.ClosedAt), string(answers))
	if err != nil || tx.Dialect() != store.SQLite {
		return err // PostgreSQL indexes the text in the row itself (a generated column)
	}
	rowid, err := res.LastInsertId()
	if err != nil {
		return err
	}
	// A value, not a slice shared with earlier writes: a write that rolls
	// back restores the list it found (see store.Tx.SetBatchValue).
	v, _ := tx.BatchValue(newCasesKey)
	added, _ := v.([]int64)
	tx.SetBatchValue(newCasesKey, append(added[:len(added):len(added)], rowid))
	tx.BeforeCommit(newCasesKey, indexNewCases)
	return nil
}

const newCasesKey = "services.cases_search"

// indexNewCases adds the cases this group commit inserted to cases_search
// (migration 0013 says why here and not in a trigger): one statement, so
// FTS5 writes them as one segment when the transaction commits. The words
// are read back from the rows, so the index holds what is stored.
func indexNewCases(tx *store.Tx) error {
	v, _ := tx.BatchValue(newCasesKey)
	added, _ := v.([]int64)
	if len(added) == 0 {
		return nil // the writes that added cases rolled back
	}
	list, err := json.Marshal(added)
	if err != nil {
		return err
	}
	_, err = tx.Exec(tx.Context(), `INSERT INTO cases_search (rowid, reference, summary)
		SELECT rowid, reference, summary FROM cases WHERE rowid IN (SELECT value FROM json_each(?))`, string(list))
	return err
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
