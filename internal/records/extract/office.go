package extract

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"
)

// readerAt returns the content as an io.SectionReader when r can already
// give random access (a file, a bytes.Reader), so a DOCX or ODT need not
// be copied into memory. The section starts where r stands now.
func readerAt(r io.Reader, size int64) (*io.SectionReader, error) {
	ra, ok := r.(io.ReaderAt)
	s, ok2 := r.(io.Seeker)
	if !ok || !ok2 {
		return nil, nil
	}
	start, err := s.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, nil
	}
	end, err := s.Seek(0, io.SeekEnd)
	if _, err2 := s.Seek(start, io.SeekStart); err2 != nil {
		return nil, fmt.Errorf("extract: seeking back in content: %w", err2)
	}
	if err != nil {
		return nil, nil
	}
	return io.NewSectionReader(ra, start, min(size, end-start)), nil
}

// readAllAt reads a zip container into memory: archive/zip needs random
// access and the content arrives as a stream (the blob store decrypts as
// it reads). Memory is bounded by the size Text was given.
func readAllAt(r io.Reader) (*io.SectionReader, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))), nil
}

// errBomb is returned by a part's reader once the container has expanded
// past MaxUnzipped.
var errBomb = errors.New("extract: zip container expands past its limit")

// zipParts opens the parts of a zip container within the limits: a part
// whose declared size is over what is left is refused before a byte is
// inflated, and the bytes actually inflated are counted against the same
// budget, because a header's declared size is whatever the file says.
// (archive/zip also refuses to read past a part's declared size, so that
// is the per-part limit.)
type zipParts struct {
	ctx   context.Context
	files map[string]*zip.File
	left  int64
	limit int64
}

func openZip(ctx context.Context, at *io.SectionReader, o Options) (*zipParts, error) {
	zr, err := zip.NewReader(at, at.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		// Names with ".." do not matter: nothing is written to disk.
		return nil, damaged("it is not a complete document package (its zip structure cannot be read)", err)
	}
	if len(zr.File) > o.MaxEntries {
		return nil, fail(ErrTooLarge, fmt.Sprintf("The document has more than %d parts, so it was not read (it may be a zip bomb)", o.MaxEntries), nil)
	}
	z := &zipParts{ctx: ctx, files: make(map[string]*zip.File, len(zr.File)), left: o.MaxUnzipped, limit: o.MaxUnzipped}
	for _, f := range zr.File {
		if _, dup := z.files[f.Name]; !dup {
			z.files[f.Name] = f
		}
	}
	return z, nil
}

func (z *zipParts) open(name string) (io.ReadCloser, error) {
	f := z.files[name]
	if f == nil {
		return nil, nil
	}
	if f.UncompressedSize64 > uint64(max(z.left, 0)) {
		return nil, errBomb
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	return &budgetReader{ReadCloser: rc, z: z}, nil
}

type budgetReader struct {
	io.ReadCloser
	z *zipParts
}

func (r *budgetReader) Read(p []byte) (int, error) {
	if err := r.z.ctx.Err(); err != nil {
		return 0, err
	}
	n, err := r.ReadCloser.Read(p)
	r.z.left -= int64(n)
	if r.z.left < 0 {
		return n, errBomb
	}
	return n, err
}

// small reads a part that is metadata (relationships, manifest), at most
// 1 MiB of it; a missing part is nil.
func (z *zipParts) small(name string) ([]byte, error) {
	rc, err := z.open(name)
	if rc == nil || err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(io.LimitReader(rc, 1<<20))
}

// walk streams one part's text into b; a missing part is reported by the
// boolean.
func (z *zipParts) walk(name string, rules *xmlRules, b *builder, o Options) (bool, error) {
	rc, err := z.open(name)
	if rc == nil || err != nil {
		return false, err
	}
	defer rc.Close()
	b.Break(2)
	return true, walkXML(z.ctx, rc, rules, b, tokenLimit(o))
}

// officeText reads a DOCX or ODT.
func officeText(ctx context.Context, at *io.SectionReader, res Result, o Options) (Result, error) {
	z, err := openZip(ctx, at, o)
	if err != nil {
		return res, err
	}
	b := newBuilder(o.MaxText)
	if res.MediaType == typeDOCX {
		err = docxText(z, b, o)
	} else {
		err = odtText(z, b, o)
	}
	if errors.Is(err, errTokenTooLong) {
		// One token longer than the text we keep: stop there, as if the
		// text had reached its limit.
		b.full, b.truncated, err = true, true, nil
	}
	if err != nil {
		return res, zipFailure(ctx, err, o)
	}
	res.Text, res.Truncated = b.result()
	return res, nil
}

func zipFailure(ctx context.Context, err error, o Options) error {
	var syntax *xml.SyntaxError
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errBomb):
		return tooLarge(o.MaxUnzipped)
	case errors.Is(err, zip.ErrAlgorithm):
		return fail(ErrUnsupported, "The document is compressed in a way that cannot be read", err)
	case errors.As(err, &syntax):
		return damaged("its text is not well-formed XML", err)
	case errors.Is(err, ErrEncrypted) || errors.Is(err, ErrDamaged):
		return err
	}
	return damaged("a part of it is corrupt", err)
}

