package platform

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// NewAPI builds the api's HTTP handler.
func NewAPI(d *Deps) (http.Handler, error) {
	var system *wecom.Crypto
	if d.Config.SystemToken != "" {
		var err error
		if system, err = wecom.NewCrypto(d.Config.SystemToken, d.Config.SystemEncodingAESKey); err != nil {
			return nil, err
		}
	}
	r := gin.New()
	// gin believes every X-Forwarded-For by default; only the configured proxies are trusted,
	// so the client IP in audit logs and login throttling cannot be forged.
	if err := r.SetTrustedProxies(d.Config.TrustedProxies); err != nil {
		return nil, fmt.Errorf("TRUSTED_PROXIES: %w", err)
	}
	r.Use(recoverPanics(d.Log), requestLog(d.Log))
	health(r, d, prometheus.NewRegistry())

	rc := callback.NewReceiver(d.Suites, d.Inbox, d.Queue, d.Config.ProviderCorpID, system, d.Log)
	callback.Routes(r, rc, d.Log)
	internalRoutes(r, d)
	tenants.Routes(r, d.Tenants, d.Log)
	auth.Routes(r, d.Auth)
	if err := console.Routes(r, NewConsole(d)); err != nil {
		return nil, err
	}
	if err := tenantUserRoutes(r, d); err != nil {
		return nil, err
	}
	return r, nil
}

// NewConsole builds the provider console over the platform's services.
func NewConsole(d *Deps) *console.Console {
	return console.New(console.Deps{DB: d.DB, Redis: d.Redis, Queue: d.Queue, Inbox: d.Inbox,
		Suites: d.Suites.Store(), Tenants: d.Tenants.Store(), Resyncer: console.TenantResync(d.Tenants),
		Credentials: console.NewTokenCredentials(d.Tokens), PublicBaseURL: d.Config.PublicBaseURL,
		Log: d.Log.With("component", "console")})
}

// health mounts /healthz, /readyz and /metrics; reg holds this instance's scrape-time
// collectors beside the process-wide default registry.
func health(r gin.IRouter, d *Deps, reg *prometheus.Registry) {
	reg.MustRegister(callback.NewInboxCollector(d.Inbox), suite.NewTicketCollector(d.Suites.Store()), tokens.NewCollector(d.Tokens),
		tenants.NewCollector(d.Tenants.Store()))
	metrics := promhttp.HandlerFor(prometheus.Gatherers{prometheus.DefaultGatherer, reg}, promhttp.HandlerOpts{})
	r.GET("/healthz", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	r.GET("/readyz", func(c *gin.Context) {
		if err := d.Ready(c.Request.Context()); err != nil {
			c.String(http.StatusServiceUnavailable, "not ready: %v\n", err)
			return
		}
		c.String(http.StatusOK, "ready")
	})
	r.GET("/metrics", gin.WrapH(metrics))
}

// recoverPanics answers 500 to a request whose handler panicked and logs the panic with
// the method and path only. gin.Recovery would print the whole request to stderr: its
// query (auth codes, OAuth codes) and its cookies (sessions).
func recoverPanics(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			rec := recover()
			if rec == nil {
				return
			}
			if rec == http.ErrAbortHandler {
				panic(rec) // the client went away; net/http handles it quietly
			}
			log.ErrorContext(c.Request.Context(), "handler panicked", "method", c.Request.Method,
				"path", c.Request.URL.Path, "panic", fmt.Sprint(rec), "stack", string(debug.Stack()))
			c.AbortWithStatus(http.StatusInternalServerError)
		}()
		c.Next()
	}
}

// requestLog logs each request's path (never its query: codes and tickets travel there).
func requestLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		level := slog.LevelDebug
		if c.Writer.Status() >= 400 {
			level = slog.LevelInfo
		}
		log.Log(c.Request.Context(), level, "http request", "method", c.Request.Method,
			"path", c.Request.URL.Path, "status", c.Writer.Status(), "duration_ms", time.Since(start).Milliseconds())
	}
}
