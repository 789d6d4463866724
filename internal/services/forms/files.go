package forms

import (
	"fmt"
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"dbtp/internal/services/definition"
)

// DefaultMaxBytes is the upload limit when a field sets none.
const DefaultMaxBytes = 10 << 20

// DefaultAccept is what a file field takes when it lists nothing: documents
// and photos people actually send a council, and nothing that runs.
var DefaultAccept = []string{"application/pdf", "image/jpeg", "image/png", "text/plain",
	"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}

const maxFileName = 255

// ooxml maps Office Open XML extensions to their types. Content sniffing
// sees these as zip archives, so a zip is taken as one of them only when
// its name says so and the field accepts that type.
var ooxml = map[string]string{
	".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
	".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
	".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}

// shortNames are how error messages name types: "must be a PDF, JPG or PNG".
var shortNames = map[string]string{
	"application/pdf": "PDF", "image/jpeg": "JPG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP",
	"text/plain": "TXT", "text/csv": "CSV", "application/zip": "ZIP",
	ooxml[".docx"]: "DOCX", ooxml[".xlsx"]: "XLSX", ooxml[".pptx"]: "PPTX",
}

func maxBytes(f *definition.Field) int64 {
	if f.MaxBytes > 0 {
		return f.MaxBytes
	}
	return DefaultMaxBytes
}

func accepts(f *definition.Field) []string {
	if len(f.Accept) > 0 {
		return f.Accept
	}
	return DefaultAccept
}

// accepted reports whether media type t is on the field's list, which may
// use wildcards like "image/*".
func accepted(f *definition.Field, t string) bool {
	for _, a := range accepts(f) {
		a = strings.ToLower(strings.TrimSpace(a))
		if a == t || (strings.HasSuffix(a, "/*") && strings.HasPrefix(t, a[:len(a)-1])) {
			return true
		}
	}
	return false
}

// checkUpload validates one upload and describes it as an answer; the
// engine stores the content and fills in ID.
func checkUpload(f *definition.Field, up *UploadedFile) (definition.File, string) {
	name := SanitiseFileName(up.Name)
	switch {
	case up.Size <= 0 || len(up.Header) == 0:
		return definition.File{}, "The selected file is empty"
	case up.Size > maxBytes(f):
		return definition.File{}, "The selected file must be smaller than " + FormatSize(maxBytes(f))
	}
	t, _, err := mime.ParseMediaType(http.DetectContentType(up.Header))
	if err != nil {
		t = "application/octet-stream"
	}
	if t == "application/zip" {
		if x, ok := ooxml[strings.ToLower(path.Ext(name))]; ok && accepted(f, x) {
			t = x
		}
	}
	if !accepted(f, t) {
		return definition.File{}, "The selected file must be " + acceptList(f)
	}
	return definition.File{Name: name, MediaType: t, Size: up.Size}, ""
}

// checkFile validates a stored file answer: the metadata the engine wrote
// when the upload was accepted, or what an API client claims.
func checkFile(f *definition.Field, v definition.File) string {
	switch {
	case v.ID == "" || len(v.ID) > 100 || strings.IndexFunc(v.ID, unicode.IsSpace) >= 0 || !utf8.ValidString(v.ID):
		return subject(f) + " must refer to an uploaded file"
	case v.Name == "" || v.Name != SanitiseFileName(v.Name):
		return subject(f) + " must have a file name without folders or special characters"
	case v.Size <= 0:
		return "The selected file is empty"
	case v.Size > maxBytes(f):
		return "The selected file must be smaller than " + FormatSize(maxBytes(f))
	case !accepted(f, v.MediaType):
		return "The selected file must be " + acceptList(f)
	}
	return ""
}

// acceptList names the accepted types for a message: "a PDF, JPG or PNG".
func acceptList(f *definition.Field) string {
	var names []string
	for _, a := range accepts(f) {
		n, ok := shortNames[strings.ToLower(a)]
		if !ok {
			n = a
		}
		names = append(names, n)
	}
	if len(names) == 1 {
		return "a " + names[0]
	}
	return "a " + strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// SanitiseFileName keeps only the last element of whatever path a browser
// sent (old Internet Explorer sends C:\Users\...), drops control and
// invisible formatting characters (a right-to-left override can disguise
// "exe.pdf"), and caps the length at 255 bytes, keeping the extension.
func SanitiseFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || strings.ContainsRune(`<>:"|?*`, r) {
			return -1
		}
		return r
	}, name)
	// No hidden files, no "..", no names that are only spaces.
	name = strings.TrimLeftFunc(name, func(r rune) bool { return r == '.' || unicode.IsSpace(r) })
	name = strings.TrimRightFunc(name, unicode.IsSpace)
	if len(name) > maxFileName {
		ext := path.Ext(name)
		if len(ext) > 16 {
			ext = ""
		}
		stem := name[:maxFileName-len(ext)]
		for !utf8.ValidString(stem) {
			stem = stem[:len(stem)-1]
		}
		name = strings.TrimSpace(stem) + ext
	}
	if name == "" {
		name = "upload"
	}
	return name
}

// FormatSize shows a size the way people read it: "812 bytes", "12 KB",
// "2.1 MB".
func FormatSize(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d bytes", n)
	case n < 1024*1024:
		return fmt.Sprintf("%d KB", (n+512)/1024)
	case n < 1024*1024*1024:
		return trimZero(fmt.Sprintf("%.1f", float64(n)/(1024*1024))) + " MB"
	}
	return trimZero(fmt.Sprintf("%.1f", float64(n)/(1024*1024*1024))) + " GB"
}

func trimZero(s string) string { return strings.TrimSuffix(s, ".0") }
