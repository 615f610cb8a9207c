package wecomsim_test

// The platform's own WeCom client (internal/wecom) against the simulator, endpoint by
// endpoint: every client method on its success path, checked field by field against
// the simulator's state, and the main error paths through the client's typed errors.
// If these disagree, one side contradicts wecom-protocol.md.

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

const (
	agProvider = "wwagreeprovider001"
	agSecret   = "agree-provider-secret"
	agSuite    = "wwagreesuite000001"
	agSuiteKey = "agree-suite-secret"
	agToken    = "QDG6eK"
	agAESKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	agCorp     = "wwagreecorp0000001" // seeded, installs by link in the tests
	agLonely   = "wwlonelycorp000001" // seeded, never installs anything
	agAppHost  = "app.example.com"    // the suite's trusted domain; never contacted
)

// agreement is a simulator on a fixed clock and the platform's client pointed at it.
type agreement struct {
	t   *testing.T
	ctx context.Context
	sim *wecomsim.Sim
	url string
	c   *wecom.Client
	rc  *agReceiver
}

// agReceiver is the provider's instruction URL: it verifies and decrypts every push
// with the client's crypto and keeps the create_auth events.
type agReceiver struct {
	crypto *wecom.Crypto
	mu     sync.Mutex
	auths  []*wecom.CreateAuth
	errs   []error
}

func (rc *agReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	if r.Method == http.MethodGet { // URL verification: receiveid = provider corpid
		plain, _, err := rc.crypto.Open(sig, ts, nonce, q.Get("echostr"), agProvider)
		rc.fail(err)
		_, _ = w.Write(plain)
		return
	}
	body, _ := io.ReadAll(r.Body)
	env, err := wecom.ParseEnvelope(body)
	if rc.fail(err) {
		return
	}
	plain, _, err := rc.crypto.Open(sig, ts, nonce, env.Encrypt, agSuite)
	if rc.fail(err) {
		return
	}
	_, ev, err := wecom.ParseEvent(plain)
	if rc.fail(err) {
		return
	}
	if ca, ok := ev.(*wecom.CreateAuth); ok {
		rc.mu.Lock()
		rc.auths = append(rc.auths, ca)
		rc.mu.Unlock()
	}
	_, _ = io.WriteString(w, "success")
}

func (rc *agReceiver) fail(err error) bool {
	if err != nil {
		rc.mu.Lock()
		rc.errs = append(rc.errs, err)
		rc.mu.Unlock()
	}
	return err != nil
}

func (rc *agReceiver) lastCreateAuth(t *testing.T) *wecom.CreateAuth {
	t.Helper()
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.errs) > 0 {
		t.Fatalf("receiver rejected pushes: %v", rc.errs)
	}
	if len(rc.auths) == 0 {
		t.Fatal("no create_auth was pushed")
	}
	return rc.auths[len(rc.auths)-1]
}

