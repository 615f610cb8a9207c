package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/tenants"
)

// AdminSweep keeps /api/v1/me's is_admin honest when a change_app_admin push was lost:
// once per Interval, across all worker replicas, it enqueues the tenant registry's refresh
// task (auth info and admin list) for every active tenant. The refresh task's id dedupes
// it against a refresh already waiting.
type AdminSweep struct {
	tenants  TenantLister
	queue    *asynq.Client
	rdb      redis.UniversalClient
	interval time.Duration
	log      *slog.Logger
	// Tick is how often a replica checks whether a sweep is due.
	Tick time.Duration
}

// TenantLister pages through tenants across corps (tenants.Store).
type TenantLister interface {
	ListTenants(ctx context.Context, o tenants.ListOptions) ([]tenants.Tenant, error)
}

// sweepKey is held for one interval by the replica that swept; the others skip.
const sweepKey = "oauth:admin-sweep"

// NewAdminSweep returns the sweep; interval defaults to an hour.
func NewAdminSweep(t TenantLister, queue *asynq.Client, rdb redis.UniversalClient, interval time.Duration, log *slog.Logger) *AdminSweep {
	if interval <= 0 {
		interval = time.Hour
	}
	return &AdminSweep{tenants: t, queue: queue, rdb: rdb, interval: interval, log: log, Tick: time.Minute}
}

// Run sweeps when due until ctx ends.
func (s *AdminSweep) Run(ctx context.Context) {
	t := time.NewTicker(s.Tick)
	defer t.Stop()
	for {
		if n, err := s.SweepIfDue(ctx); err != nil && ctx.Err() == nil {
			s.log.WarnContext(ctx, "admin list sweep failed", "enqueued", n, "err", err)
		} else if n > 0 {
			s.log.InfoContext(ctx, "admin list sweep", "enqueued", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SweepIfDue enqueues the refreshes if no replica has swept within the interval, and
// returns how many it enqueued.
func (s *AdminSweep) SweepIfDue(ctx context.Context) (int, error) {
	ok, err := s.rdb.SetNX(ctx, sweepKey, time.Now().Unix(), s.interval).Result()
	if err != nil || !ok {
		return 0, err
	}
	n := 0
	var after int64
	for {
		page, err := s.tenants.ListTenants(ctx, tenants.ListOptions{Status: tenants.StatusActive, AfterID: after, Limit: 500})
		if err != nil {
			return n, err
		}
		for _, t := range page {
			after = t.ID
			if !t.Active() {
				continue // auth-broken: the refresh would fail the same way
			}
			task, opts := tenants.NewRefreshTask(t.SuiteID, t.CorpID)
			_, err := s.queue.EnqueueContext(ctx, task, opts...)
			if err != nil && !errors.Is(err, asynq.ErrTaskIDConflict) {
				return n, fmt.Errorf("enqueue admin refresh of %s/%s: %w", t.SuiteID, t.CorpID, err)
			}
			n++
		}
		if len(page) < 500 {
			return n, nil
		}
	}
}
