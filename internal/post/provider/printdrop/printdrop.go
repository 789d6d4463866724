// Package printdrop is the print and hybrid-mail provider: letters are
// handed to a printer in batches, each a folder of PDFs with a manifest
// (manifest.json and manifest.csv: id, file, pages, postage, large print,
// address, reference), written to a local folder the printer collects
// from or to the printer's SFTP drop.
//
// Send puts the letter in a spool on local disk (written whole, then
// renamed) and answers "accepted"; Flush moves every spooled letter into
// one batch at the destination. A batch appears whole or not at all: it
// is written under a hidden name (".partial-<batch>") and renamed when
// every file is there, and printers ignore names starting with a dot.
// Before it writes, Flush records which letters the batch holds; if the
// process dies after the rename but before the spool is cleared, the
// next Flush finds the batch already there and only clears the spool, so
// no letter is printed twice and none is lost.
package printdrop

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"dbtp/internal/post/provider"
)

// Options configure a Drop.
type Options struct {
	// Spool is the local folder letters wait in until their batch goes.
	Spool string
	// Dir is the destination folder when SFTP is nil.
	Dir string
	// SFTP is the printer's drop; nil writes to Dir.
	SFTP *SFTP
	// BatchSize flushes as soon as this many letters wait (0: 500);
	// otherwise the caller's Run flushes on its timer.
	BatchSize int
	// OnBatch is told of every batch that reached the destination, so
	// the letters it holds can be marked "received". Until it returns nil
	// the batch stays planned in the spool and the next Flush tells it
	// again (without sending the batch again): it may hear of a batch
	// twice, never miss one.
	OnBatch func(context.Context, Batch) error
	Now     func() time.Time
}

// Batch is one batch delivered to the printer.
type Batch struct {
	ID      string
	Letters []Entry
}

// Entry is one letter in a batch's manifest.
type Entry struct {
	ID         string   `json:"id"`
	File       string   `json:"file"`
	Pages      int      `json:"pages"`
	Postage    string   `json:"postage"`
	LargePrint bool     `json:"large_print"`
	Address    []string `json:"address"`
	Reference  string   `json:"reference,omitempty"`
}

// Drop is the provider.
type Drop struct {
	opts Options
	dest destination
	mu   sync.Mutex // one flush at a time; spooling needs no lock (see Send)
}

var _ provider.Provider = (*Drop)(nil)

// sentDir, in the spool, holds an empty mark for each letter sent in a
// batch (named by its id, holding the batch's), for Check and to make a
// second Send of the same letter a no-op. Marks go after SentKept.
const sentDir = "sent"

// SentKept is how long a sent letter's mark is kept.
const SentKept = 90 * 24 * time.Hour

// destination is where batches go: a folder or an SFTP server.
type destination interface {
	// put writes the batch's files under a hidden name and renames it
	// into place.
	put(ctx context.Context, batch string, files map[string][]byte) error
	// exists reports whether the batch is already in place.
	exists(ctx context.Context, batch string) (bool, error)
	name() string
}

