package records

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/platform"
)

// checkFiles reads every listed file once: the file plan and holds first
// (records refer to them), then each record's metadata, content and
// history in the manifest's order. Every hash is checked and every JSON
// file validated before anything is stored.
func (s *Store) checkFiles(a *archive) error {
	if err := a.readListed(filePlanName, &a.plan); err != nil {
		return err
	}
	if err := a.checkPlan(); err != nil {
		return err
	}
	var holds fmtHolds
	if err := a.readListed(holdsName, &holds); err != nil {
		return err
	}
	if err := a.checkHolds(holds.Holds); err != nil {
		return err
	}
	a.holds = holds.Holds
	if err := a.hashListed(a.listed[readmeName]); err != nil {
		return err
	}
	used := map[string]bool{}
	sources := map[string]string{}
	for i := range a.records {
		ar := &a.records[i]
		rec, events, err := a.readRecord(ar, s.opts.MaxBytes)
		if err != nil {
			return err
		}
		if rec.SourceRef != "" {
			key := rec.Source + "\x00" + rec.SourceRef
			if other := sources[key]; other != "" {
				return refused("records %s and %s were both captured from %s %q", other, rec.ID, rec.Source, clip(rec.SourceRef))
			}
			sources[key] = rec.ID
		}
		ar.classCode, ar.caseID, ar.source, ar.sourceRef = rec.Class.Code, rec.Case.ID, rec.Source, rec.SourceRef
		for _, v := range rec.Versions {
			if v.Path == "" {
				continue
			}
			used[v.Path] = true
			if err := a.hashListed(a.listed[v.Path]); err != nil {
				return err
			}
			a.counts.Files++
			a.counts.ContentBytes += v.Size
		}
		c := &a.counts
		c.Records++
		c.Versions += len(rec.Versions)
		c.Events += len(events)
		if rec.Declaration != nil {
			c.Declared++
		}
		if rec.Retention.State != StateActive {
			c.Tombstones++
		}
	}
	for _, lf := range a.content {
		if !used[lf.Path] {
			return refused("%s is not the content of any version in its record's metadata.json", lf.Path)
		}
	}
	a.counts.Classes = len(a.plan.Classes)
	for _, c := range a.plan.Classes {
		a.counts.Events += len(c.Events)
	}
	a.counts.Holds = len(a.holds)
	for _, h := range a.holds {
		a.counts.Events += len(h.Events)
	}
	if a.counts != a.manifest.Counts {
		return refused("%s counts %+v but the archive holds %+v", manifestName, a.manifest.Counts, a.counts)
	}
	return nil
}

// readRecord reads and checks one record's metadata.json and audit.json
// (their hashes against the manifest, their contents against the format
// and the file plan). The write reads them again through it, so what is
// written is exactly what was checked.
func (a *archive) readRecord(ar *archRecord, maxBytes int64) (*fmtRecord, []fmtEvent, error) {
	var rec fmtRecord
	if err := a.readListed(ar.dir+metadataName, &rec); err != nil {
		return nil, nil, err
	}
	if rec.ID != ar.id {
		return nil, nil, refused("%s%s describes record %q, not %s", ar.dir, metadataName, clip(rec.ID), ar.id)
	}
	if err := a.checkRecord(&rec, ar.dir, maxBytes); err != nil {
		return nil, nil, refused("record %s: %v", ar.id, err)
	}
	var ev fmtEvents
	if err := a.readListed(ar.dir+eventsName, &ev); err != nil {
		return nil, nil, err
	}
	if ev.RecordID != ar.id {
		return nil, nil, refused("%s%s is the history of %q, not of %s", ar.dir, eventsName, clip(ev.RecordID), ar.id)
	}
	if err := checkEvents(ev.Events); err != nil {
		return nil, nil, refused("%s%s: %v", ar.dir, eventsName, err)
	}
	return &rec, ev.Events, nil
}

var levelParent = map[string]string{LevelFunction: "", LevelActivity: LevelFunction, LevelTransaction: LevelActivity}