// wordMain finds the main document part through the package's
// relationships (usually word/document.xml, but the package decides).
func wordMain(z *zipParts) (string, error) {
	rels, err := z.small("_rels/.rels")
	if err != nil {
		return "", err
	}
	d := xml.NewDecoder(bytes.NewReader(rels))
	for {
		tok, err := d.Token()
		if err != nil {
			return "word/document.xml", nil
		}
		if s, ok := tok.(xml.StartElement); ok && s.Name.Local == "Relationship" {
			var typ, target string
			for _, a := range s.Attr {
				switch a.Name.Local {
				case "Type":
					typ = a.Value
				case "Target":
					target = a.Value
				}
			}
			if strings.HasSuffix(typ, "/officeDocument") && target != "" {
				return strings.TrimPrefix(path.Clean("/"+target), "/"), nil
			}
		}
	}
}

// The parts besides the body whose text is searchable too.
var wordExtra = regexp.MustCompile(`^(header\d*|footer\d*|footnotes|endnotes)\.xml$`)

func docxText(z *zipParts, b *builder, o Options) error {
	main, err := wordMain(z)
	if err != nil {
		return err
	}
	found, err := z.walk(main, docxRules, b, o)
	if err != nil {
		return err
	}
	if !found {
		return damaged("it has no document text ("+main+" is missing)", nil)
	}
	dir := path.Dir(main)
	var extra []string
	for name := range z.files {
		if path.Dir(name) == dir && wordExtra.MatchString(path.Base(name)) {
			extra = append(extra, name)
		}
	}
	// Headers, then footers, then notes, each in number order.
	sort.Slice(extra, func(i, j int) bool {
		ri, rj := partRank(extra[i]), partRank(extra[j])
		if ri != rj {
			return ri < rj
		}
		return len(extra[i]) < len(extra[j]) || len(extra[i]) == len(extra[j]) && extra[i] < extra[j]
	})
	for _, name := range extra {
		if b.Full() {
			break
		}
		if _, err := z.walk(name, docxRules, b, o); err != nil {
			return err
		}
	}
	return nil
}

func partRank(name string) int {
	for i, p := range []string{"header", "footer", "footnotes", "endnotes"} {
		if strings.HasPrefix(path.Base(name), p) {
			return i
		}
	}
	return 4
}

func odtText(z *zipParts, b *builder, o Options) error {
	manifest, err := z.small("META-INF/manifest.xml")
	if err != nil {
		return err
	}
	if bytes.Contains(manifest, []byte("encryption-data")) {
		return fail(ErrEncrypted, "The document is protected by a password, so its text cannot be read", errors.New("ODF manifest lists encryption-data"))
	}
	found, err := z.walk("content.xml", odtRules, b, o)
	if err != nil {
		return err
	}
	if !found {
		return damaged("it has no document text (content.xml is missing)", nil)
	}
	if b.Full() {
		return nil
	}
	_, err = z.walk("styles.xml", odtHeaderRules, b, o)
	return err
}

// oleText answers for OLE compound files, which are not read. Office wraps
// a password-protected DOCX, XLSX or PPTX in one, with a stream named
// "EncryptedPackage" (in UTF-16 in the directory), so that case gets the
// answer a records officer can act on.
func oleText(r io.Reader, mediaType, name string) error {
	if found, err := containsStream(r, utf16le("EncryptedPackage")); err != nil || found {
		if err != nil {
			return err
		}
		return fail(ErrEncrypted, "The document is protected by a password, so its text cannot be read", errors.New("OLE container holds an EncryptedPackage stream"))
	}
	return fail(ErrUnsupported, "Text cannot be read from files in the old Office formats (.doc, .xls, .ppt) or Outlook .msg; saving the file as .docx, .odt or PDF makes it searchable",
		fmt.Errorf("%s named %q", mediaType, extension(name)))
}

func utf16le(s string) []byte {
	var b []byte
	for _, c := range []byte(s) {
		b = append(b, c, 0)
	}
	return b
}

// containsStream reports whether pattern occurs in r, reading in chunks.
func containsStream(r io.Reader, pattern []byte) (bool, error) {
	buf := make([]byte, 64<<10)
	keep := 0
	for {
		n, err := r.Read(buf[keep:])
		if bytes.Contains(buf[:keep+n], pattern) {
			return true, nil
		}
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		keep = copy(buf, buf[max(0, keep+n-len(pattern)+1):keep+n])
	}
}
