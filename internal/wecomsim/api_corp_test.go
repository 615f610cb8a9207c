package wecomsim

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestJSAPITickets(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	q := qs("access_token", tn.corpToken)
	corpTicket := e.mustOK(e.get("/cgi-bin/get_jsapi_ticket", q))
	q.Set("type", "agent_config")
	agentTicket := e.mustOK(e.get("/cgi-bin/ticket/get", q))
	if corpTicket["ticket"] == agentTicket["ticket"] || str(corpTicket, "ticket") == "" || corpTicket["expires_in"] != 7200.0 {
		t.Fatalf("corp %v agent %v", corpTicket, agentTicket)
	}
	if again := e.mustOK(e.get("/cgi-bin/ticket/get", q)); again["ticket"] != agentTicket["ticket"] {
		t.Error("agent ticket changed while valid")
	}
	if c := errcode(e.get("/cgi-bin/ticket/get", qs("access_token", tn.corpToken))); c != 40058 {
		t.Errorf("ticket/get without type: %d, want 40058", c)
	}
	// Expiry: after the TTL the corp token is dead; a fresh one yields fresh tickets.
	e.sim.Advance(7200 * time.Second)
	if c := errcode(e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", tn.corpToken))); c != 42001 {
		t.Fatalf("expired corp token: %d, want 42001", c)
	}
	ct := str(e.mustOK(e.post("/cgi-bin/service/get_corp_token", qs("suite_access_token", e.suiteToken(testSuite)),
		jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm})), "access_token")
	if ct == tn.corpToken {
		t.Fatal("corp token not renewed after expiry")
	}
	if fresh := e.mustOK(e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", ct))); fresh["ticket"] == corpTicket["ticket"] {
		t.Error("jsapi_ticket not renewed after expiry")
	}
}

func TestIDConversion(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	corp, _ := e.sim.store.Corp(tn.corpID)
	prov := e.providerToken()
	m := e.mustOK(e.post("/cgi-bin/service/corpid_to_opencorpid", qs("provider_access_token", prov), jsonObj{"corpid": tn.corpID}))
	if m["open_corpid"] != corp.OpenCorpID {
		t.Errorf("open_corpid %v", m)
	}
	other, _ := e.sim.store.AddCorp(storeSeed("outsider"), e.sim.Now())
	for body, want := range map[string]int{"": 41002, "ww0123456789abcdef": 40013, other.CorpID: 48001} {
		if c := errcode(e.post("/cgi-bin/service/corpid_to_opencorpid", qs("provider_access_token", prov), jsonObj{"corpid": body})); c != want {
			t.Errorf("corpid %q: %d, want %d", body, c, want)
		}
	}

	lisi, _ := corp.User("lisi")
	m = e.mustOK(e.post("/cgi-bin/batch/userid_to_openuserid", qs("access_token", tn.corpToken), jsonObj{"userid_list": []string{"lisi", "ghost"}}))
	want := jsonObj{"errcode": 0.0, "errmsg": "ok", "open_userid_list": []any{jsonObj{"userid": "lisi", "open_userid": lisi.OpenUserID}}, "invalid_userid_list": []any{"ghost"}}
	if diff := cmp.Diff(want, m); diff != "" {
		t.Errorf("userid_to_openuserid (-want +got):\n%s", diff)
	}
	if c := errcode(e.post("/cgi-bin/batch/userid_to_openuserid", qs("access_token", tn.corpToken), jsonObj{})); c != 40058 {
		t.Errorf("empty list: %d", c)
	}
}

