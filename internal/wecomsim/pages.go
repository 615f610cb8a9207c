package wecomsim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// installPage is /3rdapp/install (protocol §3.5): the admin picks or creates a corp
// and approves; the browser goes to redirect_uri?auth_code&expires_in=600&state.
// A link install pushes no create_auth.
func (s *Sim) installPage(w http.ResponseWriter, r *http.Request) {
	const title = "安装应用 / Install app"
	suiteID, pre, redirect, state := r.FormValue("suite_id"), r.FormValue("pre_auth_code"), r.FormValue("redirect_uri"), r.FormValue("state")
	if _, ok := s.suite(suiteID); !ok {
		s.errorPage(w, title, pageErr{40083, "invalid suite_id"})
		return
	}
	code, err := s.store.PeekCode(store.CodePreAuth, suiteID, pre, s.Now())
	if err != nil {
		e := preAuthErr(err)
		s.errorPage(w, title, pageErr{e.Code, e.Msg})
		return
	}
	if u, err := url.Parse(redirect); err != nil || u.Host == "" {
		s.errorPage(w, title, pageErr{40058, "invalid redirect_uri"})
		return
	}
	if r.Method != http.MethodPost && !s.cfg.AutoApprove {
		s.renderPage(w, http.StatusOK, pageData{
			Title: title, Action: "/3rdapp/install", NewCorp: true, Corps: s.pageCorps(nil),
			Intro:  fmt.Sprintf("Suite %s asks to be installed. Choose the corp that approves it.", suiteID),
			Hidden: map[string]string{"suite_id": suiteID, "pre_auth_code": pre, "redirect_uri": redirect, "state": state},
		})
		return
	}
	res, err := s.Install(r.Context(), InstallRequest{
		SuiteID: suiteID, Via: ViaLink, CorpID: r.FormValue("corpid"), CorpName: r.FormValue("corp_name"),
		UserID: r.FormValue("userid"), State: state, AuthType: code.AuthType, RedirectURI: redirect,
	})
	if err != nil {
		s.errorPage(w, title, pageErr{40058, err.Error()})
		return
	}
	http.Redirect(w, r, res.Redirect, http.StatusFound)
}

// qrInstallPage is where get_app_qrcode's QR code leads: a scan installs like the app
// market does, so create_auth is pushed with the QR code's state.
func (s *Sim) qrInstallPage(w http.ResponseWriter, r *http.Request) {
	const title = "扫码安装 / Install by QR code"
	suiteID := r.FormValue("suite_id")
	if _, ok := s.suite(suiteID); !ok {
		s.errorPage(w, title, pageErr{40083, "invalid suite_id"})
		return
	}
	if r.Method != http.MethodPost && !s.cfg.AutoApprove {
		s.renderPage(w, http.StatusOK, pageData{
			Title: title, Action: "/3rdapp/qrinstall", NewCorp: true, Corps: s.pageCorps(nil),
			Hidden: map[string]string{"suite_id": suiteID, "state": r.FormValue("state")},
		})
		return
	}
	res, err := s.Install(r.Context(), InstallRequest{
		SuiteID: suiteID, Via: ViaMarket, CorpID: r.FormValue("corpid"), CorpName: r.FormValue("corp_name"),
		UserID: r.FormValue("userid"), State: r.FormValue("state"),
	})
	if err != nil {
		s.errorPage(w, title, pageErr{40058, err.Error()})
		return
	}
	s.renderPage(w, http.StatusOK, pageData{Title: title, Done: &res})
}

// oauthPage is /connect/oauth2/authorize with appid = suite_id (protocol §4.1).
func (s *Sim) oauthPage(w http.ResponseWriter, r *http.Request) {
	const title = "企业微信授权登录 / OAuth"
	suiteID, scope := r.FormValue("appid"), r.FormValue("scope")
	st, ok := s.suite(suiteID)
	switch {
	case !ok:
		s.errorPage(w, title, pageErr{40083, "invalid appid: not a suite_id"})
		return
	case r.FormValue("response_type") != "code":
		s.errorPage(w, title, pageErr{40058, "response_type must be code"})
		return
	}
	if scope == "" {
		scope = "snsapi_base"
	}
	if e := s.checkRedirect(r.FormValue("redirect_uri"), st.cfg.TrustedDomains); e != nil {
		s.errorPage(w, title, *e)
		return
	}
	s.userFlow(w, r, title, "/connect/oauth2/authorize", s.store.ActiveInstalls(suiteID), func(c store.Corp, u store.User) url.Values {
		code := s.store.NewCode(store.CodeOAuth, store.Code{Owner: suiteID, CorpID: c.CorpID, UserID: u.UserID, Scope: scope}, s.Now(), oauthCodeTTL)
		return url.Values{"code": {code.Value}}
	})
}

// ssoPage is the web login /wwlogin/sso/login?login_type=ServiceApp&appid=SUITE_ID
// (protocol §4.2); the code is redeemed with getuserinfo3rd by that suite.
func (s *Sim) ssoPage(w http.ResponseWriter, r *http.Request) {
	const title = "企业微信登录 / Web login"
	suiteID := r.FormValue("appid")
	st, ok := s.suite(suiteID)
	switch {
	case r.FormValue("login_type") != "ServiceApp":
		s.errorPage(w, title, pageErr{40058, "login_type must be ServiceApp (CorpApp is not simulated)"})
		return
	case !ok:
		s.errorPage(w, title, pageErr{40083, "invalid appid: not a suite_id"})
		return
	}
	if e := s.checkRedirect(r.FormValue("redirect_uri"), st.cfg.TrustedDomains); e != nil {
		s.errorPage(w, title, *e)
		return
	}
	installs := s.store.ActiveInstalls(suiteID)
	if len(installs) == 0 {
		installs = s.store.ActiveInstalls("")
	}
	s.userFlow(w, r, title, "/wwlogin/sso/login", installs, func(c store.Corp, u store.User) url.Values {
		code := s.store.NewCode(store.CodeOAuth, store.Code{Owner: suiteID, CorpID: c.CorpID, UserID: u.UserID, Scope: "snsapi_base"}, s.Now(), oauthCodeTTL)
		return url.Values{"code": {code.Value}}
	})
}

