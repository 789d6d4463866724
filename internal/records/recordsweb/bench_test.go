package recordsweb

import (
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkUploadAPI streams one large file through the real HTTP API
// into the encrypted store and reports the rate and the most memory the
// Go runtime held meanwhile (sampled every 50 ms), to show an upload's
// memory does not grow with its size. DBTP_BENCH_UPLOAD_MB sets the size
// (default 512; the performance notes use 5120):
//
//	DBTP_BENCH_UPLOAD_MB=5120 go test -run X -bench UploadAPI -benchtime 1x ./internal/records/recordsweb/
func BenchmarkUploadAPI(b *testing.B) {
	mb := 512
	if v := os.Getenv("DBTP_BENCH_UPLOAD_MB"); v != "" {
		mb, _ = strconv.Atoi(v)
	}
	size := int64(mb) << 20
	db := storetest.Open(b, store.SQLite, testMods)
	testUploadMB = strconv.Itoa(mb + 1)
	defer func() { testUploadMB = "1" }()
	e := newEnv(b, db)
	b.SetBytes(size)
	var peak atomic.Uint64
	stop := make(chan struct{})
	go func() {
		s := []metrics.Sample{{Name: "/memory/classes/total:bytes"}}
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > peak.Load() {
				peak.Store(v)
			}
		}
	}()
	tok := e.token("Fred", platform.ScopeRead, platform.ScopeWrite)
	meta, _ := json.Marshal(DocumentInput{ClassID: e.classID("FIN.01.01"), Title: "Large scan", UnitID: e.units["Finance"]})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		pr, pw := io.Pipe()
		mw := multipart.NewWriter(pw)
		go func() {
			mw.WriteField("metadata", string(meta))
			fw, _ := mw.CreateFormFile("file", "scan.bin")
			_, err := io.Copy(fw, &pattern{n: uint64(size), state: uint64(i) + 88172645463325252})
			if err == nil {
				err = mw.Close()
			}
			pw.CloseWithError(err)
		}()
		req, _ := http.NewRequest("POST", e.srv.URL+"/api/v1/records", pr)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		res, err := http.DefaultClient.Do(req)
		noErr(b, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 201 {
			b.Fatalf("upload: %d %s", res.StatusCode, body)
		}
	}
	b.StopTimer()
	close(stop)
	runtime.GC()
	b.ReportMetric(float64(peak.Load())/(1<<20), "peak-MB")
	if hwm := vmHWM(); hwm > 0 {
		b.ReportMetric(float64(hwm)/(1<<10), "rss-hwm-MB")
	}
}

// vmHWM is the process's peak resident memory in KB, from Linux.
func vmHWM() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	var kb int64
	for _, line := range splitLines(string(b)) {
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kb); err == nil {
			return kb
		}
	}
	return 0
}

func splitLines(s string) []string {
	var out []string
	start := 0
	for i := range len(s) {
		if s[i] == '\n' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return out
}

// pattern is cheap non-repeating content (xorshift).
type pattern struct{ n, state uint64 }

func (p *pattern) Read(b []byte) (int, error) {
	if p.n == 0 {
		return 0, io.EOF
	}
	if uint64(len(b)) > p.n {
		b = b[:p.n]
	}
	for i := range b {
		if i%8 == 0 {
			p.state ^= p.state << 13
			p.state ^= p.state >> 7
			p.state ^= p.state << 17
		}
		b[i] = byte(p.state >> (i % 8 * 8))
	}
	p.n -= uint64(len(b))
	return len(b), nil
}
