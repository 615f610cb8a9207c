package platformtest

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// E2E is the whole platform on one test process: the WeCom simulator, the api and a
// worker, on a fresh PostgreSQL database and a leased Redis database. The simulator's suite
// is the test suite, with its callback URLs pointed at the api.
type E2E struct {
	*Env
	Sim    *wecomsim.Sim
	SimURL string
}

// SimOption adjusts the simulator configuration before start.
type SimOption func(*wecomsim.Config)

// StartE2E starts simulator, api and worker and waits for the simulator's first pushes
// (URL verification and a suite_ticket) to have been answered.
func StartE2E(t testing.TB, simOpts ...SimOption) *E2E {
	t.Helper()
	simSrv := httptest.NewUnstartedServer(nil)
	simURL := "http://" + simSrv.Listener.Addr().String()
	apiSrv := httptest.NewUnstartedServer(nil)
	apiURL := "http://" + apiSrv.Listener.Addr().String()

	scfg := wecomsim.DefaultConfig()
	scfg.Addr = simSrv.Listener.Addr().String()
	scfg.PublicURL = simURL
	scfg.Provider = wecomsim.ProviderConfig{CorpID: ProviderCorpID, Secret: ProviderSecret}
	scfg.Suites = []wecomsim.SuiteConfig{{
		SuiteID: SuiteID, SuiteSecret: SuiteSecret, Token: SuiteToken, EncodingAESKey: SuiteAESKey,
		InstructionURL: apiURL + "/callback/" + SuiteID + "/instruction",
		DataURL:        apiURL + "/callback/" + SuiteID + "/data",
		TrustedDomains: []string{apiSrv.Listener.Addr().String(), "app.example.com"},
	}}
	scfg.Corps = nil
	scfg.PushTimeoutMS, scfg.PushRetryDelayMS = 2000, 50
	for _, o := range simOpts {
		o(&scfg)
	}
	sim, err := wecomsim.New(scfg)
	if err != nil {
		t.Fatal(err)
	}
	simSrv.Config.Handler = sim.Handler()
	simSrv.Start()

	env := start(t, apiSrv, func(c *config.Config) {
		c.WeComAPIBase = simURL
		c.InstallBase = simURL
		c.OAuthBase, c.LoginBase = simURL, simURL
		c.PublicBaseURL = apiURL
		c.Suites[0].TrustedDomains = scfg.Suites[0].TrustedDomains
	})
	env.StartWorker(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := sim.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); sim.Close(); simSrv.Close() })
	// Nearly every flow needs a suite token, which needs the first ticket stored.
	Eventually(t, "first suite_ticket stored", func() bool {
		_, err := env.Deps.Suites.Ticket(context.Background(), SuiteID)
		return err == nil
	})
	return &E2E{Env: env, Sim: sim, SimURL: simURL}
}

// InstallTenant makes a new corp install the test suite from the marketplace and waits
// until its tenant is active with an agentid and an admin list.
func (e *E2E) InstallTenant(t testing.TB) tenants.Tenant {
	t.Helper()
	ctx := context.Background()
	res, err := e.Sim.Install(ctx, wecomsim.InstallRequest{SuiteID: SuiteID, Via: wecomsim.ViaMarket})
	if err != nil || res.Delivery == nil || !res.Delivery.OK {
		t.Fatalf("install: %v %+v", err, res.Delivery)
	}
	var tn tenants.Tenant
	Eventually(t, "tenant "+res.CorpID+" active with admins", func() bool {
		tn, err = e.Deps.Tenants.Store().Get(ctx, SuiteID, res.CorpID)
		if err != nil || !tn.Active() || tn.Agent.AgentID == 0 {
			return false
		}
		admins, err := e.Deps.Tenants.Store().Admins(ctx, SuiteID, res.CorpID)
		return err == nil && len(admins) > 0
	})
	return tn
}

// Push has the simulator change corpID and push the event to the test suite, failing the
// test unless the platform acknowledged every delivery.
func (e *E2E) Push(t testing.TB, corpID string, req wecomsim.EventRequest) wecomsim.EventResult {
	t.Helper()
	req.SuiteID = SuiteID
	res, err := e.Sim.PushEvent(context.Background(), corpID, req)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Results {
		if !p.Delivery.OK {
			t.Fatalf("%s not accepted: %+v", req.Type, p.Delivery)
		}
	}
	return res
}
