package wecomsim

import (
	"net/http"
	"strconv"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// oauthIdentity redeems an OAuth or web-login code for the suite (single use, 5 min):
// a reused, expired or foreign code is 40029 (protocol §3.15).
func (s *Sim) oauthIdentity(r *http.Request, tokenNames ...string) (store.Token, store.Code, store.Corp, store.User, *apiErr) {
	t, e := s.suiteAuth(r, tokenNames...)
	if e != nil {
		return t, store.Code{}, store.Corp{}, store.User{}, e
	}
	v := r.URL.Query().Get("code")
	if v == "" {
		return t, store.Code{}, store.Corp{}, store.User{}, errf(41008, "missing code")
	}
	code, err := s.store.UseCode(store.CodeOAuth, t.SuiteID, v, s.Now())
	if err != nil {
		return t, code, store.Corp{}, store.User{}, errf(40029, "invalid code")
	}
	corp, err := s.store.Corp(code.CorpID)
	if err != nil {
		return t, code, corp, store.User{}, errf(40029, "invalid code")
	}
	u, ok := corp.User(code.UserID)
	if !ok {
		return t, code, corp, u, errf(40029, "invalid code")
	}
	return t, code, corp, u, nil
}

// userTicket is issued only for a consent scope and a member inside the visible range.
func (s *Sim) userTicket(t store.Token, code store.Code, corp store.Corp, u store.User) string {
	if code.Scope == "" || code.Scope == "snsapi_base" {
		return ""
	}
	in, err := s.store.Install(t.SuiteID, corp.CorpID)
	if err != nil || in.Status != store.StatusActive || !in.Visible(corp, u) {
		return ""
	}
	c := s.store.NewCode(store.CodeUserTicket, store.Code{Owner: t.SuiteID, CorpID: corp.CorpID, UserID: u.UserID, Scope: code.Scope},
		s.Now(), userTicketTTL)
	return c.Value
}

// getUserInfo3rd is GET /cgi-bin/service/auth/getuserinfo3rd.
func (s *Sim) getUserInfo3rd(r *http.Request) (any, *apiErr) {
	t, code, corp, u, e := s.oauthIdentity(r)
	if e != nil {
		return nil, e
	}
	resp := struct {
		okBody
		CorpID     string `json:"corpid"`
		UserID     string `json:"userid"`
		UserTicket string `json:"user_ticket,omitempty"`
		ExpiresIn  int    `json:"expires_in,omitempty"`
		OpenUserID string `json:"open_userid"`
	}{okBody: success, CorpID: corp.CorpID, UserID: u.UserID, OpenUserID: u.OpenUserID}
	if resp.UserTicket = s.userTicket(t, code, corp, u); resp.UserTicket != "" {
		resp.ExpiresIn = int(userTicketTTL.Seconds())
	}
	return resp, nil
}

// getUserInfo3rdLegacy is GET /cgi-bin/service/getuserinfo3rd: capitalised keys, and
// the suite token under either query name (protocol §3.15).
func (s *Sim) getUserInfo3rdLegacy(r *http.Request) (any, *apiErr) {
	t, code, corp, u, e := s.oauthIdentity(r, "suite_access_token", "access_token")
	if e != nil {
		return nil, e
	}
	resp := struct {
		okBody
		CorpID     string `json:"CorpId"`
		UserID     string `json:"UserId"`
		DeviceID   string `json:"DeviceId"`
		UserTicket string `json:"user_ticket,omitempty"`
		ExpiresIn  int    `json:"expires_in,omitempty"`
		OpenUserID string `json:"open_userid"`
	}{okBody: success, CorpID: corp.CorpID, UserID: u.UserID, OpenUserID: u.OpenUserID}
	if resp.UserTicket = s.userTicket(t, code, corp, u); resp.UserTicket != "" {
		resp.ExpiresIn = int(userTicketTTL.Seconds())
	}
	return resp, nil
}

// getUserDetail3rd serves auth/getuserdetail3rd and the legacy getuserdetail3rd. The
// errcode for a bad user_ticket is undocumented; 40029 treats it like a bad code.
func (s *Sim) getUserDetail3rd(tokenNames ...string) apiFunc {
	return func(r *http.Request) (any, *apiErr) {
		t, e := s.suiteAuth(r, tokenNames...)
		if e != nil {
			return nil, e
		}
		var req struct {
			UserTicket string `json:"user_ticket"`
		}
		if e := decodeBody(r, &req); e != nil {
			return nil, e
		}
		if req.UserTicket == "" {
			return nil, errf(41008, "missing user_ticket")
		}
		c, err := s.store.PeekCode(store.CodeUserTicket, t.SuiteID, req.UserTicket, s.Now())
		if err != nil {
			return nil, errf(40029, "invalid user_ticket")
		}
		corp, err := s.store.Corp(c.CorpID)
		if err != nil {
			return nil, errf(40029, "invalid user_ticket")
		}
		u, ok := corp.User(c.UserID)
		if !ok {
			return nil, errf(60111, "userid not found")
		}
		gender := "0"
		if c.Scope == "snsapi_privateinfo" {
			gender = strconv.Itoa(u.Gender)
		}
		return struct {
			okBody
			CorpID string `json:"corpid"`
			UserID string `json:"userid"`
			Name   string `json:"name"`
			Gender string `json:"gender"`
			Avatar string `json:"avatar"`
			QRCode string `json:"qr_code"`
		}{success, corp.CorpID, u.UserID, u.Name, gender, u.Avatar,
			"https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=sim" + u.OpenUserID}, nil
	}
}
