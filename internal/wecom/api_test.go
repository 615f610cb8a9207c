package wecom

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// apiCase is one API call: what the client must send and how it must decode
// the doc sample answer.
type apiCase struct {
	name   string
	call   func(context.Context, *Client) (any, error)
	method string
	path   string
	query  map[string]string // exactly these parameters, so a wrong token name fails
	body   string            // JSON; "" means no body
	resp   string
	want   any
}

func TestAPICalls(t *testing.T) {
	var cases []apiCase
	cases = append(cases, tokenCases...)
	cases = append(cases, authCases(t)...)
	cases = append(cases, identityCases...)
	cases = append(cases, contactCases...)
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			var gotMethod, gotPath, gotBody string
			var gotQuery map[string]string
			c := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
				gotMethod, gotPath = r.Method, r.URL.Path
				gotQuery = map[string]string{}
				for k, v := range r.URL.Query() {
					gotQuery[k] = v[0]
				}
				b, _ := io.ReadAll(r.Body)
				gotBody = string(b)
				_, _ = io.WriteString(w, tt.resp)
			})
			got, err := tt.call(t.Context(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if gotMethod != tt.method || gotPath != tt.path {
				t.Errorf("request %s %s, want %s %s", gotMethod, gotPath, tt.method, tt.path)
			}
			if diff := cmp.Diff(tt.query, gotQuery); diff != "" {
				t.Errorf("query (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(jsonValue(t, tt.body), jsonValue(t, gotBody)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func jsonValue(t *testing.T, s string) any {
	t.Helper()
	if s == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("body %q: %v", s, err)
	}
	return v
}

func readTestdata(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/api/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var tokenCases = []apiCase{
	{
		name:   "get_provider_token",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetProviderToken(ctx, "wwcorp", "psecret") },
		method: "POST", path: "/cgi-bin/service/get_provider_token", query: map[string]string{},
		body: `{"corpid":"wwcorp","provider_secret":"psecret"}`,
		resp: `{"provider_access_token":"enLSZ5xxxxxxJRL","expires_in":7200}`,
		want: Token{"enLSZ5xxxxxxJRL", 7200},
	},
	{
		name: "get_suite_token",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.GetSuiteToken(ctx, "ww1", "ssecret", "ticket")
		},
		method: "POST", path: "/cgi-bin/service/get_suite_token", query: map[string]string{},
		body: `{"suite_id":"ww1","suite_secret":"ssecret","suite_ticket":"ticket"}`,
		resp: `{"errcode":0,"errmsg":"ok","suite_access_token":"61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA","expires_in":7200}`,
		want: Token{"61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA", 7200},
	},
	{
		name:   "get_corp_token",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetCorpToken(ctx, "ST", "wwc", "PERM") },
		method: "POST", path: "/cgi-bin/service/get_corp_token", query: map[string]string{"suite_access_token": "ST"},
		body: `{"auth_corpid":"wwc","permanent_code":"PERM"}`,
		resp: `{"errcode":0,"errmsg":"ok","access_token":"xxxxxx","expires_in":7200}`,
		want: Token{"xxxxxx", 7200},
	},
	{
		name:   "get_jsapi_ticket",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetJSAPITicket(ctx, "CT") },
		method: "GET", path: "/cgi-bin/get_jsapi_ticket", query: map[string]string{"access_token": "CT"},
		resp: `{"errcode":0,"errmsg":"ok","ticket":"bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA","expires_in":7200}`,
		want: Token{"bxLdikRXVbTPdHSM05e5u5sUoXNKd8-41ZO3MhKoyN5OfkWITDGgnr2fwJ0m9E8NYzWKVZvdVtaUgWvsdshFKA", 7200},
	},
	{
		name:   "ticket/get agent_config",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetAgentConfigTicket(ctx, "CT") },
		method: "GET", path: "/cgi-bin/ticket/get", query: map[string]string{"access_token": "CT", "type": "agent_config"},
		resp: `{"errcode":0,"errmsg":"ok","ticket":"agentticket","expires_in":7200}`,
		want: Token{"agentticket", 7200},
	},
}

