package graph

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"dbtp/internal/platform"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 14, 10, 0, 0, 0, time.UTC)
	cases := []struct {
		header  string
		attempt int
		want    time.Duration
	}{
		{"7", 0, 7 * time.Second},
		{"0", 2, 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 0, 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0, 0},
		{"", 0, time.Second},
		{"", 2, 4 * time.Second},
		{"-3", 1, 2 * time.Second},
		{"soon", 0, time.Second},
	}
	for _, c := range cases {
		if got := retryAfter(c.header, c.attempt, now); got != c.want {
			t.Errorf("retryAfter(%q, %d) = %v, want %v", c.header, c.attempt, got, c.want)
		}
	}
}

// TestSleepEndsWithTheContext: the real wait between retries returns as
// soon as the context ends (were it not to, this test would hang).
func TestSleepEndsWithTheContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Errorf("sleep = %v, want context.Canceled", err)
	}
}

func TestParentPath(t *testing.T) {
	cases := map[string]string{
		"/drive/root:":                          "/",
		"/drives/b!abc/root:/Care%20plans/2024": "/Care plans/2024",
		"/drives/b!abc/root:/Home visits/March": "/Home visits/March",
		"/drive/root:/100% done":                "/100% done", // not percent-encoded after all: kept
		"/drives/b!abc/root:/a%3Ab/c%2Fd":       "/a:b/c/d",
		"":                                      "",
		"/drives/b!abc/items/01ABC":             "",
	}
	for in, want := range cases {
		if got := parentPath(in); got != want {
			t.Errorf("parentPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestVerifierLimitWithoutContentLength covers a download whose length is
// not announced: the limit is enforced while reading, at one byte over.
func TestVerifierLimitWithoutContentLength(t *testing.T) {
	tooLarge := platform.Errorf(platform.CodeTooLarge, "too large")
	content := bytes.Repeat([]byte("kent"), 100)
	for _, limit := range []int64{399, 400} {
		v := &verifier{body: io.NopCloser(iotest.OneByteReader(bytes.NewReader(content))), left: limit, tooLarge: tooLarge}
		got, err := io.ReadAll(v)
		if limit < int64(len(content)) {
			if !errors.Is(err, tooLarge) || int64(len(got)) > limit {
				t.Errorf("limit %d: read %d bytes, %v; want too large within the limit", limit, len(got), err)
			}
			if _, again := v.Read(make([]byte, 8)); !errors.Is(again, tooLarge) {
				t.Errorf("limit %d: the failure is not sticky: %v", limit, again)
			}
		} else if err != nil || len(got) != len(content) {
			t.Errorf("limit %d: %d bytes, %v", limit, len(got), err)
		}
	}
}

// TestVerifierChecksDataThatArrivesWithEOF: a reader may return its last
// bytes together with io.EOF; they must be hashed before the check.
func TestVerifierChecksDataThatArrivesWithEOF(t *testing.T) {
	content := []byte(strings.Repeat("Adult Social Care ", 20))
	h := NewQuickXorHash()
	h.Write(content)
	good := h.Sum(nil)
	for _, r := range []io.Reader{iotest.DataErrReader(bytes.NewReader(content)), iotest.HalfReader(bytes.NewReader(content))} {
		v := &verifier{body: io.NopCloser(r), left: 1 << 20, check: &hashCheck{name: "QuickXorHash", want: good, h: NewQuickXorHash()}}
		if got, err := io.ReadAll(v); err != nil || !bytes.Equal(got, content) {
			t.Errorf("%T: %v", r, err)
		}
	}
	bad := append([]byte(nil), good...)
	bad[0] ^= 1
	v := &verifier{body: io.NopCloser(iotest.DataErrReader(bytes.NewReader(content))), left: 1 << 20,
		check: &hashCheck{name: "QuickXorHash", want: bad, h: NewQuickXorHash()}}
	if _, err := io.ReadAll(v); !errors.Is(err, ErrHashMismatch) {
		t.Errorf("wrong hash: %v", err)
	}
	// An interrupted download is an error, never a short success.
	v = &verifier{body: io.NopCloser(iotest.TimeoutReader(bytes.NewReader(content))), left: 1 << 20}
	if _, err := io.ReadAll(v); err == nil || errors.Is(err, io.EOF) {
		t.Errorf("interrupted: %v", err)
	}
}
