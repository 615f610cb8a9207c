package wecomsim

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

const (
	testProvider = "wwtestprovider0001"
	testSuite    = "wwtestsuite0000001"
	testSuite2   = "wwtestsuite0000002"
	testToken    = "QDG6eK"
	testAESKey   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
)

var testEpoch = time.Date(2026, 1, 1, 8, 0, 0, 0, time.UTC)

// received is one request the test receiver got, decrypted by protocol §5.1's rules.
type received struct {
	Method    string
	Path      string
	Query     url.Values
	Envelope  wecom.Envelope
	Plain     []byte
	ReceiveID string
	RawLen    int // ciphertext bytes
	Err       error
}

// receiver plays the ISV's callback endpoint: it verifies signatures and decrypts
// with wecom.Crypto.Open, expecting receiveid = provider corpid for GET verification,
// suite_id for instruction posts and the corpid in ToUserName for data posts.
type receiver struct {
	t      *testing.T
	srv    *httptest.Server
	crypto *wecom.Crypto
	suites map[string]bool

	mu   sync.Mutex
	got  []received
	fail atomic.Int32                  // answer 500 to this many requests first
	body atomic.Value                  // answer body for posts; default "success"
	hold atomic.Pointer[chan struct{}] // when set, answer only once it is closed
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	c, err := wecom.NewCrypto(testToken, testAESKey)
	if err != nil {
		t.Fatal(err)
	}
	rc := &receiver{t: t, crypto: c, suites: map[string]bool{testSuite: true, testSuite2: true}}
	rc.body.Store("success")
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	if ch := rc.hold.Load(); ch != nil {
		<-*ch
	}
	q := r.URL.Query()
	rec := received{Method: r.Method, Path: r.URL.Path, Query: q}
	defer func() {
		rc.mu.Lock()
		rc.got = append(rc.got, rec)
		rc.mu.Unlock()
	}()
	if rc.fail.Add(-1) >= 0 {
		http.Error(w, "boom", http.StatusInternalServerError)
		return
	}
	sig, ts, nonce := q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce")
	if r.Method == http.MethodGet {
		echo := q.Get("echostr")
		rec.RawLen = rawLen(echo)
		rec.Plain, rec.ReceiveID, rec.Err = rc.crypto.Open(sig, ts, nonce, echo, testProvider, testSuite, testSuite2)
		if rec.Err != nil {
			http.Error(w, rec.Err.Error(), http.StatusBadRequest)
			return
		}
		_, _ = w.Write(rec.Plain)
		return
	}
	body, _ := io.ReadAll(r.Body)
	env, err := wecom.ParseEnvelope(body)
	if err != nil {
		rec.Err = err
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	rec.Envelope, rec.RawLen = env, rawLen(env.Encrypt)
	want := env.ToUserName // data posts: the corp named in ToUserName
	if strings.HasSuffix(r.URL.Path, "/instruction") {
		want = testSuite
		if rc.suites[env.ToUserName] {
			want = env.ToUserName
		}
	}
	rec.Plain, rec.ReceiveID, rec.Err = rc.crypto.Open(sig, ts, nonce, env.Encrypt, want)
	if rec.Err != nil {
		http.Error(w, rec.Err.Error(), http.StatusBadRequest)
		return
	}
	_, _ = io.WriteString(w, rc.body.Load().(string))
}

func rawLen(b64 string) int {
	b, _ := base64.StdEncoding.DecodeString(b64)
	return len(b)
}

func (rc *receiver) all() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// env is a simulator on a fixed clock, served over HTTP, pushing to a receiver.
type env struct {
	t   *testing.T
	sim *Sim
	srv *httptest.Server
	rc  *receiver
}

func testConfig(rc *receiver) Config {
	host := strings.TrimPrefix(rc.srv.URL, "http://")
	suite := func(id string) SuiteConfig {
		return SuiteConfig{
			SuiteID: id, SuiteSecret: "secret-" + id, Token: testToken, EncodingAESKey: testAESKey,
			InstructionURL: rc.srv.URL + "/callback/" + id + "/instruction",
			DataURL:        rc.srv.URL + "/callback/" + id + "/data",
			TrustedDomains: []string{host},
		}
	}
	return Config{
		Provider:         ProviderConfig{CorpID: testProvider, Secret: "provider-secret"},
		Suites:           []SuiteConfig{suite(testSuite), suite(testSuite2)},
		AutoApprove:      true,
		PushTimeoutMS:    300,
		PushRetryDelayMS: 0,
	}
}

// newEnv starts a simulator (Start included); mutate adjusts the config first.
func newEnv(t *testing.T, mutate ...func(*Config)) *env {
	t.Helper()
	rc := newReceiver(t)
	cfg := testConfig(rc)
	for _, m := range mutate {
		m(&cfg)
	}
	sim, err := New(cfg, WithClock(FixedClock(testEpoch)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sim.Close() })
	srv := httptest.NewServer(sim.Handler())
	t.Cleanup(srv.Close)
	if err := sim.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, sim: sim, srv: srv, rc: rc}
}

