package records

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"dbtp/internal/platform"
)

// ImportLimits bound what an import reads before it trusts anything, so a
// hostile archive (a ZIP bomb, a million tiny entries, a gigabyte of JSON)
// is refused rather than exhausting the machine.
type ImportLimits struct {
	MaxEntries       int   // files and folders in the ZIP
	MaxTotalBytes    int64 // all entries uncompressed, as declared and as read
	MaxJSONBytes     int64 // one metadata, history, file plan or holds file
	MaxManifestBytes int64
}

// DefaultImportLimits suit a whole council's export split by class: a
// larger archive is refused with a message saying which limit it passed.
func DefaultImportLimits() ImportLimits {
	return ImportLimits{MaxEntries: 1_000_000, MaxTotalBytes: 1 << 40, MaxJSONBytes: 32 << 20, MaxManifestBytes: 256 << 20}
}

// Import reads an archive in the open export format into sub's
// organisation with the default limits; see ImportLimited.
func (s *Store) Import(ctx context.Context, sub *platform.Subject, r io.ReaderAt, size int64) (Summary, error) {
	return s.ImportLimited(ctx, sub, r, size, DefaultImportLimits())
}

// ImportLimited reads an archive in three steps, so that a bad archive
// leaves nothing behind:
//
//  1. It checks the whole archive before storing anything: the manifest,
//     every file's presence, size and SHA-256, no file the manifest does
//     not list, safe names, the limits, every JSON file strictly (an
//     unknown field is refused, not dropped), every reference between
//     them, and that no record's ID is already used in this database. The
//     first problem found is named in the error; nothing is written.
//  2. It puts the content into the encrypted store, checking again that
//     each file hashes to what the manifest says.
//  3. It writes the classes, records, versions and carried history in one
//     database write with its audit entries: all of it or none.
//
// Records keep their IDs; an ID already in this database refuses the whole
// import (a conflict) rather than renumbering, since other systems and
// the audit history refer to records by ID, and importing the same archive
// twice must not make copies. Classes are matched by code: an existing
// class is used as it is (its schedule applies; differences are listed in
// the Summary's notes), a missing one is created with the archive's ID.
// Content put in step 2 before a failed step 3 stays in the store,
// unreferenced: it is encrypted, and another upload of the same bytes
// reuses it.
func (s *Store) ImportLimited(ctx context.Context, sub *platform.Subject, r io.ReaderAt, size int64, lim ImportLimits) (Summary, error) {
	if err := s.MayMove(ctx, sub, "import"); err != nil {
		return Summary{}, err
	}
	if s.opts.Files == nil {
		return Summary{}, platform.Errorf(platform.CodeInternal, "No file store is configured")
	}
	a, err := s.readArchive(r, size, lim)
	if err != nil {
		return Summary{}, err
	}
	if err := s.checkTarget(ctx, sub.OrgID, a); err != nil {
		return Summary{}, err
	}
	if err := s.putContent(ctx, a); err != nil {
		return Summary{}, err
	}
	return s.writeImport(ctx, sub, a)
}

// refused is the error for a bad archive: it names the first problem.
func refused(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &platform.Error{Code: platform.CodeInvalid, Message: "The archive was not imported and nothing was stored: " + msg,
		Fields: []platform.FieldError{{Field: "archive", Message: "Nothing was imported: " + msg}}}
}

// archive is an archive whose every file has been checked. It keeps the
// manifest and the file plan; each record's metadata and history are read
// again (and their hashes checked again) when they are written, so memory
// does not grow with the records' size.
type archive struct {
	lim      ImportLimits
	files    map[string]*zip.File
	manifest fmtManifest
	// manifestSum is the manifest's SHA-256, which identifies the archive
	// in the audit log.
	manifestSum string
	listed      map[string]fmtFile
	plan        fmtFilePlan
	classes     map[string]fmtClass // by code
	records     []archRecord
	content     []fmtFile // content files, in manifest order
	holds       []fmtHold
	counts      Counts
}

type archRecord struct {
	id, classCode     string
	caseID            string
	source, sourceRef string
	dir               string
}

func (s *Store) readArchive(r io.ReaderAt, size int64, lim ImportLimits) (*archive, error) {
	if r == nil || size <= 0 {
		return nil, refused("the file is empty")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) { // checkEntries names the insecure entry
		return nil, refused("it is not a ZIP archive, or it is damaged")
	}
	a := &archive{lim: lim, files: map[string]*zip.File{}, listed: map[string]fmtFile{}, classes: map[string]fmtClass{}}
	if err := a.checkEntries(zr); err != nil {
		return nil, err
	}
	if err := a.readManifest(); err != nil {
		return nil, err
	}
	if err := a.checkLayout(); err != nil {
		return nil, err
	}
	if err := s.checkFiles(a); err != nil {
		return nil, err
	}
	return a, nil
}

