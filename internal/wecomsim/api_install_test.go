package wecomsim

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestGetPermanentCode(t *testing.T) {
	e := newEnv(t)
	st := e.suiteToken(testSuite)
	q := qs("suite_access_token", st)

	res := e.install(ViaLink)
	m := e.mustOK(e.post("/cgi-bin/service/get_permanent_code", q, jsonObj{"auth_code": res.AuthCode}))
	for _, k := range []string{"access_token", "expires_in", "permanent_code", "auth_corp_info", "auth_info", "auth_user_info", "state", "edition_info"} {
		if _, ok := m[k]; !ok {
			t.Errorf("v1 answer lacks %s", k)
		}
	}
	corp := m["auth_corp_info"].(jsonObj)
	agent := m["auth_info"].(jsonObj)["agent"].([]any)[0].(jsonObj)
	if corp["corpid"] != res.CorpID || str(corp, "corp_wxqrcode") == "" || agent["agentid"] != float64(res.AgentID) ||
		m["state"] != "st1" || m["permanent_code"] != res.PermanentCode || m["auth_user_info"].(jsonObj)["userid"] != "zhangsan" {
		t.Errorf("v1 answer %v", m)
	}
	if c := errcode(e.post("/cgi-bin/service/get_permanent_code", q, jsonObj{"auth_code": res.AuthCode})); c != 40078 {
		t.Errorf("reused auth code: %d, want 40078", c)
	}
	// v1 hands out the corp token; get_corp_token returns the same one while valid.
	ct := e.mustOK(e.post("/cgi-bin/service/get_corp_token", q, jsonObj{"auth_corpid": res.CorpID, "permanent_code": res.PermanentCode}))
	if ct["access_token"] != m["access_token"] {
		t.Error("get_corp_token returned a different token than v1 get_permanent_code while valid")
	}

	res2 := e.install(ViaLink)
	m2 := e.mustOK(e.post("/cgi-bin/service/v2/get_permanent_code", q, jsonObj{"auth_code": res2.AuthCode}))
	want := jsonObj{"errcode": 0.0, "errmsg": "ok", "permanent_code": res2.PermanentCode, "state": "st1",
		"auth_corp_info": jsonObj{"corpid": res2.CorpID, "corp_name": res2.CorpName}}
	delete(m2, "auth_user_info")
	if diff := cmp.Diff(want, m2); diff != "" {
		t.Errorf("v2 answer (-want +got):\n%s", diff)
	}

	res3 := e.install(ViaLink)
	tests := []struct {
		name, token string
		body        any
		advance     time.Duration
		want        int
	}{
		{"missing auth_code", st, jsonObj{}, 0, 41008},
		{"unknown auth_code", st, jsonObj{"auth_code": "nope"}, 0, 40078},
		{"other suite", e.suiteToken(testSuite2), jsonObj{"auth_code": res3.AuthCode}, 0, 40078},
		{"expired after 10 min", "", jsonObj{"auth_code": res3.AuthCode}, 10 * time.Minute, 40078},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.sim.Advance(tt.advance)
			tok := tt.token
			if tok == "" {
				tok = e.suiteToken(testSuite)
			}
			if c := errcode(e.post("/cgi-bin/service/v2/get_permanent_code", qs("suite_access_token", tok), tt.body)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
}

func TestGetAuthInfoAndCorpToken(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	other := e.tenant()
	q := qs("suite_access_token", tn.suiteToken)
	v1 := e.mustOK(e.post("/cgi-bin/service/get_auth_info", q, jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm}))
	v2 := e.mustOK(e.post("/cgi-bin/service/v2/get_auth_info", q, jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm}))
	if _, ok := v1["auth_corp_info"].(jsonObj)["corp_wxqrcode"]; !ok {
		t.Error("v1 get_auth_info lacks corp_wxqrcode")
	}
	if _, ok := v2["auth_corp_info"].(jsonObj)["corp_wxqrcode"]; ok {
		t.Error("v2 get_auth_info has corp_wxqrcode")
	}
	if _, ok := v1["edition_info"]; !ok {
		t.Error("v1 get_auth_info lacks edition_info")
	}
	agent := v2["auth_info"].(jsonObj)["agent"].([]any)[0].(jsonObj)
	if agent["agentid"] != float64(tn.agentID) || agent["auth_mode"] != 0.0 {
		t.Errorf("agent %v", agent)
	}
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing corpid", jsonObj{"permanent_code": tn.perm}, 41002},
		{"missing permanent_code", jsonObj{"auth_corpid": tn.corpID}, 41025},
		{"unknown corp", jsonObj{"auth_corpid": "ww0123456789abcdef", "permanent_code": tn.perm}, 40013},
		{"wrong code", jsonObj{"auth_corpid": tn.corpID, "permanent_code": "nope"}, 40084},
		{"another corp's code", jsonObj{"auth_corpid": tn.corpID, "permanent_code": other.perm}, 40084},
		{"ok", jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm}, 0},
	}
	for _, path := range []string{"/cgi-bin/service/get_auth_info", "/cgi-bin/service/v2/get_auth_info", "/cgi-bin/service/get_corp_token"} {
		for _, tt := range tests {
			t.Run(path+"/"+tt.name, func(t *testing.T) {
				if c := errcode(e.post(path, q, tt.body)); c != tt.want {
					t.Fatalf("errcode %d, want %d", c, tt.want)
				}
			})
		}
	}
	// A suite that is not installed in the corp cannot use the code.
	if c := errcode(e.post("/cgi-bin/service/get_corp_token", qs("suite_access_token", e.suiteToken(testSuite2)),
		jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm})); c != 40084 {
		t.Errorf("other suite: %d, want 40084", c)
	}
}

