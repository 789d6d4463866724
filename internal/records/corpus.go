package records

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
)

// CorpusOptions shape a generated corpus.
type CorpusOptions struct {
	// Units are business unit IDs. Each function of the file plan belongs
	// to one of them (in turn), as a council's services do; a tenth of the
	// documents belong to no unit. Empty: none has a unit.
	Units []string
	// Authors are user IDs the documents are filed by; empty: 200 made up.
	Authors []string
	Seed    uint64
	// Batch is how many documents each write holds (default 500).
	Batch int
	// From and To bound the filing dates (default the ten years to now).
	// Documents are filed in date order, as they would have been.
	From, To time.Time
	// Progress is told how many documents are stored after each write.
	Progress func(done int)
}

// GenerateCorpus files n made-up documents in orgID, with their text, for
// measuring search at scale (BenchmarkSearch, a bench command). It writes
// rows directly in batches, without the blob store, access checks or
// audit entries, so it is for test and bench databases only. The org's
// file plan must exist (EnsureFilePlan). The corpus looks like a county
// council's: letters, notes, minutes and invoices of 60 to 400 words from
// each service's vocabulary, about people with English surnames in their
// real proportions (Smith about one in a hundred), across the file plan's
// classes, several units, both classifications, declared and not.
func GenerateCorpus(ctx context.Context, db *store.DB, orgID string, n int, opts CorpusOptions) (err error) {
	classes, err := (&Store{}).classes(ctx, db.Query, orgID)
	if err != nil {
		return err
	}
	g := newCorpusGen(classes, opts)
	if len(g.leaves) == 0 {
		return fmt.Errorf("organisation %s has no file plan: run EnsureFilePlan first", orgID)
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	if opts.To.IsZero() {
		opts.To = time.Now()
	}
	if opts.From.IsZero() {
		opts.From = opts.To.AddDate(-10, 0, 0)
	}
	span := opts.To.Sub(opts.From)
	if db.Dialect() == store.Postgres {
		// One GIN update per document (the index is built without a
		// pending list, for searches) cost about 6 ms each; a pending list
		// of 64 MB merged in sorted batches is several times cheaper. The
		// index goes back as it was afterwards, its list merged.
		if err := pgExec(ctx, db, `ALTER INDEX records_documents_search SET (fastupdate = on, gin_pending_list_limit = 65536)`); err != nil {
			return err
		}
		defer func() {
			err = errors.Join(err, pgExec(ctx, db, `SELECT gin_clean_pending_list('records_documents_search')`),
				pgExec(ctx, db, `ALTER INDEX records_documents_search SET (fastupdate = off)`),
				pgExec(ctx, db, `ALTER INDEX records_documents_search RESET (gin_pending_list_limit)`))
		}()
	}
	for done := 0; done < n; {
		size := min(opts.Batch, n-done)
		docs := make([]corpusDoc, size)
		for i := range docs {
			at := opts.From.Add(time.Duration(float64(span) * float64(done+i) / float64(n)))
			docs[i] = g.doc(orgID, at)
		}
		if err := db.Write(ctx, func(tx *store.Tx) error { return insertCorpus(ctx, tx, docs) }); err != nil {
			return err
		}
		done += size
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
	return nil
}

func pgExec(ctx context.Context, db *store.DB, q string) error {
	return db.Write(ctx, func(tx *store.Tx) error {
		_, err := tx.Exec(ctx, q)
		return err
	})
}

// corpusDoc is one generated document with its text and file name.
type corpusDoc struct {
	d    Document
	name string
	body string
}

// insertCorpus writes text and versions before documents, so the search
// index (the triggers of migration 0003) is built once per document.
func insertCorpus(ctx context.Context, tx *store.Tx, docs []corpusDoc) error {
	const per = 100 // rows per statement, well under both engines' parameter limits
	for lo := 0; lo < len(docs); lo += per {
		part := docs[lo:min(lo+per, len(docs))]
		var text, vers, doc []any
		for _, c := range part {
			d := &c.d
			text = append(text, d.ID, d.OrgID, c.body)
			vers = append(vers, d.ID, 1, d.OrgID, fmt.Sprintf("%064x", rand.Uint64()), len(c.body), c.name, "text/plain", d.AuthorID, d.AuthorName, store.Millis(d.CreatedAt))
			subjects, _ := json.Marshal(d.Subjects)
			tags, _ := json.Marshal(d.Tags)
			doc = append(doc, d.ID, d.OrgID, d.ClassID, d.Title, d.AuthorID, d.AuthorName, d.UnitID, string(d.Classification), string(subjects),
				d.CaseID, d.CaseRef, string(tags), d.Source, 1, optMillis(d.DeclaredAt), d.DeclaredBy, "done", store.Millis(d.CreatedAt), store.Millis(d.UpdatedAt))
		}
		stmts := []struct {
			head string
			cols int
			args []any
		}{
			{`INSERT INTO records_text (document_id, org_id, body) VALUES `, 3, text},
			{`INSERT INTO records_versions (document_id, number, org_id, blob_id, size, name, media_type, created_by, created_by_name, created_at) VALUES `, 10, vers},
			{`INSERT INTO records_documents (id, org_id, class_id, title, author_id, author_name, unit_id, classification, subjects, case_id, case_ref,
				tags, source, versions, declared_at, declared_by, text_status, created_at, updated_at) VALUES `, 19, doc},
		}
		for _, s := range stmts {
			row := "(" + strings.TrimSuffix(strings.Repeat("?, ", s.cols), ", ") + ")"
			q := s.head + strings.TrimSuffix(strings.Repeat(row+", ", len(part)), ", ")
			if _, err := tx.Exec(ctx, q, s.args...); err != nil {
				return err
			}
		}
	}
	return nil
}

type corpusGen struct {
	r       *rand.Rand
	leaves  []Class
	unitOf  map[string]string // function code -> unit
	authors []string
	general zipf
	topics  map[string]zipf
	surname zipf
	seq     int
}

func newCorpusGen(classes []Class, opts CorpusOptions) *corpusGen {
	g := &corpusGen{r: rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15)), unitOf: map[string]string{},
		general: newZipf(len(corpusGeneral), 1.0), surname: newZipf(len(corpusSurnames), 0.9), topics: map[string]zipf{}}
	for fn, words := range corpusTopics {
		g.topics[fn] = newZipf(len(words), 0.8)
	}
	fi := 0
	for _, c := range classes {
		switch c.Level {
		case LevelTransaction:
			if !c.Closed {
				g.leaves = append(g.leaves, c)
			}
		case LevelFunction:
			if len(opts.Units) > 0 {
				g.unitOf[c.Code] = opts.Units[fi%len(opts.Units)]
			}
			fi++
		}
	}
	g.authors = opts.Authors
	for i := 0; len(g.authors) == 0 && i < 200; i++ {
		g.authors = append(g.authors, platform.NewID("usr"))
	}
	return g
}