// checkPlan holds the archive's classes to the rules SaveClass applies,
// and the tree to three levels with every parent present.
func (a *archive) checkPlan() error {
	ids := map[string]bool{}
	for _, c := range a.plan.Classes {
		in := ClassInput{Code: c.Code, Title: c.Title, Description: c.Description, RetentionKey: c.RetentionKey, Schedule: c.DisposalSchedule.schedule()}
		err := in.check()
		switch {
		case err != nil:
			return refused("class %q in %s: %s", clip(c.Code), filePlanName, fieldProblems(err))
		case in.Code != c.Code || in.Title != c.Title || in.Description != c.Description || in.RetentionKey != c.RetentionKey:
			return refused("class %q in %s: the code must be in capitals and the texts without spaces around them", clip(c.Code), filePlanName)
		case c.DisposalSchedule != nil && !c.DisposalSchedule.schedule().Set():
			return refused("class %s in %s: a disposal schedule without an action must be null", c.Code, filePlanName)
		case len(c.Description) > 2000 || !text(c.Description, 2000):
			return refused("class %s in %s: the description is too long or has control characters", c.Code, filePlanName)
		case !platform.ValidID("rcl", c.ID) || ids[c.ID]:
			return refused("class %s in %s: its id is missing, not a class ID, or used twice", c.Code, filePlanName)
		case a.classes[c.Code].Code != "":
			return refused("class %s appears twice in %s", c.Code, filePlanName)
		}
		if _, ok := levelParent[c.Level]; !ok {
			return refused("class %s in %s: the level must be function, activity or transaction", c.Code, filePlanName)
		}
		if err := checkEvents(c.Events); err != nil {
			return refused("class %s in %s: %v", c.Code, filePlanName, err)
		}
		ids[c.ID] = true
		a.classes[c.Code] = c
	}
	for _, c := range a.plan.Classes {
		want := levelParent[c.Level]
		switch p, ok := a.classes[c.ParentCode]; {
		case c.ParentCode == "" && want != "":
			return refused("class %s in %s is an %s without a parent", c.Code, filePlanName, c.Level)
		case c.ParentCode != "" && !ok:
			return refused("class %s in %s has the parent %q, which is not in the file plan", c.Code, filePlanName, clip(c.ParentCode))
		case c.ParentCode != "" && p.Level != want:
			return refused("class %s in %s is a %s under a %s", c.Code, filePlanName, c.Level, p.Level)
		}
	}
	return nil
}

func fieldProblems(err error) string {
	var pe *platform.Error
	if !errors.As(err, &pe) || len(pe.Fields) == 0 {
		return err.Error()
	}
	var out []string
	for _, f := range pe.Fields {
		out = append(out, f.Field+": "+f.Message)
	}
	return strings.Join(out, "; ")
}

// metadata is what the record says about itself, cleaned as filing
// cleans it; the import stores the cleaned form.
func (rec *fmtRecord) metadata() (Metadata, []platform.FieldError) {
	m := Metadata{ClassID: rec.Class.ID, Title: rec.Title, UnitID: rec.BusinessUnitID, Classification: platform.Classification(rec.Classification),
		CaseID: rec.Case.ID, CaseRef: rec.Case.Reference, Tags: rec.Tags}
	for _, p := range rec.Subjects {
		m.Subjects = append(m.Subjects, Person(p))
	}
	bad := m.clean()
	return m, bad
}

var sourceRE = regexp.MustCompile(`^[a-z0-9_]{1,20}$`)

// checkRecord holds a record's metadata to the rules filing applies, so an
// import can never store what dbtp itself would refuse to.
func (a *archive) checkRecord(rec *fmtRecord, dir string, maxBytes int64) error {
	m, bad := rec.metadata()
	if len(bad) > 0 {
		return errors.New(fieldProblems(platform.Invalid("", bad...)))
	}
	for _, p := range rec.Subjects {
		if !plain(p.PersonID, 200) {
			return errors.New("a person_id is too long or has control characters")
		}
	}
	if rec.Classification == "" || m.Title != rec.Title || len(m.Subjects) != len(rec.Subjects) || len(m.Tags) != len(rec.Tags) {
		return errors.New("its classification, title, people or tags are not as dbtp writes them (empty, spaces around, repeated)")
	}
	cl, ok := a.classes[rec.Class.Code]
	switch {
	case !ok:
		return fmt.Errorf("its class %q is not in %s", clip(rec.Class.Code), filePlanName)
	case cl.ID != rec.Class.ID:
		return fmt.Errorf("its class id is not the id of %s in %s", cl.Code, filePlanName)
	case !sourceRE.MatchString(rec.Source):
		return errors.New("its source must be a short lower-case word")
	}
	for name, v := range map[string]string{"business_unit_id": rec.BusinessUnitID, "author.id": rec.Author.ID, "author.name": rec.Author.Name,
		"case.id": rec.Case.ID, "case.reference": rec.Case.Reference, "source_ref": rec.SourceRef} {
		if !plain(v, 500) {
			return fmt.Errorf("%s is too long or has control characters", name)
		}
	}
	if !goodTime(rec.CreatedAt) || !goodTime(rec.UpdatedAt) {
		return errors.New("created_at and updated_at must be real times after 1970")
	}
	if d := rec.Declaration; d != nil && (!goodTime(d.At) || d.By == "" || !plain(d.By, 200)) {
		return errors.New("a declaration needs its time and who declared it")
	}
	r := rec.Retention
	switch {
	case r.State != StateActive && r.State != StateDestroyed && r.State != StateTransferred:
		return errors.New("retention.state must be active, destroyed or transferred")
	case !optGood(r.TriggerAt) || !optGood(r.DueAt) || !optGood(r.DisposedAt) || !optGood(r.RetainUntil):
		return errors.New("retention times must be real times after 1970")
	case r.State == StateActive && len(rec.Versions) == 0:
		return errors.New("a record that is not destroyed or transferred needs at least one version")
	}
	if err := checkRetention(rec); err != nil {
		return err
	}
	return a.checkVersions(rec, dir, maxBytes)
}