func authCases(t *testing.T) []apiCase {
	authInfo := &AuthInfo{
		DealerCorpInfo: DealerCorpInfo{CorpID: "xxxx", CorpName: "name"},
		AuthCorpInfo: AuthCorpInfo{
			CorpID: "xxxx", CorpName: "name", CorpType: "verified", CorpSquareLogoURL: "yyyyy",
			CorpUserMax: 50, CorpFullName: "full_name", VerifiedEndTime: 1431775834, SubjectType: 1,
			CorpScale: "1-50人", CorpIndustry: "IT服务", CorpSubIndustry: "计算机软件/硬件/信息服务",
			CorpExName: CorpExName{NameList: NameList{"xx"}},
		},
		AuthInfo: AuthAgents{Agent: []AuthAgent{
			{
				AgentID: 1, Name: "NAME", RoundLogoURL: "xxxxxx", SquareLogoURL: "yyyyyy", AppID: 1, AuthMode: 1,
				Privilege: Privilege{
					Level: 1, AllowParty: []int{1, 2, 3}, AllowUser: []string{"zhansan", "lisi"}, AllowTag: []int{1, 2, 3},
					ExtraParty: []int{4, 5, 6}, ExtraUser: []string{"wangwu"}, ExtraTag: []int{4, 5, 6},
				},
				SharedFrom: SharedFrom{CorpID: "wwyyyyy", ShareType: 1},
			},
			{AgentID: 2, Name: "NAME2", RoundLogoURL: "xxxxxx", SquareLogoURL: "yyyyyy", AppID: 5, SharedFrom: SharedFrom{CorpID: "wwyyyyy"}},
		}},
	}
	authBody := `{"auth_corpid":"wwc","permanent_code":"PERM"}`
	permV1 := &PermanentCodeV1{
		AccessToken: "xxxxxx", ExpiresIn: 7200, PermanentCode: "xxxx",
		DealerCorpInfo: DealerCorpInfo{CorpID: "xxxx", CorpName: "name"},
		AuthCorpInfo: AuthCorpInfo{
			CorpID: "xxxx", CorpName: "name", CorpType: "verified", CorpSquareLogoURL: "yyyyy",
			CorpUserMax: 50, CorpAgentMax: 30, CorpFullName: "full_name", VerifiedEndTime: 1431775834, SubjectType: 1,
			CorpWxQRCode: "zzzzz", CorpScale: "1-50人", CorpIndustry: "IT服务", CorpSubIndustry: "计算机软件/硬件/信息服务",
			Location: "广东省广州市",
		},
		AuthInfo: AuthAgents{Agent: []AuthAgent{{
			AgentID: 1, Name: "NAME", RoundLogoURL: "xxxxxx", SquareLogoURL: "yyyyyy", AppID: 1, AuthMode: 1,
			Privilege: Privilege{
				Level: 1, AllowParty: []int{1, 2, 3}, AllowUser: []string{"zhansan", "lisi"}, AllowTag: []int{1, 2, 3},
				ExtraParty: []int{4, 5, 6}, ExtraUser: []string{"wangwu"}, ExtraTag: []int{4, 5, 6},
			},
			SharedFrom: SharedFrom{CorpID: "wwyyyyy", ShareType: 1},
		}}},
		AuthUserInfo:     AuthUserInfo{UserID: "aa", OpenUserID: "xxxxxx", Name: "xxx", Avatar: "http://xxx"},
		RegisterCodeInfo: RegisterCodeInfo{RegisterCode: "1111", TemplateID: "tpl111", State: "state001"},
		State:            "state001",
		EditionInfo: EditionInfo{Agent: []EditionAgent{{
			AgentID: 1, EditionID: "RLS65535", EditionName: "协同版", AppStatus: 3, UserLimit: 200,
			ExpiredTime: 1541990791, IsSharedFromOtherCorp: true,
		}}},
	}
	st := map[string]string{"suite_access_token": "ST"}
	return []apiCase{
		{
			name:   "get_pre_auth_code",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetPreAuthCode(ctx, "ST") },
			method: "GET", path: "/cgi-bin/service/get_pre_auth_code", query: st,
			resp: `{"errcode":0,"errmsg":"ok","pre_auth_code":"Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw","expires_in":1200}`,
			want: PreAuthCode{"Cx_Dk6qiBE0Dmx4EmlT3oRfArPvwSQ-oa3NL_fwHM7VI08r52wazoZX2Rhpz1dEw", 1200},
		},
		{
			name: "set_session_info",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.SetSessionInfo(ctx, "ST", "PRE", AuthTypeTest)
			},
			method: "POST", path: "/cgi-bin/service/set_session_info", query: st,
			body: `{"pre_auth_code":"PRE","session_info":{"auth_type":1}}`,
			resp: `{"errcode":0,"errmsg":"ok"}`,
		},
		{
			name:   "get_permanent_code v1, no errcode",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetPermanentCode(ctx, "ST", "AUTH") },
			method: "POST", path: "/cgi-bin/service/get_permanent_code", query: st,
			body: `{"auth_code":"AUTH"}`, resp: readTestdata(t, "get_permanent_code.json"), want: permV1,
		},
		{
			name:   "get_permanent_code v2",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetPermanentCodeV2(ctx, "ST", "AUTH") },
			method: "POST", path: "/cgi-bin/service/v2/get_permanent_code", query: st,
			body: `{"auth_code":"AUTH"}`,
			resp: `{"errcode":0,"errmsg":"ok","permanent_code":"xxxx","auth_corp_info":{"corpid":"xxxx","corp_name":"name"},"auth_user_info":{"userid":"aa","open_userid":"xxxxxx","name":"xxx","avatar":"http://xxx"},"register_code_info":{"register_code":"1111","template_id":"tpl111","state":"state001"},"state":"state001"}`,
			want: &PermanentCodeV2{
				PermanentCode:    "xxxx",
				AuthCorpInfo:     AuthCorpInfo{CorpID: "xxxx", CorpName: "name"},
				AuthUserInfo:     AuthUserInfo{UserID: "aa", OpenUserID: "xxxxxx", Name: "xxx", Avatar: "http://xxx"},
				RegisterCodeInfo: RegisterCodeInfo{RegisterCode: "1111", TemplateID: "tpl111", State: "state001"},
				State:            "state001",
			},
		},
		{
			name:   "get_auth_info v1",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetAuthInfo(ctx, "ST", "wwc", "PERM") },
			method: "POST", path: "/cgi-bin/service/get_auth_info", query: st,
			body: authBody, resp: readTestdata(t, "get_auth_info.json"), want: authInfo,
		},
		{
			name:   "get_auth_info v2",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetAuthInfoV2(ctx, "ST", "wwc", "PERM") },
			method: "POST", path: "/cgi-bin/service/v2/get_auth_info", query: st,
			body: authBody, resp: readTestdata(t, "get_auth_info.json"), want: authInfo,
		},
		{
			name:   "agent/get_admin_list",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetAdminList(ctx, "CT") },
			method: "POST", path: "/cgi-bin/agent/get_admin_list", query: map[string]string{"access_token": "CT"},
			body: `{}`,
			resp: `{"errcode":0,"errmsg":"ok","admin":[{"userid":"woxxxx","auth_type":1},{"userid":"woyyyy","auth_type":0}]}`,
			want: []Admin{{UserID: "woxxxx", AuthType: 1}, {UserID: "woyyyy"}},
		},
		{
			name: "service/get_admin_list",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetAdminListLegacy(ctx, "ST", "wwc", 1000012)
			},
			method: "POST", path: "/cgi-bin/service/get_admin_list", query: st,
			body: `{"auth_corpid":"wwc","agentid":1000012}`,
			resp: `{"errcode":0,"errmsg":"ok","admin":[{"userid":"zhangsan","open_userid":"xxxxx","auth_type":1}]}`,
			want: []Admin{{UserID: "zhangsan", OpenUserID: "xxxxx", AuthType: 1}},
		},
		{
			name: "get_app_qrcode",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.GetAppQRCode(ctx, "ST", AppQRCodeRequest{SuiteID: "ww1", State: "abc", Style: 2})
			},
			method: "POST", path: "/cgi-bin/service/get_app_qrcode", query: st,
			body: `{"suite_id":"ww1","state":"abc","style":2,"result_type":2}`,
			resp: `{"errcode":0,"errmsg":"ok","qrcode":"https://open.work.weixin.qq.com/qr/xxx"}`,
			want: "https://open.work.weixin.qq.com/qr/xxx",
		},
		{
			name:   "corpid_to_opencorpid",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.CorpIDToOpenCorpID(ctx, "PT", "wwplain") },
			method: "POST", path: "/cgi-bin/service/corpid_to_opencorpid", query: map[string]string{"provider_access_token": "PT"},
			body: `{"corpid":"wwplain"}`,
			resp: `{"errcode":0,"errmsg":"ok","open_corpid":"wwopen"}`,
			want: "wwopen",
		},
		{
			name: "userid_to_openuserid",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UserIDToOpenUserID(ctx, "CT", []string{"aaa", "bbb"})
			},
			method: "POST", path: "/cgi-bin/batch/userid_to_openuserid", query: map[string]string{"access_token": "CT"},
			body: `{"userid_list":["aaa","bbb"]}`,
			resp: `{"errcode":0,"errmsg":"","open_userid_list":[{"userid":"aaa","open_userid":"wwxxx"}],"invalid_userid_list":["bbb"]}`,
			want: &OpenUserIDs{OpenUserIDList: []OpenUserID{{"aaa", "wwxxx"}}, InvalidUserIDList: []string{"bbb"}},
		},
	}
}
