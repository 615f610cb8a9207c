package wecomsim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestGetProviderToken(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		body any
		want int
	}{
		{"missing corpid", jsonObj{"provider_secret": "provider-secret"}, 41002},
		{"wrong corpid", jsonObj{"corpid": "wwother", "provider_secret": "provider-secret"}, 40013},
		{"missing secret", jsonObj{"corpid": testProvider}, 41004},
		{"wrong secret", jsonObj{"corpid": testProvider, "provider_secret": "nope"}, 40001},
		{"empty body", nil, 41002},
		{"bad json", "{corpid:", 47001},
		{"ok", jsonObj{"corpid": testProvider, "provider_secret": "provider-secret"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.post("/cgi-bin/service/get_provider_token", nil, tt.body)
			if errcode(m) != tt.want {
				t.Fatalf("errcode %d, want %d: %v", errcode(m), tt.want, m)
			}
			if tt.want == 47001 && !strings.Contains(str(m, "errmsg"), "Warning: wrong json format.") {
				t.Errorf("errmsg %q", m["errmsg"])
			}
			if tt.want != 0 && !strings.Contains(str(m, "errmsg"), ", hint: [") {
				t.Errorf("errmsg not in WeCom style: %q", m["errmsg"])
			}
			if tt.want == 0 && (len(str(m, "provider_access_token")) < 64 || m["expires_in"] != 7200.0) {
				t.Errorf("answer %v", m)
			}
		})
	}
	if a, b := e.providerToken(), e.providerToken(); a != b {
		t.Error("provider token changed while valid")
	}
}

func TestGetSuiteToken(t *testing.T) {
	e := newEnv(t)
	ticket := e.ticket(testSuite)
	body := func(id, secret, tk string) jsonObj {
		return jsonObj{"suite_id": id, "suite_secret": secret, "suite_ticket": tk}
	}
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing suite_id", body("", "secret-"+testSuite, ticket), 41021},
		{"unknown suite", body("wwnosuch", "x", ticket), 40083},
		{"missing secret", body(testSuite, "", ticket), 41024},
		{"wrong secret", body(testSuite, "nope", ticket), 40080},
		{"missing ticket", body(testSuite, "secret-"+testSuite, ""), 41023},
		{"unknown ticket", body(testSuite, "secret-"+testSuite, "nope"), 40085},
		{"other suite's ticket", body(testSuite, "secret-"+testSuite, e.ticket(testSuite2)), 40085},
		{"ok", body(testSuite, "secret-"+testSuite, ticket), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m := e.post("/cgi-bin/service/get_suite_token", nil, tt.body); errcode(m) != tt.want {
				t.Fatalf("errcode %d, want %d: %v", errcode(m), tt.want, m)
			}
		})
	}
	if e.suiteToken(testSuite) != e.suiteToken(testSuite) {
		t.Error("suite token changed while valid")
	}
	if e.suiteToken(testSuite) == e.suiteToken(testSuite2) {
		t.Error("two suites share a token")
	}
}