// doc makes one document filed at at.
func (g *corpusGen) doc(orgID string, at time.Time) corpusDoc {
	r := g.r
	g.seq++
	c := g.leaves[r.IntN(len(g.leaves))]
	fn := c.Code[:3]
	d := Document{ID: platform.NewID("rec"), OrgID: orgID, ClassID: c.ID, Classification: platform.Official, Source: SourceUpload,
		State: StateActive, TextStatus: "done", Versions: 1, CreatedAt: at, UpdatedAt: at, Tags: []string{}, Subjects: []Person{}}
	if r.IntN(10) > 0 {
		d.UnitID = g.unitOf[fn]
	}
	sensitive := map[string]bool{"ADM": true, "CHI": true, "HRS": true}[fn]
	if (sensitive && r.IntN(100) < 40) || r.IntN(100) < 5 {
		d.Classification = platform.OfficialSensitive
	}
	author := r.IntN(len(g.authors))
	d.AuthorID, d.AuthorName = g.authors[author], g.person()
	for range r.IntN(3) + boolInt(sensitive) {
		d.Subjects = append(d.Subjects, Person{Name: g.person()})
	}
	for range r.IntN(3) {
		if t := corpusTags[r.IntN(len(corpusTags))]; !slices.Contains(d.Tags, t) {
			d.Tags = append(d.Tags, t)
		}
	}
	switch x := r.IntN(100); {
	case x < 30:
		d.Source = SourceCase
		d.CaseID = platform.NewID("case")
		d.CaseRef = fmt.Sprintf("%s-%d-%06d", fn, at.Year(), g.seq%1000000)
	case x < 40:
		d.Source = SourceEmail
	case x < 48:
		d.Source = SourceM365
	case x < 50:
		d.Source = SourceAPI
	}
	if r.IntN(100) < 40 {
		d.DeclaredAt, d.DeclaredBy = at.Add(time.Hour), "Records Officer"
	}
	topic := g.topics[fn]
	words := corpusTopics[fn]
	kind := []string{"Letter", "Note", "Report", "Minutes", "Email", "Form", "Assessment", "Review"}[r.IntN(8)]
	d.Title = fmt.Sprintf("%s: %s %s", kind, words[topic.pick(r)], words[topic.pick(r)])
	if len(d.Subjects) > 0 {
		d.Title += " – " + d.Subjects[0].Name
	} else if fn == "FIN" {
		d.Title += fmt.Sprintf(" – %s invoice %d", corpusSuppliers[r.IntN(len(corpusSuppliers))], 100000+r.IntN(900000))
	}
	var b strings.Builder
	nw := 60 + r.IntN(341)
	for i := 0; i < nw; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch x := r.IntN(100); {
		case x < 70:
			b.WriteString(corpusGeneral[g.general.pick(r)])
		case x < 87:
			b.WriteString(words[topic.pick(r)])
		case x < 91 && len(d.Subjects) > 0:
			b.WriteString(d.Subjects[r.IntN(len(d.Subjects))].Name)
			i++
		case x < 94:
			b.WriteString(corpusPlaces[r.IntN(len(corpusPlaces))])
		case x < 96:
			fmt.Fprintf(&b, "%02d/%02d/%d", 1+r.IntN(28), 1+r.IntN(12), at.Year()-r.IntN(3))
		case x < 98:
			fmt.Fprintf(&b, "NS%d %d%c%c", 1+r.IntN(30), r.IntN(10), 'A'+rune(r.IntN(26)), 'A'+rune(r.IntN(26)))
		default:
			fmt.Fprintf(&b, "£%d.%02d", r.IntN(20000), r.IntN(100))
		}
		if r.IntN(12) == 0 {
			b.WriteString(".")
		}
	}
	if d.CaseRef != "" {
		b.WriteString(" Case reference " + d.CaseRef + ".")
	}
	name := strings.ToLower(strings.ReplaceAll(kind+" "+words[topic.pick(r)], " ", "-")) + fmt.Sprintf("-%d.pdf", g.seq)
	return corpusDoc{d: d, name: name, body: b.String()}
}

// person is a made-up name.
func (g *corpusGen) person() string {
	return corpusFirstNames[g.r.IntN(len(corpusFirstNames))] + " " + corpusSurnames[g.surname.pick(g.r)]
}

// zipf draws ranks 0..n-1 with weight 1/(rank+1)^s.
type zipf []float64

func newZipf(n int, s float64) zipf {
	cum := make(zipf, n)
	total := 0.0
	for i := range cum {
		total += 1 / math.Pow(float64(i+1), s)
		cum[i] = total
	}
	for i := range cum {
		cum[i] /= total
	}
	return cum
}

func (z zipf) pick(r *rand.Rand) int {
	return min(sort.SearchFloat64s(z, r.Float64()), len(z)-1)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
