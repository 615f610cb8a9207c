package tenants_test

import (
	"context"
	"net/http"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"testing"

	"github.com/wecomisv/platform/internal/callback"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim"
)

func TestE2EMarketplaceAndDuplicateCreateAuth(t *testing.T) {
	t.Parallel()
	w := start(t)
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket, State: "mkt1"})
	got := w.waitInstalled(res.CorpID)
	if got.InstallState != "mkt1" || got.Agent.AgentID != res.AgentID || got.Corp.Name != res.CorpName {
		t.Errorf("tenant %+v", got)
	}
	// The same auth code delivered again in other create_auth pushes, at once, to two
	// worker processes: nothing changes.
	w.StartThisWorker(t, platformtest.NewWorkerUnstarted(w.Env))
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			w.push(res.CorpID, wecomsim.EventRequest{Type: "create_auth",
				Fields: map[string]any{"AuthCode": res.AuthCode, "State": "mkt1", "Seq": i}})
		})
	}
	wg.Wait()
	platformtest.Eventually(t, "duplicate create_auth processed", func() bool {
		p, _, _ := w.Deps.Inbox.Counts(context.Background())
		return p == 0
	})
	if n := w.exchanges(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
	if h := w.history(res.CorpID); count(h, tenants.KindInstall) != 1 {
		t.Errorf("history = %v", h)
	}
	// Metrics: the tenant gauge and the install histogram.
	_, body := get(t, w.API.URL+"/metrics")
	if !contains(body, `wecom_tenants{status="active"} 1`) || !contains(body, `wecom_install_duration_seconds_count{source="create_auth"}`) {
		t.Errorf("metrics lack the tenant gauge or install histogram")
	}
}

func TestE2ELinkInstall(t *testing.T) {
	t.Parallel()
	w := start(t)
	// GET /install/{suite} → 302 to the simulator's install page (auto-approve) → 302 back to
	// /install/{suite}/callback → the success page.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(w.API.URL + "/install/" + suiteID + "?state=link1&test=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc.String(), w.SimURL+"/3rdapp/install?") ||
		loc.Query().Get("redirect_uri") != w.API.URL+"/install/"+suiteID+"/callback" || loc.Query().Get("state") != "link1" {
		t.Fatalf("start: %d %s", resp.StatusCode, loc)
	}
	status, body := get(t, loc.String())
	if status != http.StatusOK || !contains(body, "App installed") {
		t.Fatalf("install page flow ended with %d: %s", status, body)
	}
	corps := w.Sim.State().Corps
	corp := corps[len(corps)-1]
	if corp.Installs[0].AuthType != 1 {
		t.Errorf("test=1 did not make a test install (auth_type %d)", corp.Installs[0].AuthType)
	}
	if contains(body, w.permanentCode(corp.CorpID)) || contains(body, "auth_code") {
		t.Error("success page shows a code")
	}
	got := w.waitInstalled(corp.CorpID)
	if !contains(body, got.Corp.Name) || got.InstallState != "link1" {
		t.Errorf("page or tenant lacks the corp: %+v", got)
	}
	// The pre_auth_code is cached: a second start does not fetch another.
	before := w.Sim.Calls()["/cgi-bin/service/get_pre_auth_code"].Total
	if r, err := noFollow.Get(w.API.URL + "/install/" + suiteID + "?test=1"); err != nil || r.StatusCode != http.StatusFound {
		t.Fatalf("second start: %v", err)
	}
	if after := w.Sim.Calls()["/cgi-bin/service/get_pre_auth_code"].Total; after != before {
		t.Errorf("pre_auth_code fetched again (%d → %d)", before, after)
	}
	// The redirect replayed: the code is used, the admin sees the tenant (already applied).
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaLink, RedirectURI: w.API.URL + "/install/" + suiteID + "/callback"})
	if s, _ := get(t, res.Redirect); s != http.StatusOK {
		t.Fatalf("callback: %d", s)
	}
	if s, b := get(t, res.Redirect); s != http.StatusOK || !contains(b, "App installed") {
		t.Fatalf("replayed callback: %d", s)
	}
	// Errors are pages, not stack traces.
	if s, b := get(t, w.API.URL+"/install/"+suiteID+"/callback?auth_code=bogus&state=x"); s != http.StatusBadRequest || !contains(b, "expired or was already used") {
		t.Errorf("bogus code: %d %s", s, b)
	}
	if s, _ := get(t, w.API.URL+"/install/"+suiteID+"/callback"); s != http.StatusBadRequest {
		t.Errorf("missing code: %d", s)
	}
	if s, _ := get(t, w.API.URL+"/install/wwnosuch?state=a"); s != http.StatusNotFound {
		t.Errorf("unknown suite: %d", s)
	}
	if s, _ := get(t, w.API.URL+"/install/"+suiteID+"?state=bad%20state"); s != http.StatusBadRequest {
		t.Errorf("bad state: %d", s)
	}
}

