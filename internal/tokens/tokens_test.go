package tokens_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// world is a simulator with one installed corp, our suite registry holding the simulator's
// newest ticket, and a Redis database shared by the "processes" of a test.
type world struct {
	sim      *wecomsim.Sim
	simURL   string
	suites   *suite.Service
	redisURL string
	corpID   string
	codes    codes
	// Set by newWorldWith (schedule_test.go): the test database and every installed corp.
	db      *gorm.DB
	corps   []string
	tickets int // suite_tickets saved by advance
}

type codes map[string]string

func (c codes) PermanentCode(_ context.Context, suiteID, corpID string) (string, error) {
	if v, ok := c[suiteID+"/"+corpID]; ok {
		return v, nil
	}
	return "", fmt.Errorf("no tenant %s/%s", suiteID, corpID)
}

func newWorld(t *testing.T) *world { t.Helper(); return newWorldWith(t, worldOptions{}) }

func newWorldWith(t *testing.T, o worldOptions) *world {
	t.Helper()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("success")) }))
	t.Cleanup(receiver.Close)
	cfg := wecomsim.DefaultConfig()
	cfg.Corps = nil
	cfg.Provider = wecomsim.ProviderConfig{CorpID: platformtest.ProviderCorpID, Secret: platformtest.ProviderSecret}
	cfg.Suites = []wecomsim.SuiteConfig{{SuiteID: platformtest.SuiteID, SuiteSecret: platformtest.SuiteSecret,
		Token: platformtest.SuiteToken, EncodingAESKey: platformtest.SuiteAESKey,
		InstructionURL: receiver.URL, DataURL: receiver.URL, TrustedDomains: []string{"app.example.com"}}}
	sim, err := wecomsim.New(cfg, o.simOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()
	res, err := sim.PushTicket(ctx, platformtest.SuiteID)
	if err != nil {
		t.Fatal(err)
	}
	inst, err := sim.Install(ctx, wecomsim.InstallRequest{SuiteID: platformtest.SuiteID, CorpName: "Acme", Via: "link"})
	if err != nil {
		t.Fatal(err)
	}
	more := installMore(t, sim, o.corps-1)

	db, _ := testutil.DB(t)
	box, _ := secrets.New(platformtest.MasterKey)
	redisURL := testutil.Redis(t)
	rdb := redisClient(t, redisURL)
	suites := suite.NewService(suite.NewStore(db, box), rdb, time.Minute)
	if err := suites.Store().Upsert(ctx, suite.Suite{ID: platformtest.SuiteID, Secret: platformtest.SuiteSecret,
		Token: platformtest.SuiteToken, EncodingAESKey: platformtest.SuiteAESKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := suites.SaveTicket(ctx, platformtest.SuiteID, suite.Ticket{Value: res.SuiteTicket, Time: time.Now().Unix()}); err != nil {
		t.Fatal(err)
	}
	w := &world{sim: sim, simURL: srv.URL, suites: suites, redisURL: redisURL, corpID: inst.CorpID,
		codes: codes{platformtest.SuiteID + "/" + inst.CorpID: inst.PermanentCode}, db: db, corps: []string{inst.CorpID}}
	for _, in := range more {
		w.codes[platformtest.SuiteID+"/"+in.CorpID] = in.PermanentCode
		w.corps = append(w.corps, in.CorpID)
	}
	return w
}

func redisClient(t *testing.T, url string) *redis.Client {
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// process is one platform instance: its own Redis connections and WeCom client.
func (w *world) process(t *testing.T) *tokens.Service {
	return tokens.New(tokens.Config{ProviderCorpID: platformtest.ProviderCorpID, ProviderSecret: platformtest.ProviderSecret},
		redisClient(t, w.redisURL), wecom.NewClient(w.simURL, nil), w.suites, w.codes)
}

func (w *world) calls(path string) int { return w.sim.Calls()[path].Total }

// 50 concurrent cold requests spread over 3 processes make exactly one upstream call per
// credential and all get the same value.
func TestConcurrentColdRequestsFetchOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	procs := []*tokens.Service{w.process(t), w.process(t), w.process(t)}
	kinds := []struct {
		name, path string
		get        func(*tokens.Service) (string, error)
	}{
		{"corp token", "/cgi-bin/service/get_corp_token", func(s *tokens.Service) (string, error) {
			return s.CorpToken(context.Background(), platformtest.SuiteID, w.corpID)
		}},
		{"jsapi ticket", "/cgi-bin/get_jsapi_ticket", func(s *tokens.Service) (string, error) {
			return s.JSAPITicket(context.Background(), platformtest.SuiteID, w.corpID)
		}},
		{"agent ticket", "/cgi-bin/ticket/get", func(s *tokens.Service) (string, error) {
			return s.AgentConfigTicket(context.Background(), platformtest.SuiteID, w.corpID)
		}},
		{"provider token", "/cgi-bin/service/get_provider_token", func(s *tokens.Service) (string, error) {
			return s.ProviderToken(context.Background())
		}},
	}
	for _, k := range kinds {
		var wg sync.WaitGroup
		var mu sync.Mutex
		seen := map[string]int{}
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := k.get(procs[i%3])
				if err != nil {
					t.Errorf("%s: %v", k.name, err)
					return
				}
				mu.Lock()
				seen[v]++
				mu.Unlock()
			}()
		}
		wg.Wait()
		if n := w.calls(k.path); n != 1 {
			t.Errorf("%s: %d upstream calls, want 1", k.name, n)
		}
		if len(seen) != 1 {
			t.Errorf("%s: %d distinct values handed out, want 1", k.name, len(seen))
		}
	}
	if n := w.calls("/cgi-bin/service/get_suite_token"); n != 1 {
		t.Errorf("suite token: %d upstream calls, want 1", n)
	}
}

