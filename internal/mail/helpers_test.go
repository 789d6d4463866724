package mail_test

import (
	"io"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"
)

type mimeDecoder = mime.WordDecoder

func decodeQP(t *testing.T, s string) string {
	t.Helper()
	b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(s)))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
