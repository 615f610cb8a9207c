// Package platformtest starts the platform in-process for tests, against a fresh
// PostgreSQL database and a leased Redis database.
package platformtest

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/platform"
	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/wecom"
)

// Test suite and provider values.
const (
	ProviderCorpID = "wwtestprovider0001"
	SuiteID        = "wwtestsuite0000001"
	SuiteToken     = "QDG6eK"
	SuiteAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	SuiteSecret    = "test-suite-secret"
	ProviderSecret = "provider-secret"
	SystemToken    = "systok"
	SystemAESKey   = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
	MasterKey      = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

// Env is a running api (and optionally worker) over real services.
type Env struct {
	Deps     *platform.Deps
	API      *httptest.Server
	Worker   *platform.Worker
	logw     *lockedWriter
	RedisURL string
	DSN      string
}

// Option adjusts the configuration before start.
type Option func(*config.Config)

// WithRedisURL points the platform at another Redis (e.g. a private redis-server).
func WithRedisURL(u string) Option { return func(c *config.Config) { c.RedisURL = u } }

// WithWeComAPIBase points the platform's WeCom client at base (e.g. the simulator).
func WithWeComAPIBase(base string) Option { return func(c *config.Config) { c.WeComAPIBase = base } }

// Config returns the test configuration the Env starts with.
func Config(dsn, redisURL string) config.Config {
	suites, _ := json.Marshal([]config.Suite{{SuiteID: SuiteID, SuiteSecret: SuiteSecret, Token: SuiteToken,
		EncodingAESKey: SuiteAESKey, TrustedDomains: []string{"app.example.com"}}})
	cfg, err := config.Load(func(k string) string {
		return map[string]string{
			"DATABASE_URL": dsn, "REDIS_URL": redisURL, "MASTER_KEY": MasterKey,
			"WECOM_PROVIDER_CORPID": ProviderCorpID, "WECOM_PROVIDER_SECRET": ProviderSecret,
			"WECOM_SYSTEM_TOKEN": SystemToken, "WECOM_SYSTEM_ENCODING_AES_KEY": SystemAESKey,
			"WECOM_SUITES": string(suites), "LOG_LEVEL": "debug",
		}[k]
	})
	if err != nil {
		panic(err)
	}
	return cfg
}

// Start starts the api over a fresh database and Redis. The captured log is printed if
// the test fails.
func Start(t testing.TB, opts ...Option) *Env {
	t.Helper()
	return start(t, httptest.NewUnstartedServer(nil), opts...)
}

// start runs the api on srv, an unstarted server whose address the caller may already
// have handed out (the simulator needs the callback URLs before the api exists).
func start(t testing.TB, srv *httptest.Server, opts ...Option) *Env {
	t.Helper()
	_, dsn := testutil.DB(t)
	redisURL := testutil.Redis(t)
	cfg := Config(dsn, redisURL)
	for _, o := range opts {
		o(&cfg)
	}
	logw := &lockedWriter{w: &bytes.Buffer{}}
	log := slog.New(slog.NewJSONHandler(logw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	ctx := context.Background()
	d, err := platform.Open(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.SeedSuites(ctx); err != nil {
		t.Fatal(err)
	}
	h, err := platform.NewAPI(d)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	env := &Env{Deps: d, API: srv, logw: logw, RedisURL: cfg.RedisURL, DSN: dsn}
	t.Cleanup(func() {
		srv.Close()
		d.Close()
		if t.Failed() {
			t.Logf("platform log:\n%s", env.LogString())
		}
	})
	return env
}

// StartWorker runs a worker in-process until the test ends.
func (e *Env) StartWorker(t testing.TB) *platform.Worker {
	t.Helper()
	w := NewWorkerUnstarted(e)
	e.StartThisWorker(t, w)
	return w
}

// SuiteCrypto is the test suite's callback crypto.
func SuiteCrypto() *wecom.Crypto {
	c, err := wecom.NewCrypto(SuiteToken, SuiteAESKey)
	if err != nil {
		panic(err)
	}
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// NewWorkerUnstarted builds a worker so a test can register extra handlers first.
func NewWorkerUnstarted(e *Env) *platform.Worker { return platform.NewWorker(e.Deps, 4) }

// StartThisWorker runs w in-process until the test ends.
func (e *Env) StartThisWorker(t testing.TB, w *platform.Worker) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	e.Worker = w
}

// LogString returns what the platform logged so far.
func (e *Env) LogString() string {
	e.logw.mu.Lock()
	defer e.logw.mu.Unlock()
	return e.logw.w.String()
}

// Eventually waits up to 20 s for cond, failing the test if it never holds. Asynchronous
// work (the worker, the simulator's pushes) is awaited this way, never with a fixed sleep.
func Eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 20s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// WaitIdle waits until no inbox event is pending and no asynq task is queued, running or
// waiting to retry, so that a fault injected next is met by the work the test starts,
// not by a straggler of earlier steps.
func (e *Env) WaitIdle(t testing.TB) {
	t.Helper()
	insp := asynq.NewInspectorFromRedisClient(e.Deps.Redis)
	Eventually(t, "platform idle", func() bool {
		if pending, _, err := e.Deps.Inbox.Counts(context.Background()); err != nil || pending > 0 {
			return false
		}
		queues, err := insp.Queues()
		if err != nil {
			return false
		}
		for _, q := range queues {
			info, err := insp.GetQueueInfo(q)
			if err != nil || info.Pending+info.Active+info.Retry+info.Scheduled > 0 {
				return false
			}
		}
		return true
	})
}
