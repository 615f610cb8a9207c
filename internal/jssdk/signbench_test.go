package jssdk_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// `make bench` (scripts/bench-signature.sh) runs this with -signbench.duration set; plain
// `go test` skips it.
var (
	benchDuration    = flag.Duration("signbench.duration", 0, "measure signature throughput this long per server (0 skips)")
	benchConcurrency = flag.Int("signbench.concurrency", 32, "concurrent requests")
)

// TestSignatureThroughput compares POST /api/v1/jssdk/signature on the real api handler
// (real PostgreSQL and Redis, one installed tenant, a valid session, warm ticket cache)
// with a bare gin handler answering a fixed JSON, on this machine in this run, driven by
// the same concurrent HTTP client.
func TestSignatureThroughput(t *testing.T) {
	if *benchDuration <= 0 {
		t.Skip("set -signbench.duration to run the signature throughput benchmark")
	}
	w := start(t)
	tn := w.install()
	token := w.session(tn.CorpID, "lisi")
	body := `{"url":"` + w.API.URL + `/app/?from=bench"}`
	if st, _, e := w.sign(token, body); st != http.StatusOK { // warms the ticket cache
		t.Fatalf("warm-up: %d %v", st, e)
	}
	fixed := []byte(`{"config":{"appId":"wwbench","timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed"},` +
		`"agentConfig":{"corpid":"wwbench","agentid":1000002,"timestamp":1414587457,"nonceStr":"Wm3WZYTPz0wzccnW","signature":"0f9de62fce790f9a083d5c99e95740ceb90c27ed"}}`)
	gin.SetMode(gin.ReleaseMode)
	bare := gin.New()
	bare.POST("/api/v1/jssdk/signature", func(c *gin.Context) { c.Data(http.StatusOK, "application/json; charset=utf-8", fixed) })
	bareSrv := httptest.NewServer(bare)
	defer bareSrv.Close()

	conc := *benchConcurrency
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConns: conc, MaxIdleConnsPerHost: conc}}
	bareURL, apiURL := bareSrv.URL+"/api/v1/jssdk/signature", w.API.URL+"/api/v1/jssdk/signature"
	drive(client, bareURL, token, body, conc, time.Second) // warm-up: connections, caches
	drive(client, apiURL, token, body, conc, time.Second)
	// Alternate one-second rounds, so a change in the machine's load during the run
	// weighs on both servers alike.
	var bareOK, bareFailed, apiOK, apiFailed int64
	rounds := max(1, int(benchDuration.Seconds()))
	for range rounds {
		ok, failed := drive(client, bareURL, token, body, conc, time.Second)
		bareOK, bareFailed = bareOK+ok, bareFailed+failed
		ok, failed = drive(client, apiURL, token, body, conc, time.Second)
		apiOK, apiFailed = apiOK+ok, apiFailed+failed
	}
	bareRPS, apiRPS := float64(bareOK)/float64(rounds), float64(apiOK)/float64(rounds)
	if bareFailed+apiFailed > 0 {
		t.Errorf("failed requests: bare %d, api %d", bareFailed, apiFailed)
	}
	ratio := apiRPS / bareRPS
	fmt.Printf("signature bench: concurrency %d, %d alternating 1 s rounds per server\n", conc, rounds)
	fmt.Printf("  bare gin (fixed JSON):        %9.0f req/s\n", bareRPS)
	fmt.Printf("  POST /api/v1/jssdk/signature: %9.0f req/s (JWT + revocation check + tenant gate + signing, warm cache)\n", apiRPS)
	fmt.Printf("  ratio: %.2f (goal >= 0.40)\n", ratio)
	if ratio < 0.4 {
		t.Logf("ratio %.2f is below the 0.40 goal", ratio)
	}
}

// drive sends POSTs from conc goroutines for d and counts 200s and everything else.
func drive(client *http.Client, url, token, body string, conc int, d time.Duration) (ok, failed int64) {
	var okN, failN atomic.Int64
	deadline := time.Now().Add(d)
	ctx, cancel := context.WithDeadline(context.Background(), deadline.Add(5*time.Second))
	defer cancel()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					failN.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					okN.Add(1)
				} else {
					failN.Add(1)
				}
			}
		})
	}
	wg.Wait()
	return okN.Load(), failN.Load()
}
