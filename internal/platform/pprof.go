package platform

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// ServePprof serves Go's profiler on addr (PPROF_ADDR) until the process exits. It has its
// own mux and listener so the profiler is never reachable through the public api.
func ServePprof(addr string, log *slog.Logger) {
	if addr == "" {
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil {
			log.Warn("pprof server stopped", "addr", addr, "err", err)
		}
	}()
}
