package recordsweb

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"dbtp/internal/module"
	"dbtp/internal/platform"
	"dbtp/internal/records"
)

// Verbs export and import from the command line, for archives too large
// for a browser and for scripted transfers to the county archive. They
// act as the platform in the organisation named; the engine audits both.
func (m *Module) Verbs() []module.Verb {
	var org, class, caseID, out string
	orgFlag := func(f *module.Flags) {
		f.String(&org, "org", "DBTP_ORG", "", "the organisation's short name (required)")
	}
	return []module.Verb{
		{Name: "records export", Summary: "export an organisation's records (a class and those under it, or everything) to a ZIP archive in the open export format",
			Open: true, Flags: func(f *module.Flags) {
				orgFlag(f)
				f.String(&class, "class", "", "", "a class's code (FIN.01): it and the classes under it; default everything")
				f.String(&caseID, "case", "", "", "only the documents of this case")
				f.String(&out, "out", "", "", "the archive file to write (required; it must not exist)")
			},
			Run: func(ctx context.Context, c *module.Call) error {
				if org == "" || out == "" {
					return module.Usage("--org and --out are needed")
				}
				return exportVerb(ctx, c, org, class, caseID, out)
			}},
		{Name: "records import", Summary: "import an archive made by records export, checking all of it before storing anything",
			Args: "FILE", NArgs: 1, Open: true, Flags: orgFlag,
			Run: func(ctx context.Context, c *module.Call) error {
				if org == "" {
					return module.Usage("--org is needed")
				}
				return importVerb(ctx, c, org, c.Args[0])
			}},
	}
}

// verbStore is the records engine for a verb, and the platform's subject in
// the organisation with the verb's name in the audit log.
func verbStore(ctx context.Context, d *module.Deps, slug, verb string) (*records.Store, *platform.Subject, platform.Org, error) {
	maxBytes, err := maxUpload(d.Config.Getenv)
	if err != nil {
		return nil, nil, platform.Org{}, err
	}
	orgs, err := d.Directory.Orgs(ctx)
	if err != nil {
		return nil, nil, platform.Org{}, err
	}
	for _, o := range orgs {
		if o.Slug == slug {
			sub := platform.System(o.ID)
			sub.Name, sub.Addr = "dbtp "+verb, "cli"
			rs := records.New(d.DB, d.Audit, d.Access, records.Options{Files: d.Blob, Now: d.Clock.Now, MaxBytes: maxBytes})
			return rs, sub, o, nil
		}
	}
	return nil, nil, platform.Org{}, platform.Errorf(platform.CodeNotFound, "there is no organisation %q (dbtp org list shows them)", slug)
}

// exportVerb writes the archive beside out and renames it into place when
// it is whole, so a failed export never leaves a file that looks finished.
func exportVerb(ctx context.Context, c *module.Call, slug, class, caseID, out string) error {
	rs, sub, org, err := verbStore(ctx, c.Deps, slug, "records export")
	if err != nil {
		return err
	}
	if _, err := os.Stat(out); err == nil {
		return fmt.Errorf("%s already exists: choose another name", out)
	}
	sc := records.Scope{CaseID: caseID, OrgName: org.Name}
	if class != "" {
		h := &handlers{rs: rs}
		if sc.ClassID, err = h.classParam(ctx, sub, class); err != nil {
			return err
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(out), ".records-export-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // gone after the rename; removes a failed one
	sum, err := rs.Export(ctx, sub, sc, tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil { // it may hold OFFICIAL-SENSITIVE content
		return err
	}
	if err := os.Rename(tmp.Name(), out); err != nil {
		return err
	}
	n := sum.Counts
	fmt.Fprintf(c.Stdout, "%s: %d classes, %d records (%d declared, %d destroyed or transferred), %d versions, %d files (%s), %d events\n",
		out, n.Classes, n.Records, n.Declared, n.Tombstones, n.Versions, n.Files, platform.SizeText(n.ContentBytes), n.Events)
	fmt.Fprintf(c.Stdout, "export %s, manifest SHA-256 %s\n", sum.ExportID, sum.ManifestSHA256)
	return nil
}

func importVerb(ctx context.Context, c *module.Call, slug, file string) error {
	rs, sub, _, err := verbStore(ctx, c.Deps, slug, "records import")
	if err != nil {
		return err
	}
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("cannot open the archive: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	sum, err := rs.Import(ctx, sub, f, st.Size())
	if err != nil {
		return err
	}
	printSummary(c.Stdout, sum)
	return nil
}

func printSummary(w io.Writer, sum records.Summary) {
	fmt.Fprintf(w, "imported export %s (manifest SHA-256 %s) as %s: %s\n", sum.ExportID, sum.ManifestSHA256, sum.ImportID, importPage{Summary: &sum}.Held())
	fmt.Fprintf(w, "classes added: %d, already here: %d\n", len(sum.ClassesCreated), len(sum.ClassesReused))
	for _, n := range sum.Notes {
		fmt.Fprintln(w, "note: "+n)
	}
}
