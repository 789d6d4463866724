package inbound

import (
	"context"
	"testing"
)

func TestPreview(t *testing.T) {
	needTools(t)
	png, err := Reader{}.Preview(context.Background(), TypedLetter("Dear Sir"))
	if err != nil || MediaType(png) != PNG {
		t.Fatalf("preview: %v (%d bytes)", err, len(png))
	}
	if _, err := (Reader{}).Preview(context.Background(), []byte("%PDF-1.4 broken")); err == nil {
		t.Fatal("a broken PDF previewed")
	}
}
