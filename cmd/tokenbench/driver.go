package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// driver moves the simulator clock step by step, lets the sweeps enqueue what is due
// and the workers refresh it before the next step, admits tenants over the first
// lifetime (their first request fetches their first token, as an install would), and
// runs a steady stream of CorpToken requests checked against the oracle.
type driver struct {
	o      options
	sim    *wecomsim.Sim
	orc    *oracle
	procs  []*proc
	corps  []string
	warmed atomic.Int64

	enqueued, stalls int64
	tickets          int64 // suite_tickets pushed
	behindSince      time.Time
	handed, expired  atomic.Int64 // requests answered; of them, handed a token already rejected
	ambiguous        atomic.Int64 // token expired while the clock moved during the request
	failed, waited   atomic.Int64 // errors; answers slower than 50 ms
	latMu            sync.Mutex
	lat              []time.Duration
	errs             map[string]int
}

type result struct {
	elapsed                 time.Duration // simulator time driven
	steps                   int
	handed, expired, failed int64
	ambiguous, waited       int64
	stalls                  int64
	p50, p99, max           time.Duration
}

func (d *driver) pushTicket(ctx context.Context) error {
	res, err := d.sim.PushTicket(ctx, suiteID)
	if err != nil {
		return err
	}
	// Newest wins by TimeStamp, which may not run ahead of the real clock (the simulator's
	// does): stamp pushes with a counter instead.
	d.tickets++
	_, err = d.procs[0].suites.SaveTicket(ctx, suiteID, suite.Ticket{Value: res.SuiteTicket,
		Time: time.Now().Add(-time.Hour).Unix() + d.tickets})
	return err
}

func (d *driver) run(ctx context.Context) (result, error) {
	total := time.Duration(d.o.lifetimes * float64(d.o.ttl))
	reqCtx, stopRequests := context.WithCancel(ctx)
	defer stopRequests()
	var reqs sync.WaitGroup
	reqs.Go(func() { d.requests(reqCtx) })
	var (
		elapsed, sinceTicket time.Duration
		steps                int
		warm                 = make(chan int)
		warmWG               sync.WaitGroup
	)
	for range 16 {
		go func() {
			for i := range warm {
				d.ask(ctx, d.corps[i])
				warmWG.Done()
			}
		}()
	}
	progress := time.Now()
	for ; elapsed < total; steps++ {
		d.orc.advance(d.o.step)
		elapsed += d.o.step
		if sinceTicket += d.o.step; sinceTicket >= 10*time.Minute {
			if err := d.pushTicket(ctx); err != nil {
				return result{}, err
			}
			sinceTicket = 0
		}
		// Admit tenants over the first lifetime, as installs spread over time would.
		target := min(int64(len(d.corps)), int64(float64(len(d.corps))*float64(elapsed)/float64(d.o.ttl))+1)
		for i := d.warmed.Load(); i < target; i++ {
			warmWG.Add(1)
			warm <- int(i)
		}
		d.await(&warmWG)
		d.warmed.Store(target)
		n, err := d.procs[steps%len(d.procs)].sched.Sweep(ctx)
		if err != nil {
			return result{}, err
		}
		d.enqueued += int64(n)
		d.drain()
		if time.Since(progress) > 15*time.Second {
			progress = time.Now()
			calls := d.sim.Calls()["/cgi-bin/service/get_corp_token"].Total
			fmt.Printf("  … simulated %v of %v; %d get_corp_token calls; %d requests\n",
				elapsed, total, calls, d.handed.Load())
		}
	}
	close(warm)
	stopRequests()
	reqs.Wait()
	for msg, n := range d.errs {
		fmt.Printf("  request error x%d: %s\n", n, msg)
	}
	r := result{elapsed: elapsed, steps: steps, handed: d.handed.Load(), expired: d.expired.Load(),
		failed: d.failed.Load(), ambiguous: d.ambiguous.Load(), waited: d.waited.Load(), stalls: d.stalls}
	slices.Sort(d.lat)
	if n := len(d.lat); n > 0 {
		r.p50, r.p99, r.max = d.lat[n/2], d.lat[n*99/100], d.lat[n-1]
	}
	return r, nil
}

// stepWait bounds how long the clock waits for the work of one step. Some of that work
// waits for the clock itself: a fetch needing the suite token in the seconds around its
// expiry waits for it to lapse (WeCom would return the old one), so the clock must go on.
var stepWait = 50 * time.Millisecond

