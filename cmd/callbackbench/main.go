// Command callbackbench pushes signed suite_ticket callbacks at a fixed rate and concurrency
// against a running api, and prints throughput and acknowledgement latency. `make bench`
// runs it against api + worker on local PostgreSQL and Redis.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/wecom"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "api base URL")
	suiteID := flag.String("suite", "", "suite id")
	token := flag.String("token", "", "suite callback token")
	aesKey := flag.String("aes-key", "", "suite EncodingAESKey")
	rate := flag.Int("rate", 1000, "pushes per second (0 = as fast as possible)")
	conc := flag.Int("concurrency", 16, "concurrent connections")
	dur := flag.Duration("duration", 10*time.Second, "how long to push")
	warmup := flag.Duration("warmup", 2*time.Second, "pushes during this first part are not measured")
	flag.Parse()
	c, err := wecom.NewCrypto(*token, *aesKey)
	if err != nil {
		fmt.Fprintln(os.Stderr, "callbackbench:", err)
		os.Exit(2)
	}
	if err := run(*base+"/callback/"+*suiteID+"/instruction", *suiteID, c, *rate, *conc, *warmup, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "callbackbench:", err)
		os.Exit(1)
	}
}

func run(url, suiteID string, c *wecom.Crypto, rate, conc int, warmup, dur time.Duration) error {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: conc}}
	ctx, cancel := context.WithTimeout(context.Background(), warmup+dur)
	defer cancel()
	jobs := make(chan time.Time, conc)
	go pace(ctx, jobs, rate)

	var (
		mu        sync.Mutex
		latencies []time.Duration
		failures  atomic.Int64
		seq       atomic.Int64
		wg        sync.WaitGroup
	)
	measureFrom := time.Now().Add(warmup)
	for range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for due := range jobs {
				n := seq.Add(1)
				plain := testutil.SuiteTicketXML(suiteID, fmt.Sprintf("bench-ticket-%d", n), time.Now().Unix())
				q, body := testutil.SignedCallback(c, suiteID, suiteID, plain)
				// Latency counts from when the push was due, so a backlog shows up in it.
				ok := push(client, url+"?"+q, body)
				lat := time.Since(due)
				if !ok {
					failures.Add(1)
				}
				if due.After(measureFrom) {
					mu.Lock()
					latencies = append(latencies, lat)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	if len(latencies) == 0 {
		return fmt.Errorf("no measured pushes")
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	fmt.Printf("pushes: %d measured over %s (target %d/s, concurrency %d), failures: %d\n",
		len(latencies), dur, rate, conc, failures.Load())
	fmt.Printf("throughput: %.0f pushes/s\n", float64(len(latencies))/dur.Seconds())
	fmt.Printf("ack latency: p50 %s  p90 %s  p99 %s  max %s\n",
		pct(0.50).Round(10*time.Microsecond), pct(0.90).Round(10*time.Microsecond),
		pct(0.99).Round(10*time.Microsecond), latencies[len(latencies)-1].Round(10*time.Microsecond))
	if failures.Load() > 0 {
		return fmt.Errorf("%d pushes were not answered 200 success", failures.Load())
	}
	return nil
}

// pace emits one due time per push at the target rate (or as fast as workers take them).
func pace(ctx context.Context, jobs chan<- time.Time, rate int) {
	defer close(jobs)
	start := time.Now()
	for i := 0; ; i++ {
		due := time.Now()
		if rate > 0 {
			due = start.Add(time.Duration(i) * time.Second / time.Duration(rate))
			if d := time.Until(due); d > 0 {
				select {
				case <-ctx.Done():
					return
				case <-time.After(d):
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case jobs <- due:
		}
	}
}

func push(client *http.Client, url string, body []byte) bool {
	resp, err := client.Post(url, "text/xml", bytes.NewReader(body))
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == 200 && string(b) == "success"
}
