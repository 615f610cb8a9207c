package tokens_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
)

const corpTokenPath = "/cgi-bin/service/get_corp_token"

type worldOptions struct {
	fakeClock bool // the simulator clock stands still but for Sim.Advance; the platform reads it too
	corps     int  // installed corps (at least 1)
}

func (o worldOptions) simOptions() []wecomsim.Option {
	if o.fakeClock {
		return []wecomsim.Option{wecomsim.WithClock(wecomsim.FixedClock(time.Now()))}
	}
	return nil
}

func installMore(t *testing.T, sim *wecomsim.Sim, n int) []wecomsim.InstallResult {
	var out []wecomsim.InstallResult
	for i := range n {
		in, err := sim.Install(context.Background(), wecomsim.InstallRequest{SuiteID: platformtest.SuiteID,
			CorpName: fmt.Sprintf("Corp %d", i), Via: "link"})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, in)
	}
	return out
}

// registry is the tenant registry as the token service and the internal API see it.
type registry struct {
	mu        sync.Mutex
	codes     codes
	cancelled map[string]bool
}

func (w *world) registry() *registry { return &registry{codes: w.codes, cancelled: map[string]bool{}} }

func (r *registry) PermanentCode(ctx context.Context, suiteID, corpID string) (string, error) {
	st, err := r.TenantStatus(ctx, suiteID, corpID)
	if err != nil {
		return "", err
	}
	if st != "active" {
		return "", fmt.Errorf("tenant %s: %w", corpID, tokens.ErrTenantInactive)
	}
	return r.codes[suiteID+"/"+corpID], nil
}

func (r *registry) TenantStatus(_ context.Context, suiteID, corpID string) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.codes[suiteID+"/"+corpID]; !ok {
		return "", tokens.ErrTenantNotFound
	}
	if r.cancelled[corpID] {
		return "cancelled", nil
	}
	return "active", nil
}

func (r *registry) cancel(corpID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cancelled[corpID] = true
}

// node is one platform "process" of a test: its token service (on the simulator clock,
// keeping the credentials table), its sweep, and its asynq worker.
type node struct {
	svc   *tokens.Service
	sched *tokens.Scheduler
}

func (w *world) node(t *testing.T, redisURL string, codes tokens.PermanentCodes) node {
	t.Helper()
	rdb := redisClient(t, redisURL)
	svc := tokens.New(tokens.Config{ProviderCorpID: platformtest.ProviderCorpID, ProviderSecret: platformtest.ProviderSecret,
		Now: w.sim.Now, Store: tokens.NewStore(w.db)}, rdb, wecom.NewClient(w.simURL, nil), w.suites, codes)
	queue := asynq.NewClientFromRedisClient(rdb)
	sched := tokens.NewScheduler(svc, queue, testLog(t))
	sched.Lookahead = 0 // the simulator clock is not the real one asynq schedules by
	mux := asynq.NewServeMux()
	mux.HandleFunc(tokens.TypeRefresh, svc.ProcessRefresh)
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{Concurrency: 8, Queues: map[string]int{tokens.Queue: 1},
		TaskCheckInterval: 5 * time.Millisecond, LogLevel: asynq.FatalLevel})
	if err := srv.Start(mux); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	return node{svc: svc, sched: sched}
}

// sweep runs every node's sweep at once and waits until their refreshes have run.
func sweep(t *testing.T, redisURL string, nodes ...node) int {
	t.Helper()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		total int
	)
	for _, n := range nodes {
		wg.Go(func() {
			c, err := n.sched.Sweep(context.Background())
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			total += c
			mu.Unlock()
		})
	}
	wg.Wait()
	opt, _ := redis.ParseURL(redisURL)
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: opt.Addr, DB: opt.DB})
	defer insp.Close()
	platformtest.Eventually(t, "refresh tasks done", func() bool {
		q, err := insp.GetQueueInfo(tokens.Queue)
		return err != nil || q.Pending+q.Active+q.Scheduled+q.Retry == 0
	})
	return total
}

// advance moves the shared clock, and hands the platform the suite_ticket WeCom pushes
// meanwhile (the callback path is not under test here).
func (w *world) advance(t *testing.T, d time.Duration) {
	t.Helper()
	w.sim.Advance(d)
	res, err := w.sim.PushTicket(context.Background(), platformtest.SuiteID)
	if err != nil {
		t.Fatal(err)
	}
	// Newest wins by TimeStamp, which must not run ahead of the real clock: count up from
	// the first ticket's real-time stamp rather than use the simulator's.
	w.tickets++
	if _, err := w.suites.SaveTicket(context.Background(), platformtest.SuiteID,
		suite.Ticket{Value: res.SuiteTicket, Time: time.Now().Unix() + int64(w.tickets)}); err != nil {
		t.Fatal(err)
	}
}

