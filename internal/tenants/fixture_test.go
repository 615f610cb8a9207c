package tenants

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/testutil"
	"github.com/wecomisv/platform/internal/tokens"
	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
)

const (
	testSuiteID  = "wwtenantsuite00001"
	testSecret   = "tenant-suite-secret"
	testProvider = "wwtenantprovider01"
	testMaster   = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
)

// fixture is a service over a fresh database and Redis database, calling an in-process
// simulator through the real client and the real token service. Pushes from the
// simulator go to a receiver that only answers "success": these tests call the service
// directly; the end-to-end tests cover the inbox path.
type fixture struct {
	t      *testing.T
	sim    *wecomsim.Sim
	simURL string
	db     *gorm.DB
	rdb    *redis.Client
	box    *secrets.Box
	suites *suite.Service
	tokens *tokens.Service
	wc     *wecom.Client
	store  *Store
	svc    *Service
}

func newFixture(t *testing.T, opts ...func(*Options)) *fixture {
	t.Helper()
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("success")) }))
	t.Cleanup(receiver.Close)
	cfg := wecomsim.DefaultConfig()
	cfg.Corps = nil
	cfg.Provider = wecomsim.ProviderConfig{CorpID: testProvider, Secret: "provider-secret"}
	cfg.Suites = []wecomsim.SuiteConfig{{SuiteID: testSuiteID, SuiteSecret: testSecret, Name: "Tenant Test App",
		Token: "QDG6eK", EncodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
		InstructionURL: receiver.URL, DataURL: receiver.URL, TrustedDomains: []string{"app.example.com"}}}
	cfg.PushAttempts = 1
	sim, err := wecomsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	ctx := context.Background()

	db, _ := testutil.DB(t)
	ropt, err := redis.ParseURL(testutil.Redis(t))
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(ropt)
	t.Cleanup(func() { rdb.Close() })
	box, err := secrets.New(testMaster)
	if err != nil {
		t.Fatal(err)
	}
	suites := suite.NewService(suite.NewStore(db, box), rdb, 0)
	if err := suites.Store().Upsert(ctx, suite.Suite{ID: testSuiteID, Secret: testSecret, Token: "QDG6eK",
		EncodingAESKey: "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}); err != nil {
		t.Fatal(err)
	}
	tr, err := sim.PushTicket(ctx, testSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := suites.SaveTicket(ctx, testSuiteID, suite.Ticket{Value: tr.SuiteTicket, Time: tr.PushedAt.Unix()}); err != nil {
		t.Fatal(err)
	}
	wc := wecom.NewClient(srv.URL, nil)
	store := NewStore(db, box)
	tok := tokens.New(tokens.Config{ProviderCorpID: testProvider, ProviderSecret: "provider-secret"}, rdb, wc, suites, store)
	o := Options{PublicBaseURL: "http://api.example", InstallBase: srv.URL}
	for _, f := range opts {
		f(&o)
	}
	queue := asynq.NewClientFromRedisClient(rdb)
	svc := NewService(store, tok, wc, suites, rdb, queue, o)
	return &fixture{t: t, sim: sim, simURL: srv.URL, db: db, rdb: rdb, box: box, suites: suites, tokens: tok, wc: wc, store: store, svc: svc}
}

// linkInstall has a new corp approve the suite on the install page; no create_auth is
// pushed, so the auth code is the test's to deliver.
func (f *fixture) linkInstall(corpID string) wecomsim.InstallResult {
	f.t.Helper()
	res, err := f.sim.Install(context.Background(), wecomsim.InstallRequest{SuiteID: testSuiteID, Via: wecomsim.ViaLink,
		CorpID: corpID, State: "st8"})
	if err != nil {
		f.t.Fatal(err)
	}
	return res
}

func (f *fixture) calls(path string) int { return f.sim.Calls()[path].Total }

func (f *fixture) install(code string) Tenant {
	f.t.Helper()
	t, err := f.svc.Install(context.Background(), testSuiteID, code, Source{Name: "test"})
	if err != nil {
		f.t.Fatalf("install: %v", err)
	}
	return t
}

func (f *fixture) history(corpID string) []string {
	f.t.Helper()
	h, err := f.store.History(context.Background(), testSuiteID, corpID, 100)
	if err != nil {
		f.t.Fatal(err)
	}
	kinds := make([]string, len(h))
	for i, e := range h {
		kinds[len(h)-1-i] = e.Kind
	}
	return kinds
}

func (f *fixture) claimStatus(code string) string {
	f.t.Helper()
	c, err := f.store.getClaim(context.Background(), codeHash(testSuiteID, code))
	if err != nil {
		f.t.Fatal(err)
	}
	return c.Status
}

const (
	pathV2Code    = "/cgi-bin/service/v2/get_permanent_code"
	pathV1Code    = "/cgi-bin/service/get_permanent_code"
	pathAuthV2    = "/cgi-bin/service/v2/get_auth_info"
	pathAdmin     = "/cgi-bin/agent/get_admin_list"
	pathAdminOld  = "/cgi-bin/service/get_admin_list"
	pathCorpToken = "/cgi-bin/service/get_corp_token"
)

func errSkipRetry() error { return asynq.SkipRetry }