// await waits for wg, at most stepWait.
func (d *driver) await(wg *sync.WaitGroup) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(stepWait):
		d.stalls++
	}
}

// drain waits until every enqueued refresh has run, so the clock does not outrun them
// (at most stepWait: see there).
func (d *driver) drain() {
	deadline := time.Now().Add(stepWait)
	for d.procs[0].processed.Load() < d.enqueued {
		if time.Now().After(deadline) {
			d.stalls++
			if d.behindSince.IsZero() {
				d.behindSince = time.Now()
			} else if time.Since(d.behindSince) > 10*time.Second {
				// A TaskID conflict counts as enqueued but runs nothing; resynchronise.
				d.enqueued, d.behindSince = d.procs[0].processed.Load(), time.Time{}
			}
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
	d.behindSince = time.Time{}
}

// requests asks for corp tokens of random admitted tenants at o.rps per real second.
func (d *driver) requests(ctx context.Context) {
	if d.o.rps <= 0 {
		return
	}
	jobs := make(chan struct{}, 64)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range jobs {
				if n := d.warmed.Load(); n > 0 {
					d.ask(ctx, d.corps[rand.N(n)])
				}
			}
		})
	}
	t := time.NewTicker(time.Second / time.Duration(d.o.rps))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			close(jobs)
			wg.Wait()
			return
		case <-t.C:
			select {
			case jobs <- struct{}{}:
			default: // the platform is behind; drop rather than queue up
			}
		}
	}
}

// ask requests a tenant's corp token from a random process and checks it.
func (d *driver) ask(ctx context.Context, corp string) {
	p := d.procs[rand.N(len(d.procs))]
	before, start := d.sim.Now(), time.Now()
	tok, err := p.svc.CorpToken(ctx, suiteID, corp)
	took := time.Since(start)
	after := d.sim.Now()
	if err != nil {
		d.failed.Add(1)
		d.latMu.Lock()
		if d.errs == nil {
			d.errs = map[string]int{}
		}
		d.errs[err.Error()]++
		d.latMu.Unlock()
		return
	}
	d.handed.Add(1)
	if took > 50*time.Millisecond {
		d.waited.Add(1)
	}
	d.latMu.Lock()
	d.lat = append(d.lat, took)
	d.latMu.Unlock()
	exp, known := d.orc.expiryOf(tok)
	switch {
	case !known || !before.Before(exp):
		d.expired.Add(1) // expired before the request even started
	case !after.Before(exp):
		d.ambiguous.Add(1) // expired at some point while the clock moved during the request
	}
}

func (r result) print(o options, sim *wecomsim.Sim, orc *oracle, wall time.Duration) {
	calls := sim.Calls()["/cgi-bin/service/get_corp_token"]
	tokens, unknown := orc.distinctTokens()
	lifetimes := r.elapsed.Seconds() / o.ttl.Seconds()
	worst := 0
	for _, n := range calls.ByCredential {
		worst = max(worst, n)
	}
	fmt.Printf("\n== %d tenants, %d processes, simulator clock driven %.2f lifetimes (%v) in %d steps of %v; wall %v\n",
		o.tenants, o.procs, lifetimes, r.elapsed, r.steps, o.step, wall.Round(time.Second))
	fmt.Printf("get_corp_token calls: %d for %d distinct tokens issued (token lifetimes begun) => %.4f calls per tenant per lifetime (goal <= 1.01)\n",
		calls.Total, tokens, float64(calls.Total)/float64(max(tokens, 1)))
	fmt.Printf("  most calls for one tenant: %d; tokens first seen mid-life (should be 0): %d\n", worst, unknown)
	fmt.Printf("requests: %d answered, %d failed; handed an expired token: %d (goal 0); expired while the clock moved mid-request: %d\n",
		r.handed, r.failed, r.expired, r.ambiguous)
	fmt.Printf("  latency p50 %v, p99 %v, max %v; %d answers took > 50 ms (awaited a fetch, or CPU contention)\n",
		r.p50.Round(time.Microsecond), r.p99.Round(time.Microsecond), r.max.Round(time.Millisecond), r.waited)
	if r.stalls > 0 {
		fmt.Printf("  steps whose work took longer than %v (the clock went on): %d\n", stepWait, r.stalls)
	}
}
