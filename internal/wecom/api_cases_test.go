package wecom

import "context"

var identityCases = []apiCase{
	{
		name:   "get_login_info takes the provider token as access_token",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetLoginInfo(ctx, "PT", "AUTHCODE") },
		method: "POST", path: "/cgi-bin/service/get_login_info", query: map[string]string{"access_token": "PT"},
		body: `{"auth_code":"AUTHCODE"}`,
		resp: `{"errcode":0,"errmsg":"ok","usertype":1,"user_info":{"userid":"xxxx","open_userid":"xxx","name":"xxxx","avatar":"xxxx"},"corp_info":{"corpid":"wxCorpId"},"agent":[{"agentid":0,"auth_type":1},{"agentid":1,"auth_type":1},{"agentid":2,"auth_type":1}],"auth_info":{"department":[{"id":2,"writable":true}]}}`,
		want: func() *LoginInfo {
			r := &LoginInfo{UserType: 1, UserInfo: AuthUserInfo{UserID: "xxxx", OpenUserID: "xxx", Name: "xxxx", Avatar: "xxxx"}}
			r.CorpInfo.CorpID = "wxCorpId"
			r.Agent = []LoginAgent{{0, 1}, {1, 1}, {2, 1}}
			r.AuthInfo.Department = []LoginDepartment{{ID: 2, Writable: true}}
			return r
		}(),
	},
	{
		name:   "auth/getuserinfo3rd member",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUserInfo3rd(ctx, "ST", "CODE") },
		method: "GET", path: "/cgi-bin/service/auth/getuserinfo3rd", query: map[string]string{"suite_access_token": "ST", "code": "CODE"},
		resp: `{"errcode":0,"errmsg":"ok","corpid":"CORPID","userid":"USERID","user_ticket":"USER_TICKET","expires_in":7200,"open_userid":"wwxxxx"}`,
		want: &UserInfo3rd{CorpID: "CORPID", UserID: "USERID", UserTicket: "USER_TICKET", ExpiresIn: 7200, OpenUserID: "wwxxxx"},
	},
	{
		name:   "auth/getuserinfo3rd non-member",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUserInfo3rd(ctx, "ST", "CODE") },
		method: "GET", path: "/cgi-bin/service/auth/getuserinfo3rd", query: map[string]string{"suite_access_token": "ST", "code": "CODE"},
		resp: `{"errcode":0,"errmsg":"ok","openid":"OPENID"}`,
		want: &UserInfo3rd{OpenID: "OPENID"},
	},
	{
		name:   "legacy getuserinfo3rd capitalised keys",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUserInfo3rdLegacy(ctx, "ST", "CODE") },
		method: "GET", path: "/cgi-bin/service/getuserinfo3rd", query: map[string]string{"suite_access_token": "ST", "code": "CODE"},
		resp: `{"errcode":0,"errmsg":"ok","CorpId":"CORPID","UserId":"USERID","DeviceId":"DEVICEID","user_ticket":"USER_TICKET","expires_in":7200,"open_userid":"OPEN_USERID"}`,
		want: &UserInfo3rd{CorpID: "CORPID", UserID: "USERID", DeviceID: "DEVICEID", UserTicket: "USER_TICKET", ExpiresIn: 7200, OpenUserID: "OPEN_USERID"},
	},
	{
		name:   "legacy getuserinfo3rd non-member",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUserInfo3rdLegacy(ctx, "ST", "CODE") },
		method: "GET", path: "/cgi-bin/service/getuserinfo3rd", query: map[string]string{"suite_access_token": "ST", "code": "CODE"},
		resp: `{"errcode":0,"errmsg":"ok","OpenId":"OPENID","DeviceId":"DEVICEID"}`,
		want: &UserInfo3rd{OpenID: "OPENID", DeviceID: "DEVICEID"},
	},
	{
		name:   "auth/getuserdetail3rd gender is a string",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUserDetail3rd(ctx, "ST", "TICKET") },
		method: "POST", path: "/cgi-bin/service/auth/getuserdetail3rd", query: map[string]string{"suite_access_token": "ST"},
		body: `{"user_ticket":"TICKET"}`,
		resp: `{"errcode":0,"errmsg":"ok","corpid":"wwxxxxxxyyyyy","userid":"lisi","name":"lisi","gender":"1","avatar":"http://shp.qpic.cn/bizmp/xxxxxxxxxxx/0","qr_code":"https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vcfc13b01dfs78e981c"}`,
		want: &UserDetail3rd{CorpID: "wwxxxxxxyyyyy", UserID: "lisi", Name: "lisi", Gender: "1", Avatar: "http://shp.qpic.cn/bizmp/xxxxxxxxxxx/0", QRCode: "https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vcfc13b01dfs78e981c"},
	},
}

