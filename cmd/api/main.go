// Command api serves WeCom callbacks, the install and sign-in flows, the JSON APIs and the
// console. Subcommands: serve (default), migrate, and keys (API keys of the provider's own
// services: keys create NAME, keys list, keys revoke ID), and staff (console accounts:
// staff create EMAIL --role viewer|operator|admin [--generate]).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/database"
	"github.com/wecomisv/platform/internal/platform"
)

func main() {
	cmd := "serve"
	if len(os.Args) > 1 {
		cmd = os.Args[1]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cmd); err != nil {
		fmt.Fprintln(os.Stderr, "api:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, cmd string) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	switch cmd {
	case "serve":
		return serve(ctx, cfg, log)
	case "migrate":
		return migrate(ctx, cfg, log)
	case "keys":
		return keys(ctx, cfg, os.Args[2:], os.Stdout)
	case "staff":
		return staff(ctx, cfg, os.Args[2:], os.Stdin, os.Stdout)
	}
	return fmt.Errorf("unknown command %q (want serve, migrate, keys or staff)", cmd)
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	db, err := database.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	v, err := database.Migrate(ctx, db, log)
	if err != nil {
		return err
	}
	log.Info("database migrated", "version", v)
	return nil
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	log.Info("starting api", "config", cfg)
	platform.ServePprof(cfg.PprofAddr, log)
	d, err := platform.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.SeedSuites(ctx); err != nil {
		return fmt.Errorf("seed WECOM_SUITES: %w", err)
	}
	h, err := platform.NewAPI(d)
	if err != nil {
		return err
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: h, ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("api listening", "addr", cfg.HTTPAddr)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("api shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