// A token WeCom rejects is refreshed and the call succeeds once retried.
func TestRejectedTokenIsRefreshedAndRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		errcode int
		path    string
		call    func(context.Context, *tokens.Service, *wecom.Client, string) error
	}{
		{"corp 40014", 40014, "/cgi-bin/agent/get_admin_list", func(ctx context.Context, s *tokens.Service, c *wecom.Client, corp string) error {
			return s.CallCorp(ctx, platformtest.SuiteID, corp, func(tok string) error { _, err := c.GetAdminList(ctx, tok); return err })
		}},
		{"corp 42001", 42001, "/cgi-bin/agent/get_admin_list", func(ctx context.Context, s *tokens.Service, c *wecom.Client, corp string) error {
			return s.CallCorp(ctx, platformtest.SuiteID, corp, func(tok string) error { _, err := c.GetAdminList(ctx, tok); return err })
		}},
		{"suite 42009", 42009, "/cgi-bin/service/get_pre_auth_code", func(ctx context.Context, s *tokens.Service, c *wecom.Client, _ string) error {
			return s.CallSuite(ctx, platformtest.SuiteID, func(tok string) error { _, err := c.GetPreAuthCode(ctx, tok); return err })
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			s := w.process(t)
			c := wecom.NewClient(w.simURL, nil)
			ctx := context.Background()
			if _, err := w.sim.AddFault(wecomsim.Fault{Path: tt.path, ErrCode: tt.errcode, Count: 1}); err != nil {
				t.Fatal(err)
			}
			if err := tt.call(ctx, s, c, w.corpID); err != nil {
				t.Fatalf("call after one rejection: %v", err)
			}
			if n := w.calls(tt.path); n != 2 {
				t.Fatalf("%d calls to %s, want 2 (rejected, then retried)", n, tt.path)
			}
		})
	}
}

// Busy and rate-limit answers are retried with backoff inside one fetch.
func TestBusyUpstreamIsRetried(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.process(t)
	w.sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/service/get_corp_token", ErrCode: -1, Count: 1})
	w.sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/service/get_corp_token", ErrCode: 45009, Count: 1})
	if _, err := s.CorpToken(context.Background(), platformtest.SuiteID, w.corpID); err != nil {
		t.Fatal(err)
	}
	if n := w.calls("/cgi-bin/service/get_corp_token"); n != 3 {
		t.Fatalf("%d calls, want 3", n)
	}
}

// Redis loses everything: each credential is fetched again, once.
func TestRedisFlushRefetchesOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	procs := []*tokens.Service{w.process(t), w.process(t)}
	ctx := context.Background()
	get := func() {
		var wg sync.WaitGroup
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if _, err := procs[i%2].JSAPITicket(ctx, platformtest.SuiteID, w.corpID); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	get()
	redisClient(t, w.redisURL).FlushDB(ctx)
	w.sim.ResetCalls()
	get()
	for _, p := range []string{"/cgi-bin/get_jsapi_ticket", "/cgi-bin/service/get_corp_token", "/cgi-bin/service/get_suite_token"} {
		if n := w.calls(p); n != 1 {
			t.Errorf("%s: %d calls after the flush, want 1", p, n)
		}
	}
}

// A holder that dies keeps its lease; the others take over once it runs out.
func TestCrashedLockHolderLeaseExpires(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rdb := redisClient(t, w.redisURL)
	key := tokens.CorpKey(platformtest.SuiteID, w.corpID)
	// A "crashed" instance took the lock and never released it.
	rdb.Set(context.Background(), "wecom:credlock:"+key.String(), "dead-instance", 300*time.Millisecond)
	s := tokens.New(tokens.Config{ProviderCorpID: platformtest.ProviderCorpID, ProviderSecret: platformtest.ProviderSecret, Lease: time.Second},
		redisClient(t, w.redisURL), wecom.NewClient(w.simURL, nil), w.suites, w.codes)
	if _, err := s.Get(context.Background(), key); err != nil {
		t.Fatal(err)
	}
	if n := w.calls("/cgi-bin/service/get_corp_token"); n != 1 {
		t.Fatalf("%d calls, want 1", n)
	}
}

func TestPurgeAndInvalidate(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	s := w.process(t)
	ctx := context.Background()
	first, err := s.CorpToken(ctx, platformtest.SuiteID, w.corpID)
	if err != nil {
		t.Fatal(err)
	}
	// Invalidating a value that is no longer cached changes nothing.
	s.Invalidate(ctx, tokens.CorpKey(platformtest.SuiteID, w.corpID), "some-old-token")
	if again, _ := s.CorpToken(ctx, platformtest.SuiteID, w.corpID); again != first || w.calls("/cgi-bin/service/get_corp_token") != 1 {
		t.Fatal("invalidating a stale value evicted the current one")
	}
	if err := s.Purge(ctx, platformtest.SuiteID, w.corpID); err != nil {
		t.Fatal(err)
	}
	s.CorpToken(ctx, platformtest.SuiteID, w.corpID)
	if n := w.calls("/cgi-bin/service/get_corp_token"); n != 2 {
		t.Fatalf("%d calls after purge, want 2", n)
	}
}
