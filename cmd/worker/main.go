// Command worker processes callback events, refreshes credentials and runs the periodic
// jobs. Run as many replicas as needed; they coordinate through PostgreSQL and Redis.
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
	"github.com/wecomisv/platform/internal/platform"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration:\n%w", err)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel}))
	log.Info("starting worker", "config", cfg)
	platform.ServePprof(cfg.PprofAddr, log)
	d, err := platform.Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer d.Close()
	w := platform.NewWorker(d, 20)

	srv := &http.Server{Addr: cfg.WorkerHTTPAddr, Handler: w.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("worker http server stopped", "err", err)
		}
	}()
	err = w.Run(ctx)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	srv.Shutdown(shutdownCtx)
	log.Info("worker stopped")
	return err
}