// qrConnectPage is the legacy /wwopen/sso/3rd_qrConnect?appid=PROVIDER_CORPID; its
// auth_code is redeemed with get_login_info.
func (s *Sim) qrConnectPage(w http.ResponseWriter, r *http.Request) {
	const title = "企业微信扫码登录 / Provider login"
	if r.FormValue("appid") != s.cfg.Provider.CorpID {
		s.errorPage(w, title, pageErr{40013, "invalid appid: not the provider corpid"})
		return
	}
	var domains []string
	for _, id := range s.order {
		domains = append(domains, s.suites[id].cfg.TrustedDomains...)
	}
	if e := s.checkRedirect(r.FormValue("redirect_uri"), domains); e != nil {
		s.errorPage(w, title, *e)
		return
	}
	s.userFlow(w, r, title, "/wwopen/sso/3rd_qrConnect", s.store.ActiveInstalls(""), func(c store.Corp, u store.User) url.Values {
		code := s.store.NewCode(store.CodeLogin, store.Code{Owner: s.cfg.Provider.CorpID, CorpID: c.CorpID, UserID: u.UserID}, s.Now(), loginCodeTTL)
		return url.Values{"auth_code": {code.Value}}
	})
}

// checkRedirect enforces the trusted-domain rule: exact host including port, no
// wildcards (protocol §4.1); anything else is the 50001 error screen.
func (s *Sim) checkRedirect(raw string, trusted []string) *pageErr {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return &pageErr{40058, "invalid redirect_uri"}
	}
	if !slices.Contains(trusted, u.Host) {
		return &pageErr{50001, fmt.Sprintf("redirect_uri host %s is not a trusted domain (redirect_url未登记可信域名)", u.Host)}
	}
	return nil
}

// userFlow shows the member picker, or with auto_approve (or after a pick) redirects
// to redirect_uri with the params issue returns plus state. Without an explicit pick
// it signs in the first admin of the newest installing corp.
func (s *Sim) userFlow(w http.ResponseWriter, r *http.Request, title, action string, installs []store.Install,
	issue func(store.Corp, store.User) url.Values) {
	if r.Method != http.MethodPost && !s.cfg.AutoApprove {
		hidden := map[string]string{}
		for k := range r.URL.Query() {
			if k != "corpid" && k != "userid" {
				hidden[k] = r.URL.Query().Get(k)
			}
		}
		s.renderPage(w, http.StatusOK, pageData{Title: title, Action: action, Hidden: hidden, Corps: s.pageCorps(installs),
			Intro: "Choose who signs in."})
		return
	}
	corp, user, err := s.pickUser(installs, r.FormValue("corpid"), r.FormValue("userid"))
	if err != nil {
		s.errorPage(w, title, pageErr{60111, err.Error()})
		return
	}
	q := issue(corp, user)
	q.Set("state", r.FormValue("state"))
	target, err := addQuery(r.FormValue("redirect_uri"), q)
	if err != nil {
		s.errorPage(w, title, pageErr{40058, "invalid redirect_uri"})
		return
	}
	http.Redirect(w, r, target, http.StatusFound)
}

func (s *Sim) pickUser(installs []store.Install, corpID, userID string) (store.Corp, store.User, error) {
	for _, in := range installs {
		if corpID != "" && in.CorpID != corpID {
			continue
		}
		c, err := s.store.Corp(in.CorpID)
		if err != nil {
			continue
		}
		if userID != "" {
			if u, ok := c.User(userID); ok {
				return c, u, nil
			}
			continue
		}
		var ids []string
		for _, a := range in.Admins {
			ids = append(ids, a.UserID)
		}
		ids = append(ids, c.Admins...)
		for _, u := range c.Users {
			ids = append(ids, u.UserID)
		}
		for _, id := range ids {
			if u, ok := c.User(id); ok {
				return c, u, nil
			}
		}
	}
	if userID != "" {
		return store.Corp{}, store.User{}, fmt.Errorf("user %q is not a member of a corp that installed the app", userID)
	}
	return store.Corp{}, store.User{}, errors.New("no corp has installed the app")
}

// pageCorps lists corps for a picker: the given installs' corps (newest first), or
// every corp when installs is nil.
func (s *Sim) pageCorps(installs []store.Install) []pageCorp {
	var corps []store.Corp
	if installs == nil {
		corps = s.store.Corps()
	}
	for _, in := range installs {
		if c, err := s.store.Corp(in.CorpID); err == nil && !slices.ContainsFunc(corps, func(x store.Corp) bool { return x.CorpID == c.CorpID }) {
			corps = append(corps, c)
		}
	}
	out := make([]pageCorp, 0, len(corps))
	for _, c := range corps {
		pc := pageCorp{CorpID: c.CorpID, Name: c.Name}
		for _, u := range c.Users {
			pc.Users = append(pc.Users, pageUser{UserID: u.UserID, Name: u.Name, Admin: slices.Contains(c.Admins, u.UserID)})
		}
		out = append(out, pc)
	}
	return out
}
