package tokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/wecomisv/platform/internal/queue"
)

var scheduled = promauto.NewCounter(prometheus.CounterOpts{
	Name: "wecom_token_refresh_scheduled_total",
	Help: "Refresh tasks enqueued by the credential sweep.",
})

// Scheduler is the periodic sweep of the credentials table: the database decides which
// credentials are due, and the sweep enqueues one refresh task for each. Every worker
// replica runs one; a claim on the row (FOR UPDATE SKIP LOCKED, then claimed_at) keeps
// them from enqueueing the same refresh twice.
type Scheduler struct {
	svc   *Service
	queue *asynq.Client
	log   *slog.Logger
	// Interval is how often to sweep.
	Interval time.Duration
	// Lookahead claims refreshes due within it too, enqueued to run at their time, so a
	// refresh lands on time rather than up to Interval late.
	Lookahead time.Duration
	// Reclaim is how long a claimed row waits before another sweep may enqueue it again
	// (its task was lost with Redis, or is still waiting behind a backlog).
	Reclaim time.Duration
	// Batch is how many rows one claim takes; a sweep claims batches until it is done.
	Batch int
	// Inspector, when set, lets the sweep replace a refresh task that asynq archived (the
	// worker running it died: with MaxRetry(0) the lease expiry archives it). Its TaskID
	// would otherwise turn every later enqueue of the credential into a no-op.
	Inspector *asynq.Inspector
}

// NewScheduler returns a Scheduler with production defaults. It needs s's Store.
func NewScheduler(s *Service, queue *asynq.Client, log *slog.Logger) *Scheduler {
	return &Scheduler{svc: s, queue: queue, log: log, Interval: 10 * time.Second, Lookahead: 10 * time.Second,
		Reclaim: 2 * time.Minute, Batch: 1000}
}

// Run sweeps every Interval until ctx ends.
func (sc *Scheduler) Run(ctx context.Context) {
	t := time.NewTicker(sc.Interval)
	defer t.Stop()
	for {
		if n, err := sc.Sweep(ctx); err != nil && ctx.Err() == nil {
			sc.log.WarnContext(ctx, "credential sweep failed", "err", err)
		} else if n > 0 {
			sc.log.DebugContext(ctx, "credential sweep enqueued refreshes", "count", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Sweep enqueues a refresh task for every credential due now (or within Lookahead) and
// returns how many it enqueued.
func (sc *Scheduler) Sweep(ctx context.Context) (int, error) {
	store := sc.svc.Store()
	if store == nil {
		return 0, errors.New("credential sweep: no credentials store configured")
	}
	// Don't claim rows while Redis is down: the claim would delay them by Reclaim.
	if err := sc.queue.Ping(); err != nil {
		return 0, fmt.Errorf("credential sweep: %w", err)
	}
	n := 0
	for {
		now := sc.svc.cfg.Now()
		due, err := store.claimDueAcrossTenants(ctx, now, now.Add(sc.Lookahead), sc.Reclaim, sc.Batch)
		if err != nil {
			return n, err
		}
		for _, d := range due {
			task, opts := NewRefreshTask(d.Key)
			if wait := d.At.Sub(now); wait > 0 {
				opts = append(opts, asynq.ProcessIn(wait))
			}
			if _, err := queue.Enqueue(ctx, sc.queue, sc.Inspector, task, opts...); err != nil {
				return n, fmt.Errorf("enqueue refresh of %s: %w", d.Key, err)
			}
			n++
			scheduled.Inc()
		}
		if len(due) < sc.Batch {
			return n, nil
		}
	}
}