type jsonObj = map[string]any

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call makes an API request; body nil sends no body, a string is sent verbatim.
func (e *env) call(method, path string, q url.Values, body any) jsonObj {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	u := e.srv.URL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, _ := http.NewRequest(method, u, rd)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m jsonObj
	if err := json.Unmarshal(raw, &m); err != nil {
		e.t.Fatalf("%s %s: status %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return m
}

func (e *env) post(path string, q url.Values, body any) jsonObj {
	e.t.Helper()
	return e.call(http.MethodPost, path, q, body)
}

func (e *env) get(path string, q url.Values) jsonObj {
	e.t.Helper()
	return e.call(http.MethodGet, path, q, nil)
}

func errcode(m jsonObj) int {
	v, ok := m["errcode"].(float64)
	if !ok {
		return -999
	}
	return int(v)
}

func str(m jsonObj, k string) string { s, _ := m[k].(string); return s }

func (e *env) mustOK(m jsonObj) jsonObj {
	e.t.Helper()
	if errcode(m) != 0 || m["errmsg"] != "ok" {
		e.t.Fatalf("want errcode 0 ok, got %v", m)
	}
	return m
}

func (e *env) ticket(suiteID string) string {
	t, ok := e.sim.store.LatestSuiteTicket(suiteID)
	if !ok {
		e.t.Fatalf("no suite_ticket for %s", suiteID)
	}
	return t.Value
}

func (e *env) suiteToken(suiteID string) string {
	e.t.Helper()
	m := e.mustOK(e.post("/cgi-bin/service/get_suite_token", nil, jsonObj{
		"suite_id": suiteID, "suite_secret": "secret-" + suiteID, "suite_ticket": e.ticket(suiteID)}))
	return str(m, "suite_access_token")
}

func (e *env) providerToken() string {
	e.t.Helper()
	m := e.mustOK(e.post("/cgi-bin/service/get_provider_token", nil, jsonObj{"corpid": testProvider, "provider_secret": "provider-secret"}))
	return str(m, "provider_access_token")
}

func (e *env) install(via string) InstallResult {
	e.t.Helper()
	res, err := e.sim.Install(context.Background(), InstallRequest{SuiteID: testSuite, Via: via, State: "st1"})
	if err != nil {
		e.t.Fatal(err)
	}
	return res
}

// tenant is an installed corp with the credentials an ISV would hold for it.
type tenant struct {
	corpID, perm, corpToken, suiteToken string
	agentID                             int
}

func (e *env) tenant() tenant {
	e.t.Helper()
	res := e.install(ViaLink)
	st := e.suiteToken(testSuite)
	m := e.mustOK(e.post("/cgi-bin/service/get_permanent_code", qs("suite_access_token", st), jsonObj{"auth_code": res.AuthCode}))
	return tenant{corpID: res.CorpID, perm: str(m, "permanent_code"), corpToken: str(m, "access_token"), suiteToken: st, agentID: res.AgentID}
}

func qs(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return q
}

// browse GETs a page without following the redirect and returns status and Location.
func (e *env) browse(path string, q url.Values) (int, *url.URL, string) {
	e.t.Helper()
	resp, err := noRedirect.Get(e.srv.URL + path + "?" + q.Encode())
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc, _ := resp.Location()
	return resp.StatusCode, loc, string(body)
}

// oauthCode runs the OAuth page for userID ("" = the default pick) and returns the code.
func (e *env) oauthCode(suiteID, scope, userID string) string {
	e.t.Helper()
	q := qs("appid", suiteID, "redirect_uri", e.rc.srv.URL+"/oauth/cb", "response_type", "code", "scope", scope, "state", "s1")
	if userID != "" {
		q.Set("userid", userID)
	}
	status, loc, body := e.browse("/connect/oauth2/authorize", q)
	if status != http.StatusFound {
		e.t.Fatalf("oauth page: status %d: %s", status, body)
	}
	return loc.Query().Get("code")
}

func storeSeed(name string) store.CorpSeed { return store.CorpSeed{Name: name} }
