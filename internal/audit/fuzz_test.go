package audit

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"
)

// The decoders below read bytes that an attacker with database access, or a
// client (the cursor), controls. They must never panic, and whatever they
// accept must have exactly one encoding.

func FuzzDecodeEntry(f *testing.F) {
	e := sampleEntry("org_a", 3)
	e.Index = 12345
	f.Add(appendEntry(nil, e))
	f.Add(appendEntry(nil, Entry{At: time.UnixMilli(0)}))
	f.Add([]byte{encodingV2})
	f.Add(appendEntryVersion(nil, e, encodingV1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := decodeEntry(data)
		if err != nil {
			return
		}
		if again := appendEntry(nil, e); !bytes.Equal(again, data) {
			t.Fatalf("decoded %+v re-encodes differently:\n%x\n%x", e, data, again)
		}
		if ix, ok := encodedIndex(data); !ok || ix != e.Index {
			t.Fatalf("encodedIndex %d %v, decoded index %d", ix, ok, e.Index)
		}
	})
}

func FuzzDecodeCursor(f *testing.F) {
	f.Add(encodeCursor(0))
	f.Add(encodeCursor(1 << 40))
	f.Add("")
	f.Add("AQAAAAAAAAAA")
	f.Fuzz(func(t *testing.T, s string) {
		v, err := decodeCursor(s)
		if err != nil {
			return
		}
		if v < 0 || encodeCursor(v) != s {
			t.Fatalf("cursor %q decodes to %d which encodes as %q", s, v, encodeCursor(v))
		}
	})
}

// parseHeadNote is the verifier's shortcut for opening a signed note and
// parsing its checkpoint; whatever it accepts, ParseCheckpoint must read
// the same way from the note's text. Whatever ParseCheckpoint accepts has
// exactly one form.
func FuzzParseCheckpoint(f *testing.F) {
	f.Add([]byte(formatCheckpoint("org_a", 42, tlog.Hash{1, 2, 3}) + "\n\u2014 dbtp-audit abc\n"))
	f.Add([]byte(formatCheckpoint("", 0, tlog.Hash{})))
	f.Add([]byte("dbtp-audit/org_a\n01\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"))
	f.Add([]byte("go.sum database tree\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n\n"))
	f.Fuzz(func(t *testing.T, text []byte) {
		if cp, err := ParseCheckpoint(string(text)); err == nil {
			org := strings.TrimPrefix(cp.Origin, KeyName+"/")
			if org == PlatformOrg {
				org = ""
			}
			if again := formatCheckpoint(org, cp.Size, cp.Root); again != string(text) {
				t.Fatalf("checkpoint %q re-formats as %q", text, again)
			}
		}
		origin, n, root, ok := parseHeadNote(text)
		if !ok {
			return
		}
		end := bytes.Index(text, []byte("\n\n"))
		cp, err := ParseCheckpoint(string(text[:end+1]))
		if err != nil || cp.Origin != string(origin) || cp.Size != n || cp.Root != root {
			t.Fatalf("parseHeadNote %q %d %v, ParseCheckpoint %+v %v", origin, n, root, cp, err)
		}
	})
}

func FuzzUnmarshalFrontier(f *testing.F) {
	f.Add(int64(3), make([]byte, 64))
	f.Add(int64(-1), []byte{})
	f.Fuzz(func(t *testing.T, size int64, b []byte) {
		fr, err := unmarshalFrontier(size, b)
		if err != nil {
			return
		}
		if !bytes.Equal(fr.marshal(), b) {
			t.Fatalf("frontier of size %d does not round-trip", size)
		}
		fr.root()
	})
}
