package wecomsim

import (
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

func ptr[T any](v T) *T { return &v }

// TestEventXML checks each pushed event byte for byte against protocol §6/§7: CDATA
// strings, bare integers, the right URL and receiveid.
func TestEventXML(t *testing.T) {
	ts := testEpoch.Unix()
	head := func(suite, corp, info string) string {
		return fmt.Sprintf("<xml><SuiteId><![CDATA[%s]]></SuiteId><InfoType><![CDATA[%s]]></InfoType><TimeStamp>%d</TimeStamp><AuthCorpId><![CDATA[%s]]></AuthCorpId>", suite, info, ts, corp)
	}
	contact := func(corp, change string) string {
		return fmt.Sprintf("<xml><SuiteId><![CDATA[%s]]></SuiteId><AuthCorpId><![CDATA[%s]]></AuthCorpId><InfoType><![CDATA[change_contact]]></InfoType><TimeStamp>%d</TimeStamp><ChangeType><![CDATA[%s]]></ChangeType>", testSuite, corp, ts, change)
	}
	tests := []struct {
		name string
		req  EventRequest
		data bool
		want func(tn tenant, res EventPush, s store.Corp) string
	}{
		{"change_auth", EventRequest{Type: EventChangeAuth, State: "s9", AllowUser: []string{"lisi"}, AllowParty: []int{}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return head(testSuite, tn.corpID, "change_auth") + "<State><![CDATA[s9]]></State><ExtraInfo><![CDATA[]]></ExtraInfo></xml>"
			}},
		{"cancel_auth", EventRequest{Type: EventCancelAuth}, false, func(tn tenant, _ EventPush, _ store.Corp) string {
			return head(testSuite, tn.corpID, "cancel_auth") + "</xml>"
		}},
		{"reset_permanent_code", EventRequest{Type: EventResetPermanentCode}, false, func(_ tenant, p EventPush, _ store.Corp) string {
			return fmt.Sprintf("<xml><SuiteId><![CDATA[%s]]></SuiteId><AuthCode><![CDATA[%s]]></AuthCode><InfoType><![CDATA[reset_permanent_code]]></InfoType><TimeStamp>%d</TimeStamp></xml>", testSuite, p.AuthCode, ts)
		}},
		{"create_user", EventRequest{Type: EventChangeContact, ChangeType: "create_user", ContactChange: ContactChange{
			UserID: "zhaoliu", Name: ptr("赵六"), Department: []int{1, 2}, Mobile: ptr("13800000000"), Position: ptr("PM"), Gender: ptr(1), Email: ptr("z@x.com")}},
			false, func(tn tenant, _ EventPush, c store.Corp) string {
				u, _ := c.User("zhaoliu")
				return contact(tn.corpID, "create_user") + "<UserID><![CDATA[zhaoliu]]></UserID><OpenUserID><![CDATA[" + u.OpenUserID + "]]></OpenUserID>" +
					"<Name><![CDATA[赵六]]></Name><Department><![CDATA[1,2]]></Department><MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[0,0]]></IsLeaderInDept>" +
					"<Mobile><![CDATA[13800000000]]></Mobile><Position><![CDATA[PM]]></Position><Gender>1</Gender><Email><![CDATA[z@x.com]]></Email><Status>1</Status></xml>"
			}},
		{"update_user", EventRequest{Type: EventChangeContact, ChangeType: "update_user", ContactChange: ContactChange{
			UserID: "lisi", NewUserID: "lisi2", Position: ptr("CTO"), Status: ptr(2)}},
			false, func(tn tenant, _ EventPush, c store.Corp) string {
				u, _ := c.User("lisi2")
				return contact(tn.corpID, "update_user") + "<UserID><![CDATA[lisi]]></UserID><OpenUserID><![CDATA[" + u.OpenUserID + "]]></OpenUserID>" +
					"<NewUserID><![CDATA[lisi2]]></NewUserID><Position><![CDATA[CTO]]></Position><Status>2</Status></xml>"
			}},
		{"delete_user", EventRequest{Type: EventChangeContact, ChangeType: "delete_user", ContactChange: ContactChange{UserID: "wangwu"}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return contact(tn.corpID, "delete_user") + "<UserID><![CDATA[wangwu]]></UserID><OpenUserID><![CDATA[OPEN]]></OpenUserID></xml>"
			}},
		{"create_party", EventRequest{Type: EventChangeContact, ChangeType: "create_party", ContactChange: ContactChange{ID: 7, Name: ptr("销售部"), ParentID: ptr(1), Order: ptr(5)}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return contact(tn.corpID, "create_party") + "<Id>7</Id><Name><![CDATA[销售部]]></Name><ParentId>1</ParentId><Order>5</Order></xml>"
			}},
		{"update_party", EventRequest{Type: EventChangeContact, ChangeType: "update_party", ContactChange: ContactChange{ID: 2, Name: ptr("研发中心")}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return contact(tn.corpID, "update_party") + "<Id>2</Id><Name><![CDATA[研发中心]]></Name></xml>"
			}},
		{"delete_party", EventRequest{Type: EventChangeContact, ChangeType: "delete_party", ContactChange: ContactChange{ID: 2}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return contact(tn.corpID, "delete_party") + "<Id>2</Id></xml>"
			}},
		{"update_tag", EventRequest{Type: EventChangeContact, ChangeType: "update_tag", ContactChange: ContactChange{TagID: 3, AddUserItems: "lisi,wangwu", DelPartyItems: "2"}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return contact(tn.corpID, "update_tag") + "<TagId>3</TagId><AddUserItems><![CDATA[lisi,wangwu]]></AddUserItems><DelPartyItems><![CDATA[2]]></DelPartyItems></xml>"
			}},
		{"change_app_admin", EventRequest{Type: EventChangeAppAdmin, Admins: []store.Admin{{UserID: "lisi", AuthType: 1}}},
			true, func(tn tenant, _ EventPush, _ store.Corp) string {
				return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>%d</CreateTime>"+
					"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_app_admin]]></Event><AgentID>%d</AgentID></xml>", tn.corpID, ts, tn.agentID)
			}},
		{"passthrough instruction", EventRequest{Type: "corp_arch_auth", Fields: map[string]any{"B": "x", "A": 2}},
			false, func(tn tenant, _ EventPush, _ store.Corp) string {
				return head(testSuite, tn.corpID, "corp_arch_auth") + "<A>2</A><B><![CDATA[x]]></B></xml>"
			}},
		{"passthrough data", EventRequest{Type: "subscribe", Target: KindData, Fields: map[string]any{"FromUserName": "lisi"}},
			true, func(tn tenant, _ EventPush, _ store.Corp) string {
				return fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><FromUserName><![CDATA[lisi]]></FromUserName><CreateTime>%d</CreateTime>"+
					"<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[subscribe]]></Event><AgentID>%d</AgentID></xml>", tn.corpID, ts, tn.agentID)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tn := e.tenant()
			before, _ := e.sim.store.Corp(tn.corpID)
			res, err := e.sim.PushEvent(context.Background(), tn.corpID, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Results) != 1 || !res.Results[0].Delivery.OK {
				t.Fatalf("results %+v", res.Results)
			}
			r := lastPost(t, e.rc)
			after, _ := e.sim.store.Corp(tn.corpID)
			want := tt.want(tn, res.Results[0], after)
			if tt.name == "delete_user" {
				u, _ := before.User("wangwu")
				want = contact(tn.corpID, "delete_user") + "<UserID><![CDATA[wangwu]]></UserID><OpenUserID><![CDATA[" + u.OpenUserID + "]]></OpenUserID></xml>"
			}
			if diff := cmp.Diff(want, string(r.Plain)); diff != "" {
				t.Errorf("XML (-want +got):\n%s", diff)
			}
			if tt.data {
				checkSealed(t, r, tn.corpID)
				if r.Envelope.ToUserName != tn.corpID || r.Envelope.AgentID != strconv.Itoa(tn.agentID) || r.Path != "/callback/"+testSuite+"/data" {
					t.Errorf("data envelope %+v path %s", r.Envelope, r.Path)
				}
			} else {
				checkSealed(t, r, testSuite)
				if r.Envelope.ToUserName != testSuite || r.Envelope.AgentID != "" || r.Path != "/callback/"+testSuite+"/instruction" {
					t.Errorf("instruction envelope %+v path %s", r.Envelope, r.Path)
				}
			}
		})
	}
}