func newAgreement(t *testing.T) *agreement {
	t.Helper()
	crypto, err := wecom.NewCrypto(agToken, agAESKey)
	if err != nil {
		t.Fatal(err)
	}
	rc := &agReceiver{crypto: crypto}
	cb := httptest.NewServer(rc)
	t.Cleanup(cb.Close)
	cfg := wecomsim.Config{
		Provider: wecomsim.ProviderConfig{CorpID: agProvider, Secret: agSecret},
		Suites: []wecomsim.SuiteConfig{{
			SuiteID: agSuite, SuiteSecret: agSuiteKey, Name: "Agreement App", Token: agToken, EncodingAESKey: agAESKey,
			InstructionURL: cb.URL + "/callback/" + agSuite + "/instruction",
			DataURL:        cb.URL + "/callback/" + agSuite + "/data",
			TrustedDomains: []string{agAppHost},
		}},
		AutoApprove:   true,
		PushTimeoutMS: 2000,
		Corps: []wecomsim.CorpSeed{
			{CorpID: agCorp, CorpName: "协议企业", Admins: []string{"zhangsan"}, Users: []wecomsim.UserSeed{
				{UserID: "zhangsan", Name: "张三", Department: []int{1}, Position: "总经理", Gender: 1, Avatar: "https://example.com/zs.png"},
				{UserID: "lisi", Name: "李四", Department: []int{2}, Position: "工程师", Gender: 2, Avatar: "https://example.com/ls.png"},
				{UserID: "wangwu", Name: "王五", Department: []int{2}, Position: "工程师", Gender: 1},
			}},
			{CorpID: agLonely, CorpName: "孤独企业"},
		},
	}
	sim, err := wecomsim.New(cfg, wecomsim.WithClock(wecomsim.FixedClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, d := range sim.Deliveries("") {
		if !d.OK {
			t.Fatalf("start-up push %s to %s not acknowledged: %+v", d.Type, d.URL, d)
		}
	}
	c := wecom.NewClient(srv.URL, srv.Client())
	return &agreement{t: t, ctx: context.Background(), sim: sim, url: srv.URL, c: c, rc: rc}
}

// --- the simulator's state ---

func (a *agreement) corp(corpID string) wecomsim.CorpState {
	a.t.Helper()
	for _, c := range a.sim.State().Corps {
		if c.CorpID == corpID {
			return c
		}
	}
	a.t.Fatalf("corp %s not in the simulator", corpID)
	return wecomsim.CorpState{}
}

func (a *agreement) install(corpID string) store.Install {
	a.t.Helper()
	for _, in := range a.corp(corpID).Installs {
		if in.SuiteID == agSuite {
			return in
		}
	}
	a.t.Fatalf("corp %s has not installed %s", corpID, agSuite)
	return store.Install{}
}

func (a *agreement) user(corpID, userID string) store.User {
	a.t.Helper()
	u, ok := a.corp(corpID).User(userID)
	if !ok {
		a.t.Fatalf("no user %s in %s", userID, corpID)
	}
	return u
}

// --- credentials through the client ---

func (a *agreement) providerToken() string {
	a.t.Helper()
	tok, err := a.c.GetProviderToken(a.ctx, agProvider, agSecret)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok.Value
}

func (a *agreement) suiteToken() string {
	a.t.Helper()
	tok, err := a.c.GetSuiteToken(a.ctx, agSuite, agSuiteKey, a.sim.State().Suites[0].SuiteTicket)
	if err != nil {
		a.t.Fatal(err)
	}
	return tok.Value
}

// linkInstall runs the website install of the seeded corp through the install page and
// returns the auth_code from the redirect.
func (a *agreement) linkInstall(suiteToken string, authType int) string {
	a.t.Helper()
	pre, err := a.c.GetPreAuthCode(a.ctx, suiteToken)
	if err != nil {
		a.t.Fatal(err)
	}
	if pre.ExpiresIn != 1200 {
		a.t.Errorf("pre_auth_code expires_in %d, want 1200", pre.ExpiresIn)
	}
	if err := a.c.SetSessionInfo(a.ctx, suiteToken, pre.Code, authType); err != nil {
		a.t.Fatal(err)
	}
	page := wecom.InstallURL(a.url, agSuite, pre.Code, "https://"+agAppHost+"/install/cb", "inst1")
	loc := a.redirect(withParams(page, "corpid", agCorp))
	q := loc.Query()
	if loc.Host != agAppHost || q.Get("expires_in") != "600" || q.Get("state") != "inst1" || q.Get("auth_code") == "" {
		a.t.Fatalf("install redirect %s", loc)
	}
	return q.Get("auth_code")
}

// tenant is the seeded corp installed by link, with the credentials the platform keeps.
type tenant struct {
	suiteToken, corpToken, perm string
	agentID                     int
}

func (a *agreement) tenant() tenant {
	a.t.Helper()
	st := a.suiteToken()
	pc, err := a.c.GetPermanentCodeV2(a.ctx, st, a.linkInstall(st, wecom.AuthTypeProduction))
	if err != nil {
		a.t.Fatal(err)
	}
	tok, err := a.c.GetCorpToken(a.ctx, st, agCorp, pc.PermanentCode)
	if err != nil {
		a.t.Fatal(err)
	}
	return tenant{suiteToken: st, corpToken: tok.Value, perm: pc.PermanentCode, agentID: a.install(agCorp).AgentID}
}

// --- browser ---

var noFollow = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// redirect GETs a WeCom page and returns where its 302 points, without going there.
func (a *agreement) redirect(page string) *url.URL {
	a.t.Helper()
	resp, err := noFollow.Get(page)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc, err := resp.Location()
	if resp.StatusCode != http.StatusFound || err != nil {
		a.t.Fatalf("GET %s: status %d, want 302: %s", page, resp.StatusCode, body)
	}
	return loc
}

// withParams adds query parameters (the simulator's picker fields) to a page URL,
// keeping its #fragment.
func withParams(raw string, kv ...string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	q := u.Query()
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func (a *agreement) oauthCode(scope, userID string) string {
	a.t.Helper()
	page := wecom.OAuthURL(a.url, agSuite, "https://"+agAppHost+"/oauth/cb", scope, "o1")
	loc := a.redirect(withParams(page, "corpid", agCorp, "userid", userID))
	if loc.Query().Get("state") != "o1" {
		a.t.Errorf("oauth redirect %s lost the state", loc)
	}
	return loc.Query().Get("code")
}

func (a *agreement) loginAuthCode(userID string) string {
	a.t.Helper()
	page := a.url + "/wwopen/sso/3rd_qrConnect?" + url.Values{
		"appid": {agProvider}, "redirect_uri": {"https://" + agAppHost + "/login/cb"},
		"state": {"l1"}, "usertype": {"admin"}, "corpid": {agCorp}, "userid": {userID},
	}.Encode()
	loc := a.redirect(page)
	if loc.Query().Get("state") != "l1" {
		a.t.Errorf("login redirect %s lost the state", loc)
	}
	return loc.Query().Get("auth_code")
}

// --- errors ---

// wantErr checks that err is the client's *wecom.Error for op with code, and that
// pred (the predicate a caller would branch on) says so too.
func wantErr(t *testing.T, err error, op string, code int, pred func(*wecom.Error) bool) {
	t.Helper()
	e, ok := wecom.AsError(err)
	switch {
	case !ok:
		t.Errorf("%s: want errcode %d, got %v", op, code, err)
	case e.Code != code || e.Op != op:
		t.Errorf("got %s errcode %d (%s), want %s errcode %d", e.Op, e.Code, e.Msg, op, code)
	case pred != nil && !pred(e):
		t.Errorf("%s errcode %d: predicate false", op, code)
	}
}

func diff(t *testing.T, what string, want, got any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s (-sim +client):\n%s", what, d)
	}
}

// clientEndpoints is every method of *wecom.Client and the WeCom path it calls.
// TestAgreement fails when the client gains a method that is not listed here.
var clientEndpoints = map[string]string{
	"GetProviderToken":     "/cgi-bin/service/get_provider_token",
	"GetSuiteToken":        "/cgi-bin/service/get_suite_token",
	"GetPreAuthCode":       "/cgi-bin/service/get_pre_auth_code",
	"SetSessionInfo":       "/cgi-bin/service/set_session_info",
	"GetPermanentCode":     "/cgi-bin/service/get_permanent_code",
	"GetPermanentCodeV2":   "/cgi-bin/service/v2/get_permanent_code",
	"GetAuthInfo":          "/cgi-bin/service/get_auth_info",
	"GetAuthInfoV2":        "/cgi-bin/service/v2/get_auth_info",
	"GetCorpToken":         "/cgi-bin/service/get_corp_token",
	"GetAdminList":         "/cgi-bin/agent/get_admin_list",
	"GetAdminListLegacy":   "/cgi-bin/service/get_admin_list",
	"GetLoginInfo":         "/cgi-bin/service/get_login_info",
	"GetUserInfo3rd":       "/cgi-bin/service/auth/getuserinfo3rd",
	"GetUserInfo3rdLegacy": "/cgi-bin/service/getuserinfo3rd",
	"GetUserDetail3rd":     "/cgi-bin/service/auth/getuserdetail3rd",
	"GetJSAPITicket":       "/cgi-bin/get_jsapi_ticket",
	"GetAgentConfigTicket": "/cgi-bin/ticket/get",
	"CorpIDToOpenCorpID":   "/cgi-bin/service/corpid_to_opencorpid",
	"UserIDToOpenUserID":   "/cgi-bin/batch/userid_to_openuserid",
	"GetAppQRCode":         "/cgi-bin/service/get_app_qrcode",
	"GetUser":              "/cgi-bin/user/get",
	"ListUsersSimple":      "/cgi-bin/user/simplelist",
	"ListDepartments":      "/cgi-bin/department/list",
	"SendMessage":          "/cgi-bin/message/send",
}

// TestAgreement runs each part on its own simulator, then checks that together they
// called every client method on the path the table above names.
func TestAgreement(t *testing.T) {
	parts := []struct {
		name string
		run  func(*testing.T, *agreement)
	}{{"credentials", credentials}, {"identity", identity}, {"corp_apis", corpAPIs}, {"errors", errorPaths}}
	called, done := map[string]bool{}, 0
	for _, p := range parts {
		t.Run(p.name, func(t *testing.T) {
			a := newAgreement(t)
			p.run(t, a)
			for path := range a.sim.Calls() {
				called[path] = true
			}
			done++
		})
	}
	t.Run("every_client_method", func(t *testing.T) {
		if done < len(parts) {
			t.Skip("not every part ran to the end")
		}
		ct := reflect.TypeFor[*wecom.Client]()
		for i := range ct.NumMethod() {
			name := ct.Method(i).Name
			path, ok := clientEndpoints[name]
			switch {
			case !ok:
				t.Errorf("wecom.Client.%s is new: add it to clientEndpoints and drive it here", name)
			case !called[path]:
				t.Errorf("wecom.Client.%s (%s) was never called", name, path)
			}
		}
	})
}

// credentials covers the provider and suite tokens, the website install
// (pre_auth_code, set_session_info, the install page) and both permanent-code
// exchanges, auth-info reads and the corp token.
func credentials(t *testing.T, a *agreement) {
	p1, err := a.c.GetProviderToken(a.ctx, agProvider, agSecret)
	if err != nil || p1.ExpiresIn != 7200 {
		t.Fatalf("provider token: %v, %v", p1, err)
	}
	if p2 := a.providerToken(); p2 != p1.Value {
		t.Error("provider token: a repeat fetch within its lifetime returned a new token")
	}
	st, err := a.c.GetSuiteToken(a.ctx, agSuite, agSuiteKey, a.sim.State().Suites[0].SuiteTicket)
	if err != nil || st.ExpiresIn != 7200 {
		t.Fatalf("suite token: %v, %v", st, err)
	}

	// Website install with a test session, then the v1 exchange.
	code := a.linkInstall(st.Value, wecom.AuthTypeTest)
	v1, err := a.c.GetPermanentCode(a.ctx, st.Value, code)
	if err != nil {
		t.Fatal(err)
	}
	corp, in, zs := a.corp(agCorp), a.install(agCorp), a.user(agCorp, "zhangsan")
	if in.AuthType != wecom.AuthTypeTest {
		t.Errorf("set_session_info auth_type 1 not applied: install auth_type %d", in.AuthType)
	}
	if v1.AccessToken == "" || v1.ExpiresIn != 7200 {
		t.Errorf("v1 corp token %q expires_in %d", v1.AccessToken, v1.ExpiresIn)
	}
	diff(t, "v1 permanent code", in.PermanentCode, v1.PermanentCode)
	diff(t, "v1 corp", [2]string{corp.CorpID, corp.Name}, [2]string{v1.AuthCorpInfo.CorpID, v1.AuthCorpInfo.CorpName})
	if v1.AuthCorpInfo.CorpWxQRCode == "" {
		t.Error("v1 auth_corp_info has no corp_wxqrcode")
	}
	diff(t, "v1 installer", wecom.AuthUserInfo{UserID: zs.UserID, OpenUserID: zs.OpenUserID, Name: zs.Name, Avatar: zs.Avatar}, v1.AuthUserInfo)
	diff(t, "v1 state", "inst1", v1.State)
	wantAgent := wecom.AuthAgent{AgentID: in.AgentID, Name: "Agreement App", AppID: 1, Privilege: wecom.Privilege{Level: 1, AllowParty: []int{1}}}
	agentOf := func(aa wecom.AuthAgents) wecom.AuthAgent {
		if len(aa.Agent) != 1 {
			t.Fatalf("auth_info.agent has %d entries, want 1", len(aa.Agent))
		}
		ag := aa.Agent[0]
		ag.RoundLogoURL, ag.SquareLogoURL = "", ""
		return ag
	}
	diff(t, "v1 agent", wantAgent, agentOf(v1.AuthInfo))
	if len(v1.EditionInfo.Agent) != 1 || v1.EditionInfo.Agent[0].AgentID != in.AgentID {
		t.Errorf("v1 edition_info %+v", v1.EditionInfo)
	}
	_, err = a.c.GetPermanentCode(a.ctx, st.Value, code)
	wantErr(t, err, "service/get_permanent_code", 40078, nil)

	// The corp token while valid is the one get_permanent_code already returned.
	ct, err := a.c.GetCorpToken(a.ctx, st.Value, agCorp, v1.PermanentCode)
	if err != nil || ct.Value != v1.AccessToken || ct.ExpiresIn != 7200 {
		t.Errorf("get_corp_token: same-token-while-valid broken (%v, %v)", ct, err)
	}

	for _, v2 := range []bool{false, true} {
		get, op := a.c.GetAuthInfo, "service/get_auth_info"
		if v2 {
			get, op = a.c.GetAuthInfoV2, "service/v2/get_auth_info"
		}
		ai, err := get(a.ctx, st.Value, agCorp, in.PermanentCode)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		diff(t, op+" corp", [2]string{corp.CorpID, corp.Name}, [2]string{ai.AuthCorpInfo.CorpID, ai.AuthCorpInfo.CorpName})
		diff(t, op+" agent", wantAgent, agentOf(ai.AuthInfo))
		if got := ai.AuthCorpInfo.CorpWxQRCode != "" || len(ai.EditionInfo.Agent) > 0; got == v2 {
			t.Errorf("%s: corp_wxqrcode/edition_info present = %v, want %v", op, got, !v2)
		}
		_, err = get(a.ctx, st.Value, agCorp, "not-the-permanent-code")
		wantErr(t, err, op, 40084, (*wecom.Error).AuthRevoked)
	}

	// A marketplace install: create_auth carries the code, v2 exchanges it.
	res, err := a.sim.Install(a.ctx, wecomsim.InstallRequest{SuiteID: agSuite, Via: wecomsim.ViaMarket, CorpName: "市场企业", State: "mkt1"})
	if err != nil {
		t.Fatal(err)
	}
	ca := a.rc.lastCreateAuth(t)
	if ca.AuthCode != res.AuthCode || ca.State != "mkt1" || ca.SuiteID != agSuite {
		t.Errorf("create_auth %+v does not match the install %+v", ca, res)
	}
	v2, err := a.c.GetPermanentCodeV2(a.ctx, st.Value, ca.AuthCode)
	if err != nil {
		t.Fatal(err)
	}
	mc, mzs := a.corp(res.CorpID), a.user(res.CorpID, "zhangsan")
	diff(t, "v2", wecom.PermanentCodeV2{
		PermanentCode: a.install(res.CorpID).PermanentCode,
		AuthCorpInfo:  wecom.AuthCorpInfo{CorpID: mc.CorpID, CorpName: "市场企业"},
		AuthUserInfo:  wecom.AuthUserInfo{UserID: "zhangsan", OpenUserID: mzs.OpenUserID, Name: mzs.Name},
		State:         "mkt1",
	}, *v2)
	_, err = a.c.GetPermanentCodeV2(a.ctx, st.Value, ca.AuthCode)
	wantErr(t, err, "service/v2/get_permanent_code", 40078, nil)

	// get_app_qrcode: its URL leads to a scan-install that pushes create_auth with the state.
	qr, err := a.c.GetAppQRCode(a.ctx, st.Value, wecom.AppQRCodeRequest{SuiteID: agSuite, State: "qr1", Style: 2})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(qr)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET qrcode url %s: %v %v", qr, resp, err)
	}
	resp.Body.Close()
	ca = a.rc.lastCreateAuth(t)
	qv2, err := a.c.GetPermanentCodeV2(a.ctx, st.Value, ca.AuthCode)
	if err != nil || qv2.State != "qr1" || qv2.PermanentCode != a.install(qv2.AuthCorpInfo.CorpID).PermanentCode {
		t.Errorf("qr install: %+v, %v", qv2, err)
	}
	_, err = a.c.GetAppQRCode(a.ctx, st.Value, wecom.AppQRCodeRequest{SuiteID: "wwsomeoneelse00001"})
	wantErr(t, err, "service/get_app_qrcode", 48003, nil)
}

// identity covers OAuth (current and legacy getuserinfo3rd, user detail),
// the web-login page and get_login_info, and the ID conversions.
func identity(t *testing.T, a *agreement) {
	tn := a.tenant()
	ls, zs := a.user(agCorp, "lisi"), a.user(agCorp, "zhangsan")

	code := a.oauthCode(wecom.ScopeBase, "lisi")
	ui, err := a.c.GetUserInfo3rd(a.ctx, tn.suiteToken, code)
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "getuserinfo3rd snsapi_base", wecom.UserInfo3rd{CorpID: agCorp, UserID: "lisi", OpenUserID: ls.OpenUserID}, *ui)
	_, err = a.c.GetUserInfo3rd(a.ctx, tn.suiteToken, code)
	wantErr(t, err, "service/auth/getuserinfo3rd", 40029, nil)

	ui, err = a.c.GetUserInfo3rdLegacy(a.ctx, tn.suiteToken, a.oauthCode(wecom.ScopeBase, "zhangsan"))
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "legacy getuserinfo3rd (capitalised keys)", wecom.UserInfo3rd{CorpID: agCorp, UserID: "zhangsan", OpenUserID: zs.OpenUserID}, *ui)

	ui, err = a.c.GetUserInfo3rd(a.ctx, tn.suiteToken, a.oauthCode(wecom.ScopePrivateInfo, "lisi"))
	if err != nil || ui.UserTicket == "" || ui.ExpiresIn <= 0 {
		t.Fatalf("snsapi_privateinfo: %+v, %v", ui, err)
	}
	det, err := a.c.GetUserDetail3rd(a.ctx, tn.suiteToken, ui.UserTicket)
	if err != nil {
		t.Fatal(err)
	}
	if det.QRCode == "" {
		t.Error("getuserdetail3rd: no qr_code")
	}
	det.QRCode = ""
	diff(t, "getuserdetail3rd", wecom.UserDetail3rd{CorpID: agCorp, UserID: "lisi", Name: "李四", Gender: "2", Avatar: ls.Avatar}, *det)
	_, err = a.c.GetUserDetail3rd(a.ctx, tn.suiteToken, "no-such-ticket")
	wantErr(t, err, "service/auth/getuserdetail3rd", 40029, nil)

	// Web login outside the client: the wwlogin page's code goes to getuserinfo3rd.
	page := wecom.SSOLoginURL(a.url, agSuite, "https://"+agAppHost+"/sso/cb", "w1")
	loc := a.redirect(withParams(page, "corpid", agCorp, "userid", "wangwu"))
	ui, err = a.c.GetUserInfo3rd(a.ctx, tn.suiteToken, loc.Query().Get("code"))
	if err != nil || ui.UserID != "wangwu" || ui.CorpID != agCorp || loc.Query().Get("state") != "w1" {
		t.Errorf("wwlogin: %s -> %+v, %v", loc, ui, err)
	}

	// Provider login (3rd_qrConnect) and get_login_info: the corp's creator, then a member.
	pt := a.providerToken()
	authCode := a.loginAuthCode("zhangsan")
	li, err := a.c.GetLoginInfo(a.ctx, pt, authCode)
	if err != nil {
		t.Fatal(err)
	}
	want := wecom.LoginInfo{UserType: 1, UserInfo: wecom.AuthUserInfo{UserID: "zhangsan", OpenUserID: zs.OpenUserID, Name: zs.Name, Avatar: zs.Avatar},
		Agent: []wecom.LoginAgent{{AgentID: tn.agentID, AuthType: 1}}}
	want.CorpInfo.CorpID = agCorp
	want.AuthInfo.Department = []wecom.LoginDepartment{{ID: 1, Writable: true}}
	diff(t, "get_login_info (creator)", want, *li)
	_, err = a.c.GetLoginInfo(a.ctx, pt, authCode)
	wantErr(t, err, "service/get_login_info", 40029, nil)
	li, err = a.c.GetLoginInfo(a.ctx, pt, a.loginAuthCode("lisi"))
	if err != nil || li.UserType != 5 || li.UserInfo.UserID != "lisi" || len(li.Agent) != 0 || len(li.AuthInfo.Department) != 0 {
		t.Errorf("get_login_info (member): %+v, %v", li, err)
	}

	corp := a.corp(agCorp)
	oc, err := a.c.CorpIDToOpenCorpID(a.ctx, pt, agCorp)
	if err != nil || oc != corp.OpenCorpID {
		t.Errorf("corpid_to_opencorpid: %q, %v; want %q", oc, err, corp.OpenCorpID)
	}
	_, err = a.c.CorpIDToOpenCorpID(a.ctx, pt, agLonely)
	wantErr(t, err, "service/corpid_to_opencorpid", 48001, nil)
	_, err = a.c.CorpIDToOpenCorpID(a.ctx, pt, "wwnosuchcorp000001")
	wantErr(t, err, "service/corpid_to_opencorpid", 40013, nil)

	ids, err := a.c.UserIDToOpenUserID(a.ctx, tn.corpToken, []string{"zhangsan", "lisi", "ghost"})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "userid_to_openuserid", wecom.OpenUserIDs{
		OpenUserIDList:    []wecom.OpenUserID{{UserID: "zhangsan", OpenUserID: zs.OpenUserID}, {UserID: "lisi", OpenUserID: ls.OpenUserID}},
		InvalidUserIDList: []string{"ghost"},
	}, *ids)
}

