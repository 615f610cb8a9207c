package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/wecomisv/platform/internal/wecomsim"
)

// oracle sits in front of the simulator and learns, from the get_corp_token answers,
// when each corp token really expires (a freshly minted token's expires_in is the full
// TTL, measured from the simulator clock while the clock cannot move). It also holds
// the clock lock: the driver advances the simulator only between such answers.
type oracle struct {
	sim   *wecomsim.Sim
	next  http.Handler
	ttl   time.Duration
	clock sync.RWMutex

	mu      sync.Mutex
	expiry  map[string]time.Time // token → when the simulator stops accepting it
	tokens  map[string]int       // corpid → distinct tokens issued
	unknown int                  // repeat answers for a token first seen as a repeat (should be 0)
}

func newOracle(sim *wecomsim.Sim, ttl time.Duration) *oracle {
	return &oracle{sim: sim, next: sim.Handler(), ttl: ttl, expiry: map[string]time.Time{}, tokens: map[string]int{}}
}

func (o *oracle) advance(d time.Duration) {
	o.clock.Lock()
	defer o.clock.Unlock()
	o.sim.Advance(d)
}

// ServeHTTP serves the simulator, recording get_corp_token answers.
func (o *oracle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/cgi-bin/service/get_corp_token" {
		o.next.ServeHTTP(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	var corp struct {
		AuthCorpID string `json:"auth_corpid"`
	}
	json.Unmarshal(body, &corp)
	rec := httptest.NewRecorder()
	o.clock.RLock()
	now := o.sim.Now()
	o.next.ServeHTTP(rec, r)
	o.clock.RUnlock()
	var ans struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if json.Unmarshal(rec.Body.Bytes(), &ans) == nil && ans.AccessToken != "" {
		o.mu.Lock()
		if _, seen := o.expiry[ans.AccessToken]; !seen {
			if time.Duration(ans.ExpiresIn)*time.Second == o.ttl {
				o.expiry[ans.AccessToken] = now.Add(o.ttl)
			} else {
				o.unknown++
				o.expiry[ans.AccessToken] = now.Add(time.Duration(ans.ExpiresIn+1) * time.Second)
			}
			o.tokens[corp.AuthCorpID]++
		}
		o.mu.Unlock()
	}
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

// expiryOf returns when the simulator stops accepting token (ok is false for a token it
// never issued).
func (o *oracle) expiryOf(token string) (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	exp, ok := o.expiry[token]
	return exp, ok
}

func (o *oracle) distinctTokens() (total int, unknown int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, n := range o.tokens {
		total += n
	}
	return total, o.unknown
}

// memTransport hands requests to a handler in-process: no sockets, so the machine's two
// cores go to the platform rather than to loopback HTTP.
type memTransport struct{ h http.Handler }

func (m memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	m.h.ServeHTTP(rec, r)
	return rec.Result(), nil
}
