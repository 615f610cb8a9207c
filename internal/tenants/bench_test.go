package tenants_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// BenchmarkInstall measures install latency end to end: b.N marketplace installs pushed
// by the simulator through the api's callback, the inbox and the workers, each timed from
// the inbox's received_at to the tenant's admin list being stored (both PostgreSQL
// clocks). Run it with -benchtime=200x (make bench-install). BENCH_INSTALL_PUSHERS sets
// how many installs are pushed at once (default 8); BENCH_INSTALL_RATE paces them
// (installs per second; default: as fast as they are acknowledged, a burst whose p99
// is mostly queueing). Four workers of four slots each run.
func BenchmarkInstall(b *testing.B) {
	e := platformtest.StartE2E(b)
	for range 3 {
		e.StartThisWorker(b, platformtest.NewWorkerUnstarted(e.Env))
	}
	ctx := context.Background()
	platformtest.Eventually(b, "first suite_ticket stored", func() bool {
		_, err := e.Deps.Suites.Ticket(ctx, platformtest.SuiteID)
		return err == nil
	})
	pushers := 8
	if v, err := strconv.Atoi(os.Getenv("BENCH_INSTALL_PUSHERS")); err == nil && v > 0 {
		pushers = v
	}
	next := make(chan int)
	var wg sync.WaitGroup
	var failed sync.Map
	b.ResetTimer()
	start := time.Now()
	for range pushers {
		wg.Go(func() {
			for i := range next {
				res, err := e.Sim.Install(ctx, wecomsim.InstallRequest{SuiteID: platformtest.SuiteID, Via: wecomsim.ViaMarket})
				if err != nil || !res.Delivery.OK {
					failed.Store(i, fmt.Sprint(err, res.Delivery))
				}
			}
		})
	}
	var tick <-chan time.Time
	if rate, err := strconv.Atoi(os.Getenv("BENCH_INSTALL_RATE")); err == nil && rate > 0 {
		t := time.NewTicker(time.Second / time.Duration(rate))
		defer t.Stop()
		tick = t.C
	}
	for i := range b.N {
		if tick != nil {
			<-tick
		}
		next <- i
	}
	close(next)
	wg.Wait()
	failed.Range(func(k, v any) bool { b.Fatalf("install %v not delivered: %v", k, v); return false })
	deadline := time.Now().Add(5 * time.Minute)
	for {
		var done int
		e.Deps.DB.Raw(`SELECT count(DISTINCT tenant_id) FROM tenant_history WHERE kind = 'admins_changed'`).Scan(&done)
		if done >= b.N {
			break
		}
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d installs completed", done, b.N)
		}
		time.Sleep(10 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	// Each install's first admin-list entry, against the inbox row its install came from.
	var ms []float64
	err := e.Deps.DB.Raw(`
		SELECT extract(epoch FROM (a.created_at - ie.received_at)) * 1000
		FROM tenant_history i
		JOIN inbox_events ie ON ie.id = split_part(i.source, '#', 2)::bigint
		JOIN LATERAL (SELECT min(created_at) AS created_at FROM tenant_history
			WHERE tenant_id = i.tenant_id AND kind = 'admins_changed') a ON true
		WHERE i.kind = 'install' AND i.source LIKE 'create_auth#%'`).Scan(&ms).Error
	if err != nil || len(ms) != b.N {
		b.Fatalf("durations: %d rows, %v", len(ms), err)
	}
	slices.Sort(ms)
	q := func(p float64) float64 { return ms[min(len(ms)-1, int(p*float64(len(ms))))] }
	b.ReportMetric(q(0.50), "p50_ms")
	b.ReportMetric(q(0.99), "p99_ms")
	b.ReportMetric(ms[len(ms)-1], "max_ms")
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "installs/s")
	var exchanges = e.Sim.Calls()["/cgi-bin/service/v2/get_permanent_code"].Total
	if exchanges != b.N {
		b.Errorf("%d exchanges for %d installs", exchanges, b.N)
	}
}
