package definition

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

//go:embed builtin/*.yaml
var builtinFS embed.FS

//go:embed schema.json
var schemaJSON []byte

// Schema is the published JSON Schema (draft 2020-12) of a definition, for
// editors and for councils' own CI. Parse is the authority: it checks what a
// schema cannot (cross references, the page and workflow graphs).
func Schema() []byte { return slices.Clone(schemaJSON) }

// SchemaID is the schema's $id.
const SchemaID = "https://dbtp.example/schemas/service-definition.json"

// Builtins parses the definitions shipped with dbtp, in file name order. An
// error here is a bug in dbtp itself; the tests make sure there is none.
func Builtins() ([]*Definition, error) {
	return defsOf(loadFS(builtinFS, "builtin"))
}

// Source is a parsed definition with the YAML it came from, which the engine
// keeps so a published version can be shown and exported exactly as written.
type Source struct {
	Def  *Definition
	YAML []byte
}

// BuiltinSources is Builtins with each file's YAML.
func BuiltinSources() ([]Source, error) { return loadFS(builtinFS, "builtin") }

// LoadDirSources is LoadDir with each file's YAML.
func LoadDirSources(dir string) ([]Source, error) {
	srcs, err := loadFS(os.DirFS(dir), ".")
	if errors.Is(err, fs.ErrNotExist) {
		if _, statErr := os.Stat(dir); errors.Is(statErr, fs.ErrNotExist) {
			return nil, nil
		}
	}
	return srcs, err
}

func defsOf(srcs []Source, err error) ([]*Definition, error) {
	if err != nil || srcs == nil {
		return nil, err
	}
	defs := make([]*Definition, len(srcs))
	for i, s := range srcs {
		defs[i] = s.Def
	}
	return defs, nil
}

// LoadDir parses every .yaml (or .yml) file in dir: a council's own
// definitions in the data folder's services/ directory. A missing folder is
// no definitions. Problems in every file are reported together, as one
// error joining a *ValidationError per bad file, and nothing is returned
// then: a half-loaded set of services is worse than a refusal to start.
func LoadDir(dir string) ([]*Definition, error) {
	return defsOf(LoadDirSources(dir))
}

func loadFS(fsys fs.FS, dir string) ([]Source, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, err
	}
	var defs []Source
	var errs []error
	where := map[string]string{} // "id v1" -> file, to refuse two files defining the same version
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		src, err := fs.ReadFile(fsys, filepath.ToSlash(filepath.Join(dir, e.Name())))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		d, err := Parse(src, e.Name())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		key := fmt.Sprintf("%s v%d", d.ID, d.Version)
		if other, dup := where[key]; dup {
			errs = append(errs, &ValidationError{Name: e.Name(), Problems: []Problem{{Line: 1, Column: 1, Path: "id",
				Message: fmt.Sprintf("%s is also defined in %s; give one of them a new version", key, other)}}})
			continue
		}
		where[key] = e.Name()
		defs = append(defs, Source{Def: d, YAML: src})
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return defs, nil
}

// String is the definition's ID, version and size, for logs and the CLI.
func (d *Definition) String() string {
	return fmt.Sprintf("%s v%d (%d fields, %d states)", d.ID, d.Version, len(d.Fields), len(d.Workflow.States))
}
