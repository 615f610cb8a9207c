package oauth

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecom"
)

// UserTypeMember is the session's user type for the OAuth and SSO sign-ins, which do not
// tell admins apart (get_login_info's usertype 5, 成员); /api/v1/me reads the admin list.
const UserTypeMember = 5

// codeInvalid is WeCom's errcode for a bad, expired or reused code (40029).
const codeInvalid = 40029

// Start is where to send the browser and the state cookie to set first.
type Start struct {
	URL   string
	State flowState
}

// StartOAuth begins the in-client OAuth sign-in. scope is "base" (default) or
// "privateinfo" (consent page; name and avatar via getuserdetail3rd).
func (s *Service) StartOAuth(ctx context.Context, suiteID, redirect, scope string) (Start, error) {
	var wscope string
	switch scope {
	case "", "base", wecom.ScopeBase:
		wscope = wecom.ScopeBase
	case "privateinfo", wecom.ScopePrivateInfo:
		wscope = wecom.ScopePrivateInfo
	default:
		return Start{}, ErrBadScope
	}
	st, err := s.newSuiteState(ctx, flowOAuth, suiteID, redirect)
	if err != nil {
		return Start{}, err
	}
	st.Scope = wscope
	return Start{URL: wecom.OAuthURL(s.cfg.OAuthBase, suiteID, s.suiteCallback(suiteID), wscope, st.State), State: st}, nil
}

// StartSSO begins the web login outside the client (wwlogin, login_type=ServiceApp);
// appid is the suite, whose callback also redeems this code.
func (s *Service) StartSSO(ctx context.Context, suiteID, redirect string) (Start, error) {
	st, err := s.newSuiteState(ctx, flowSSO, suiteID, redirect)
	if err != nil {
		return Start{}, err
	}
	return Start{URL: wecom.SSOLoginURL(s.cfg.LoginBase, suiteID, s.suiteCallback(suiteID), st.State), State: st}, nil
}

// StartProvider begins the legacy provider login (3rd_qrConnect, usertype=admin). suiteID
// may name the app the admin wants; empty lets the corp's installs decide.
func (s *Service) StartProvider(ctx context.Context, suiteID, redirect string) (Start, error) {
	domains, err := s.allTrustedDomains(ctx)
	if err != nil {
		return Start{}, err
	}
	if suiteID != "" {
		if _, err := s.suite(ctx, suiteID); err != nil {
			return Start{}, err
		}
	}
	target, err := s.checkRedirect(redirect, domains)
	if err != nil {
		return Start{}, err
	}
	st := flowState{State: newState(), Flow: flowProvider, SuiteID: suiteID, Redirect: target,
		Expires: s.now().Add(stateTTL).Unix()}
	u := s.cfg.InstallBase + "/wwopen/sso/3rd_qrConnect?" + url.Values{
		"appid": {s.cfg.ProviderCorpID}, "redirect_uri": {s.cfg.PublicBaseURL + ProviderCallbackPath},
		"state": {st.State}, "usertype": {"admin"},
	}.Encode()
	return Start{URL: u, State: st}, nil
}

func (s *Service) newSuiteState(ctx context.Context, flow, suiteID, redirect string) (flowState, error) {
	su, err := s.suite(ctx, suiteID)
	if err != nil {
		return flowState{}, err
	}
	target, err := s.checkRedirect(redirect, su.TrustedDomains)
	if err != nil {
		return flowState{}, err
	}
	return flowState{State: newState(), Flow: flow, SuiteID: suiteID, Redirect: target,
		Expires: s.now().Add(stateTTL).Unix()}, nil
}

// suiteCallback is the redirect_uri registered with WeCom: its host must be one of the
// suite's trusted domains.
func (s *Service) suiteCallback(suiteID string) string {
	return s.cfg.PublicBaseURL + "/oauth/" + url.PathEscape(suiteID) + "/callback"
}

// Signed is a finished sign-in: the session's tokens and where the browser goes next.
type Signed struct {
	Tokens   auth.Tokens
	Identity auth.Identity
	Redirect string
}

// finishSuite redeems an OAuth or SSO code (getuserinfo3rd, and getuserdetail3rd for
// privateinfo), records the member and issues the session.
func (s *Service) finishSuite(ctx context.Context, suiteID, code string, st flowState) (Signed, error) {
	if st.SuiteID != suiteID {
		return Signed{}, ErrBadState
	}
	var info *wecom.UserInfo3rd
	err := s.tokens.CallSuite(ctx, suiteID, func(tok string) error {
		var err error
		info, err = s.wc.GetUserInfo3rd(ctx, tok, code)
		return err
	})
	if err != nil {
		return Signed{}, codeErr("getuserinfo3rd", err)
	}
	if info.CorpID == "" || info.UserID == "" {
		return Signed{}, ErrNotMember
	}
	t, err := s.activeTenant(ctx, suiteID, info.CorpID)
	if err != nil {
		return Signed{}, err
	}
	now := s.now()
	u := tenants.User{UserID: info.UserID, OpenUserID: info.OpenUserID, LastLoginAt: &now}
	if st.Scope == wecom.ScopePrivateInfo && info.UserTicket != "" {
		s.addDetail(ctx, suiteID, info, &u)
	}
	id := auth.Identity{TenantID: strconv.FormatInt(t.ID, 10), SuiteID: suiteID, CorpID: info.CorpID,
		UserID: info.UserID, OpenUserID: info.OpenUserID, UserType: UserTypeMember}
	return s.finish(ctx, id, u, st.Redirect)
}

