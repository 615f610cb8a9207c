package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/database"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// proc is one platform "process": what cmd/worker (and the token path of cmd/api) build,
// with its own Redis client and PostgreSQL pool, on the simulator clock.
type proc struct {
	rdb       *redis.Client
	db        *gorm.DB
	suites    *suite.Service
	svc       *tokens.Service
	sched     *tokens.Scheduler
	srv       *asynq.Server
	processed *atomic.Int64
}

func startProcs(ctx context.Context, o options, sim *wecomsim.Sim, base string, hc *http.Client, codes codeBook,
	box *secrets.Box, log *slog.Logger) ([]*proc, error) {
	opt, err := redis.ParseURL(o.redisURL)
	if err != nil {
		return nil, err
	}
	if err := redis.NewClient(opt).FlushDB(ctx).Err(); err != nil {
		return nil, err
	}
	processed := &atomic.Int64{}
	var procs []*proc
	for range o.procs {
		p := &proc{rdb: redis.NewClient(opt), processed: processed}
		if p.db, err = database.Open(ctx, o.dsn); err != nil {
			return nil, err
		}
		if sqlDB, err := p.db.DB(); err == nil {
			sqlDB.SetMaxOpenConns(12)
			sqlDB.SetMaxIdleConns(12)
		}
		p.suites = suite.NewService(suite.NewStore(p.db, box), p.rdb, time.Minute)
		p.svc = tokens.New(tokens.Config{ProviderCorpID: providerCorpID, ProviderSecret: providerSecret, Now: sim.Now,
			Store: tokens.NewStore(p.db), Log: log}, p.rdb, wecom.NewClient(base, hc), p.suites, codes)
		// The simulator clock is not the one asynq schedules by: enqueue what is due now.
		p.sched = tokens.NewScheduler(p.svc, asynq.NewClientFromRedisClient(p.rdb), log)
		p.sched.Lookahead = 0
		mux := asynq.NewServeMux()
		mux.HandleFunc(tokens.TypeRefresh, func(ctx context.Context, t *asynq.Task) error {
			defer processed.Add(1)
			return p.svc.ProcessRefresh(ctx, t)
		})
		p.srv = asynq.NewServerFromRedisClient(p.rdb, asynq.Config{Concurrency: o.concurrency,
			Queues: map[string]int{tokens.Queue: 1}, TaskCheckInterval: 2 * time.Millisecond, LogLevel: asynq.ErrorLevel})
		if err := p.srv.Start(mux); err != nil {
			return nil, err
		}
		procs = append(procs, p)
	}
	return procs, nil
}

func (p *proc) close() {
	p.srv.Shutdown()
	p.rdb.Close()
	if sqlDB, err := p.db.DB(); err == nil {
		sqlDB.Close()
	}
}