// New returns a Drop, making its spool if need be.
func New(opts Options) (*Drop, error) {
	if opts.Spool == "" {
		return nil, errors.New("printdrop: a spool folder is needed")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.BatchSize <= 0 {
		opts.BatchSize = 500
	}
	d := &Drop{opts: opts}
	switch {
	case opts.SFTP != nil:
		d.dest = opts.SFTP
	case opts.Dir != "":
		if err := os.MkdirAll(opts.Dir, 0o750); err != nil {
			return nil, fmt.Errorf("printdrop: %w", err)
		}
		d.dest = folder(opts.Dir)
	default:
		return nil, errors.New("printdrop: a destination folder or SFTP drop is needed")
	}
	if err := os.MkdirAll(filepath.Join(opts.Spool, sentDir), 0o750); err != nil {
		return nil, fmt.Errorf("printdrop: %w", err)
	}
	return d, nil
}

// Name is the provider's name in the notifications' provider column.
func (d *Drop) Name() string { return "printdrop" }

// Send spools one letter. The letter is safe on disk when Send returns:
// it answers "accepted", and "received" comes with OnBatch and Check.
func (d *Drop) Send(ctx context.Context, m provider.Message) (provider.Result, error) {
	if m.Kind != "letter" {
		return provider.Result{}, provider.Permanent(fmt.Errorf("printdrop sends letters, not %s", m.Kind))
	}
	if !safeID.MatchString(m.ID) {
		return provider.Result{}, provider.Permanent(fmt.Errorf("printdrop: a letter's id must be letters, digits and dashes, not %q", m.ID))
	}
	if !bytes.HasPrefix(m.PDF, []byte("%PDF-")) {
		return provider.Result{}, provider.Permanent(errors.New("printdrop: the letter is not a PDF"))
	}
	// A letter with no address lines is a precompiled one (Notify's
	// letter sent as a PDF): its address is printed in the PDF, under the
	// envelope's window, and the manifest's address is left empty.
	// A letter already in a batch is not sent again (the delivery part
	// may hand it over twice after a crash mid-send).
	if _, err := os.Stat(filepath.Join(d.opts.Spool, sentDir, m.ID)); err == nil {
		return provider.Result{Ref: m.ID, Status: "received"}, nil
	}
	postage := m.Postage
	switch postage {
	case "":
		postage = "second"
	case "first", "second", "economy", "europe", "rest-of-world":
	default:
		return provider.Result{}, provider.Permanent(fmt.Errorf("printdrop: no such postage as %q", m.Postage))
	}
	e := Entry{ID: m.ID, File: m.ID + ".pdf", Pages: Pages(m.PDF), Postage: postage, LargePrint: m.LargePrint, Address: m.Address, Reference: m.Reference}
	meta, _ := json.Marshal(e)
	// Written whole then renamed: the .json names a letter whose PDF is
	// already there, so a crash, or a flush planning its batch at the same
	// moment, sees either nothing or a whole letter.
	err := writeFileSync(filepath.Join(d.opts.Spool, e.File), m.PDF)
	if err == nil {
		err = writeFileSync(filepath.Join(d.opts.Spool, m.ID+".json"), meta)
	}
	n := 0
	if err == nil {
		n, err = d.waiting()
	}
	if err != nil {
		return provider.Result{}, fmt.Errorf("printdrop: spooling: %w", err)
	}
	// A full batch goes now, unless a flush is already under way (it or
	// the next takes this letter). The letter is spooled: a failed flush
	// is retried by the next one and is not this letter's failure.
	if n >= d.opts.BatchSize && d.mu.TryLock() {
		_, _ = d.flush(ctx)
		d.mu.Unlock()
	}
	return provider.Result{Ref: m.ID, Status: "accepted"}, nil
}

// Idempotent says a second Send of a letter is the same letter: it is
// spooled once, and once in a batch it is not sent again.
func (d *Drop) Idempotent() bool { return true }

// Check says how a letter is doing: "received" once its batch is with the
// printer, "accepted" while it waits in the spool.
func (d *Drop) Check(_ context.Context, ref string) (string, error) {
	if !safeID.MatchString(ref) {
		return "", fmt.Errorf("printdrop: no letter %q", ref)
	}
	if _, err := os.Stat(filepath.Join(d.opts.Spool, sentDir, ref)); err == nil {
		return "received", nil
	}
	if _, err := os.Stat(filepath.Join(d.opts.Spool, ref+".json")); err == nil {
		return "accepted", nil
	}
	return "", fmt.Errorf("printdrop: letter %s is neither waiting nor sent", ref)
}

// pruneSent forgets letters sent more than SentKept ago.
func (d *Drop) pruneSent() {
	dir := filepath.Join(d.opts.Spool, sentDir)
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	old := d.opts.Now().Add(-SentKept)
	for _, e := range es {
		if fi, err := e.Info(); err == nil && fi.ModTime().Before(old) {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,99}$`)

func (d *Drop) waiting() (int, error) {
	names, err := filepath.Glob(filepath.Join(d.opts.Spool, "*.json"))
	return len(names), err
}

// Run flushes every interval until ctx ends, and once at the start for
// letters left from before a restart.
func (d *Drop) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		_, _ = d.Flush(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// plan is the spool's record of a batch being written.
type plan struct {
	ID      string  `json:"id"`
	Letters []Entry `json:"letters"`
}

const planFile = "batch.plan"

// Flush sends every spooled letter as one batch and returns it (no
// letters: an empty batch and nothing written).
func (d *Drop) Flush(ctx context.Context) (Batch, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.flush(ctx)
}

func (d *Drop) flush(ctx context.Context) (Batch, error) {
	p, err := d.readPlan()
	if err != nil {
		return Batch{}, err
	}
	if p == nil {
		if p, err = d.newPlan(); err != nil || p == nil {
			return Batch{}, err
		}
	}
	done, err := d.dest.exists(ctx, p.ID)
	if err != nil {
		return Batch{}, fmt.Errorf("printdrop: %s: %w", d.dest.name(), err)
	}
	if !done {
		files := map[string][]byte{}
		for _, e := range p.Letters {
			b, err := os.ReadFile(filepath.Join(d.opts.Spool, e.File))
			if err != nil {
				return Batch{}, fmt.Errorf("printdrop: %w", err)
			}
			files[e.File] = b
		}
		files["manifest.json"], files["manifest.csv"] = manifests(p.Letters)
		if err := d.dest.put(ctx, p.ID, files); err != nil {
			return Batch{}, fmt.Errorf("printdrop: %s: %w", d.dest.name(), err)
		}
	}
	b := Batch{ID: p.ID, Letters: p.Letters}
	if d.opts.OnBatch != nil {
		if err := d.opts.OnBatch(ctx, b); err != nil {
			return b, fmt.Errorf("printdrop: batch %s is with the printer but was not recorded: %w", b.ID, err)
		}
	}
	// The batch is in place and told: mark its letters sent (after
	// forgetting old marks), then clear the spool, the plan last.
	d.pruneSent()
	for _, e := range p.Letters {
		if err := os.WriteFile(filepath.Join(d.opts.Spool, sentDir, e.ID), []byte(p.ID), 0o640); err != nil {
			return b, fmt.Errorf("printdrop: %w", err)
		}
	}
	for _, e := range p.Letters {
		os.Remove(filepath.Join(d.opts.Spool, e.ID+".json"))
		os.Remove(filepath.Join(d.opts.Spool, e.File))
	}
	if err := os.Remove(filepath.Join(d.opts.Spool, planFile)); err != nil {
		return b, fmt.Errorf("printdrop: %w", err)
	}
	return b, nil
}

func (d *Drop) readPlan() (*plan, error) {
	b, err := os.ReadFile(filepath.Join(d.opts.Spool, planFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("printdrop: %w", err)
	}
	var p plan
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("printdrop: the spool's batch plan is damaged: %w", err)
	}
	return &p, nil
}

// newPlan gathers the spooled letters (oldest id order, so a manifest is
// stable) into a batch and records it; nil when none wait.
func (d *Drop) newPlan() (*plan, error) {
	names, err := filepath.Glob(filepath.Join(d.opts.Spool, "*.json"))
	if err != nil || len(names) == 0 {
		return nil, err
	}
	sort.Strings(names)
	var rnd [4]byte
	rand.Read(rnd[:])
	p := &plan{ID: d.opts.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(rnd[:])}
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("printdrop: %w", err)
		}
		var e Entry
		if err := json.Unmarshal(b, &e); err != nil {
			return nil, fmt.Errorf("printdrop: %s: %w", filepath.Base(n), err)
		}
		p.Letters = append(p.Letters, e)
	}
	b, _ := json.Marshal(p)
	if err := writeFileSync(filepath.Join(d.opts.Spool, planFile), b); err != nil {
		return nil, fmt.Errorf("printdrop: %w", err)
	}
	return p, nil
}

// manifests are the batch's manifest as JSON and as CSV (an address line
// to a column, as mail-merge tools expect).
func manifests(letters []Entry) (js, cs []byte) {
	js, _ = json.MarshalIndent(map[string]any{"letters": letters, "count": len(letters)}, "", "  ")
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	head := []string{"id", "file", "pages", "postage", "large_print", "reference"}
	for i := 1; i <= 7; i++ {
		head = append(head, "address_line_"+strconv.Itoa(i))
	}
	w.Write(head)
	for _, e := range letters {
		row := []string{e.ID, e.File, strconv.Itoa(e.Pages), e.Postage, strconv.FormatBool(e.LargePrint), csvSafe(e.Reference)}
		for i := 0; i < 7; i++ {
			line := ""
			if i < len(e.Address) {
				line = csvSafe(e.Address[i])
			}
			row = append(row, line)
		}
		w.Write(row)
	}
	w.Flush()
	return js, b.Bytes()
}

// csvSafe keeps a spreadsheet from reading a cell as a formula.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// Pages counts a PDF's pages: its /Type /Page objects, or failing that
// (objects packed in a compressed stream) the largest /Count, which is
// the page tree's root; 0 if neither is readable.
func Pages(pdf []byte) int {
	if n := len(pageRE.FindAll(pdf, -1)); n > 0 {
		return n
	}
	n := 0
	for _, m := range countRE.FindAllSubmatch(pdf, -1) {
		if c, _ := strconv.Atoi(string(m[1])); c > n {
			n = c
		}
	}
	return n
}

var (
	pageRE  = regexp.MustCompile(`/Type\s*/Page\b`) // not /Pages: \b needs a non-letter after
	countRE = regexp.MustCompile(`/Count\s+(\d+)`)
)

// writeFileSync writes name whole: to a temporary file, synced, then
// renamed over name.
func writeFileSync(name string, b []byte) error {
	tmp := name + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return err
	}
	if _, err = f.Write(b); err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	return os.Rename(tmp, name)
}
