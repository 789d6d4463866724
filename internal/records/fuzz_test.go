package records

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// FuzzImport feeds the import reader mangled archives, starting from a
// real export and a few tampered copies. Whatever the bytes, it must not
// panic, must answer bad input with a refusal (never an internal error),
// and a refused import must leave every table, the audit log and the
// file store exactly as they were.
func FuzzImport(f *testing.F) {
	for _, b := range importSeeds(f) {
		f.Add(b)
	}
	e := newEnv(f, storetest.Open(f, store.SQLite, testMods))
	lim := ImportLimits{MaxEntries: 64, MaxTotalBytes: 1 << 20, MaxJSONBytes: 64 << 10, MaxManifestBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, b []byte) {
		before := e.snapshot(t)
		_, err := e.rs.ImportLimited(e.ctx, e.rosa, bytes.NewReader(b), int64(len(b)), lim)
		if err == nil {
			return
		}
		if c := platform.CodeOf(err); c != platform.CodeInvalid && c != platform.CodeConflict {
			t.Fatalf("bad input gave a %s error: %v", c, err)
		}
		e.unchanged(t, before)
	})
}

// FuzzReadArchive fuzzes the checks alone, without a database, so that
// many more archives are tried in the same time: any input is either
// accepted or refused as invalid, never a panic or an internal error.
func FuzzReadArchive(f *testing.F) {
	for _, b := range importSeeds(f) {
		f.Add(b)
	}
	s := &Store{opts: Options{MaxBytes: 1 << 20}}
	lim := ImportLimits{MaxEntries: 64, MaxTotalBytes: 1 << 20, MaxJSONBytes: 64 << 10, MaxManifestBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := s.readArchive(bytes.NewReader(b), int64(len(b)), lim)
		if c := platform.CodeOf(err); err != nil && c != platform.CodeInvalid {
			t.Fatalf("bad input gave a %s error: %v", c, err)
		}
	})
}

// FuzzArchiveJSON reaches past the hashes: it replaces one JSON file of a
// real export with the fuzzer's bytes and lists them in the manifest as a
// forger would, so the format's own checks (strict JSON, references, the
// rules filing applies) meet arbitrary input.
func FuzzArchiveJSON(f *testing.F) {
	seeds := importSeeds(f)
	files := unzip(f, seeds[0])
	var names []string
	for name := range files {
		if strings.HasSuffix(name, ".json") && name != manifestName {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	for i, name := range names {
		f.Add(uint8(i), files[name])
	}
	s := &Store{opts: Options{MaxBytes: 1 << 20}}
	lim := ImportLimits{MaxEntries: 64, MaxTotalBytes: 1 << 20, MaxJSONBytes: 64 << 10, MaxManifestBytes: 64 << 10}
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		target := names[int(which)%len(names)]
		b := consistent(t, seeds[0], func(name string, old []byte) []byte {
			if name == target {
				return data
			}
			return old
		}, nil)
		_, err := s.readArchive(bytes.NewReader(b), int64(len(b)), lim)
		if c := platform.CodeOf(err); err != nil && c != platform.CodeInvalid {
			t.Fatalf("bad input gave a %s error: %v", c, err)
		}
	})
}

// importSeeds are a real export of another database and tampered copies.
func importSeeds(f *testing.F) [][]byte {
	src := newEnv(f, storetest.Open(f, store.SQLite, testMods))
	d := src.file(src.ann, "ADM.01.02", "Care plan", "Adults", platform.Official, "plan text")
	_, err := src.rs.Declare(src.ctx, src.ann, d.ID)
	noErr(f, err)
	src.file(src.mel, "FIN.01.01", "Invoice", "Finance", platform.Official, "invoice")
	seed, _ := src.export(src.rosa, Scope{ClassID: src.class("ADM.01").ID})
	return [][]byte{seed,
		rezip(f, seed, func(name string, data []byte) []byte {
			if strings.HasSuffix(name, metadataName) {
				return bytes.Replace(data, []byte(`"number": 1`), []byte(`"number": 2`), 1)
			}
			return data
		}, nil),
		consistent(f, seed, func(name string, data []byte) []byte {
			if name == filePlanName {
				return bytes.Replace(data, []byte(`"level": "activity"`), []byte(`"level": "transaction"`), 1)
			}
			return data
		}, nil),
		rezip(f, seed, nil, map[string][]byte{"records/x/../../a": []byte("x")}),
		[]byte("PK\x05\x06" + strings.Repeat("\x00", 18))}

}
