package extract

import (
	"bytes"
	"strings"
)

// MediaType detects the kind of content from its first bytes (a few KB is
// plenty; sniffLen is what Text uses) and its file name. The content
// decides the family (PDF, image, zip container, OLE container, text); the
// name only chooses within a family, because a zip cannot say whether it
// is a DOCX without a look inside and text cannot say it is CSV. So a PDF
// renamed .txt is still a PDF, and a text file renamed .pdf is text. The
// client's declared type is not an input at all.
func MediaType(name string, head []byte) string {
	ext := extension(name)
	if len(head) == 0 {
		return typeBin
	}
	for _, m := range magics {
		if m.at+len(m.sig) <= len(head) && bytes.Equal(head[m.at:m.at+len(m.sig)], m.sig) &&
			bytes.HasPrefix(head, m.prefix) && (!m.weak || !looksText(head)) {
			return m.typ
		}
	}
	switch {
	case bytes.Contains(head[:min(len(head), 1024)], []byte("%PDF-")):
		// Readers (and pdftotext) accept a PDF header anywhere in the first
		// kilobyte; some scanners put junk before it.
		return typePDF
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return zipType(ext, head)
	case bytes.HasPrefix(head, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")):
		return oleType(ext)
	case bytes.HasPrefix(head, []byte("\xFF\xFE")) || bytes.HasPrefix(head, []byte("\xFE\xFF")):
		// UTF-16 text, as Windows Notepad saves "Unicode".
		return textType(ext, nil)
	case looksText(head):
		return textType(ext, head)
	}
	return typeBin
}

type magic struct {
	at     int
	sig    []byte
	typ    string
	prefix []byte // also needed at the start
	weak   bool   // short or late: only if the head is not text
}

// magics are the signatures recognised besides PDF, zip, OLE and text, so
// an image or archive is named for what it is (and refused as
// unsupported) rather than guessed from its name.
var magics = []magic{
	{0, []byte("\x89PNG\r\n\x1a\n"), "image/png", nil, false},
	{0, []byte("\xFF\xD8\xFF"), "image/jpeg", nil, false},
	{0, []byte("GIF87a"), "image/gif", nil, false},
	{0, []byte("GIF89a"), "image/gif", nil, false},
	{0, []byte("II*\x00"), "image/tiff", nil, false},
	{0, []byte("MM\x00*"), "image/tiff", nil, false},
	{8, []byte("WEBP"), "image/webp", []byte("RIFF"), false},
	{0, []byte("{\\rtf"), "application/rtf", nil, false},
	{0, []byte("%!PS"), "application/postscript", nil, false},
	{0, []byte("\x1F\x8B"), "application/gzip", nil, false},
	{0, []byte("7z\xBC\xAF\x27\x1C"), "application/x-7z-compressed", nil, false},
	{0, []byte("Rar!\x1A\x07"), "application/vnd.rar", nil, false},
	{4, []byte("ftyp"), "video/mp4", nil, true},
	{0, []byte("ID3"), "audio/mpeg", nil, true},
	{0, []byte("OggS"), "audio/ogg", nil, true},
}

// extension is the lower-case extension of the last element of name,
// whichever slash separates its parts.
func extension(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		return strings.ToLower(name[i:])
	}
	return ""
}

// zipType tells the zip-based formats apart. An ODF package must start
// with an uncompressed "mimetype" entry naming its type; an OOXML package
// has parts under word/, xl/ or ppt/, which are usually among the first
// entries. Failing both, the name decides.
func zipType(ext string, head []byte) string {
	if len(head) > 38 && string(head[30:38]) == "mimetype" {
		rest := head[38:]
		if i := bytes.Index(rest, []byte("PK")); i >= 0 {
			rest = rest[:i]
		}
		if t := string(rest); strings.HasPrefix(t, "application/vnd.oasis.opendocument.") && len(t) < 80 {
			return t
		}
	}
	switch {
	case bytes.Contains(head, []byte("word/")):
		return typeDOCX
	case bytes.Contains(head, []byte("xl/")):
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case bytes.Contains(head, []byte("ppt/")):
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	}
	switch ext {
	case ".docx", ".docm", ".dotx":
		return typeDOCX
	case ".odt":
		return typeODT
	case ".xlsx":
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case ".pptx":
		return "application/vnd.openxmlformats-officedocument.presentationml.presentation"
	case ".ods":
		return "application/vnd.oasis.opendocument.spreadsheet"
	case ".odp":
		return "application/vnd.oasis.opendocument.presentation"
	}
	return typeZip
}