// corpAPIs covers the corp-token APIs: tickets, admin lists, contacts and
// message/send.
func corpAPIs(t *testing.T, a *agreement) {
	tn := a.tenant()
	in := a.install(agCorp)

	jt, err := a.c.GetJSAPITicket(a.ctx, tn.corpToken)
	if err != nil || jt.ExpiresIn != 7200 {
		t.Fatalf("get_jsapi_ticket: %v, %v", jt, err)
	}
	at, err := a.c.GetAgentConfigTicket(a.ctx, tn.corpToken)
	if err != nil || at.ExpiresIn != 7200 {
		t.Fatalf("ticket/get agent_config: %v, %v", at, err)
	}
	if jt.Value == at.Value {
		t.Error("the corp jsapi_ticket and the agent_config ticket are the same value")
	}
	if again, _ := a.c.GetJSAPITicket(a.ctx, tn.corpToken); again.Value != jt.Value {
		t.Error("get_jsapi_ticket: a repeat fetch within its lifetime returned a new ticket")
	}

	admins, err := a.c.GetAdminList(a.ctx, tn.corpToken)
	if err != nil {
		t.Fatal(err)
	}
	var want []wecom.Admin
	for _, ad := range in.Admins {
		want = append(want, wecom.Admin{UserID: ad.UserID, AuthType: ad.AuthType})
	}
	diff(t, "agent/get_admin_list", want, admins)
	legacy, err := a.c.GetAdminListLegacy(a.ctx, tn.suiteToken, agCorp, tn.agentID)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		want[i].OpenUserID = a.user(agCorp, want[i].UserID).OpenUserID
	}
	diff(t, "service/get_admin_list", want, legacy)
	_, err = a.c.GetAdminListLegacy(a.ctx, tn.suiteToken, agCorp, tn.agentID+1)
	wantErr(t, err, "service/get_admin_list", 40056, nil)

	ls := a.user(agCorp, "lisi")
	u, err := a.c.GetUser(a.ctx, tn.corpToken, "lisi")
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "user/get", wecom.User{UserID: "lisi", OpenUserID: ls.OpenUserID, Name: "李四", Department: []int{2}, Position: "工程师",
		Gender: "0", Avatar: ls.Avatar, Status: 1, MainDepartment: 2}, *u)
	_, err = a.c.GetUser(a.ctx, tn.corpToken, "ghost")
	wantErr(t, err, "user/get", 60111, nil)

	users, err := a.c.ListUsersSimple(a.ctx, tn.corpToken, 2)
	if err != nil {
		t.Fatal(err)
	}
	ww := a.user(agCorp, "wangwu")
	diff(t, "user/simplelist", []wecom.SimpleUser{
		{UserID: "lisi", Name: "李四", Department: []int{2}, OpenUserID: ls.OpenUserID},
		{UserID: "wangwu", Name: "王五", Department: []int{2}, OpenUserID: ww.OpenUserID},
	}, users)

	depts, err := a.c.ListDepartments(a.ctx, tn.corpToken, 0)
	if err != nil {
		t.Fatal(err)
	}
	var wantDepts []wecom.Department
	for _, d := range a.corp(agCorp).Departments {
		wantDepts = append(wantDepts, wecom.Department{ID: d.ID, Name: d.Name, ParentID: d.ParentID, Order: d.Order})
	}
	diff(t, "department/list", wantDepts, depts)
	if sub, err := a.c.ListDepartments(a.ctx, tn.corpToken, 2); err != nil || len(sub) != 1 || sub[0].ID != 2 {
		t.Errorf("department/list?id=2: %+v, %v", sub, err)
	}

	msg := &wecom.OutgoingMessage{ToUser: "lisi|ghost", MsgType: "text", AgentID: tn.agentID, Text: &wecom.Text{Content: "<a href=\"https://x/?a=1&b=2\">hi</a>"}}
	sent, err := a.c.SendMessage(a.ctx, tn.corpToken, msg)
	if err != nil {
		t.Fatal(err)
	}
	if sent.MsgID == "" || sent.InvalidUser != "ghost" {
		t.Errorf("message/send: %+v", sent)
	}
	kept := a.corp(agCorp).Messages
	if len(kept) != 1 || kept[0].MsgID != sent.MsgID || kept[0].ToUser != "lisi|ghost" || kept[0].AgentID != tn.agentID ||
		kept[0].MsgType != "text" || !strings.Contains(kept[0].Body, `&b=2\">hi</a>`) {
		t.Errorf("the simulator kept %+v", kept)
	}
	msg.AgentID++
	_, err = a.c.SendMessage(a.ctx, tn.corpToken, msg)
	wantErr(t, err, "message/send", 301002, nil)
}

