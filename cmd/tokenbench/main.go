// Command tokenbench measures the token service at scale: N tenants installed directly in
// an in-process simulator, three platform "processes" (each its own tokens.Service,
// credential sweep, asynq worker, Redis and PostgreSQL connections; all inside this one
// Go process), and the simulator clock driven over several token lifetimes. It prints
// the get_corp_token calls per token lifetime (goal ≤ 1.01) and how many requests were
// handed a token the simulator no longer accepts (goal 0). `make bench-tokens` runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	"github.com/wecomisv/platform/internal/database"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecomsim"
)

const (
	providerCorpID = "wwbenchprovider001"
	providerSecret = "bench-provider-secret"
	suiteID        = "wwbenchsuite000001"
	suiteSecret    = "bench-suite-secret"
	suiteToken     = "benchtok"
	suiteAESKey    = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	masterKey      = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

type options struct {
	tenants, procs, concurrency, rps int
	lifetimes                        float64
	step, ttl                        time.Duration
	transport, dsn, redisURL         string
}

func main() {
	var o options
	flag.IntVar(&o.tenants, "tenants", 10000, "simulated tenants")
	flag.IntVar(&o.procs, "procs", 3, "platform processes (token service + sweep + worker each)")
	flag.IntVar(&o.concurrency, "concurrency", 16, "asynq worker concurrency per process")
	flag.IntVar(&o.rps, "rps", 500, "CorpToken requests per real second across tenants")
	flag.Float64Var(&o.lifetimes, "lifetimes", 3, "token lifetimes to drive the simulator clock over")
	flag.DurationVar(&o.step, "step", time.Second, "simulator clock step")
	flag.DurationVar(&o.ttl, "ttl", 7200*time.Second, "token lifetime in the simulator")
	flag.DurationVar(&stepWait, "step-wait", stepWait, "longest real time the clock waits for one step's refreshes")
	flag.StringVar(&o.transport, "transport", "mem", "how the platform reaches the simulator: mem (in-process) or http (loopback)")
	flag.StringVar(&o.dsn, "db", os.Getenv("DATABASE_URL"), "PostgreSQL DSN of an empty database")
	flag.StringVar(&o.redisURL, "redis", os.Getenv("REDIS_URL"), "Redis URL of a server the bench may flush")
	flag.Parse()
	if err := run(context.Background(), o); err != nil {
		fmt.Fprintln(os.Stderr, "tokenbench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, o options) error {
	start := time.Now()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	db, err := database.Open(ctx, o.dsn)
	if err != nil {
		return err
	}
	if _, err := database.Migrate(ctx, db, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	box, err := secrets.New(masterKey)
	if err != nil {
		return err
	}
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("success")) }))
	defer receiver.Close()
	cfg := wecomsim.DefaultConfig()
	cfg.Corps = nil
	cfg.TokenTTLSeconds = int(o.ttl.Seconds())
	cfg.Provider = wecomsim.ProviderConfig{CorpID: providerCorpID, Secret: providerSecret}
	cfg.Suites = []wecomsim.SuiteConfig{{SuiteID: suiteID, SuiteSecret: suiteSecret, Token: suiteToken,
		EncodingAESKey: suiteAESKey, InstructionURL: receiver.URL, DataURL: receiver.URL, TrustedDomains: []string{"app.example.com"}}}
	sim, err := wecomsim.New(cfg, wecomsim.WithClock(wecomsim.FixedClock(time.Now())))
	if err != nil {
		return err
	}
	orc := newOracle(sim, o.ttl)
	base, hc := "http://wecomsim.invalid", &http.Client{Transport: memTransport{orc}, Timeout: 30 * time.Second}
	if o.transport == "http" {
		srv := httptest.NewServer(orc)
		defer srv.Close()
		base, hc = srv.URL, &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256}, Timeout: 30 * time.Second}
	}
	codes := make(codeBook, o.tenants)
	corps := make([]string, o.tenants)
	for i := range o.tenants {
		in, err := sim.Install(ctx, wecomsim.InstallRequest{SuiteID: suiteID, CorpName: fmt.Sprint("Corp ", i), Via: "link"})
		if err != nil {
			return err
		}
		corps[i], codes[in.CorpID] = in.CorpID, in.PermanentCode
	}
	fmt.Printf("installed %d tenants in the simulator in %v\n", o.tenants, time.Since(start).Round(time.Millisecond))

	procs, err := startProcs(ctx, o, sim, base, hc, codes, box, log)
	if err != nil {
		return err
	}
	defer func() {
		for _, p := range procs {
			p.close()
		}
	}()
	if err := procs[0].suites.Store().Upsert(ctx, suite.Suite{ID: suiteID, Secret: suiteSecret, Token: suiteToken,
		EncodingAESKey: suiteAESKey}); err != nil {
		return err
	}
	d := &driver{o: o, sim: sim, orc: orc, procs: procs, corps: corps}
	if err := d.pushTicket(ctx); err != nil {
		return err
	}
	res, err := d.run(ctx)
	if err != nil {
		return err
	}
	res.print(o, sim, orc, time.Since(start))
	return nil
}

// codeBook is the tenant registry: corpid → permanent code.
type codeBook map[string]string

func (c codeBook) PermanentCode(_ context.Context, _, corpID string) (string, error) {
	if v, ok := c[corpID]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no tenant %s", corpID)
}