// One install's auth code arrives both as create_auth and as the redirect, in either
// order and at once: one tenant, one exchange each.
func TestE2EBothPathsOneInstall(t *testing.T) {
	t.Parallel()
	w := start(t)
	callbackURL := w.API.URL + "/install/" + suiteID + "/callback"
	link := func() wecomsim.InstallResult {
		return w.install(wecomsim.InstallRequest{Via: wecomsim.ViaLink, RedirectURI: callbackURL, State: "both"})
	}
	orders := map[string]func(res wecomsim.InstallResult){
		"push_then_redirect": func(res wecomsim.InstallResult) {
			w.pushCreateAuth(res.CorpID, res.AuthCode)
			w.waitInstalled(res.CorpID)
			if s, b := get(t, res.Redirect); s != http.StatusOK {
				t.Errorf("redirect after push: %d %s", s, b)
			}
		},
		"redirect_then_push": func(res wecomsim.InstallResult) {
			if s, b := get(t, res.Redirect); s != http.StatusOK {
				t.Errorf("redirect: %d %s", s, b)
			}
			w.pushCreateAuth(res.CorpID, res.AuthCode)
		},
		"concurrent": func(res wecomsim.InstallResult) {
			var wg sync.WaitGroup
			wg.Go(func() { w.pushCreateAuth(res.CorpID, res.AuthCode) })
			wg.Go(func() {
				if s, b := get(t, res.Redirect); s != http.StatusOK {
					t.Errorf("concurrent redirect: %d %s", s, b)
				}
			})
			wg.Wait()
		},
	}
	var corps []string
	for name, run := range orders {
		res := link()
		run(res)
		w.waitInstalled(res.CorpID)
		corps = append(corps, res.CorpID)
		t.Logf("%s: corp %s", name, res.CorpID)
	}
	platformtest.Eventually(t, "every create_auth processed", func() bool {
		p, dead, _ := w.Deps.Inbox.Counts(context.Background())
		return p == 0 && dead == 0
	})
	if n := w.exchanges(); n != len(orders) {
		t.Errorf("%d exchanges for %d installs", n, len(orders))
	}
	for _, c := range corps {
		if h := w.history(c); count(h, tenants.KindInstall) != 1 {
			t.Errorf("corp %s history = %v", c, h)
		}
	}
	all, _ := w.Deps.Tenants.Store().ListTenants(context.Background(), tenants.ListOptions{})
	if len(all) != len(orders) {
		t.Errorf("%d tenants for %d installs", len(all), len(orders))
	}
}