// TestTokenChecks runs every token-guarded endpoint with a missing, garbage and
// wrong-kind token (protocol §8 simulator defaults), and checks that errmsg never
// echoes the token.
func TestTokenChecks(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	prov := e.providerToken()
	type ep struct {
		method, path, param string
		suite, corp         bool // which family it belongs to
	}
	eps := []ep{
		{"GET", "/cgi-bin/service/get_pre_auth_code", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/set_session_info", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/get_permanent_code", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/v2/get_permanent_code", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/get_auth_info", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/v2/get_auth_info", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/get_corp_token", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/get_admin_list", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/get_app_qrcode", "suite_access_token", true, false},
		{"GET", "/cgi-bin/service/auth/getuserinfo3rd", "suite_access_token", true, false},
		{"POST", "/cgi-bin/service/auth/getuserdetail3rd", "suite_access_token", true, false},
		{"GET", "/cgi-bin/service/getuserinfo3rd", "access_token", true, false},
		{"POST", "/cgi-bin/service/getuserdetail3rd", "access_token", true, false},
		{"POST", "/cgi-bin/service/get_login_info", "access_token", false, false},
		{"POST", "/cgi-bin/service/corpid_to_opencorpid", "provider_access_token", false, false},
		{"GET", "/cgi-bin/get_jsapi_ticket", "access_token", false, true},
		{"GET", "/cgi-bin/ticket/get", "access_token", false, true},
		{"POST", "/cgi-bin/agent/get_admin_list", "access_token", false, true},
		{"POST", "/cgi-bin/batch/userid_to_openuserid", "access_token", false, true},
		{"GET", "/cgi-bin/user/get", "access_token", false, true},
		{"GET", "/cgi-bin/user/simplelist", "access_token", false, true},
		{"GET", "/cgi-bin/department/list", "access_token", false, true},
		{"POST", "/cgi-bin/message/send", "access_token", false, true},
	}
	for _, x := range eps {
		missing, invalid := 41001, 40014
		wrong := []string{tn.suiteToken}
		switch {
		case x.suite:
			missing, invalid, wrong = 41022, 40082, []string{prov, tn.corpToken}
		case x.corp:
			wrong = []string{prov, tn.suiteToken}
		default: // provider token
			wrong = []string{tn.suiteToken, tn.corpToken}
		}
		cases := map[string]struct {
			token string
			want  int
		}{"missing": {"", missing}, "garbage": {"garbage-token-value", invalid}}
		for i, w := range wrong {
			cases["wrong kind "+string(rune('a'+i))] = struct {
				token string
				want  int
			}{w, invalid}
		}
		for name, c := range cases {
			t.Run(x.path+"/"+name, func(t *testing.T) {
				q := qs("type", "agent_config")
				if c.token != "" {
					q.Set(x.param, c.token)
				}
				m := e.call(x.method, x.path, q, jsonObj{})
				if errcode(m) != c.want {
					t.Fatalf("errcode %d, want %d: %v", errcode(m), c.want, m)
				}
				if c.token != "" && strings.Contains(str(m, "errmsg"), c.token) {
					t.Error("errmsg contains the token")
				}
			})
		}
	}
}

func TestTokenInBodyIsMissing(t *testing.T) {
	e := newEnv(t)
	st := e.suiteToken(testSuite)
	if c := errcode(e.post("/cgi-bin/service/get_corp_token", nil, jsonObj{"suite_access_token": st})); c != 41022 {
		t.Errorf("token in body: errcode %d, want 41022", c)
	}
}

func TestPreAuthCodeAndSessionInfo(t *testing.T) {
	e := newEnv(t)
	q := qs("suite_access_token", e.suiteToken(testSuite))
	m := e.mustOK(e.get("/cgi-bin/service/get_pre_auth_code", q))
	pre := str(m, "pre_auth_code")
	if m["expires_in"] != 1200.0 || pre == "" {
		t.Fatalf("answer %v", m)
	}
	other := str(e.mustOK(e.get("/cgi-bin/service/get_pre_auth_code", qs("suite_access_token", e.suiteToken(testSuite2)))), "pre_auth_code")
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing", jsonObj{"session_info": jsonObj{"auth_type": 1}}, 40077},
		{"unknown", jsonObj{"pre_auth_code": "nope", "session_info": jsonObj{"auth_type": 1}}, 40077},
		{"other suite's", jsonObj{"pre_auth_code": other, "session_info": jsonObj{"auth_type": 1}}, 40077},
		{"bad auth_type", jsonObj{"pre_auth_code": pre, "session_info": jsonObj{"auth_type": 3}}, 40058},
		{"ok", jsonObj{"pre_auth_code": pre, "session_info": jsonObj{"appid": []int{}, "auth_type": 1}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m := e.post("/cgi-bin/service/set_session_info", q, tt.body); errcode(m) != tt.want {
				t.Fatalf("errcode %d, want %d: %v", errcode(m), tt.want, m)
			}
		})
	}
	// The test-install flag reaches the install made through the page.
	status, loc, _ := e.browse("/3rdapp/install", qs("suite_id", testSuite, "pre_auth_code", pre, "redirect_uri", "http://isv.example/cb", "state", "x"))
	if status != http.StatusFound {
		t.Fatalf("install page status %d", status)
	}
	if in, _, _ := e.sim.store.ExchangeAuthCode(testSuite, loc.Query().Get("auth_code"), e.sim.Now()); in.AuthType != 1 {
		t.Errorf("install auth_type %d, want 1 (test install)", in.AuthType)
	}
	e.sim.Advance(20 * time.Minute)
	if m := e.post("/cgi-bin/service/set_session_info", qs("suite_access_token", e.suiteToken(testSuite)),
		jsonObj{"pre_auth_code": pre, "session_info": jsonObj{"auth_type": 0}}); errcode(m) != 42007 {
		t.Errorf("expired pre_auth_code: %v, want 42007", m)
	}
}