var contactCases = []apiCase{
	{
		name:   "user/get",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.GetUser(ctx, "CT", "zhangsan") },
		method: "GET", path: "/cgi-bin/user/get", query: map[string]string{"access_token": "CT", "userid": "zhangsan"},
		resp: `{"errcode":0,"errmsg":"ok","userid":"zhangsan","name":"张三","department":[1,2],"order":[1,2],"position":"后台工程师","gender":"1","is_leader_in_dept":[1,0],"direct_leader":["lisi"],"avatar":"http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0","thumb_avatar":"http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/100","alias":"jackzhang","status":1,"main_department":1,"open_userid":"xxxxxx"}`,
		want: &User{
			UserID: "zhangsan", OpenUserID: "xxxxxx", Name: "张三", Department: []int{1, 2}, Order: []int{1, 2},
			Position: "后台工程师", Gender: "1", IsLeaderInDept: []int{1, 0}, DirectLeader: []string{"lisi"},
			Avatar:      "http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/0",
			ThumbAvatar: "http://wx.qlogo.cn/mmopen/ajNVdqHZLLA3WJ6DSZUfiakYe37PKnQhBIeOQBO4czqrnZDS79FH5Wm5m4X69TBicnHFlhiafvDwklOpZeXYQQ2icg/100",
			Alias:       "jackzhang", Status: 1, MainDepartment: 1,
		},
	},
	{
		name:   "user/simplelist",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.ListUsersSimple(ctx, "CT", 1) },
		method: "GET", path: "/cgi-bin/user/simplelist", query: map[string]string{"access_token": "CT", "department_id": "1"},
		resp: `{"errcode":0,"errmsg":"ok","userlist":[{"userid":"zhangsan","name":"张三","department":[1,2],"open_userid":"xxxxxx"}]}`,
		want: []SimpleUser{{UserID: "zhangsan", Name: "张三", Department: []int{1, 2}, OpenUserID: "xxxxxx"}},
	},
	{
		name:   "department/list all",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.ListDepartments(ctx, "CT", 0) },
		method: "GET", path: "/cgi-bin/department/list", query: map[string]string{"access_token": "CT"},
		resp: `{"errcode":0,"errmsg":"ok","department":[{"id":2,"name":"广州研发中心","name_en":"RDGZ","department_leader":["zhangsan","lisi"],"parentid":1,"order":10},{"id":3,"name":"邮箱产品部","name_en":"mail","department_leader":["lisi","wangwu"],"parentid":2,"order":40}]}`,
		want: []Department{
			{ID: 2, Name: "广州研发中心", NameEn: "RDGZ", DepartmentLeader: []string{"zhangsan", "lisi"}, ParentID: 1, Order: 10},
			{ID: 3, Name: "邮箱产品部", NameEn: "mail", DepartmentLeader: []string{"lisi", "wangwu"}, ParentID: 2, Order: 40},
		},
	},
	{
		name:   "department/list subtree",
		call:   func(ctx context.Context, c *Client) (any, error) { return c.ListDepartments(ctx, "CT", 2) },
		method: "GET", path: "/cgi-bin/department/list", query: map[string]string{"access_token": "CT", "id": "2"},
		resp: `{"errcode":0,"errmsg":"ok","department":[]}`,
		want: []Department{},
	},
	{
		name: "message/send",
		call: func(ctx context.Context, c *Client) (any, error) {
			return c.SendMessage(ctx, "CT", &OutgoingMessage{
				ToUser: "UserID1|UserID2", MsgType: "text", AgentID: 1,
				Text: &Text{Content: `你的快递已到，请携带工卡前往邮件中心领取。<a href="http://work.weixin.qq.com">邮件中心视频实况</a>`},
			})
		},
		method: "POST", path: "/cgi-bin/message/send", query: map[string]string{"access_token": "CT"},
		body: `{"touser":"UserID1|UserID2","msgtype":"text","agentid":1,"text":{"content":"你的快递已到，请携带工卡前往邮件中心领取。<a href=\"http://work.weixin.qq.com\">邮件中心视频实况</a>"}}`,
		resp: `{"errcode":0,"errmsg":"ok","invaliduser":"UserID2","invalidparty":"","invalidtag":"","unlicenseduser":"","msgid":"xxxx","response_code":"xyzxyz"}`,
		want: &SendResult{InvalidUser: "UserID2", MsgID: "xxxx", ResponseCode: "xyzxyz"},
	},
}