// accepted asks the simulator whether it takes the corp token right now.
func (w *world) accepted(token string) bool {
	_, err := wecom.NewClient(w.simURL, nil).GetAdminList(context.Background(), token)
	return err == nil
}

func (w *world) callsFor(path, cred string) int { return w.sim.Calls()[path].ByCredential[cred] }

func statusOf(t *testing.T, s *tokens.Service, corpID string, kind tokens.Kind) (tokens.Status, bool) {
	t.Helper()
	list, err := s.Status(context.Background(), platformtest.SuiteID, corpID)
	if err != nil {
		t.Fatal(err)
	}
	for _, st := range list {
		if st.Kind == kind {
			return st, true
		}
	}
	return tokens.Status{}, false
}

// The sweep refreshes every due credential once, just after it expires, across two
// workers; a purged tenant and a cancelled one are not refreshed.
func TestSchedulerRefreshesDueAndSkipsCancelled(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true, corps: 3})
	reg := w.registry()
	nodes := []node{w.node(t, w.redisURL, reg), w.node(t, w.redisURL, reg)}
	ctx := context.Background()
	ok, purged, cancelled := w.corps[0], w.corps[1], w.corps[2]
	first := map[string]string{}
	for _, corp := range w.corps {
		tok, err := nodes[0].svc.CorpToken(ctx, platformtest.SuiteID, corp)
		if err != nil {
			t.Fatal(err)
		}
		first[corp] = tok
		if _, err := nodes[0].svc.JSAPITicket(ctx, platformtest.SuiteID, corp); err != nil {
			t.Fatal(err)
		}
	}
	st, found := statusOf(t, nodes[0].svc, ok, tokens.Corp)
	if !found || st.LastResult != "ok" || st.ExpiresAt == nil || st.NextRefreshAt == nil {
		t.Fatalf("corp credential row after the first fetch: %+v", st)
	}
	if lead := st.NextRefreshAt.Sub(*st.ExpiresAt); lead < 2*time.Second || lead > 7*time.Second {
		t.Errorf("next refresh %v after expiry, want within [2s, 7s]: WeCom returns the same token until it expires", lead)
	}
	reg.cancel(purged)
	if err := nodes[1].svc.Purge(ctx, platformtest.SuiteID, purged); err != nil {
		t.Fatal(err)
	}
	if list, _ := nodes[0].svc.Status(ctx, platformtest.SuiteID, purged); len(list) != 0 {
		t.Fatalf("purge left %d credential rows", len(list))
	}
	reg.cancel(cancelled) // cancelled, but its purge never happened

	if n := sweep(t, w.redisURL, nodes...); n != 0 {
		t.Fatalf("%d refreshes enqueued before anything expired", n)
	}
	w.advance(t, 7200*time.Second+10*time.Second)
	if n := sweep(t, w.redisURL, nodes...); n < 5 {
		t.Fatalf("%d refreshes enqueued, want the suite token and 2 credentials of each remaining tenant", n)
	}
	for corp, want := range map[string]int{ok: 2, purged: 1, cancelled: 1} {
		if got := w.callsFor(corpTokenPath, corp); got != want {
			t.Errorf("corp %s: %d get_corp_token calls, want %d", corp, got, want)
		}
	}
	if got := w.callsFor("/cgi-bin/get_jsapi_ticket", ok); got != 2 {
		t.Errorf("%d jsapi_ticket calls, want 2", got)
	}
	// Its corp token fails once for its own task and maybe once more under the jsapi task.
	if st, _ := statusOf(t, nodes[0].svc, cancelled, tokens.Corp); st.NextRefreshAt != nil ||
		st.LastResult != "tenant_inactive" || st.ConsecutiveFailures < 1 || st.FailuresTotal != int64(st.ConsecutiveFailures) {
		t.Errorf("cancelled tenant's corp credential: %+v, want unscheduled after its inactive failure", st)
	}
	// The refreshed token is served from the cache, with no further call.
	before := w.calls(corpTokenPath)
	tok, err := nodes[1].svc.CorpToken(ctx, platformtest.SuiteID, ok)
	if err != nil || tok == first[ok] || !w.accepted(tok) || w.calls(corpTokenPath) != before {
		t.Fatalf("after the scheduled refresh: new=%v accepted=%v calls %d→%d err=%v",
			tok != first[ok], w.accepted(tok), before, w.calls(corpTokenPath), err)
	}
	if n := sweep(t, w.redisURL, nodes...); n != 0 {
		t.Errorf("%d refreshes enqueued again; the cancelled tenant must stay unscheduled", n)
	}
}

