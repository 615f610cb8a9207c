package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/suite"
)

// Worker is the asynq server plus the periodic jobs every worker replica runs.
type Worker struct {
	d        *Deps
	srv      *asynq.Server
	mux      *asynq.ServeMux
	Sweeper  *callback.Sweeper
	Registry *callback.Registry
}

// NewWorker wires every task handler. The list of task types is readable here in one place.
func NewWorker(d *Deps, concurrency int) *Worker {
	reg := callback.NewRegistry()
	reg.Handle("suite_ticket", "suite.save_ticket", func(ctx context.Context, ev callback.Event) error {
		ticket, err := callback.ParseTicket(ev.Plain)
		if err != nil {
			return fmt.Errorf("%v: %w", err, asynq.SkipRetry)
		}
		_, err = d.Suites.SaveTicket(ctx, ev.SuiteID, suite.Ticket{Value: ticket, Time: ev.Header.Time()})
		if errors.Is(err, suite.ErrFutureTicket) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	})

	mux := asynq.NewServeMux()
	mux.HandleFunc(callback.TaskPrefix, callback.NewProcessor(d.Inbox, reg).ProcessTask)

	srv := asynq.NewServerFromRedisClient(d.Redis, asynq.Config{
		Concurrency:     concurrency,
		Queues:          map[string]int{callback.Queue: 6, "tokens": 3, "default": 1},
		RetryDelayFunc:  retryDelay,
		Logger:          asynqLogger{d.Log.With("component", "asynq")},
		LogLevel:        asynq.WarnLevel,
		ShutdownTimeout: 20 * time.Second,
	})
	return &Worker{d: d, srv: srv, mux: mux, Sweeper: callback.NewSweeper(d.Inbox, d.Queue, d.Log), Registry: reg}
}

// retryDelay backs off exponentially from 1 s to 10 min, with jitter so that a burst of
// failures does not retry in lockstep.
func retryDelay(n int, _ error, _ *asynq.Task) time.Duration {
	d := time.Second << min(n, 10)
	if d > 10*time.Minute {
		d = 10 * time.Minute
	}
	return d/2 + rand.N(d/2+1)
}

// Run processes tasks and sweeps until ctx ends, then shuts down gracefully.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start task server: %w", err)
	}
	sweepCtx, stopSweep := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); w.Sweeper.Run(sweepCtx) }()
	<-ctx.Done()
	stopSweep()
	<-done
	w.srv.Shutdown()
	return nil
}

// Handler serves the worker's /healthz, /readyz and /metrics.
func (w *Worker) Handler() http.Handler {
	r := gin.New()
	r.Use(gin.Recovery())
	health(r, w.d, prometheus.NewRegistry())
	return r
}

type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...)) }
