package records

import (
	"context"
	"io"
	"testing"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// patternReader yields n bytes of cheap, non-repeating content (an
// xorshift stream), so the benchmark measures hashing, encryption and
// writing rather than the making of input, and no two runs deduplicate.
type patternReader struct {
	n, state uint64
}

func (p *patternReader) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	if uint64(len(b)) > p.n {
		b = b[:p.n]
	}
	i := 0
	for ; i+8 <= len(b); i += 8 {
		p.state ^= p.state << 13
		p.state ^= p.state >> 7
		p.state ^= p.state << 17
		s := p.state
		b[i], b[i+1], b[i+2], b[i+3], b[i+4], b[i+5], b[i+6], b[i+7] = byte(s), byte(s>>8), byte(s>>16), byte(s>>24), byte(s>>32), byte(s>>40), byte(s>>48), byte(s>>56)
	}
	for ; i < len(b); i++ {
		b[i] = byte(p.state >> (i % 8 * 8))
	}
	p.n -= uint64(len(b))
	return len(b), nil
}

// BenchmarkIngest files a 256 MB document: the content is hashed,
// encrypted in 64 KiB segments (AES-256-GCM) and written to the local
// disk store, then the document is recorded. MB/s is the ingest rate.
//
//	go test -run X -bench Ingest -benchtime 5x ./internal/records/
func BenchmarkIngest(b *testing.B) {
	const size = 256 << 20
	db := storetest.Open(b, store.SQLite, testMods)
	e := newEnv(b, db)
	class := e.class("FIN.01.01").ID
	b.SetBytes(size)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		_, err := e.rs.Create(context.Background(), e.mel, NewDocument{Metadata: Metadata{ClassID: class, Title: "Large scan", UnitID: e.units["Finance"],
			Classification: platform.Official}, Name: "scan.tiff", MediaType: "image/tiff", Content: &patternReader{n: size, state: uint64(i) + 88172645463325252}})
		if err != nil {
			b.Fatal(err)
		}
	}
}
