package wecom

import "context"

// LoginInfo is the answer of service/get_login_info (web login and the admin
// console's 业务设置 link).
type LoginInfo struct {
	UserType int          `json:"usertype"` // 1 creator, 2 internal admin, 3 external admin, 4 sub-admin, 5 member
	UserInfo AuthUserInfo `json:"user_info"`
	CorpInfo struct {
		CorpID string `json:"corpid"`
	} `json:"corp_info"`
	Agent    []LoginAgent `json:"agent,omitempty"` // admins only
	AuthInfo struct {
		Department []LoginDepartment `json:"department,omitempty"`
	} `json:"auth_info,omitzero"` // admins only
}

// LoginAgent is an app the signed-in admin can manage (AuthType 1) or use (0).
type LoginAgent struct {
	AgentID  int `json:"agentid"`
	AuthType int `json:"auth_type"`
}

// LoginDepartment is a department in the signed-in admin's scope.
type LoginDepartment struct {
	ID       int  `json:"id"`
	Writable bool `json:"writable"`
}

// GetLoginInfo resolves a web-login auth_code. Unlike other provider APIs it
// takes the provider token under the query name access_token.
func (c *Client) GetLoginInfo(ctx context.Context, providerToken, authCode string) (*LoginInfo, error) {
	var r LoginInfo
	body := map[string]string{"auth_code": authCode}
	if err := c.post(ctx, "service/get_login_info", corpQuery(providerToken), body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// UserInfo3rd is who an OAuth code belongs to. A member of a corp has CorpID
// and UserID; anyone else has only OpenID. The legacy endpoint capitalises
// its keys (CorpId, UserId, DeviceId, OpenId); encoding/json matches keys
// case-insensitively, so both shapes decode into this one struct.
type UserInfo3rd struct {
	CorpID     string `json:"corpid,omitempty"`
	UserID     string `json:"userid,omitempty"`
	DeviceID   string `json:"deviceid,omitempty"`
	UserTicket string `json:"user_ticket,omitempty"` // snsapi_privateinfo only
	ExpiresIn  int    `json:"expires_in,omitempty"`  // of the user_ticket
	OpenUserID string `json:"open_userid,omitempty"`
	OpenID     string `json:"openid,omitempty"` // not a member of any corp
}

// GetUserInfo3rd resolves an OAuth (or web-login) code with the suite token.
func (c *Client) GetUserInfo3rd(ctx context.Context, suiteToken, code string) (*UserInfo3rd, error) {
	return c.userInfo3rd(ctx, "service/auth/getuserinfo3rd", suiteToken, code)
}

// GetUserInfo3rdLegacy is GetUserInfo3rd on the old service/getuserinfo3rd path.
func (c *Client) GetUserInfo3rdLegacy(ctx context.Context, suiteToken, code string) (*UserInfo3rd, error) {
	return c.userInfo3rd(ctx, "service/getuserinfo3rd", suiteToken, code)
}

func (c *Client) userInfo3rd(ctx context.Context, op, suiteToken, code string) (*UserInfo3rd, error) {
	q := suiteQuery(suiteToken)
	q.Set("code", code)
	var r UserInfo3rd
	if err := c.get(ctx, op, q, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// UserDetail3rd is a member's sensitive profile, read with a user_ticket.
type UserDetail3rd struct {
	CorpID string `json:"corpid"`
	UserID string `json:"userid"`
	Name   string `json:"name,omitempty"`
	Gender string `json:"gender,omitempty"` // "0" unknown, "1" male, "2" female; a string on the wire
	Avatar string `json:"avatar,omitempty"`
	QRCode string `json:"qr_code,omitempty"`
}

// GetUserDetail3rd reads the profile behind a user_ticket from GetUserInfo3rd.
func (c *Client) GetUserDetail3rd(ctx context.Context, suiteToken, userTicket string) (*UserDetail3rd, error) {
	var r UserDetail3rd
	body := map[string]string{"user_ticket": userTicket}
	if err := c.post(ctx, "service/auth/getuserdetail3rd", suiteQuery(suiteToken), body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