// checkEntries looks at the ZIP's directory without reading any content.
func (a *archive) checkEntries(zr *zip.Reader) error {
	if len(zr.File) > a.lim.MaxEntries {
		return refused("it has %d entries, more than the limit of %d", len(zr.File), a.lim.MaxEntries)
	}
	folded := map[string]bool{}
	var total uint64
	for _, f := range zr.File {
		name := f.Name
		dir := strings.HasSuffix(name, "/")
		if !safePath(strings.TrimSuffix(name, "/")) {
			return refused("the entry %q has an unsafe or unexpected name (only plain relative paths of letters, digits, '.', '-' and '_' are allowed)", clip(name))
		}
		// Unpacked on a case-insensitive disk, two names differing only
		// in case would overwrite each other.
		if folded[strings.ToLower(name)] {
			return refused("the entry %q appears twice", name)
		}
		folded[strings.ToLower(name)] = true
		if f.Flags&0x1 != 0 {
			return refused("the entry %q is encrypted", name)
		}
		switch mode := f.Mode(); {
		case dir && (mode.IsDir() || mode.IsRegular()) && f.UncompressedSize64 == 0:
			continue // a folder entry, as a re-zipped folder has: nothing to check
		case dir || !mode.IsRegular() || mode&fs.ModeSymlink != 0:
			return refused("the entry %q is not a plain file", name)
		}
		if f.UncompressedSize64 > uint64(a.lim.MaxTotalBytes) || total+f.UncompressedSize64 > uint64(a.lim.MaxTotalBytes) {
			return refused("its files add up to more than the limit of %s", humanBytes(a.lim.MaxTotalBytes))
		}
		total += f.UncompressedSize64
		a.files[name] = f
	}
	return nil
}

func (a *archive) readManifest() error {
	f := a.files[manifestName]
	if f == nil {
		return refused("it has no %s: it is not an export in the %s format", manifestName, FormatName)
	}
	if f.UncompressedSize64 > uint64(a.lim.MaxManifestBytes) {
		return refused("%s is larger than the limit of %s", manifestName, humanBytes(a.lim.MaxManifestBytes))
	}
	b, sum, err := readAll(f, a.lim.MaxManifestBytes)
	if err != nil {
		return refused("%s cannot be read: %v", manifestName, err)
	}
	a.manifestSum = sum
	m := &a.manifest
	if err := strictJSON(b, m); err != nil {
		return refused("%s is not valid: %v", manifestName, err)
	}
	switch {
	case m.Format != FormatName:
		return refused("%s names the format %q, not %q", manifestName, clip(m.Format), FormatName)
	case m.FormatVersion < minFormatVersion || m.FormatVersion > FormatVersion:
		return refused("it is version %d of the format; this version of dbtp reads versions %d to %d", m.FormatVersion, minFormatVersion, FormatVersion)
	case !platform.ValidID("rex", m.ExportID):
		return refused("%s has no valid export_id", manifestName)
	case m.CreatedAt.IsZero():
		return refused("%s has no created_at", manifestName)
	}
	for _, lf := range m.Files {
		switch {
		case lf.Path == manifestName || !safePath(lf.Path):
			return refused("%s lists the unsafe or unexpected path %q", manifestName, clip(lf.Path))
		case a.listed[lf.Path].Path != "":
			return refused("%s lists %s twice", manifestName, lf.Path)
		case !sha256RE.MatchString(lf.SHA256):
			return refused("%s gives %s a SHA-256 that is not 64 lower-case hexadecimal digits", manifestName, lf.Path)
		}
		zf := a.files[lf.Path]
		if zf == nil {
			return refused("%s is listed in %s but missing from the archive", lf.Path, manifestName)
		}
		if lf.Size < 0 || zf.UncompressedSize64 != uint64(lf.Size) {
			return refused("%s is %d bytes in the archive, but %s says %d", lf.Path, zf.UncompressedSize64, manifestName, lf.Size)
		}
		a.listed[lf.Path] = lf
	}
	for name := range a.files {
		if name != manifestName && a.listed[name].Path == "" {
			return refused("%s is in the archive but not listed in %s", name, manifestName)
		}
	}
	return nil
}

