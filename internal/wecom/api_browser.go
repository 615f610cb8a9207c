package wecom

import (
	"crypto/sha1"
	"encoding/hex"
	"net/url"
	"strconv"
	"strings"
)

// Browser-side hosts (protocol §4).
const (
	DefaultInstallBase = "https://open.work.weixin.qq.com"
	DefaultOAuthBase   = "https://open.weixin.qq.com"
	DefaultLoginBase   = "https://login.work.weixin.qq.com"
)

// OAuth scopes for third-party apps.
const (
	ScopeBase        = "snsapi_base"        // silent: userid only
	ScopePrivateInfo = "snsapi_privateinfo" // consent page: avatar, gender, QR code
)

// InstallURL is the page that asks a corp admin to install the suite; WeCom then
// redirects to redirectURI with auth_code, expires_in and state.
func InstallURL(installBase, suiteID, preAuthCode, redirectURI, state string) string {
	return trimBase(installBase) + "/3rdapp/install?" + query(
		"suite_id", suiteID,
		"pre_auth_code", preAuthCode,
		"redirect_uri", redirectURI,
		"state", state,
	)
}

// OAuthURL is the in-client OAuth page for the suite; WeCom redirects to
// redirectURI with code and state. appid is the suite id, not a corpid.
func OAuthURL(oauthBase, suiteID, redirectURI, scope, state string) string {
	return trimBase(oauthBase) + "/connect/oauth2/authorize?" + query(
		"appid", suiteID,
		"redirect_uri", redirectURI,
		"response_type", "code",
		"scope", scope,
		"state", state,
	) + "#wechat_redirect"
}

// SSOLoginURL is the web login page outside the WeCom client for the provider's
// 登录授权 suite; consume the returned code with GetUserInfo3rd.
func SSOLoginURL(base, loginSuiteID, redirectURI, state string) string {
	return trimBase(base) + "/wwlogin/sso/login?" + query(
		"login_type", "ServiceApp",
		"appid", loginSuiteID,
		"redirect_uri", redirectURI,
		"state", state,
	)
}

// query encodes pairs in the given order; url.Values would sort them, and the
// docs (and people comparing against them) read them in this order.
func query(kv ...string) string {
	var b []byte
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, url.QueryEscape(kv[i])...)
		b = append(b, '=')
		b = append(b, url.QueryEscape(kv[i+1])...)
	}
	return string(b)
}

func trimBase(base string) string { return strings.TrimRight(base, "/") }

// SignJSAPI computes a JS-SDK signature (protocol §10) for wx.config (with the
// corp jsapi_ticket) or wx.agentConfig (with the agent_config ticket). The page
// URL is signed without its #fragment; timestamp is in seconds, not ms.
func SignJSAPI(ticket, nonce string, timestamp int64, pageURL string) string {
	if i := strings.IndexByte(pageURL, '#'); i >= 0 {
		pageURL = pageURL[:i]
	}
	s := "jsapi_ticket=" + ticket + "&noncestr=" + nonce +
		"&timestamp=" + strconv.FormatInt(timestamp, 10) + "&url=" + pageURL
	sum := sha1.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
