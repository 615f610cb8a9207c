package wecomsim

import "net/http"

// routes lists the whole HTTP surface. WeCom's API paths answer any method, as the
// token and parameter checks decide the errcode, not the verb.
func (s *Sim) routes() *http.ServeMux {
	mux := http.NewServeMux()
	api := map[string]apiFunc{
		"/cgi-bin/service/get_provider_token":    s.getProviderToken,
		"/cgi-bin/service/get_suite_token":       s.getSuiteToken,
		"/cgi-bin/service/get_pre_auth_code":     s.getPreAuthCode,
		"/cgi-bin/service/set_session_info":      s.setSessionInfo,
		"/cgi-bin/service/get_permanent_code":    s.getPermanentCode(false),
		"/cgi-bin/service/v2/get_permanent_code": s.getPermanentCode(true),
		"/cgi-bin/service/get_auth_info":         s.getAuthInfo(false),
		"/cgi-bin/service/v2/get_auth_info":      s.getAuthInfo(true),
		"/cgi-bin/service/get_corp_token":        s.getCorpToken,
		"/cgi-bin/service/get_admin_list":        s.serviceAdminList,
		"/cgi-bin/service/get_login_info":        s.getLoginInfo,
		"/cgi-bin/service/get_app_qrcode":        s.getAppQRCode,
		"/cgi-bin/service/corpid_to_opencorpid":  s.corpIDToOpenCorpID,
		"/cgi-bin/service/auth/getuserinfo3rd":   s.getUserInfo3rd,
		"/cgi-bin/service/auth/getuserdetail3rd": s.getUserDetail3rd("suite_access_token"),
		"/cgi-bin/service/getuserinfo3rd":        s.getUserInfo3rdLegacy,
		"/cgi-bin/service/getuserdetail3rd":      s.getUserDetail3rd("suite_access_token", "access_token"),
		"/cgi-bin/agent/get_admin_list":          s.agentAdminList,
		"/cgi-bin/get_jsapi_ticket":              s.jsapiTicket(false),
		"/cgi-bin/ticket/get":                    s.jsapiTicket(true),
		"/cgi-bin/batch/userid_to_openuserid":    s.userIDToOpenUserID,
		"/cgi-bin/user/get":                      s.getUser,
		"/cgi-bin/user/simplelist":               s.simpleList,
		"/cgi-bin/department/list":               s.departmentList,
		"/cgi-bin/message/send":                  s.sendMessage,
	}
	for path, f := range api {
		mux.Handle(path, s.wrap(s.serveAPI(f), true))
	}
	pages := map[string]http.HandlerFunc{
		"/3rdapp/install":           s.installPage,
		"/3rdapp/qrinstall":         s.qrInstallPage,
		"/connect/oauth2/authorize": s.oauthPage,
		"/wwlogin/sso/login":        s.ssoPage,
		"/wwopen/sso/3rd_qrConnect": s.qrConnectPage,
	}
	for path, f := range pages {
		mux.Handle(path, s.wrap(f, false))
	}
	s.controlRoutes(mux)
	return mux
}