// Failed refreshes are counted per credential, retried after a backoff, and cleared by
// the next success.
func TestRefreshFailuresAreCounted(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true})
	n := w.node(t, w.redisURL, w.registry())
	ctx := context.Background()
	w.sim.AddFault(wecomsim.Fault{Path: corpTokenPath, ErrCode: wecom.CodeRateLimited, Count: 3})
	if _, err := n.svc.CorpToken(ctx, platformtest.SuiteID, w.corpID); !wecom.HasCode(err, wecom.CodeRateLimited) {
		t.Fatalf("err = %v, want 45009 after three tries", err)
	}
	st, _ := statusOf(t, n.svc, w.corpID, tokens.Corp)
	if st.LastResult != "errcode_45009" || st.ConsecutiveFailures != 1 || st.FailuresTotal != 1 || st.NextRefreshAt == nil ||
		(st.NextRefreshAt.Sub(w.sim.Now())-10*time.Second).Abs() > time.Millisecond || st.LastError == "" {
		t.Fatalf("after a failed fetch: %+v", st)
	}
	if byKind, err := n.svc.FailingByKind(ctx); err != nil || byKind[tokens.Corp] != 1 || len(byKind) != 1 {
		t.Fatalf("failing by kind: %v %v, want one corp credential", byKind, err)
	}
	w.advance(t, 11*time.Second)
	if sweep(t, w.redisURL, n) != 1 {
		t.Fatal("the failed credential was not retried by the sweep")
	}
	st, _ = statusOf(t, n.svc, w.corpID, tokens.Corp)
	if st.LastResult != "ok" || st.ConsecutiveFailures != 0 || st.FailuresTotal != 1 || st.LastError != "" {
		t.Fatalf("after the retry succeeded: %+v", st)
	}
	if byKind, err := n.svc.FailingByKind(ctx); err != nil || len(byKind) != 0 {
		t.Fatalf("failing by kind after recovery: %v %v", byKind, err)
	}
}

// With WeCom busy (-1) or rate-limiting (45009) a fifth of the time, each failure taking
// 2 s, three token lifetimes pass and no request is ever handed an expired token.
func TestFlakyUpstreamEveryTokenFresh(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true, corps: 4})
	reg := w.registry()
	nodes := []node{w.node(t, w.redisURL, reg), w.node(t, w.redisURL, reg)}
	tenth, ninth := 0.1, 0.111 // the second fault sees what the first let through: ~20% in all
	for _, p := range []string{corpTokenPath, "/cgi-bin/service/get_suite_token"} {
		w.sim.AddFault(wecomsim.Fault{Path: p, ErrCode: wecom.CodeBusy, Rate: &tenth, LatencyMS: 2000})
		w.sim.AddFault(wecomsim.Fault{Path: p, ErrCode: wecom.CodeRateLimited, Rate: &ninth, LatencyMS: 2000})
	}
	ctx := context.Background()
	var handedOut, expired, failed int
	ask := func() {
		for _, corp := range w.corps {
			tok, err := nodes[rand.N(len(nodes))].svc.CorpToken(ctx, platformtest.SuiteID, corp)
			if err != nil {
				failed++ // every try of a fetch failed; the caller gets an error, never a stale token
				continue
			}
			handedOut++
			if !w.accepted(tok) {
				expired++
			}
		}
	}
	ask()
	// Steps of 7 minutes never land within seconds of an expiry, where a request would
	// wait for the simulator clock (which only this loop moves).
	for elapsed := time.Duration(0); elapsed < 3*7200*time.Second; elapsed += 7 * time.Minute {
		w.advance(t, 7*time.Minute)
		sweep(t, w.redisURL, nodes...)
		ask()
	}
	if expired != 0 {
		t.Fatalf("%d of %d tokens handed out were already rejected by WeCom", expired, handedOut)
	}
	if failed > 2 {
		t.Errorf("%d requests failed; retries should absorb a 20%% failure rate", failed)
	}
	faults := 0
	for _, f := range w.sim.Faults() {
		faults += f.Fired
	}
	t.Logf("%d tokens handed out, %d requests failed, %d upstream faults fired, %d get_corp_token calls",
		handedOut, failed, faults, w.calls(corpTokenPath))
}