// oleType names an OLE compound file (old Office formats, Outlook .msg,
// and password-protected OOXML, which Office wraps in one) by its name.
func oleType(ext string) string {
	switch ext {
	case ".doc", ".dot":
		return "application/msword"
	case ".xls":
		return "application/vnd.ms-excel"
	case ".ppt":
		return "application/vnd.ms-powerpoint"
	case ".msg":
		return "application/vnd.ms-outlook"
	}
	return typeOLE
}

// looksText reports whether head is text: no bytes that text never has
// (as in the WHATWG MIME sniffing standard). High bytes are allowed, so
// legacy 8-bit text counts.
func looksText(head []byte) bool {
	for _, c := range head {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1B {
			return false
		}
	}
	return true
}

// textType tells the kinds of text apart: HTML by its markup, email by its
// header lines (with an .eml name, or a header only mail carries), CSV and
// Markdown by name.
func textType(ext string, head []byte) string {
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xEF\xBB\xBF")), " \t\r\n\f")
	lower := bytes.ToLower(t[:min(len(t), 512)])
	if bytes.HasPrefix(lower, []byte("<?xml")) {
		if bytes.Contains(lower, []byte("<html")) {
			return typeXHTML
		}
		if bytes.Contains(lower, []byte("<svg")) {
			return "image/svg+xml"
		}
		return "application/xml"
	}
	for _, p := range htmlStarts {
		if bytes.HasPrefix(lower, []byte(p)) && len(lower) > len(p) && (lower[len(p)] == ' ' || lower[len(p)] == '>' || lower[len(p)] == '\n' || lower[len(p)] == '\t' || lower[len(p)] == '\r' || lower[len(p)] == '/' || p == "<!--") {
			return typeHTML
		}
	}
	if (ext == ".html" || ext == ".htm" || ext == ".xhtml") && bytes.HasPrefix(t, []byte("<")) {
		return typeHTML
	}
	if mailHeaders(t, ext == ".eml") {
		return typeEmail
	}
	switch ext {
	case ".csv":
		return typeCSV
	case ".md", ".markdown":
		return typeMD
	}
	return typeText
}

var htmlStarts = []string{"<!doctype html", "<html", "<head", "<body", "<title", "<!--", "<script", "<style", "<table", "<div", "<p", "<h1", "<br", "<a", "<font", "<iframe", "<b"}

// mailHeaders reports whether t starts like an email: header lines up to a
// blank line, with a Date, From or Subject. Without an .eml name the first
// line must be one only mail has (Received, Return-Path, ...), so a letter
// typed as "From: ..." stays plain text.
func mailHeaders(t []byte, named bool) bool {
	if bytes.HasPrefix(t, []byte("From ")) { // an mbox separator line
		if i := bytes.IndexByte(t, '\n'); i >= 0 {
			t = t[i+1:]
		}
	}
	seen := 0
	for i, line := range bytes.Split(t, []byte("\n")) {
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			continue // a folded continuation
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || bytes.ContainsAny(line[:colon], " \t") {
			return false
		}
		field := strings.ToLower(string(line[:colon]))
		if i == 0 && !named && !mailOnly[field] {
			return false
		}
		if field == "date" || field == "from" || field == "subject" {
			seen++
		}
	}
	return seen > 0
}

var mailOnly = map[string]bool{
	"received": true, "return-path": true, "delivered-to": true, "mime-version": true,
	"message-id": true, "dkim-signature": true, "x-mozilla-status": true, "x-sender": true,
	"x-received": true, "arc-seal": true, "authentication-results": true, "x-ms-exchange-organization-network-message-id": true,
}

// extensionFor gives an attachment without a name a sensible extension.
func extensionFor(mediaType string) string {
	switch mediaType {
	case typePDF:
		return ".pdf"
	case typeDOCX:
		return ".docx"
	case typeODT:
		return ".odt"
	case typeHTML:
		return ".html"
	case typeText:
		return ".txt"
	case typeEmail:
		return ".eml"
	case "image/png":
		return ".png"
	case "image/jpeg":
		return ".jpg"
	case "image/gif":
		return ".gif"
	}
	return ""
}