func TestAdminLists(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	q := qs("suite_access_token", tn.suiteToken)
	corp, _ := e.sim.store.Corp(tn.corpID)
	zs, _ := corp.User("zhangsan")
	m := e.mustOK(e.post("/cgi-bin/service/get_admin_list", q, jsonObj{"auth_corpid": tn.corpID, "agentid": tn.agentID}))
	if diff := cmp.Diff([]any{jsonObj{"userid": "zhangsan", "open_userid": zs.OpenUserID, "auth_type": 1.0}}, m["admin"]); diff != "" {
		t.Errorf("service admin list (-want +got):\n%s", diff)
	}
	uninstalled, _ := e.sim.Install(context.Background(), InstallRequest{SuiteID: testSuite2, Via: ViaLink})
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing corpid", jsonObj{"agentid": tn.agentID}, 41002},
		{"unknown corp", jsonObj{"auth_corpid": "ww0123456789abcdef", "agentid": 1}, 40013},
		{"not installed", jsonObj{"auth_corpid": uninstalled.CorpID, "agentid": 1}, 48004},
		{"wrong agentid", jsonObj{"auth_corpid": tn.corpID, "agentid": tn.agentID + 1}, 40056},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := errcode(e.post("/cgi-bin/service/get_admin_list", q, tt.body)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
	m = e.mustOK(e.post("/cgi-bin/agent/get_admin_list", qs("access_token", tn.corpToken), nil))
	if diff := cmp.Diff([]any{jsonObj{"userid": "zhangsan", "auth_type": 1.0}}, m["admin"]); diff != "" {
		t.Errorf("agent admin list (-want +got):\n%s", diff)
	}
	if c := errcode(e.post("/cgi-bin/agent/get_admin_list", qs("access_token", tn.corpToken), jsonObj{"agentid": 1})); c != 301002 {
		t.Errorf("foreign agentid: %d, want 301002", c)
	}
	e.sim.PushEvent(context.Background(), tn.corpID, EventRequest{Type: EventCancelAuth})
	if c := errcode(e.post("/cgi-bin/service/get_admin_list", q, jsonObj{"auth_corpid": tn.corpID, "agentid": tn.agentID})); c != 48004 {
		t.Errorf("cancelled install: %d, want 48004", c)
	}
}

func TestGetAppQRCode(t *testing.T) {
	e := newEnv(t)
	st := e.suiteToken(testSuite)
	q := qs("suite_access_token", st)
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing suite_id", jsonObj{"result_type": 2}, 41021},
		{"other suite", jsonObj{"suite_id": testSuite2, "result_type": 2}, 48003},
		{"bad state", jsonObj{"suite_id": testSuite, "state": "a-b", "result_type": 2}, 40058},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c := errcode(e.post("/cgi-bin/service/get_app_qrcode", q, tt.body)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
	m := e.mustOK(e.post("/cgi-bin/service/get_app_qrcode", q, jsonObj{"suite_id": testSuite, "state": "qr7", "result_type": 2}))
	link, err := url.Parse(str(m, "qrcode"))
	if err != nil || link.Path != "/3rdapp/qrinstall" {
		t.Fatalf("qrcode %v", m["qrcode"])
	}

	resp, err := http.Post(e.srv.URL+"/cgi-bin/service/get_app_qrcode?"+q.Encode(), "application/json", strings.NewReader(`{"suite_id":"`+testSuite+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	png, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Header.Get("Content-Type") != "image/png" || !bytes.HasPrefix(png, []byte("\x89PNG")) {
		t.Errorf("result_type 1: %s, %d bytes", resp.Header.Get("Content-Type"), len(png))
	}

	// Opening the QR link installs like a scan: create_auth with the QR state.
	status, _, body := e.browse(link.Path, link.Query())
	if status != http.StatusOK || !strings.Contains(body, "installed") {
		t.Fatalf("qrinstall: %d %s", status, body)
	}
	r := lastPost(t, e.rc)
	if !strings.Contains(string(r.Plain), "<InfoType><![CDATA[create_auth]]></InfoType>") || !strings.Contains(string(r.Plain), "<State><![CDATA[qr7]]></State>") {
		t.Errorf("push %s", r.Plain)
	}
}

func TestCallsCountedPerCredential(t *testing.T) {
	e := newEnv(t)
	a, b := e.tenant(), e.tenant()
	e.sim.ResetCalls()
	q := qs("suite_access_token", a.suiteToken)
	for range 3 {
		e.post("/cgi-bin/service/get_corp_token", q, jsonObj{"auth_corpid": a.corpID, "permanent_code": a.perm})
	}
	e.post("/cgi-bin/service/get_corp_token", q, jsonObj{"auth_corpid": b.corpID, "permanent_code": "wrong"})
	e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", b.corpToken))
	got := e.sim.Calls()
	want := map[string]CallStats{
		"/cgi-bin/service/get_corp_token": {Total: 4, ByCredential: map[string]int{a.corpID: 3, b.corpID: 1}},
		"/cgi-bin/get_jsapi_ticket":       {Total: 1, ByCredential: map[string]int{b.corpID: 1}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
}