// Redis restarts empty: the credentials table still knows what to refresh, the sweep
// refreshes each credential once, and requests then find them cached.
func TestRedisRestartRefreshedOnceFromTable(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true})
	srv := testutil.StartRedisServer(t)
	reg := w.registry()
	nodes := []node{w.node(t, srv.URL(), reg), w.node(t, srv.URL(), reg)}
	ctx := context.Background()
	if _, err := nodes[0].svc.JSAPITicket(ctx, platformtest.SuiteID, w.corpID); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	srv.Start()
	w.advance(t, 7200*time.Second+10*time.Second)
	w.sim.ResetCalls()
	if n := sweep(t, srv.URL(), nodes...); n != 3 {
		t.Fatalf("%d refreshes enqueued after the restart, want 3 (suite, corp, jsapi)", n)
	}
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if _, err := nodes[i%2].svc.JSAPITicket(ctx, platformtest.SuiteID, w.corpID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	for _, p := range []string{"/cgi-bin/get_jsapi_ticket", corpTokenPath, "/cgi-bin/service/get_suite_token"} {
		if n := w.calls(p); n != 1 {
			t.Errorf("%s: %d calls after the restart, want 1", p, n)
		}
	}
}

func TestInactiveErrors(t *testing.T) {
	t.Parallel()
	gone := errors.New("registry: cancelled")
	w := newWorldWith(t, worldOptions{})
	s := tokens.New(tokens.Config{Inactive: []error{gone}, Store: tokens.NewStore(w.db)}, redisClient(t, w.redisURL),
		wecom.NewClient(w.simURL, nil), w.suites, failingCodes{fmt.Errorf("wrapped: %w", gone)})
	if _, err := s.CorpToken(context.Background(), platformtest.SuiteID, w.corpID); !errors.Is(err, gone) {
		t.Fatalf("err = %v", err)
	}
	if list, _ := s.Status(context.Background(), platformtest.SuiteID, w.corpID); len(list) != 0 {
		t.Fatalf("an inactive tenant's first failure made %d rows, want none", len(list))
	}
}

type failingCodes struct{ err error }

func (f failingCodes) PermanentCode(context.Context, string, string) (string, error) {
	return "", f.err
}

func testLog(*testing.T) *slog.Logger { return slog.New(slog.DiscardHandler) }

// A refresh task that asynq archived (the worker running it died; MaxRetry(0) archives on
// lease expiry) must not keep its credential from ever being scheduled again.
func TestArchivedRefreshTaskDoesNotBlockSchedule(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true})
	n := w.node(t, w.redisURL, w.registry())
	if _, err := n.svc.CorpToken(context.Background(), platformtest.SuiteID, w.corpID); err != nil {
		t.Fatal(err)
	}
	opt, _ := redis.ParseURL(w.redisURL)
	insp := asynq.NewInspector(asynq.RedisClientOpt{Addr: opt.Addr, DB: opt.DB})
	defer insp.Close()
	task, opts := tokens.NewRefreshTask(tokens.CorpKey(platformtest.SuiteID, w.corpID))
	info, err := asynq.NewClientFromRedisClient(redisClient(t, w.redisURL)).Enqueue(task, append(opts, asynq.ProcessIn(time.Hour))...)
	if err != nil {
		t.Fatal(err)
	}
	if err := insp.ArchiveTask(tokens.Queue, info.ID); err != nil {
		t.Fatal(err)
	}
	n.sched.Inspector = insp
	w.advance(t, 7200*time.Second+10*time.Second)
	sweep(t, w.redisURL, n)
	if got := w.callsFor(corpTokenPath, w.corpID); got != 2 {
		t.Fatalf("%d get_corp_token calls, want 2: the archived task swallowed the scheduled refresh", got)
	}
}

// A long WeCom errmsg in Chinese is cut to fit last_error without splitting a character;
// otherwise PostgreSQL refuses the write and the failure is neither counted nor scheduled.
func TestLongMultibyteErrorIsRecorded(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{fakeClock: true})
	n := w.node(t, w.redisURL, w.registry())
	ctx := context.Background()
	w.sim.AddFault(wecomsim.Fault{Path: corpTokenPath, ErrCode: wecom.CodeRateLimited, ErrMsg: "MARK", Count: 3})
	n.svc.CorpToken(ctx, platformtest.SuiteID, w.corpID)
	st, _ := statusOf(t, n.svc, w.corpID, tokens.Corp)
	prefix := strings.Index(st.LastError, "MARK")
	if prefix < 0 || prefix >= 498 {
		t.Fatalf("last_error %q", st.LastError)
	}
	// The 500th byte falls inside the first Chinese character.
	msg := strings.Repeat("x", 498-prefix) + strings.Repeat("企业微信", 20)
	w.sim.AddFault(wecomsim.Fault{Path: corpTokenPath, ErrCode: wecom.CodeRateLimited, ErrMsg: msg, Count: 3})
	n.svc.CorpToken(ctx, platformtest.SuiteID, w.corpID)
	st, _ = statusOf(t, n.svc, w.corpID, tokens.Corp)
	if st.FailuresTotal != 2 || !strings.Contains(st.LastError, "xxx") {
		t.Fatalf("after a failure with a long Chinese errmsg: %+v", st)
	}
}
