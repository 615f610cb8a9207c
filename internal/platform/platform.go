// Package platform is the composition root: it opens the shared services and wires the
// domain packages into the api's HTTP handler and the worker's task server. cmd/api and
// cmd/worker are thin mains over it, and end-to-end tests start the same pieces in-process.
package platform

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/apikeys"
	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/database"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
)

// Deps are the process-wide handles both binaries build on.
type Deps struct {
	Config config.Config
	Log    *slog.Logger
	DB     *gorm.DB
	Redis  *redis.Client
	Queue  *asynq.Client
	Box    *secrets.Box

	WeCom  *wecom.Client
	Suites *suite.Service
	Inbox  *callback.Inbox
	Tokens *tokens.Service
	// APIKeys authenticate the provider's own services on /internal/v1.
	APIKeys *apikeys.Store
	// Tenants runs installs and the tenant lifecycle; Tenants.Store() is the registry.
	Tenants *tenants.Service
	Auth    *auth.Service
}

// Open connects to PostgreSQL and Redis and builds the stores. It does not migrate.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Deps, error) {
	box, err := secrets.New(cfg.MasterKey, cfg.MasterKeyPrevious...)
	if err != nil {
		return nil, fmt.Errorf("MASTER_KEY: %w", err)
	}
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	opt, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, fmt.Errorf("REDIS_URL: %w", err)
	}
	// Short timeouts: a callback must be answered even when Redis hangs.
	opt.DialTimeout = time.Second
	opt.ReadTimeout = 2 * time.Second
	opt.WriteTimeout = 2 * time.Second
	rdb := redis.NewClient(opt)
	redis.SetLogger(redisLogger{log.With("component", "redis")})
	d := &Deps{Config: cfg, Log: log, DB: db, Redis: rdb, Box: box,
		Queue: asynq.NewClientFromRedisClient(rdb)}
	d.Suites = suite.NewService(suite.NewStore(db, box), rdb, 30*time.Second)
	d.Inbox = callback.NewInbox(db, box)
	d.WeCom = wecom.NewClient(cfg.WeComAPIBase, nil)
	// The tenant registry supplies permanent codes once it is built (SetPermanentCodes).
	d.Tokens = tokens.New(tokens.Config{ProviderCorpID: cfg.ProviderCorpID, ProviderSecret: cfg.ProviderSecret,
		Store: tokens.NewStore(db), RefreshJitter: cfg.TokenRefreshJitter, Log: log.With("component", "tokens"),
		Inactive: []error{tenants.ErrNotFound, tenants.ErrCancelled, tenants.ErrAuthBroken}},
		rdb, d.WeCom, d.Suites, nil)
	d.APIKeys = apikeys.NewStore(db)
	d.Tenants = tenants.NewService(tenants.NewStore(db, box), d.Tokens, d.WeCom, d.Suites, rdb, d.Queue, tenants.Options{
		PublicBaseURL: cfg.PublicBaseURL, InstallBase: cfg.InstallBase, PermanentCodeAPI: cfg.PermanentCodeAPI,
		Log: log.With("component", "tenants")})
	d.Tokens.SetPermanentCodes(d.Tenants.Store())
	d.Auth = auth.New(db, rdb, box, auth.ConfigFrom(cfg), log)
	d.Tenants.Hooks().On("cancel_auth", "auth.revoke_corp_sessions", revokeCancelledSessions(d.Auth))
	// The first start generates the JWT signing keys, so every replica agrees on them early.
	if err := d.Auth.Keys().Ensure(ctx); err != nil {
		return nil, err
	}
	return d, nil
}

// Close releases the connections.
func (d *Deps) Close() error {
	var errs []error
	if sqlDB, err := d.DB.DB(); err == nil {
		errs = append(errs, sqlDB.Close())
	}
	errs = append(errs, d.Redis.Close())
	return errors.Join(errs...)
}

// SeedSuites upserts the suites of WECOM_SUITES, so config and database agree at start.
func (d *Deps) SeedSuites(ctx context.Context) error {
	for _, s := range d.Config.Suites {
		err := d.Suites.Store().Upsert(ctx, suite.Suite{ID: s.SuiteID, Secret: s.SuiteSecret, Token: s.Token,
			EncodingAESKey: s.EncodingAESKey, TrustedDomains: s.TrustedDomains})
		if err != nil {
			return err
		}
	}
	return nil
}

// Ready checks PostgreSQL and Redis.
func (d *Deps) Ready(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	sqlDB, err := d.DB.DB()
	if err != nil {
		return err
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("postgres: %w", err)
	}
	if err := d.Redis.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redis: %w", err)
	}
	return nil
}

// redisLogger sends go-redis' own messages (pool dial failures) to slog instead of stderr.
type redisLogger struct{ log *slog.Logger }

func (l redisLogger) Printf(ctx context.Context, format string, v ...any) {
	l.log.WarnContext(ctx, fmt.Sprintf(format, v...))
}