func (a *archive) checkVersions(rec *fmtRecord, dir string, maxBytes int64) error {
	for i, v := range rec.Versions {
		switch {
		case v.Number != i+1:
			return fmt.Errorf("its versions must be numbered 1, 2, 3... in order; found %d at place %d", v.Number, i+1)
		case v.Name != CleanName(v.Name) || v.MediaType != cleanMediaType(v.MediaType):
			return fmt.Errorf("version %d: the name or media type is not as dbtp writes them", v.Number)
		case v.Size < 0 || v.Size > maxBytes:
			return fmt.Errorf("version %d is larger than this system's limit of %s", v.Number, humanBytes(maxBytes))
		case !sha256RE.MatchString(v.SHA256):
			return fmt.Errorf("version %d: sha256 must be 64 lower-case hexadecimal digits", v.Number)
		case !goodTime(v.CreatedAt) || !text(v.Note, 2000) || !plain(v.CreatedBy.ID, 200) || !plain(v.CreatedBy.Name, 200):
			return fmt.Errorf("version %d: its time, note or author is not valid", v.Number)
		}
		if rec.Retention.State != StateActive {
			if v.Path != "" {
				return fmt.Errorf("version %d has content in the archive though the record was %s", v.Number, rec.Retention.State)
			}
			continue
		}
		lf := a.listed[v.Path]
		switch {
		case !strings.HasPrefix(v.Path, fmt.Sprintf("%sv%d/", dir, v.Number)):
			return fmt.Errorf("version %d: its path must be in %sv%d/", v.Number, dir, v.Number)
		case lf.Path == "":
			return fmt.Errorf("version %d: its content %q is not listed in %s", v.Number, clip(v.Path), manifestName)
		case lf.Size != v.Size || lf.SHA256 != v.SHA256:
			return fmt.Errorf("version %d: its size and SHA-256 differ from those %s gives its content", v.Number, manifestName)
		}
	}
	return nil
}

var (
	actionRE = regexp.MustCompile(`^[a-z0-9_.-]{1,100}$`)
	outcomes = []string{"success", "denied", "failure"}
)

func checkEvents(evs []fmtEvent) error {
	for i, e := range evs {
		switch {
		case !goodTime(e.At):
			return fmt.Errorf("event %d has no real time", i+1)
		case !actionRE.MatchString(e.Action) || !slices.Contains(outcomes, e.Outcome):
			return fmt.Errorf("event %d needs an action and an outcome of success, denied or failure", i+1)
		case !plain(e.ActorID, 200) || !plain(e.ActorName, 300) || !plain(e.ActingFor, 200) || !plain(e.OriginOrgID, 200) || !text(e.Detail, 4096):
			return fmt.Errorf("event %d has a field too long or with control characters", i+1)
		case e.OriginIndex < -1:
			return fmt.Errorf("event %d: origin_log_index must be -1 or more", i+1)
		}
	}
	return nil
}

// plain is one line of text of at most max bytes.
func plain(s string, max int) bool {
	return len(s) <= max && utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}

// text may have line breaks and tabs.
func text(s string, max int) bool {
	return len(s) <= max && utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t'
	})
}

var (
	minTime = time.Date(1970, 1, 1, 0, 0, 0, 1e6, time.UTC) // 0 ms means "not set" in the database
	maxTime = time.Date(9000, 1, 1, 0, 0, 0, 0, time.UTC)
)

func goodTime(t time.Time) bool { return !t.Before(minTime) && t.Before(maxTime) }
func optGood(t time.Time) bool  { return t.IsZero() || goodTime(t) }