// errorPaths drives the errors a token service branches on: wrong kinds of
// token, expiry on the simulator clock, a cancelled install, tickets, injected faults.
func errorPaths(t *testing.T, a *agreement) {
	tn := a.tenant()
	pt := a.providerToken()
	ticket := a.sim.State().Suites[0].SuiteTicket

	_, err := a.c.GetProviderToken(a.ctx, agProvider, "wrong")
	wantErr(t, err, "service/get_provider_token", 40001, nil)
	_, err = a.c.GetSuiteToken(a.ctx, agSuite, "wrong", ticket)
	wantErr(t, err, "service/get_suite_token", 40080, nil)
	_, err = a.c.GetSuiteToken(a.ctx, agSuite, agSuiteKey, "never-pushed")
	wantErr(t, err, "service/get_suite_token", 40085, (*wecom.Error).TicketInvalid)

	// Each token in the query slot of another kind.
	_, err = a.c.GetPreAuthCode(a.ctx, tn.corpToken)
	wantErr(t, err, "service/get_pre_auth_code", 40082, (*wecom.Error).SuiteTokenInvalid)
	_, err = a.c.GetCorpToken(a.ctx, pt, agCorp, tn.perm)
	wantErr(t, err, "service/get_corp_token", 40082, (*wecom.Error).SuiteTokenInvalid)
	_, err = a.c.GetJSAPITicket(a.ctx, tn.suiteToken)
	wantErr(t, err, "get_jsapi_ticket", 40014, (*wecom.Error).CorpTokenInvalid)
	_, err = a.c.GetAdminList(a.ctx, pt)
	wantErr(t, err, "agent/get_admin_list", 40014, (*wecom.Error).CorpTokenInvalid)
	_, err = a.c.GetLoginInfo(a.ctx, tn.suiteToken, "x")
	wantErr(t, err, "service/get_login_info", 40014, (*wecom.Error).CorpTokenInvalid)
	_, err = a.c.CorpIDToOpenCorpID(a.ctx, tn.corpToken, agCorp)
	wantErr(t, err, "service/corpid_to_opencorpid", 40014, (*wecom.Error).CorpTokenInvalid)

	err = a.c.SetSessionInfo(a.ctx, tn.suiteToken, "no-such-pre-auth-code", wecom.AuthTypeTest)
	wantErr(t, err, "service/set_session_info", 40077, nil)
	pre, err := a.c.GetPreAuthCode(a.ctx, tn.suiteToken)
	if err != nil {
		t.Fatal(err)
	}
	staleAuthCode := a.linkInstall(tn.suiteToken, wecom.AuthTypeProduction)

	// Injected faults come through as the client's typed errors.
	if _, err := a.sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/service/get_corp_token", ErrCode: -1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	_, err = a.c.GetCorpToken(a.ctx, tn.suiteToken, agCorp, tn.perm)
	wantErr(t, err, "service/get_corp_token", -1, (*wecom.Error).Retryable)
	if _, err := a.sim.AddFault(wecomsim.Fault{Path: "/cgi-bin/user/*", HTTPStatus: 502, Count: 1}); err != nil {
		t.Fatal(err)
	}
	var he *wecom.HTTPError
	if _, err = a.c.GetUser(a.ctx, tn.corpToken, "lisi"); !errors.As(err, &he) || he.StatusCode != 502 {
		t.Errorf("http 502 fault: %v", err)
	}

	// 21 minutes on: the pre_auth_code has expired (1200 s), the ticket is still valid.
	a.sim.Advance(21 * time.Minute)
	err = a.c.SetSessionInfo(a.ctx, tn.suiteToken, pre.Code, wecom.AuthTypeTest)
	wantErr(t, err, "service/set_session_info", 42007, nil)
	_, err = a.c.GetPermanentCodeV2(a.ctx, tn.suiteToken, staleAuthCode) // auth codes live 10 minutes
	wantErr(t, err, "service/v2/get_permanent_code", 40078, nil)
	// 31 minutes on: the first suite_ticket has expired (30 min); a newer one was pushed.
	a.sim.Advance(10 * time.Minute)
	_, err = a.c.GetSuiteToken(a.ctx, agSuite, agSuiteKey, ticket)
	wantErr(t, err, "service/get_suite_token", 40085, (*wecom.Error).TicketInvalid)
	if newest := a.sim.State().Suites[0].SuiteTicket; newest == ticket {
		t.Fatal("no new suite_ticket was pushed while the clock advanced")
	}
	// Past two hours: suite, corp and provider tokens have expired.
	a.sim.Advance(90 * time.Minute)
	_, err = a.c.GetPreAuthCode(a.ctx, tn.suiteToken)
	wantErr(t, err, "service/get_pre_auth_code", 42009, (*wecom.Error).SuiteTokenInvalid)
	_, err = a.c.GetJSAPITicket(a.ctx, tn.corpToken)
	wantErr(t, err, "get_jsapi_ticket", 42001, (*wecom.Error).CorpTokenInvalid)
	_, err = a.c.CorpIDToOpenCorpID(a.ctx, pt, agCorp)
	wantErr(t, err, "service/corpid_to_opencorpid", 42001, (*wecom.Error).CorpTokenInvalid)
	// An OAuth code issued before the jump has expired too (5 min).
	st := a.suiteToken()
	code := a.oauthCode(wecom.ScopeBase, "lisi")
	a.sim.Advance(5 * time.Minute)
	_, err = a.c.GetUserInfo3rd(a.ctx, st, code)
	wantErr(t, err, "service/auth/getuserinfo3rd", 40029, nil)

	// The corp removes the app: its permanent code and corp token stop working.
	ct, err := a.c.GetCorpToken(a.ctx, st, agCorp, tn.perm)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.sim.PushEvent(a.ctx, agCorp, wecomsim.EventRequest{Type: wecomsim.EventCancelAuth, SuiteID: agSuite}); err != nil {
		t.Fatal(err)
	}
	_, err = a.c.GetCorpToken(a.ctx, st, agCorp, tn.perm)
	wantErr(t, err, "service/get_corp_token", 40084, (*wecom.Error).AuthRevoked)
	_, err = a.c.GetAuthInfoV2(a.ctx, st, agCorp, tn.perm)
	wantErr(t, err, "service/v2/get_auth_info", 40084, (*wecom.Error).AuthRevoked)
	_, err = a.c.GetAdminListLegacy(a.ctx, st, agCorp, tn.agentID)
	wantErr(t, err, "service/get_admin_list", 48004, (*wecom.Error).AuthRevoked)
	_, err = a.c.GetJSAPITicket(a.ctx, ct.Value)
	wantErr(t, err, "get_jsapi_ticket", 40014, (*wecom.Error).CorpTokenInvalid)
}
