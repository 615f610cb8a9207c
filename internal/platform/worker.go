package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/oauth"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/tokens"
)

// Worker is the asynq server plus the periodic jobs every worker replica runs.
type Worker struct {
	d        *Deps
	srv      *asynq.Server
	mux      *asynq.ServeMux
	Sweeper  *callback.Sweeper
	Registry *callback.Registry
	// Credentials enqueues the refresh of every credential due (internal/tokens).
	Credentials *tokens.Scheduler
	// Admins re-reads every active tenant's admin list once per ADMIN_REFRESH_INTERVAL.
	Admins *oauth.AdminSweep
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
	t := d.Tenants
	reg.Handle("create_auth", "tenants.install", t.HandleCreateAuth)
	reg.Handle("change_auth", "tenants.change_auth", t.HandleChangeAuth)
	reg.Handle("cancel_auth", "tenants.cancel", t.HandleCancelAuth)
	reg.Handle("reset_permanent_code", "tenants.reset_permanent_code", t.HandleResetPermanentCode)
	reg.Handle("event.change_app_admin", "tenants.refresh_admins", t.HandleChangeAppAdmin)
	reg.Handle("change_editon", "tenants.change_auth", t.HandleChangeAuth) // edition_info comes with the auth info
	for _, typ := range tenants.RecordedEventTypes {
		reg.Handle(typ, "tenants.record", t.HandleRecord)
	}

	mux := asynq.NewServeMux()
	mux.HandleFunc(callback.TaskPrefix, callback.NewProcessor(d.Inbox, reg).ProcessTask)
	mux.HandleFunc(tokens.TypeRefresh, d.Tokens.ProcessRefresh)
	mux.HandleFunc(tenants.TaskRefresh, t.ProcessRefresh)

	srv := asynq.NewServerFromRedisClient(d.Redis, asynq.Config{
		Concurrency: concurrency,
		Queues:      map[string]int{callback.Queue: 6, "tokens": 3, "default": 1},
		// asynq sleeps this long when every queue is empty; its 1 s default would add up to
		// a second to each callback's processing. 50 ms costs a few Redis calls a second.
		TaskCheckInterval: 50 * time.Millisecond,
		RetryDelayFunc:    retryDelay,
		Logger:            asynqLogger{d.Log.With("component", "asynq")},
		LogLevel:          asynq.WarnLevel,
		ShutdownTimeout:   20 * time.Second,
	})
	inspector := asynq.NewInspectorFromRedisClient(d.Redis)
	credentials := tokens.NewScheduler(d.Tokens, d.Queue, d.Log.With("component", "tokens"))
	credentials.Inspector = inspector
	if every := d.Config.TokenSweepInterval; every > 0 {
		credentials.Interval, credentials.Lookahead = every, every
	}
	admins := oauth.NewAdminSweep(t.Store(), d.Queue, d.Redis, d.Config.AdminRefreshInterval, d.Log.With("component", "oauth"))
	sweeper := callback.NewSweeper(d.Inbox, d.Queue, d.Log)
	sweeper.Inspector = inspector
	return &Worker{d: d, srv: srv, mux: mux, Sweeper: sweeper, Registry: reg,
		Credentials: credentials, Admins: admins}
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

// Run processes tasks and runs the periodic jobs until ctx ends, then shuts down
// gracefully: the loops stop first, then asynq finishes the tasks in flight.
func (w *Worker) Run(ctx context.Context) error {
	if err := w.srv.Start(w.mux); err != nil {
		return fmt.Errorf("start task server: %w", err)
	}
	var wg sync.WaitGroup
	for _, loop := range []func(context.Context){w.Sweeper.Run, w.Credentials.Run, w.Admins.Run, w.maintain, w.rotateSigningKeys} {
		wg.Go(func() { loop(ctx) })
	}
	<-ctx.Done()
	wg.Wait()
	w.srv.Shutdown()
	return nil
}

// maintain deletes what nothing can use any more, once an hour: sessions that expired a
// week ago and settled auth-code claims older than a day (codes live ten minutes). The
// deletes are idempotent, so every replica may run them.
func (w *Worker) maintain(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		now := time.Now()
		if _, err := w.d.Auth.PurgeExpiredSessions(ctx, now.Add(-7*24*time.Hour)); err != nil {
			w.d.Log.WarnContext(ctx, "maintenance: purge expired sessions", "err", err)
		}
		if _, err := w.d.Tenants.Store().PruneClaimsBefore(ctx, now.Add(-24*time.Hour)); err != nil {
			w.d.Log.WarnContext(ctx, "maintenance: prune auth code claims", "err", err)
		}
	}
}

// signingKeyCheckEvery is how often a worker asks whether the JWT signing key is due for
// rotation: a rotation lands at most this late, and the check is one locked query.
const signingKeyCheckEvery = 10 * time.Minute

// rotateSigningKeys rotates the JWT signing key once it has signed for JWT_KEY_ROTATION,
// checking at start and then every signingKeyCheckEvery. Any number of replicas may run
// it: the check and the rotation are one transaction.
func (w *Worker) rotateSigningKeys(ctx context.Context) {
	every := w.d.Config.JWTKeyRotation
	if every <= 0 {
		return
	}
	t := time.NewTicker(signingKeyCheckEvery)
	defer t.Stop()
	for {
		if _, err := w.d.Auth.Keys().RotateIfDue(ctx, every); err != nil && ctx.Err() == nil {
			w.d.Log.WarnContext(ctx, "scheduled jwt signing key rotation", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Handler serves the worker's /healthz, /readyz and /metrics.
func (w *Worker) Handler() http.Handler {
	r := gin.New()
	r.Use(recoverPanics(w.d.Log))
	health(r, w.d, prometheus.NewRegistry())
	return r
}

type asynqLogger struct{ log *slog.Logger }

func (l asynqLogger) Debug(args ...any) { l.log.Debug(fmt.Sprint(args...)) }
func (l asynqLogger) Info(args ...any)  { l.log.Info(fmt.Sprint(args...)) }
func (l asynqLogger) Warn(args ...any)  { l.log.Warn(fmt.Sprint(args...)) }
func (l asynqLogger) Error(args ...any) { l.log.Error(fmt.Sprint(args...)) }
func (l asynqLogger) Fatal(args ...any) { l.log.Error(fmt.Sprint(args...)) }
