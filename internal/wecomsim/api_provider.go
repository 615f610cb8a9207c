package wecomsim

import (
	"net/http"
	"slices"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// getProviderToken is POST /cgi-bin/service/get_provider_token (protocol §3.1).
func (s *Sim) getProviderToken(r *http.Request) (any, *apiErr) {
	var req struct {
		CorpID         string `json:"corpid"`
		ProviderSecret string `json:"provider_secret"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	switch {
	case req.CorpID == "":
		return nil, errf(41002, "corpid missing")
	case req.CorpID != s.cfg.Provider.CorpID:
		return nil, errf(40013, "invalid corpid")
	case req.ProviderSecret == "":
		return nil, errf(41004, "secret missing")
	case req.ProviderSecret != s.cfg.Provider.Secret:
		return nil, errf(40001, "invalid credential")
	}
	t := s.store.IssueToken(store.KindProvider, "", s.cfg.Provider.CorpID, s.Now(), s.cfg.tokenTTL())
	return struct {
		okBody
		ProviderAccessToken string `json:"provider_access_token"`
		ExpiresIn           int64  `json:"expires_in"`
	}{success, t.Value, s.expiresIn(t)}, nil
}

// getLoginInfo is POST /cgi-bin/service/get_login_info?access_token=PROVIDER_TOKEN
// (protocol §3.14), redeeming an auth_code from the 3rd_qrConnect page.
func (s *Sim) getLoginInfo(r *http.Request) (any, *apiErr) {
	if _, e := s.providerAuth(r, "access_token"); e != nil {
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
	code, err := s.store.UseCode(store.CodeLogin, s.cfg.Provider.CorpID, req.AuthCode, s.Now())
	if err != nil {
		return nil, errf(40029, "invalid code")
	}
	corp, err := s.store.Corp(code.CorpID)
	if err != nil {
		return nil, errf(40029, "invalid code")
	}
	u, ok := corp.User(code.UserID)
	if !ok {
		return nil, errf(40029, "invalid code")
	}
	type agent struct {
		AgentID  int `json:"agentid"`
		AuthType int `json:"auth_type"`
	}
	type dept struct {
		ID       int  `json:"id"`
		Writable bool `json:"writable"`
	}
	resp := struct {
		okBody
		UserType int      `json:"usertype"`
		UserInfo userInfo `json:"user_info"`
		CorpInfo struct {
			CorpID string `json:"corpid"`
		} `json:"corp_info"`
		Agent    []agent `json:"agent,omitempty"`
		AuthInfo *struct {
			Department []dept `json:"department"`
		} `json:"auth_info,omitempty"`
	}{okBody: success, UserInfo: newUserInfo(u)}
	resp.CorpInfo.CorpID = corp.CorpID
	for _, in := range s.store.Installs(corp.CorpID) {
		if in.Status != store.StatusActive {
			continue
		}
		if i := slices.IndexFunc(in.Admins, func(a store.Admin) bool { return a.UserID == u.UserID }); i >= 0 {
			resp.Agent = append(resp.Agent, agent{in.AgentID, in.Admins[i].AuthType})
		}
	}
	resp.UserType = loginUserType(corp, u.UserID, len(resp.Agent) > 0)
	if resp.UserType != 5 {
		resp.AuthInfo = &struct {
			Department []dept `json:"department"`
		}{[]dept{{ID: 1, Writable: true}}}
	} else {
		resp.Agent = nil
	}
	return resp, nil
}

// loginUserType: 1 creator (the corp's first admin), 2 system admin, 4 app admin
// (分级管理员), 5 member.
func loginUserType(c store.Corp, userID string, appAdmin bool) int {
	switch {
	case len(c.Admins) > 0 && c.Admins[0] == userID:
		return 1
	case slices.Contains(c.Admins, userID):
		return 2
	case appAdmin:
		return 4
	}
	return 5
}

type userInfo struct {
	UserID     string `json:"userid"`
	OpenUserID string `json:"open_userid"`
	Name       string `json:"name"`
	Avatar     string `json:"avatar"`
}

func newUserInfo(u store.User) userInfo {
	return userInfo{UserID: u.UserID, OpenUserID: u.OpenUserID, Name: u.Name, Avatar: u.Avatar}
}

// corpIDToOpenCorpID is POST /cgi-bin/service/corpid_to_opencorpid (protocol §3.13);
// only corps that authorized one of the provider's apps can be translated (48001).
func (s *Sim) corpIDToOpenCorpID(r *http.Request) (any, *apiErr) {
	if _, e := s.providerAuth(r, "provider_access_token"); e != nil {
		return nil, e
	}
	var req struct {
		CorpID string `json:"corpid"`
	}
	if e := decodeBody(r, &req); e != nil {
		return nil, e
	}
	if req.CorpID == "" {
		return nil, errf(41002, "corpid missing")
	}
	c, err := s.store.Corp(req.CorpID)
	if err != nil {
		return nil, errf(40013, "invalid corpid")
	}
	if len(s.store.Installs(c.CorpID)) == 0 {
		return nil, errf(48001, "api forbidden")
	}
	return struct {
		okBody
		OpenCorpID string `json:"open_corpid"`
	}{success, c.OpenCorpID}, nil
}