// A worker that dies between the exchange and the tenant write: the task is retried and
// completes from the sealed result; WeCom sees one exchange.
func TestE2EWorkerDiesAfterExchange(t *testing.T) {
	t.Parallel()
	w := start(t)
	ctx := context.Background()
	// (a) The exchange step ran on its own (the worker stopped right after it), then the
	// create_auth is processed by a live worker.
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaLink})
	if _, err := w.Deps.Tenants.ExchangeAuthCode(ctx, suiteID, res.AuthCode); err != nil {
		t.Fatal(err)
	}
	if _, err := w.tenant(res.CorpID); err == nil {
		t.Fatal("tenant written by the exchange step alone")
	}
	w.pushCreateAuth(res.CorpID, res.AuthCode)
	w.waitInstalled(res.CorpID)
	// (b) The step after the exchange fails once in the worker; asynq retries the task.
	w.WaitIdle(t)
	if _, err := w.Sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/service/v2/get_auth_info", ErrCode: -1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	res2 := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket})
	w.waitInstalled(res2.CorpID)
	if n := w.exchanges(); n != 2 {
		t.Errorf("%d exchanges for 2 installs", n)
	}
	// The tenant is visible before the retried task records its outcome: wait for the
	// row to be finished before reading its attempts.
	var row struct {
		Status   string
		Attempts int
	}
	platformtest.Eventually(t, "second create_auth finished", func() bool {
		w.Deps.DB.Raw(`SELECT status, attempts FROM inbox_events WHERE event_type = 'create_auth' AND corp_id = '' ORDER BY id DESC LIMIT 1`).Scan(&row)
		return row.Status == "done"
	})
	if attempts := row.Attempts; attempts < 2 {
		t.Errorf("create_auth task ran %d times, want a retry", attempts)
	}
}

// No permanent code or secret is readable in a dump of the database.
func TestE2EDatabaseDumpHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	w := start(t)
	a := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket})
	w.waitInstalled(a.CorpID)
	b := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaLink})
	if _, err := w.Deps.Tenants.ExchangeAuthCode(context.Background(), suiteID, b.AuthCode); err != nil {
		t.Fatal(err) // b's result stays sealed in its claim
	}
	c := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaMarket})
	w.waitInstalled(c.CorpID)
	w.push(c.CorpID, wecomsim.EventRequest{Type: wecomsim.EventCancelAuth})
	w.waitTenant("cancelled", c.CorpID, func(t tenants.Tenant) bool { return t.Status == tenants.StatusCancelled })
	out, err := exec.Command("pg_dump", "--no-owner", "--data-only", w.DSN).Output()
	if err != nil {
		t.Fatalf("pg_dump: %v", err)
	}
	dump := string(out)
	if !contains(dump, a.CorpID) {
		t.Fatal("dump does not hold the tenants at all")
	}
	secrets := map[string]string{"suite secret": platformtest.SuiteSecret, "provider secret": platformtest.ProviderSecret,
		"aes key": platformtest.SuiteAESKey}
	for _, r := range []wecomsim.InstallResult{a, b, c} {
		secrets["permanent code of "+r.CorpID] = r.PermanentCode
		secrets["auth code of "+r.CorpID] = r.AuthCode
	}
	for _, corp := range w.Sim.State().Corps {
		for _, in := range corp.Installs {
			secrets["current permanent code of "+in.CorpID] = in.PermanentCode
		}
	}
	for what, v := range secrets {
		if v != "" && contains(dump, v) {
			t.Errorf("the dump contains the %s in plaintext", what)
		}
	}
	var dead int64
	w.Deps.DB.Raw(`SELECT count(*) FROM inbox_events WHERE status = ?`, callback.StatusDead).Scan(&dead)
	if dead != 0 {
		t.Errorf("%d dead inbox events", dead)
	}
}

// The link install's callback exchanges the code, then fails to read the auth info. WeCom
// pushes no create_auth for a link install, so the worker must finish it from the stored
// exchange; otherwise the corp has the app installed and no tenant here.
func TestE2ELinkInstallFinishedAfterFailedCallback(t *testing.T) {
	t.Parallel()
	w := start(t)
	if _, err := w.Sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/service/v2/get_auth_info", ErrCode: -1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	res := w.install(wecomsim.InstallRequest{Via: wecomsim.ViaLink, RedirectURI: w.API.URL + "/install/" + suiteID + "/callback"})
	if s, b := get(t, res.Redirect); s != http.StatusBadGateway || contains(b, "App installed") {
		t.Fatalf("callback with get_auth_info failing: %d %s", s, b)
	}
	got := w.waitInstalled(res.CorpID)
	if got.Agent.AgentID != res.AgentID {
		t.Errorf("tenant %+v, want agent %d", got, res.AgentID)
	}
	if n := w.exchanges(); n != 1 {
		t.Errorf("%d exchanges, want 1", n)
	}
}
