package wecomsim

import (
	"errors"
	"net/http"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// getSuiteToken is POST /cgi-bin/service/get_suite_token (protocol §3.2). Any ticket
// pushed in the last 30 minutes is accepted, not only the newest.
func (s *Sim) getSuiteToken(r *http.Request) (any, *apiErr) {
	var req struct {
		SuiteID     string `json:"suite_id"`
		SuiteSecret string `json:"suite_secret"`
		SuiteTicket string `json:"suite_ticket"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.SuiteID == "" {
		return nil, errf(41021, "suite_id missing")
	}
	st, ok := s.suite(req.SuiteID)
	switch {
	case !ok:
		return nil, errf(40083, "invalid suite_id")
	case req.SuiteSecret == "":
		return nil, errf(41024, "suite_secret missing")
	case req.SuiteSecret != st.cfg.SuiteSecret:
		return nil, errf(40080, "invalid suite_secret")
	case req.SuiteTicket == "":
		return nil, errf(41023, "suite_ticket missing")
	}
	now := s.Now()
	if err := s.store.CheckSuiteTicket(req.SuiteID, req.SuiteTicket, now, suiteTicketValidity); err != nil {
		return nil, errf(40085, "invalid suite_ticket")
	}
	t := s.store.IssueToken(store.KindSuite, req.SuiteID, "", now, s.cfg.tokenTTL())
	return struct {
		okBody
		SuiteAccessToken string `json:"suite_access_token"`
		ExpiresIn        int64  `json:"expires_in"`
	}{success, t.Value, s.expiresIn(t)}, nil
}

// getPreAuthCode is GET /cgi-bin/service/get_pre_auth_code (protocol §3.3).
func (s *Sim) getPreAuthCode(r *http.Request) (any, *apiErr) {
	t, e := s.suiteAuth(r)
	if e != nil {
		return nil, e
	}
	c := s.store.NewCode(store.CodePreAuth, store.Code{Owner: t.SuiteID}, s.Now(), preAuthCodeTTL)
	return struct {
		okBody
		PreAuthCode string `json:"pre_auth_code"`
		ExpiresIn   int    `json:"expires_in"`
	}{success, c.Value, int(preAuthCodeTTL.Seconds())}, nil
}

// setSessionInfo is POST /cgi-bin/service/set_session_info (protocol §3.4).
func (s *Sim) setSessionInfo(r *http.Request) (any, *apiErr) {
	t, e := s.suiteAuth(r)
	if e != nil {
		return nil, e
	}
	var req struct {
		PreAuthCode string `json:"pre_auth_code"`
		SessionInfo struct {
			AppID    []int `json:"appid"`
			AuthType int   `json:"auth_type"`
		} `json:"session_info"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.PreAuthCode == "" {
		return nil, errf(40077, "invalid pre_auth_code")
	}
	if req.SessionInfo.AuthType != 0 && req.SessionInfo.AuthType != 1 {
		return nil, errf(40058, "invalid auth_type")
	}
	err := s.store.SetPreAuthSession(t.SuiteID, req.PreAuthCode, req.SessionInfo.AuthType, s.Now())
	if e := preAuthErr(err); e != nil {
		return nil, e
	}
	return success, nil
}

func preAuthErr(err error) *apiErr {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrExpired):
		return errf(42007, "pre_auth_code expired")
	}
	return errf(40077, "invalid pre_auth_code")
}

// getPermanentCode serves v1 (full answer with a corp access_token, protocol §3.6) and
// v2 (reduced set, §3.7). The auth code is single-use: a second exchange gets 40078.
func (s *Sim) getPermanentCode(v2 bool) apiFunc {
	return func(r *http.Request) (any, *apiErr) {
		t, e := s.suiteAuth(r)
		if e != nil {
			return nil, e
		}
		var req struct {
			AuthCode string `json:"auth_code"`
		}
		if e := decodeBody(r, &req); e != nil {
			return nil, e
		}
		if req.AuthCode == "" {
			return nil, errf(41008, "missing auth code")
		}
		now := s.Now()
		in, code, err := s.store.ExchangeAuthCode(t.SuiteID, req.AuthCode, now)
		if err != nil {
			return nil, errf(40078, "invalid auth_code")
		}
		corp, err := s.store.Corp(in.CorpID)
		if err != nil {
			return nil, errf(40078, "invalid auth_code")
		}
		var user *userInfo
		if u, ok := corp.User(code.UserID); ok {
			ui := newUserInfo(u)
			user = &ui
		}
		if v2 {
			return struct {
				okBody
				PermanentCode string        `json:"permanent_code"`
				AuthCorpInfo  shortCorpInfo `json:"auth_corp_info"`
				AuthUserInfo  *userInfo     `json:"auth_user_info,omitempty"`
				State         string        `json:"state,omitempty"`
			}{success, in.PermanentCode, shortCorpInfo{corp.CorpID, corp.Name}, user, code.State}, nil
		}
		tok := s.store.IssueToken(store.KindCorp, in.SuiteID, in.CorpID, now, s.cfg.tokenTTL())
		return struct {
			okBody
			AccessToken   string       `json:"access_token"`
			ExpiresIn     int64        `json:"expires_in"`
			PermanentCode string       `json:"permanent_code"`
			AuthCorpInfo  authCorpInfo `json:"auth_corp_info"`
			AuthInfo      authInfo     `json:"auth_info"`
			AuthUserInfo  *userInfo    `json:"auth_user_info,omitempty"`
			State         string       `json:"state,omitempty"`
			EditionInfo   editionInfo  `json:"edition_info"`
		}{success, tok.Value, s.expiresIn(tok), in.PermanentCode, s.corpInfo(corp, true),
			s.authInfo(in), user, code.State, s.editionInfo(in)}, nil
	}
}

