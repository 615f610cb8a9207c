package wecomsim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestGetUserInfo3rd(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	corp, _ := e.sim.store.Corp(tn.corpID)
	zs, _ := corp.User("zhangsan")
	q := func(code string) map[string][]string {
		return qs("suite_access_token", tn.suiteToken, "code", code)
	}

	code := e.oauthCode(testSuite, "snsapi_base", "")
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", q(code)))
	if m["corpid"] != tn.corpID || m["userid"] != "zhangsan" || m["open_userid"] != zs.OpenUserID {
		t.Errorf("answer %v", m)
	}
	if _, ok := m["user_ticket"]; ok {
		t.Error("snsapi_base got a user_ticket")
	}
	if c := errcode(e.get("/cgi-bin/service/auth/getuserinfo3rd", q(code))); c != 40029 {
		t.Errorf("reused code: %d, want 40029", c)
	}

	tests := []struct {
		name    string
		query   map[string][]string
		advance time.Duration
		want    int
	}{
		{"missing code", qs("suite_access_token", tn.suiteToken), 0, 41008},
		{"unknown code", q("nope"), 0, 40029},
		{"other suite's code", qs("suite_access_token", e.suiteToken(testSuite2), "code", e.oauthCode(testSuite, "snsapi_base", "")), 0, 40029},
		{"expired after 5 min", q(e.oauthCode(testSuite, "snsapi_base", "")), 5 * time.Minute, 40029},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.Advance(tt.advance)
			if tt.advance > 0 {
				tt.query["suite_access_token"] = []string{e.suiteToken(testSuite)}
			}
			if c := errcode(e.get("/cgi-bin/service/auth/getuserinfo3rd", tt.query)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
}

func TestUserDetail3rd(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	st := e.suiteToken(testSuite)
	code := e.oauthCode(testSuite, "snsapi_privateinfo", "lisi")
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", qs("suite_access_token", st, "code", code)))
	ticket := str(m, "user_ticket")
	if ticket == "" || m["expires_in"] != 1800.0 || m["userid"] != "lisi" {
		t.Fatalf("answer %v", m)
	}
	for _, path := range []string{"/cgi-bin/service/auth/getuserdetail3rd", "/cgi-bin/service/getuserdetail3rd"} {
		d := e.mustOK(e.post(path, qs("suite_access_token", st), jsonObj{"user_ticket": ticket}))
		if d["corpid"] != tn.corpID || d["userid"] != "lisi" || d["name"] != "李四" || d["gender"] != "2" || str(d, "qr_code") == "" {
			t.Errorf("%s: %v", path, d)
		}
	}
	if c := errcode(e.post("/cgi-bin/service/getuserdetail3rd", qs("access_token", st), jsonObj{"user_ticket": ticket})); c != 0 {
		t.Errorf("legacy detail with access_token=: %d", c)
	}
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing", jsonObj{}, 41008},
		{"unknown", jsonObj{"user_ticket": "nope"}, 40029},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := errcode(e.post("/cgi-bin/service/auth/getuserdetail3rd", qs("suite_access_token", st), tt.body)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
	e.sim.Advance(1800 * time.Second)
	if c := errcode(e.post("/cgi-bin/service/auth/getuserdetail3rd", qs("suite_access_token", e.suiteToken(testSuite)), jsonObj{"user_ticket": ticket})); c != 40029 {
		t.Errorf("expired user_ticket: %d, want 40029", c)
	}
}

func TestUserTicketOnlyInVisibleRange(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	if _, err := e.sim.PushEvent(t.Context(), tn.corpID, EventRequest{Type: EventChangeAuth, AllowParty: []int{2}}); err != nil {
		t.Fatal(err)
	}
	code := e.oauthCode(testSuite, "snsapi_privateinfo", "zhangsan") // in department 1, outside the range
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", qs("suite_access_token", tn.suiteToken, "code", code)))
	if _, ok := m["user_ticket"]; ok {
		t.Error("user outside the visible range got a user_ticket")
	}
}

func TestLegacyGetUserInfo3rd(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	for _, param := range []string{"suite_access_token", "access_token"} {
		t.Run(param, func(t *testing.T) {
			code := e.oauthCode(testSuite, "snsapi_base", "")
			m := e.mustOK(e.get("/cgi-bin/service/getuserinfo3rd", qs(param, tn.suiteToken, "code", code)))
			if m["CorpId"] != tn.corpID || m["UserId"] != "zhangsan" || str(m, "open_userid") == "" {
				t.Errorf("answer %v", m)
			}
			if _, ok := m["DeviceId"]; !ok {
				t.Error("no DeviceId key")
			}
			if _, ok := m["userid"]; ok {
				t.Error("legacy answer has lowercase keys")
			}
		})
	}
}

func TestWebLoginCodes(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	cb := e.rc.srv.URL + "/login/cb"

	// New wwlogin SSO: code redeemed by getuserinfo3rd.
	status, loc, body := e.browse("/wwlogin/sso/login", qs("login_type", "ServiceApp", "appid", testSuite, "redirect_uri", cb, "state", "w1", "userid", "lisi"))
	if status != http.StatusFound || loc.Query().Get("state") != "w1" {
		t.Fatalf("sso: %d %v %s", status, loc, body)
	}
	m := e.mustOK(e.get("/cgi-bin/service/auth/getuserinfo3rd", qs("suite_access_token", tn.suiteToken, "code", loc.Query().Get("code"))))
	if m["userid"] != "lisi" || m["corpid"] != tn.corpID {
		t.Errorf("sso user %v", m)
	}

	// Legacy 3rd_qrConnect: auth_code redeemed by get_login_info with the provider token.
	status, loc, body = e.browse("/wwopen/sso/3rd_qrConnect", qs("appid", testProvider, "redirect_uri", cb, "state", "q1", "usertype", "admin"))
	if status != http.StatusFound || loc.Query().Get("state") != "q1" || loc.Query().Get("auth_code") == "" {
		t.Fatalf("qrConnect: %d %v %s", status, loc, body)
	}
	prov := e.providerToken()
	m = e.mustOK(e.post("/cgi-bin/service/get_login_info", qs("access_token", prov), jsonObj{"auth_code": loc.Query().Get("auth_code")}))
	if m["usertype"] != 1.0 || m["corp_info"].(jsonObj)["corpid"] != tn.corpID || m["user_info"].(jsonObj)["userid"] != "zhangsan" {
		t.Errorf("login info %v", m)
	}
	agents := m["agent"].([]any)
	if len(agents) != 1 || agents[0].(jsonObj)["agentid"] != float64(tn.agentID) {
		t.Errorf("agents %v", agents)
	}
	if c := errcode(e.post("/cgi-bin/service/get_login_info", qs("access_token", prov), jsonObj{"auth_code": loc.Query().Get("auth_code")})); c != 40029 {
		t.Errorf("reused login auth_code: %d, want 40029", c)
	}
	if c := errcode(e.post("/cgi-bin/service/get_login_info", qs("access_token", prov), jsonObj{})); c != 41008 {
		t.Errorf("missing auth_code: %d, want 41008", c)
	}

	// A member logs in as usertype 5 with no agent list.
	_, loc, _ = e.browse("/wwopen/sso/3rd_qrConnect", qs("appid", testProvider, "redirect_uri", cb, "userid", "wangwu"))
	m = e.mustOK(e.post("/cgi-bin/service/get_login_info", qs("access_token", prov), jsonObj{"auth_code": loc.Query().Get("auth_code")}))
	if m["usertype"] != 5.0 || m["agent"] != nil || m["auth_info"] != nil {
		t.Errorf("member login %v", m)
	}
	if strings.Contains(str(m, "errmsg"), prov) {
		t.Error("token leaked")
	}
}
