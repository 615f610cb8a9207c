package wecomsim

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func manual(c *Config) { c.AutoApprove = false }

func (e *env) preAuthCode() string {
	e.t.Helper()
	return str(e.mustOK(e.get("/cgi-bin/service/get_pre_auth_code", qs("suite_access_token", e.suiteToken(testSuite)))), "pre_auth_code")
}

// submit posts a page form without following the redirect.
func (e *env) submit(path string, form url.Values) (int, *url.URL, string) {
	e.t.Helper()
	resp, err := noRedirect.PostForm(e.srv.URL+path, form)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	loc, _ := resp.Location()
	return resp.StatusCode, loc, string(body)
}

func TestInstallPage(t *testing.T) {
	e := newEnv(t, manual)
	pre := e.preAuthCode()
	q := qs("suite_id", testSuite, "pre_auth_code", pre, "redirect_uri", "http://isv.example/install/cb?x=1", "state", "abc")
	status, _, body := e.browse("/3rdapp/install", q)
	if status != http.StatusOK || !strings.Contains(body, `<form method="post"`) || !strings.Contains(body, pre) {
		t.Fatalf("install page: %d %s", status, body)
	}
	pushes := len(e.rc.all())
	form := url.Values{}
	for k, v := range q {
		form[k] = v
	}
	form.Set("corp_name", "乙公司")
	status, loc, body := e.submit("/3rdapp/install", form)
	if status != http.StatusFound {
		t.Fatalf("approve: %d %s", status, body)
	}
	if loc.Host != "isv.example" || loc.Query().Get("x") != "1" || loc.Query().Get("expires_in") != "600" || loc.Query().Get("state") != "abc" || loc.Query().Get("auth_code") == "" {
		t.Errorf("redirect %v", loc)
	}
	if len(e.rc.all()) != pushes {
		t.Error("link install pushed create_auth")
	}
	m := e.mustOK(e.post("/cgi-bin/service/get_permanent_code", qs("suite_access_token", e.suiteToken(testSuite)), jsonObj{"auth_code": loc.Query().Get("auth_code")}))
	if m["auth_corp_info"].(jsonObj)["corp_name"] != "乙公司" {
		t.Errorf("installed corp %v", m["auth_corp_info"])
	}

	errs := []struct {
		name string
		q    url.Values
		want string
	}{
		{"unknown suite", qs("suite_id", "wwnosuch", "pre_auth_code", pre, "redirect_uri", "http://isv.example/"), "40083"},
		{"bad pre_auth_code", qs("suite_id", testSuite, "pre_auth_code", "nope", "redirect_uri", "http://isv.example/"), "40077"},
		{"bad redirect", qs("suite_id", testSuite, "pre_auth_code", pre, "redirect_uri", "nope"), "40058"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, body := e.browse("/3rdapp/install", tt.q); status != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s", status, body)
			}
		})
	}
}

func TestInstallPageAutoApprove(t *testing.T) {
	e := newEnv(t)
	existing := e.install(ViaLink)
	for _, tt := range []struct {
		name, corpID string
		wantSame     bool
	}{{"new corp", "", false}, {"given corp", existing.CorpID, true}} {
		t.Run(tt.name, func(t *testing.T) {
			q := qs("suite_id", testSuite, "pre_auth_code", e.preAuthCode(), "redirect_uri", "http://isv.example/cb", "state", "s")
			if tt.corpID != "" {
				q.Set("corpid", tt.corpID)
			}
			status, loc, body := e.browse("/3rdapp/install", q)
			if status != http.StatusFound {
				t.Fatalf("%d %s", status, body)
			}
			in, _, err := e.sim.store.ExchangeAuthCode(testSuite, loc.Query().Get("auth_code"), e.sim.Now())
			if err != nil {
				t.Fatal(err)
			}
			if same := in.CorpID == existing.CorpID; same != tt.wantSame {
				t.Errorf("installed into %s (existing %s)", in.CorpID, existing.CorpID)
			}
		})
	}
}

func TestOAuthPage(t *testing.T) {
	e := newEnv(t, manual)
	tn := e.tenant()
	cb := e.rc.srv.URL + "/oauth/cb"
	q := qs("appid", testSuite, "redirect_uri", cb, "response_type", "code", "scope", "snsapi_base", "state", "o1")
	status, _, body := e.browse("/connect/oauth2/authorize", q)
	if status != http.StatusOK || !strings.Contains(body, "李四 (lisi)") || !strings.Contains(body, tn.corpID) {
		t.Fatalf("picker: %d %s", status, body)
	}
	form := url.Values{"corpid": {tn.corpID}, "userid": {"lisi"}}
	for k, v := range q {
		form[k] = v
	}
	status, loc, _ := e.submit("/connect/oauth2/authorize", form)
	if status != http.StatusFound || loc.Query().Get("state") != "o1" || !strings.HasPrefix(loc.String(), cb+"?") {
		t.Fatalf("pick: %d %v", status, loc)
	}
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", qs("suite_access_token", tn.suiteToken, "code", loc.Query().Get("code"))))
	if m["userid"] != "lisi" {
		t.Errorf("signed in as %v", m["userid"])
	}

	errs := []struct {
		name string
		q    url.Values
		want string
	}{
		{"untrusted domain", qs("appid", testSuite, "redirect_uri", "http://evil.example/cb", "response_type", "code"), "50001"},
		{"port differs", qs("appid", testSuite, "redirect_uri", "http://127.0.0.1:1/cb", "response_type", "code"), "50001"},
		{"unknown appid", qs("appid", "wwnosuch", "redirect_uri", cb, "response_type", "code"), "40083"},
		{"response_type", qs("appid", testSuite, "redirect_uri", cb, "response_type", "token"), "40058"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, body := e.browse("/connect/oauth2/authorize", tt.q); status != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s", status, body)
			}
		})
	}
}

func TestOAuthAutoPicksNewestCorpAdmin(t *testing.T) {
	e := newEnv(t)
	e.tenant()
	newest := e.tenant()
	code := e.oauthCode(testSuite, "snsapi_base", "")
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", qs("suite_access_token", newest.suiteToken, "code", code)))
	if m["corpid"] != newest.corpID || m["userid"] != "zhangsan" {
		t.Errorf("auto pick %v", m)
	}
	if status, _, body := e.browse("/connect/oauth2/authorize", qs("appid", testSuite, "redirect_uri", e.rc.srv.URL+"/cb", "response_type", "code", "userid", "ghost")); status != http.StatusBadRequest {
		t.Errorf("unknown userid: %d %s", status, body)
	}
}

func TestLoginPageErrors(t *testing.T) {
	e := newEnv(t)
	e.tenant()
	cb := e.rc.srv.URL + "/cb"
	tests := []struct {
		name, path string
		q          url.Values
		want       string
	}{
		{"sso CorpApp", "/wwlogin/sso/login", qs("login_type", "CorpApp", "appid", testSuite, "redirect_uri", cb), "40058"},
		{"sso untrusted", "/wwlogin/sso/login", qs("login_type", "ServiceApp", "appid", testSuite, "redirect_uri", "http://evil.example/"), "50001"},
		{"qrConnect wrong appid", "/wwopen/sso/3rd_qrConnect", qs("appid", testSuite, "redirect_uri", cb), "40013"},
		{"qrConnect untrusted", "/wwopen/sso/3rd_qrConnect", qs("appid", testProvider, "redirect_uri", "http://evil.example/"), "50001"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if status, _, body := e.browse(tt.path, tt.q); status != http.StatusBadRequest || !strings.Contains(body, tt.want) {
				t.Errorf("%d %s", status, body)
			}
		})
	}
}