// getAuthInfo serves get_auth_info v1 and v2 (protocol §3.8); v2 drops the slow
// corp_wxqrcode and the edition_info.
func (s *Sim) getAuthInfo(v2 bool) apiFunc {
	return func(r *http.Request) (any, *apiErr) {
		in, e := s.tenantAuth(r)
		if e != nil {
			return nil, e
		}
		corp, err := s.store.Corp(in.CorpID)
		if err != nil {
			return nil, errf(40013, "invalid corpid")
		}
		var ed *editionInfo
		if !v2 {
			x := s.editionInfo(in)
			ed = &x
		}
		return struct {
			okBody
			AuthCorpInfo authCorpInfo `json:"auth_corp_info"`
			AuthInfo     authInfo     `json:"auth_info"`
			EditionInfo  *editionInfo `json:"edition_info,omitempty"`
		}{success, s.corpInfo(corp, !v2), s.authInfo(in), ed}, nil
	}
}

// tenantAuth checks the suite token and the {auth_corpid, permanent_code} body that
// get_auth_info and get_corp_token share, and returns the install they name.
func (s *Sim) tenantAuth(r *http.Request) (store.Install, *apiErr) {
	t, e := s.suiteAuth(r)
	if e != nil {
		return store.Install{}, e
	}
	var req struct {
		AuthCorpID    string `json:"auth_corpid"`
		PermanentCode string `json:"permanent_code"`
	}
	if e := decodeBody(r, &req); e != nil {
		return store.Install{}, e
	}
	return s.permanentAuth(t.SuiteID, req.AuthCorpID, req.PermanentCode)
}

// getCorpToken is POST /cgi-bin/service/get_corp_token (protocol §3.9).
func (s *Sim) getCorpToken(r *http.Request) (any, *apiErr) {
	in, e := s.tenantAuth(r)
	if e != nil {
		return nil, e
	}
	tok := s.store.IssueToken(store.KindCorp, in.SuiteID, in.CorpID, s.Now(), s.cfg.tokenTTL())
	return struct {
		okBody
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}{success, tok.Value, s.expiresIn(tok)}, nil
}

// serviceAdminList is the legacy POST /cgi-bin/service/get_admin_list (protocol §3.10).
func (s *Sim) serviceAdminList(r *http.Request) (any, *apiErr) {
	t, e := s.suiteAuth(r)
	if e != nil {
		return nil, e
	}
	var req struct {
		AuthCorpID string `json:"auth_corpid"`
		AgentID    int    `json:"agentid"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.AuthCorpID == "" {
		return nil, errf(41002, "corpid missing")
	}
	corp, err := s.store.Corp(req.AuthCorpID)
	if err != nil {
		return nil, errf(40013, "invalid corpid")
	}
	in, err := s.store.Install(t.SuiteID, corp.CorpID)
	if err != nil || in.Status != store.StatusActive {
		return nil, errf(48004, "auth relation invalid")
	}
	if req.AgentID != in.AgentID {
		return nil, errf(40056, "invalid agentid")
	}
	type admin struct {
		UserID     string `json:"userid"`
		OpenUserID string `json:"open_userid"`
		AuthType   int    `json:"auth_type"`
	}
	out := []admin{}
	for _, a := range in.Admins {
		u, _ := corp.User(a.UserID)
		out = append(out, admin{a.UserID, u.OpenUserID, a.AuthType})
	}
	return struct {
		okBody
		Admin []admin `json:"admin"`
	}{success, out}, nil
}
