package mqtt

import (
	"context"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/eclipse/paho.golang/paho"

	"dbtp/internal/store/storetest"
	"dbtp/internal/workplace"
)

// heapPeak samples the heap in use until stop is called, and returns the
// highest value seen.
func heapPeak() (stop func() uint64) {
	var peak atomic.Uint64
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peak.Load() {
				peak.Store(m.HeapInuse)
			}
			select {
			case <-done:
				return
			case <-time.After(10 * time.Millisecond):
			}
		}
	}()
	return func() uint64 { close(done); wg.Wait(); return peak.Load() }
}

// BenchmarkMQTTIngest publishes readings from 50 sensors, each over its
// own MQTT connection (Eclipse Paho) at QoS 0, to the embedded broker,
// and counts the time until every reading is stored. It reports messages
// per second and the peak heap in use.
//
//	go test -run '^$' -bench MQTTIngest -benchtime 50000x ./internal/workplace/mqtt/
func BenchmarkMQTTIngest(b *testing.B) {
	for _, d := range storetest.Engines {
		b.Run(string(d), func(b *testing.B) {
			db := storetest.Open(b, d, testMods)
			e := newEnv(b, db, workplace.IngestOptions{})
			br, err := StartBroker(e.ctx, BrokerOptions{Addr: "127.0.0.1:0", Sensors: e.ws, Ingest: e.in, OrgSlug: e.slug})
			noErr(b, err)
			const sensors = 50
			type conn struct {
				c     *paho.Client
				topic string
			}
			conns := make([]conn, sensors)
			for i := range conns {
				sn, secret := e.sensor(fmt.Sprintf("Sensor %d", i), e.desk)
				nc, err := net.Dial("tcp", br.Addr())
				noErr(b, err)
				c := paho.NewClient(paho.ClientConfig{Conn: nc})
				ca, err := c.Connect(context.Background(), &paho.Connect{ClientID: sn.ID, Username: sn.ID, UsernameFlag: true, Password: []byte(secret), PasswordFlag: true, KeepAlive: 60, CleanStart: true})
				if err != nil || ca.ReasonCode != 0 {
					b.Fatalf("connect: %v %+v", err, ca)
				}
				defer c.Disconnect(&paho.Disconnect{})
				conns[i] = conn{c: c, topic: Topic("northshire", sn.ID)}
			}
			at := time.Now().UTC().Format(time.RFC3339)
			stop := heapPeak()
			b.ResetTimer()
			start := time.Now()
			var wg sync.WaitGroup
			for i, cn := range conns {
				n := b.N / sensors
				if i < b.N%sensors {
					n++
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := 0; j < n; j++ {
						payload := fmt.Sprintf(`{"id":"%d-%d","at":%q,"occupied":%v}`, i, j, at, j%2 == 0)
						if _, err := cn.c.Publish(context.Background(), &paho.Publish{Topic: cn.topic, QoS: 0, Payload: []byte(payload)}); err != nil {
							b.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			// Every reading is in: wait until the count reaches b.N.
			for {
				noErr(b, e.in.Flush(e.ctx))
				if e.count(`SELECT COUNT(*) FROM workplace_readings`) >= b.N {
					break
				}
				time.Sleep(10 * time.Millisecond) // the broker is still reading the sockets
			}
			el := time.Since(start)
			b.StopTimer()
			peak := stop()
			b.ReportMetric(float64(b.N)/el.Seconds(), "msgs/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
			if n := e.count(`SELECT COUNT(*) FROM workplace_readings`); n != b.N {
				b.Fatalf("%d readings stored of %d sent", n, b.N)
			}
		})
	}
}