var (
	sha256RE   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	versionDir = regexp.MustCompile(`^v([1-9][0-9]{0,5})$`)
)

// checkLayout places every listed file in the format: the fixed files at
// the top and, in records/<id>/, metadata.json, audit.json and content
// under v<n>/. Anything else is refused, so nothing in an archive goes
// unread.
func (a *archive) checkLayout() error {
	for _, name := range []string{readmeName, filePlanName, holdsName} {
		if a.listed[name].Path == "" {
			return refused("it has no %s", name)
		}
	}
	seen := map[string]bool{}
	for _, lf := range a.manifest.Files {
		rest, ok := strings.CutPrefix(lf.Path, recordsDir)
		if !ok {
			if lf.Path == readmeName || lf.Path == filePlanName || lf.Path == holdsName {
				continue
			}
			return refused("%s is not part of the format", lf.Path)
		}
		parts := strings.Split(rest, "/")
		id := parts[0]
		switch {
		case !platform.ValidID("rec", id):
			return refused("%s is not in a folder named by a record ID", lf.Path)
		case len(parts) == 2 && (parts[1] == metadataName || parts[1] == eventsName):
		case len(parts) == 3 && versionDir.MatchString(parts[1]):
			a.content = append(a.content, lf)
		default:
			return refused("%s is not part of the format", lf.Path)
		}
		if !seen[id] {
			seen[id] = true
			dir := recordsDir + id + "/"
			for _, need := range []string{metadataName, eventsName} {
				if a.listed[dir+need].Path == "" {
					return refused("record %s has no %s", id, need)
				}
			}
			a.records = append(a.records, archRecord{id: id, dir: dir})
		}
	}
	return nil
}

// readAll reads a whole entry of at most max bytes, returning it with its
// SHA-256. The ZIP reader fails on content longer or shorter than the
// entry declares, or on a CRC mismatch.
func readAll(f *zip.File, max int64) ([]byte, string, error) {
	if f.UncompressedSize64 > uint64(max) {
		return nil, "", fmt.Errorf("larger than the limit of %s", humanBytes(max))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, "", err
	}
	defer rc.Close()
	h := sha256.New()
	b, err := io.ReadAll(io.TeeReader(io.LimitReader(rc, max+1), h))
	if err != nil {
		return nil, "", err
	}
	if int64(len(b)) > max {
		return nil, "", fmt.Errorf("larger than the limit of %s", humanBytes(max))
	}
	return b, hex.EncodeToString(h.Sum(nil)), nil
}

// readListed reads a listed JSON file and checks it is the one listed.
func (a *archive) readListed(name string, v any) error {
	lf := a.listed[name]
	b, sum, err := readAll(a.files[name], a.lim.MaxJSONBytes)
	if err != nil {
		return refused("%s cannot be read: %v", name, err)
	}
	if sum != lf.SHA256 {
		return refused("%s does not match its SHA-256 in %s (it was changed or damaged)", name, manifestName)
	}
	if err := strictJSON(b, v); err != nil {
		return refused("%s is not valid: %v", name, err)
	}
	return nil
}

// hashListed reads a listed file of any size and checks its hash.
func (a *archive) hashListed(lf fmtFile) error {
	rc, err := a.files[lf.Path].Open()
	if err != nil {
		return refused("%s cannot be read: %v", lf.Path, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, rc)
	if err != nil {
		return refused("%s cannot be read: %v", lf.Path, err)
	}
	if n != lf.Size || hex.EncodeToString(h.Sum(nil)) != lf.SHA256 {
		return refused("%s does not match its SHA-256 in %s (it was changed or damaged)", lf.Path, manifestName)
	}
	return nil
}

// strictJSON decodes one JSON value, refusing unknown fields (which would
// otherwise be dropped without a word) and anything after the value.
func strictJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("there is more after the JSON value")
	}
	return nil
}

// jsonProblem says what is wrong without echoing long input back.
func jsonProblem(err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("malformed JSON at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Errorf("the field %q has the wrong type", te.Field)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("it has a field this format does not define: %s", clip(strings.TrimPrefix(err.Error(), "json: unknown field ")))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("it ends before the JSON does")
	}
	return errors.New("malformed JSON or a value out of range")
}

// clip keeps at most 80 bytes of untrusted text for a message (quote it
// with %q, which escapes control characters).
func clip(s string) string {
	if len(s) > 80 {
		s = s[:80] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