// addDetail reads the consented profile. It is a nicety: a failure is logged (ids only)
// and the sign-in goes on without name and avatar.
func (s *Service) addDetail(ctx context.Context, suiteID string, info *wecom.UserInfo3rd, u *tenants.User) {
	var d *wecom.UserDetail3rd
	err := s.tokens.CallSuite(ctx, suiteID, func(tok string) error {
		var err error
		d, err = s.wc.GetUserDetail3rd(ctx, tok, info.UserTicket)
		return err
	})
	if err != nil {
		s.log.WarnContext(ctx, "user detail unavailable", "suite_id", suiteID, "corp_id", info.CorpID, "err", err)
		return
	}
	u.Name, u.Avatar = d.Name, d.Avatar
}

// finishProvider redeems a provider-login auth code (get_login_info) from 3rd_qrConnect
// or the 业务设置URL. The session is for the corp's install of st.SuiteID when the login
// named one, else for the install whose agent the admin manages, else the corp's only
// active install.
func (s *Service) finishProvider(ctx context.Context, authCode string, st flowState) (Signed, error) {
	var li *wecom.LoginInfo
	err := s.tokens.CallProvider(ctx, func(tok string) error {
		var err error
		li, err = s.wc.GetLoginInfo(ctx, tok, authCode)
		return err
	})
	if err != nil {
		return Signed{}, codeErr("get_login_info", err)
	}
	corpID, ui := li.CorpInfo.CorpID, li.UserInfo
	if corpID == "" || ui.UserID == "" && ui.OpenUserID == "" {
		return Signed{}, ErrNotMember
	}
	t, err := s.providerTenant(ctx, corpID, st.SuiteID, li.Agent)
	if err != nil {
		return Signed{}, err
	}
	now := s.now()
	u := tenants.User{UserID: ui.UserID, OpenUserID: ui.OpenUserID, Name: ui.Name, Avatar: ui.Avatar, LastLoginAt: &now}
	id := auth.Identity{TenantID: strconv.FormatInt(t.ID, 10), SuiteID: t.SuiteID, CorpID: corpID,
		UserID: ui.UserID, OpenUserID: ui.OpenUserID, UserType: li.UserType}
	redirect := st.Redirect
	if redirect == "" {
		redirect = s.cfg.LandingPath
	}
	return s.finish(ctx, id, u, redirect)
}

// providerTenant picks the tenant an admin web login signs in to, never by the order
// suites happen to be listed in: the named suite's; else the corp's active install whose
// agent the login names (agentids are unique within a corp, so that is one install unless
// the admin manages several of the provider's apps there); else the corp's only active
// install. Several candidates and nothing to choose between them is ErrAmbiguousTenant: the
// login link (or the app's 业务设置URL) must then carry ?suite_id=.
func (s *Service) providerTenant(ctx context.Context, corpID, suiteID string, agents []wecom.LoginAgent) (tenants.Tenant, error) {
	if suiteID != "" {
		return s.activeTenant(ctx, suiteID, corpID)
	}
	all, err := s.suites.List(ctx)
	if err != nil {
		return tenants.Tenant{}, fmt.Errorf("list suites: %w", err)
	}
	var active, managed []tenants.Tenant
	for _, su := range all {
		t, err := s.activeTenant(ctx, su.ID, corpID)
		if errors.Is(err, ErrNoTenant) {
			continue
		}
		if err != nil {
			return tenants.Tenant{}, err
		}
		active = append(active, t)
		if slices.ContainsFunc(agents, func(a wecom.LoginAgent) bool { return a.AgentID == t.Agent.AgentID }) {
			managed = append(managed, t)
		}
	}
	switch {
	case len(managed) == 1:
		return managed[0], nil
	case len(managed) == 0 && len(active) == 1:
		return active[0], nil
	case len(active) == 0:
		return tenants.Tenant{}, ErrNoTenant
	}
	return tenants.Tenant{}, fmt.Errorf("corp %s has %d active installs (%d managed by this admin): %w",
		corpID, len(active), len(managed), ErrAmbiguousTenant)
}

// activeTenant returns the tenant if it is installed and WeCom accepts its authorisation.
func (s *Service) activeTenant(ctx context.Context, suiteID, corpID string) (tenants.Tenant, error) {
	t, err := s.tenants.Get(ctx, suiteID, corpID)
	if errors.Is(err, tenants.ErrNotFound) {
		return t, ErrNoTenant
	}
	if err != nil {
		return t, err
	}
	if !t.Active() {
		return t, ErrNoTenant
	}
	return t, nil
}

func (s *Service) finish(ctx context.Context, id auth.Identity, u tenants.User, redirect string) (Signed, error) {
	if u.UserID != "" {
		err := s.tenants.UpsertUser(ctx, id.SuiteID, id.CorpID, u)
		if errors.Is(err, tenants.ErrNotFound) {
			return Signed{}, ErrNoTenant // cancelled in the meantime
		}
		if err != nil {
			return Signed{}, err
		}
	}
	tok, err := s.sessions.Issue(ctx, id)
	if err != nil {
		return Signed{}, err
	}
	s.log.InfoContext(ctx, "tenant user signed in", "suite_id", id.SuiteID, "corp_id", id.CorpID, "user_type", id.UserType)
	return Signed{Tokens: tok, Identity: id, Redirect: redirect}, nil
}

// codeErr turns WeCom's refusal of the code into ErrCodeRefused; anything else is ours
// or WeCom's failure.
func codeErr(op string, err error) error {
	if wecom.HasCode(err, codeInvalid) {
		return fmt.Errorf("%w: %w", ErrCodeRefused, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}