func TestEventEffects(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	ctx := context.Background()
	q := qs("suite_access_token", tn.suiteToken)
	authBody := jsonObj{"auth_corpid": tn.corpID, "permanent_code": tn.perm}

	// change_auth narrows the visible range; get_auth_info shows it.
	if _, err := e.sim.PushEvent(ctx, tn.corpID, EventRequest{Type: EventChangeAuth, AllowParty: []int{2}, AllowUser: []string{"zhangsan"}}); err != nil {
		t.Fatal(err)
	}
	m := e.mustOK(e.post("/cgi-bin/service/v2/get_auth_info", q, authBody))
	priv := m["auth_info"].(jsonObj)["agent"].([]any)[0].(jsonObj)["privilege"].(jsonObj)
	if diff := cmp.Diff(jsonObj{"allow_party": []any{2.0}, "allow_user": []any{"zhangsan"}}, jsonObj{"allow_party": priv["allow_party"], "allow_user": priv["allow_user"]}); diff != "" {
		t.Errorf("privilege (-want +got):\n%s", diff)
	}

	// change_app_admin replaces the admin list both admin APIs serve.
	if _, err := e.sim.PushEvent(ctx, tn.corpID, EventRequest{Type: EventChangeAppAdmin, Admins: []store.Admin{{UserID: "lisi", AuthType: 0}}}); err != nil {
		t.Fatal(err)
	}
	m = e.mustOK(e.post("/cgi-bin/agent/get_admin_list", qs("access_token", tn.corpToken), jsonObj{}))
	if diff := cmp.Diff([]any{jsonObj{"userid": "lisi", "auth_type": 0.0}}, m["admin"]); diff != "" {
		t.Errorf("admins (-want +got):\n%s", diff)
	}

	// reset_permanent_code: the new code works once exchanged; the old one stops.
	res, err := e.sim.PushEvent(ctx, tn.corpID, EventRequest{Type: EventResetPermanentCode, SuiteID: testSuite})
	if err != nil {
		t.Fatal(err)
	}
	m = e.mustOK(e.post("/cgi-bin/service/v2/get_permanent_code", q, jsonObj{"auth_code": res.Results[0].AuthCode}))
	newPerm := str(m, "permanent_code")
	if newPerm == tn.perm || newPerm == "" {
		t.Fatal("reset did not yield a new permanent code")
	}
	if c := errcode(e.post("/cgi-bin/service/get_corp_token", q, authBody)); c != 40084 {
		t.Errorf("old permanent code after reset: %d, want 40084", c)
	}
	e.mustOK(e.post("/cgi-bin/service/get_corp_token", q, jsonObj{"auth_corpid": tn.corpID, "permanent_code": newPerm}))

	// cancel_auth: permanent code and corp token stop working.
	if _, err := e.sim.PushEvent(ctx, tn.corpID, EventRequest{Type: EventCancelAuth}); err != nil {
		t.Fatal(err)
	}
	if c := errcode(e.post("/cgi-bin/service/get_corp_token", q, jsonObj{"auth_corpid": tn.corpID, "permanent_code": newPerm})); c != 40084 {
		t.Errorf("cancelled install get_corp_token: %d, want 40084", c)
	}
	if c := errcode(e.get("/cgi-bin/get_jsapi_ticket", qs("access_token", tn.corpToken))); c != 40014 {
		t.Errorf("cancelled install corp token: %d, want 40014", c)
	}
	if _, err := e.sim.PushEvent(ctx, tn.corpID, EventRequest{Type: EventCancelAuth}); err == nil {
		t.Error("cancelling twice should fail: no active install")
	}
}

func TestEventErrors(t *testing.T) {
	e := newEnv(t)
	tn := e.tenant()
	ctx := context.Background()
	tests := []struct {
		name string
		corp string
		req  EventRequest
	}{
		{"no type", tn.corpID, EventRequest{}},
		{"unknown corp", "ww0000000000000000", EventRequest{Type: EventCancelAuth}},
		{"suite not installed", tn.corpID, EventRequest{Type: EventCancelAuth, SuiteID: testSuite2}},
		{"unknown change_type", tn.corpID, EventRequest{Type: EventChangeContact, ChangeType: "x"}},
		{"duplicate user", tn.corpID, EventRequest{Type: EventChangeContact, ChangeType: "create_user", ContactChange: ContactChange{UserID: "lisi"}}},
		{"missing user", tn.corpID, EventRequest{Type: EventChangeContact, ChangeType: "update_user", ContactChange: ContactChange{UserID: "nobody"}}},
		{"admin not a member", tn.corpID, EventRequest{Type: EventChangeAppAdmin, Admins: []store.Admin{{UserID: "nobody"}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := e.sim.PushEvent(ctx, tt.corp, tt.req); err == nil {
				t.Error("want an error")
			}
		})
	}
}
