package wecom

import "context"

// PreAuthCode starts a website install (protocol §3.3).
type PreAuthCode struct {
	Code      string `json:"pre_auth_code"`
	ExpiresIn int    `json:"expires_in"` // 1200 s
}

// Session auth types for SetSessionInfo.
const (
	AuthTypeProduction = 0 // 正式授权
	AuthTypeTest       = 1 // 测试授权, allowed while the app is unpublished
)

// GetPreAuthCode fetches a pre_auth_code for building an InstallURL.
func (c *Client) GetPreAuthCode(ctx context.Context, suiteToken string) (PreAuthCode, error) {
	const op = "service/get_pre_auth_code"
	var r PreAuthCode
	if err := c.get(ctx, op, suiteQuery(suiteToken), &r); err != nil {
		return PreAuthCode{}, err
	}
	if err := requireValue(op, "pre_auth_code", r.Code); err != nil {
		return PreAuthCode{}, err
	}
	return r, nil
}

// SetSessionInfo sets the auth type (AuthTypeProduction or AuthTypeTest) of the
// install started with preAuthCode.
func (c *Client) SetSessionInfo(ctx context.Context, suiteToken, preAuthCode string, authType int) error {
	type sessionInfo struct {
		AuthType int `json:"auth_type"`
	}
	body := struct {
		PreAuthCode string      `json:"pre_auth_code"`
		SessionInfo sessionInfo `json:"session_info"`
	}{preAuthCode, sessionInfo{authType}}
	return c.post(ctx, "service/set_session_info", suiteQuery(suiteToken), body, nil)
}

// GetPermanentCode exchanges a one-time auth code (v1). It is slow but also
// returns a corp token, the agent list and edition info in one call.
func (c *Client) GetPermanentCode(ctx context.Context, suiteToken, authCode string) (*PermanentCodeV1, error) {
	const op = "service/get_permanent_code"
	var r PermanentCodeV1
	if err := c.post(ctx, op, suiteQuery(suiteToken), authCodeBody(authCode), &r); err != nil {
		return nil, err
	}
	if err := requireValue(op, "permanent_code", r.PermanentCode); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetPermanentCodeV2 exchanges a one-time auth code (v2): fast, but returns only
// the permanent code and the corp; follow with GetAuthInfoV2 and GetCorpToken.
func (c *Client) GetPermanentCodeV2(ctx context.Context, suiteToken, authCode string) (*PermanentCodeV2, error) {
	const op = "service/v2/get_permanent_code"
	var r PermanentCodeV2
	if err := c.post(ctx, op, suiteQuery(suiteToken), authCodeBody(authCode), &r); err != nil {
		return nil, err
	}
	if err := requireValue(op, "permanent_code", r.PermanentCode); err != nil {
		return nil, err
	}
	return &r, nil
}

func authCodeBody(code string) map[string]string { return map[string]string{"auth_code": code} }

// GetAuthInfo reads a tenant's authorisation (v1, includes corp_wxqrcode and edition_info).
func (c *Client) GetAuthInfo(ctx context.Context, suiteToken, corpID, permanentCode string) (*AuthInfo, error) {
	return c.authInfo(ctx, "service/get_auth_info", suiteToken, corpID, permanentCode)
}

// GetAuthInfoV2 reads a tenant's authorisation without the slow corp_wxqrcode.
func (c *Client) GetAuthInfoV2(ctx context.Context, suiteToken, corpID, permanentCode string) (*AuthInfo, error) {
	return c.authInfo(ctx, "service/v2/get_auth_info", suiteToken, corpID, permanentCode)
}

func (c *Client) authInfo(ctx context.Context, op, suiteToken, corpID, permanentCode string) (*AuthInfo, error) {
	body := map[string]string{"auth_corpid": corpID, "permanent_code": permanentCode}
	var r AuthInfo
	if err := c.post(ctx, op, suiteQuery(suiteToken), body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// GetAdminList lists the app's admins in the corp (agent/get_admin_list, the
// maintained API). It is empty in member-auth mode.
func (c *Client) GetAdminList(ctx context.Context, corpToken string) ([]Admin, error) {
	var r struct {
		Admin []Admin `json:"admin"`
	}
	if err := c.post(ctx, "agent/get_admin_list", corpQuery(corpToken), struct{}{}, &r); err != nil {
		return nil, err
	}
	return r.Admin, nil
}

// GetAdminListLegacy lists the app's admins with the suite token
// (service/get_admin_list, no longer maintained by WeCom).
func (c *Client) GetAdminListLegacy(ctx context.Context, suiteToken, corpID string, agentID int) ([]Admin, error) {
	body := struct {
		CorpID  string `json:"auth_corpid"`
		AgentID int    `json:"agentid"`
	}{corpID, agentID}
	var r struct {
		Admin []Admin `json:"admin"`
	}
	if err := c.post(ctx, "service/get_admin_list", suiteQuery(suiteToken), body, &r); err != nil {
		return nil, err
	}
	return r.Admin, nil
}

// AppQRCodeRequest asks for an install QR code of a published app.
type AppQRCodeRequest struct {
	SuiteID string `json:"suite_id"`
	AppID   int    `json:"appid,omitempty"` // legacy multi-app suites only
	State   string `json:"state,omitempty"` // [a-zA-Z0-9]{0,32}, echoed by get_permanent_code
	// Style is always sent: 0 framed for print, 1 framed for screens, 2 small,
	// 3 medium, 4 large (WeCom's default when absent is 2).
	Style int `json:"style"`
}

// GetAppQRCode returns the URL of the app's install QR code. It always asks for
// result_type 2 (a JSON URL); the PNG variant is not JSON and is not supported.
func (c *Client) GetAppQRCode(ctx context.Context, suiteToken string, req AppQRCodeRequest) (string, error) {
	const op = "service/get_app_qrcode"
	body := struct {
		AppQRCodeRequest
		ResultType int `json:"result_type"`
	}{req, 2}
	var r struct {
		QRCode string `json:"qrcode"`
	}
	if err := c.post(ctx, op, suiteQuery(suiteToken), body, &r); err != nil {
		return "", err
	}
	return r.QRCode, requireValue(op, "qrcode", r.QRCode)
}

// CorpIDToOpenCorpID converts a plaintext corpid to this provider's open corpid.
func (c *Client) CorpIDToOpenCorpID(ctx context.Context, providerToken, corpID string) (string, error) {
	const op = "service/corpid_to_opencorpid"
	var r struct {
		OpenCorpID string `json:"open_corpid"`
	}
	if err := c.post(ctx, op, providerQuery(providerToken), map[string]string{"corpid": corpID}, &r); err != nil {
		return "", err
	}
	return r.OpenCorpID, requireValue(op, "open_corpid", r.OpenCorpID)
}

// OpenUserIDs is the answer of UserIDToOpenUserID.
type OpenUserIDs struct {
	OpenUserIDList    []OpenUserID `json:"open_userid_list"`
	InvalidUserIDList []string     `json:"invalid_userid_list"`
}

// OpenUserID pairs a corp userid with its provider-wide open_userid.
type OpenUserID struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
}

// UserIDToOpenUserID converts up to 1000 userids of the corp to open_userids.
// Many invalid ids get the caller blocked for a day, so only send known ids.
func (c *Client) UserIDToOpenUserID(ctx context.Context, corpToken string, userIDs []string) (*OpenUserIDs, error) {
	body := struct {
		UserIDList []string `json:"userid_list"`
	}{userIDs}
	var r OpenUserIDs
	if err := c.post(ctx, "batch/userid_to_openuserid", corpQuery(corpToken), body, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
