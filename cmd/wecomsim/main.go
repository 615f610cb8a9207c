// Command wecomsim runs the local WeCom simulator (see internal/wecomsim).
//
//	wecomsim --config deploy/wecomsim.json [-addr 127.0.0.1:8081]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/wecomisv/platform/internal/wecomsim"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(context.Background(), log, os.Args[1:]); err != nil {
		log.Error("wecomsim", "err", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, args []string) error {
	fs := flag.NewFlagSet("wecomsim", flag.ContinueOnError)
	configPath := fs.String("config", "", "JSON config file (default: the built-in demo config)")
	addr := fs.String("addr", "", "listen address, overrides the config's addr")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := wecomsim.DefaultConfig()
	if *configPath != "" {
		var err error
		if cfg, err = wecomsim.LoadConfig(*configPath); err != nil {
			return err
		}
	}
	if *addr != "" {
		cfg.Addr = *addr
	}
	sim, err := wecomsim.New(cfg, wecomsim.WithLogger(log))
	if err != nil {
		return err
	}
	defer sim.Close()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Listen before the first pushes: a receiver may call back into the API at once.
	ln, err := net.Listen("tcp", sim.Config().Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("wecomsim listening", "addr", ln.Addr().String(), "provider_corpid", cfg.Provider.CorpID, "suites", len(cfg.Suites))

	if err := sim.Start(ctx); err != nil {
		return err
	}
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}
