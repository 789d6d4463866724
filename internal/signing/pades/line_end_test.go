package pades_test

import (
	"bytes"
	"testing"

	"dbtp/internal/signing/signingtest"
)

// A document whose last line ends in a bare CR (some scanners and old
// tools write "%%EOF\r") is signed, sealed and checked like any other:
// the update starts on a line of its own.
func TestDocumentEndingInCR(t *testing.T) {
	p := signingtest.NewPKI(t)
	doc := bytes.TrimRight(signingtest.Contract(t, 1), "\r\n")
	doc = append(doc, '\r')
	steps := signAll(t, p, doc, p.TSAURL)
	assertPDFSig(t, p, steps[len(steps)-1], 3)
}