func TestContactAPIs(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	tok := tn.corpToken
	tests := []struct {
		name, path string
		q          map[string][]string
		want       int
	}{
		{"user ok", "/cgi-bin/user/get", qs("userid", "lisi"), 0},
		{"user missing id", "/cgi-bin/user/get", nil, 40003},
		{"user unknown", "/cgi-bin/user/get", qs("userid", "ghost"), 60111},
		{"simplelist ok", "/cgi-bin/user/simplelist", qs("department_id", "1", "fetch_child", "1"), 0},
		{"simplelist bad id", "/cgi-bin/user/simplelist", qs("department_id", "x"), 40058},
		{"simplelist unknown dept", "/cgi-bin/user/simplelist", qs("department_id", "99"), 60003},
		{"department list", "/cgi-bin/department/list", nil, 0},
		{"department unknown", "/cgi-bin/department/list", qs("id", "99"), 60003},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := qs("access_token", tok)
			for k, v := range tt.q {
				q[k] = v
			}
			if c := errcode(e.get(tt.path, q)); c != tt.want {
				t.Fatalf("errcode %d, want %d", c, tt.want)
			}
		})
	}
	m := e.mustOK(e.get("/cgi-bin/user/simplelist", qs("access_token", tok, "department_id", "1", "fetch_child", "1")))
	if n := len(m["userlist"].([]any)); n != 3 {
		t.Errorf("simplelist with children: %d users, want 3", n)
	}
	m = e.mustOK(e.get("/cgi-bin/user/simplelist", qs("access_token", tok, "department_id", "1")))
	if n := len(m["userlist"].([]any)); n != 1 {
		t.Errorf("simplelist of dept 1 only: %d users, want 1", n)
	}
	m = e.mustOK(e.get("/cgi-bin/user/get", qs("access_token", tok, "userid", "lisi")))
	if m["name"] != "李四" || m["gender"] != "0" || m["mobile"] != nil {
		t.Errorf("user/get %v", m)
	}
	// Narrow the visible range to department 2: zhangsan (dept 1) becomes invisible.
	e.sim.PushEvent(t.Context(), tn.corpID, EventRequest{Type: EventChangeAuth, AllowParty: []int{2}})
	if c := errcode(e.get("/cgi-bin/user/get", qs("access_token", tok, "userid", "zhangsan"))); c != 60011 {
		t.Errorf("user outside range: %d, want 60011", c)
	}
	m = e.mustOK(e.get("/cgi-bin/department/list", qs("access_token", tok)))
	if diff := cmp.Diff([]any{jsonObj{"id": 2.0, "name": "研发部", "parentid": 1.0, "order": 100000000.0, "department_leader": []any{}}}, m["department"]); diff != "" {
		t.Errorf("department list (-want +got):\n%s", diff)
	}
}

func TestSendMessage(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	q := qs("access_token", tn.corpToken)
	tests := []struct {
		name string
		body jsonObj
		want int
	}{
		{"missing agentid", jsonObj{"touser": "lisi", "msgtype": "text"}, 40056},
		{"foreign agentid", jsonObj{"touser": "lisi", "msgtype": "text", "agentid": 1}, 301002},
		{"missing msgtype", jsonObj{"touser": "lisi", "agentid": tn.agentID}, 40008},
		{"no receivers", jsonObj{"msgtype": "text", "agentid": tn.agentID}, 40058},
		{"ok", jsonObj{"touser": "lisi|ghost", "msgtype": "text", "agentid": tn.agentID, "text": jsonObj{"content": "hi"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := e.post("/cgi-bin/message/send", q, tt.body)
			if errcode(m) != tt.want {
				t.Fatalf("errcode %d, want %d: %v", errcode(m), tt.want, m)
			}
			if tt.want == 0 && (m["invaliduser"] != "ghost" || str(m, "msgid") == "") {
				t.Errorf("answer %v", m)
			}
		})
	}
	corp, _ := e.sim.store.Corp(tn.corpID)
	if len(corp.Messages) != 1 || corp.Messages[0].ToUser != "lisi|ghost" || corp.Messages[0].MsgType != "text" {
		t.Errorf("recorded messages %+v", corp.Messages)
	}
}

func TestTokenExpiry(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.TokenTTLSeconds = 600 })
	tn := e.tenant()
	prov := e.providerToken()
	e.sim.Advance(599 * time.Second)
	e.mustOK(e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", tn.corpToken)))
	e.sim.Advance(time.Second)
	checks := []struct {
		name string
		m    jsonObj
		want int
	}{
		{"provider", e.post("/cgi-bin/service/corpid_to_opencorpid", qs("provider_access_token", prov), jsonObj{"corpid": tn.corpID}), 42001},
		{"suite", e.get("/cgi-bin/service/get_pre_auth_code", qs("suite_access_token", tn.suiteToken)), 42009},
		{"corp", e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", tn.corpToken)), 42001},
	}
	for _, c := range checks {
		if errcode(c.m) != c.want {
			t.Errorf("%s token after TTL: %d, want %d", c.name, errcode(c.m), c.want)
		}
	}
	if e.providerToken() == prov || e.suiteToken(testSuite) == tn.suiteToken {
		t.Error("expired tokens were handed out again")
	}
}
