package identity

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"dbtp/internal/platform"
	"dbtp/internal/store"
	"dbtp/internal/store/storetest"
)

// BenchmarkSessionSubject measures the per-request session check when the
// session is cached (the common case). Target: under 20 µs per check.
func BenchmarkSessionSubject(b *testing.B) {
	db := storetest.Open(b, store.SQLite, testMods)
	e := newEnv(b, db)
	u := e.mustUser(e.sys, "sam@northshire.gov.uk", "Sam", []platform.Role{platform.RoleStaff}, nil, testPassword)
	res, err := e.svc.SignIn(e.ctx, e.org.Slug, u.Email, testPassword, "")
	noErr(b, err)
	_, err = e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.1")
	noErr(b, err)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := e.svc.SessionSubject(e.ctx, res.Token, "192.0.2.1"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkSignInParallel measures complete password sign-ins (argon2id at
// OWASP parameters, throttle check, session insert, audit entry) with as
// many concurrent callers as the hashing semaphore admits. Target: at least
// 60 sign-ins/s on 2 cores.
func BenchmarkSignInParallel(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, testMods)
			e := newEnv(b, db)
			const users = 64
			for i := range users {
				e.mustUser(e.sys, fmt.Sprintf("user%d@northshire.gov.uk", i), "User", []platform.Role{platform.RoleStaff}, nil, testPassword)
			}
			var n atomic.Int64
			// A server has many requests in flight: while some wait on the
			// database, others hash. The semaphore still bounds hashing.
			b.SetParallelism(4)
			b.ResetTimer()
			start := time.Now()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.Add(1)
					email := fmt.Sprintf("user%d@northshire.gov.uk", i%users)
					addr := fmt.Sprintf("10.0.%d.%d", i/250%250, i%250)
					if _, err := e.svc.SignIn(e.ctx, e.org.Slug, email, testPassword, addr); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "signins/s")
		})
	}
}
