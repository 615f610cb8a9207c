package wecom

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// sampleEvents returns the doc-sample callbacks in testdata/events by name.
func sampleEvents(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob("testdata/events/*.xml")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no samples: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".xml")] = b
	}
	return out
}

// Instruction-callback header: InfoType, SuiteId, AuthCorpId, TimeStamp.
func ih(infoType, suite, corp string, ts int64) Header {
	return Header{InfoType: infoType, SuiteID: suite, AuthCorpID: corp, TimeStamp: ts}
}

// Data-callback header: MsgType=event.
func dh(event, to, from string, ts int64, agent string) Header {
	return Header{MsgType: "event", Event: event, ToUserName: to, FromUserName: from, CreateTime: ts, AgentID: agent}
}

func withChange(h Header, ct string) Header { h.ChangeType = ct; return h }

func TestParseEventSamples(t *testing.T) {
	const suite, corp = "ww4asffe99e54c0f4c", "wxf8b4f85f3a794e77"
	avatar := "http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0"
	ccHdr := func(ct string) Header {
		return withChange(ih("change_contact", "ww4asffe99e54cxxxx", "wxf8b4f85f3a79xxxx", 1403610513), ct)
	}
	cuHdr := func(ct string) Header { return withChange(ih("change_contact", suite, corp, 1403610513), ct) }
	ecHdr := func(ct string) Header { return withChange(ih("change_external_contact", suite, corp, 1403610513), ct) }
	paid := func(info string) Header {
		return Header{InfoType: info, SuiteID: "ww4asffe99e54c0aaa", PaidCorpID: "wxf8b4f85f3a794aaa", TimeStamp: 1403610513}
	}
	svc := func(info, svcCorp, corp string, ts int64) Header {
		return Header{InfoType: info, ServiceCorpID: svcCorp, AuthCorpID: corp, TimeStamp: ts}
	}
	share := ShareAgentChange{Header: ih("share_agent_change", "ww4asffe99exxx0f4c", "", 1403610513), AppID: 11, ParentCorpID: "ww11111", ParentAgentID: 11}
	chain := ShareChainChange(share)
	chain.InfoType = "share_chain_change"

	tests := map[string]any{
		"suite_ticket":         &SuiteTicket{Header: ih("suite_ticket", "ww4asffe99e54c0fxxxx", "", 1403610513), Ticket: "asdfasfdasdfasdf"},
		"create_auth":          &CreateAuth{Header: ih("create_auth", "ww4asffe9xxx4c0f4c", "", 1403610513), AuthCode: "AUTHCODE", State: "123"},
		"change_auth":          &ChangeAuth{Header: ih("change_auth", "ww4asffe99exxx0f4c", corp, 1403610513), State: "abc"},
		"cancel_auth":          &CancelAuth{Header: ih("cancel_auth", "ww4asffe99e54cxxxx", "wxf8b4f85fxx794xxx", 1403610513)},
		"reset_permanent_code": &ResetPermanentCode{Header: ih("reset_permanent_code", "dk4asffe9xxx4c0f4c", "", 1403610513), AuthCode: "AUTHCODE"},
		"share_agent_change":   &share,
		"share_chain_change":   &chain,
		"corp_arch_auth":       &CorpArchAuth{Header: ih("corp_arch_auth", "ww4asffe99e54c0fxxxx", "wxf8b4f85f3a79xxxx", 1403610513)},
		"approve_special_auth": &ApproveSpecialAuth{Header: ih("approve_special_auth", suite, corp, 1403610513), AuthType: "customer_acquisition"},
		"cancel_special_auth":  &CancelSpecialAuth{Header: ih("cancel_special_auth", suite, corp, 1403610513), AuthType: "customer_acquisition"},

		"contact_create_user": &ContactUserChange{
			Header: cuHdr("create_user"), UserID: "zhangsan", OpenUserID: "woAAAA", Name: "张三", Department: "1,2,3",
			MainDepartment: 1, IsLeaderInDept: "1,0,0", DirectLeader: "lisi,wangwu", Position: "产品经理", Mobile: "13800000000",
			Gender: 1, Email: "zhangsan@gzdev.com", BizMail: "zhangsan@qyycs2.wecom.work", Status: 1, Avatar: avatar,
			Alias: "zhangsan", Telephone: "020-123456",
			ExtAttr: []ExtAttrItem{
				{Name: "爱好", Type: 0, Text: ExtAttrText{Value: "旅游"}},
				{Name: "卡号", Type: 1, Web: ExtAttrWeb{Title: "企业微信", URL: "https://work.weixin.qq.com"}},
			},
		},
		"contact_update_user": &ContactUserChange{
			Header: cuHdr("update_user"), UserID: "zhangsan", OpenUserID: "woAAAA", NewUserID: "zhangsan001",
			Department: "1,2,3", MainDepartment: 1, Status: 5,
		},
		"contact_delete_user":  &ContactUserChange{Header: cuHdr("delete_user"), UserID: "zhangsan", OpenUserID: "woAAAA"},
		"contact_create_party": &ContactPartyChange{Header: ccHdr("create_party"), ID: 2, Name: "张三", ParentID: 1, Order: 1},
		"contact_update_party": &ContactPartyChange{Header: ccHdr("update_party"), ID: 2, Name: "张三", ParentID: 1},
		"contact_delete_party": &ContactPartyChange{Header: ccHdr("delete_party"), ID: 2},
		"contact_update_tag": &ContactTagChange{
			Header: ccHdr("update_tag"), TagID: 1, AddUserItems: "zhangsan,lisi", DelUserItems: "zhangsan1,lisi1",
			AddPartyItems: "1,2", DelPartyItems: "3,4",
		},
		"data_contact_create_party": &ContactPartyChange{
			Header: withChange(dh("change_contact", "toUser", "sys", 1403610513, ""), "create_party"), ID: 2, Name: "张三", ParentID: 1, Order: 1,
		},

		"external_contact_add": &ExternalContactChange{
			Header: ecHdr("add_external_contact"), UserID: "zhangsan", ExternalUserID: "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w",
			State: "teststate", WelcomeCode: "WELCOMECODE",
		},
		"external_contact_del": &ExternalContactChange{
			Header: ecHdr("del_external_contact"), UserID: "zhangsan", ExternalUserID: "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", Source: "DELETE_BY_TRANSFER",
		},
		"external_contact_transfer_fail": &ExternalContactChange{
			Header: ecHdr("transfer_fail"), UserID: "zhangsan", ExternalUserID: "woAJ2GCAAAXtWyujaWJHDDGi0mACH71w", FailReason: "customer_refused",
		},
		"external_chat_update": &ExternalChatChange{
			Header: withChange(ih("change_external_chat", suite, corp, 1403610513), "update"), ChatID: "CHAT_ID",
			UpdateDetail: "add_member", JoinScene: 1, MemChangeCnt: 10, MemChangeList: []string{"Jack", "Rose"},
			LastMemVer: "9c3f97c2ada667dfb5f6d03308d963e1", CurMemVer: "71217227bbd112ecfe3a49c482195cb4",
		},
		"external_chat_dismiss": &ExternalChatChange{Header: withChange(ih("change_external_chat", suite, corp, 1403610513), "dismiss"), ChatID: "CHAT_ID"},
		"external_tag_create":   &ExternalTagChange{Header: withChange(ih("change_external_tag", suite, corp, 1403610513), "create"), ID: "TAG_ID", TagType: "tag"},
		"data_external_tag_shuffle": &ExternalTagChange{
			Header: withChange(dh("change_external_tag", "CORPID", "sys", 1403610513, ""), "shuffle"), ID: "TAG_ID", StrategyID: "STRATEGY_ID",
		},
		"customer_acquisition_permit_change": &CustomerAcquisitionPermitChange{Header: ih("customer_acquisition_permit_change", suite, corp, 1403610513)},

		"batch_job_export": &BatchJobResult{
			Header:   ih("batch_job_result", suite, "", 1425284517),
			BatchJob: BatchJob{JobID: "jobid_S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4", JobType: "export_user", ErrMsg: "ok"},
		},
		"batch_job_contact_id_translate": &BatchJobResult{
			Header:   svc("batch_job_result", "wx233kasfa2jkfAAA", "wxf1b4f49f3a794AAA", 1502682173),
			BatchJob: BatchJob{JobID: "S0MrnndvRG5fadSlLwiBqiDD52FZk4", JobType: "contact_id_translate"},
		},
		"data_batch_job_result": &BatchJobResult{
			Header:   dh("batch_job_result", "wwddddccc7775555aaa", "FromUser", 1425284517, ""),
			BatchJob: BatchJob{JobID: "S0MrnndvRG5fadSlLwiBqiDDbM143UqTmKP3152FZk4", JobType: "sync_user", ErrMsg: "ok"},
		},

		"open_order":          &OpenOrder{Header: paid("open_order"), OrderID: "ORDERID", OperatorID: "OPERATORID"},
		"change_order":        &ChangeOrder{Header: paid("change_order"), OldOrderID: "ORDERID", NewOrderID: "NEWORDERID"},
		"pay_for_app_success": &PayForAppSuccess{Header: paid("pay_for_app_success"), OrderID: "ORDERID"},
		"refund":              &OrderRefund{Header: paid("refund"), OrderID: "ORDERID"},
		"cancel_order":        &CancelOrder{Header: paid("cancel_order"), OrderID: "ORDERID"},
		"change_editon":       &ChangeEdition{Header: paid("change_editon")},

		"license_pay_success": &LicensePaySuccess{Header: svc("license_pay_success", "xxxx", "yyyy", 1403610513), OrderID: "zzzz", BuyerUserID: "USERID"},
		"license_refund":      &LicenseRefund{Header: svc("license_refund", "xxxx", "yyyy", 1403610513), OrderID: "zzzz", OrderStatus: 1},
		"auto_activate": &AutoActivate{
			Header: svc("auto_activate", "aaaa", "bbbb", 1403610513), Scene: 1,
			AccountList: []ActivatedAccount{{ActiveCode: "XXXX", Type: 1, ExpireTime: 1700000000, UserID: "USERID", PreviousStatus: 1, PreviousActiveCode: "YYYY"}},
		},
		"agree_external_userid_migration": &AgreeExternalUserIDMigration{Header: svc("agree_external_userid_migration", "xxxx", "xxxx", 1403610513)},
		"register_corp": &RegisterCorp{
			Header: svc("register_corp", "wwddddccc7775555aab", "wwddddccc7775555aaa", 1502682173), RegisterCode: "pIKi3wRPNWCGF-pyP-YU5KWjDDD",
			ContactSync: ContactSync{AccessToken: "accesstoken000001", ExpiresIn: 1800}, AuthUserInfo: RegisterUser{UserID: "zhangshan"},
			State: "state1", TemplateID: "tpl1test",
		},
		"enter_register_package": &EnterRegisterPackage{
			Header:       svc("enter_register_package", "wwddddccc7775555aab", "wwddddccc7775555aaa", 1671632600),
			AuthUserInfo: RegisterUser{UserID: "zhangshan"}, RegisterCode: "pIKi3wRPNWCGF-YU5KWjD", State: "state1", TemplateID: "tpl1test",
		},

		"change_app_admin":        &ChangeAppAdmin{Header: dh("change_app_admin", "toUser", "sys", 1348831860, "1")},
		"unlicensed_notify":       &UnlicensedNotify{Header: dh("unlicensed_notify", "toUser", "FromUser", 1408091189, "1")},
		"subscribe":               &Subscribe{Header: dh("subscribe", "toUser", "UserID", 1348831860, "1")},
		"unsubscribe":             &Unsubscribe{Header: dh("unsubscribe", "toUser", "UserID", 1348831860, "1")},
		"enter_agent":             &EnterAgent{Header: dh("enter_agent", "toUser", "FromUser", 1408091189, "1")},
		"data_share_agent_change": &ShareAgentChange{Header: dh("share_agent_change", "wwparentcorp", "sys", 1403610513, "1000003")},
		"message_text": &Message{
			Header: Header{ToUserName: "wx5823bf96d3bd56c7", FromUserName: "mycreate", CreateTime: 1409659813, MsgType: "text", AgentID: "218"},
			MsgID:  "4561255354251345929", Content: "hello",
		},
	}
	unknown := map[string]Header{
		"unknown_info_type":   withChange(ih("change_school_contact", suite, corp, 1403610513), "create_student"),
		"unknown_change_type": withChange(ih("change_contact", suite, corp, 1403610513), "update_something_new"),
		"unknown_data_event":  dh("LOCATION", "toUser", "FromUser", 123456789, "1"),
	}

	samples := sampleEvents(t)
	for name, plain := range samples {
		t.Run(name, func(t *testing.T) {
			h, got, err := ParseEvent(plain)
			if err != nil {
				t.Fatalf("ParseEvent: %v", err)
			}
			want, ok := tests[name]
			if uh, isUnknown := unknown[name]; isUnknown {
				want, ok = &UnknownEvent{Header: uh, Raw: plain}, true
			}
			if !ok {
				t.Fatalf("no expectation for sample %s (got %T)", name, got)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("event (-want +got):\n%s", diff)
			}
			if h != headerOf(got) {
				t.Errorf("returned header %+v differs from the event's", h)
			}
		})
	}
	for name := range tests {
		if _, ok := samples[name]; !ok {
			t.Errorf("expectation %s has no sample file", name)
		}
	}
}

// headerOf reads the Header every event type embeds.
func headerOf(v any) Header {
	return reflect.ValueOf(v).Elem().FieldByName("Header").Interface().(Header)
}
