package wecomsim

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// Errors of the Go and control APIs; the control API answers them with 400 and 404.
var (
	ErrBadRequest = errors.New("bad request")
	ErrNotFound   = errors.New("not found")
)

// Install channels.
const (
	ViaMarket = "market" // app market or QR scan: WeCom pushes create_auth
	ViaLink   = "link"   // install link: the browser is redirected with the auth code
)

// InstallRequest asks for one corp to install one suite.
type InstallRequest struct {
	SuiteID  string `json:"suite_id"`
	Via      string `json:"via,omitempty"`
	CorpID   string `json:"corpid,omitempty"`
	CorpName string `json:"corp_name,omitempty"`
	State    string `json:"state,omitempty"`
	// UserID is the approving admin; default the corp's first admin.
	UserID string `json:"userid,omitempty"`
	// AuthType 1 is a test install (set_session_info auth_type=1).
	AuthType    int    `json:"auth_type,omitempty"`
	RedirectURI string `json:"redirect_uri,omitempty"`
	ExtraInfo   string `json:"extra_info,omitempty"`
}

// InstallResult is the outcome of an install; Delivery is set for market installs.
type InstallResult struct {
	SuiteID       string    `json:"suite_id"`
	Via           string    `json:"via"`
	CorpID        string    `json:"corpid"`
	CorpName      string    `json:"corp_name"`
	AgentID       int       `json:"agentid"`
	PermanentCode string    `json:"permanent_code"`
	AuthCode      string    `json:"auth_code"`
	ExpiresIn     int       `json:"expires_in"`
	State         string    `json:"state"`
	Redirect      string    `json:"redirect,omitempty"`
	Delivery      *Delivery `json:"delivery,omitempty"`
}

// Install makes a corp (new unless CorpID is given) install a suite. A market install
// pushes create_auth with the auth code; a link install only returns the code and the
// redirect WeCom would send the browser to, since link installs push nothing
// (protocol §3.5).
func (s *Sim) Install(ctx context.Context, req InstallRequest) (InstallResult, error) {
	st, ok := s.suite(req.SuiteID)
	if !ok {
		return InstallResult{}, fmt.Errorf("suite %q: %w", req.SuiteID, ErrNotFound)
	}
	if req.Via == "" {
		req.Via = ViaMarket
	}
	if req.Via != ViaMarket && req.Via != ViaLink {
		return InstallResult{}, fmt.Errorf("via must be %q or %q: %w", ViaMarket, ViaLink, ErrBadRequest)
	}
	now := s.Now()
	var corp store.Corp
	var err error
	if req.CorpID != "" {
		corp, err = s.store.Corp(req.CorpID)
		if err != nil {
			return InstallResult{}, fmt.Errorf("corp %q: %w", req.CorpID, ErrNotFound)
		}
	} else if corp, err = s.store.AddCorp(store.CorpSeed{Name: req.CorpName}, now); err != nil {
		return InstallResult{}, fmt.Errorf("create corp: %w", err)
	}
	if _, ok := corp.User(req.UserID); req.UserID != "" && !ok {
		return InstallResult{}, fmt.Errorf("user %q not in corp %s: %w", req.UserID, corp.CorpID, ErrBadRequest)
	}
	in, code, err := s.store.Approve(st.cfg.SuiteID, corp.CorpID,
		store.Approval{AuthUserID: req.UserID, State: req.State, AuthType: req.AuthType}, now, authCodeTTL)
	if err != nil {
		return InstallResult{}, fmt.Errorf("approve: %w", err)
	}
	res := InstallResult{
		SuiteID: in.SuiteID, Via: req.Via, CorpID: corp.CorpID, CorpName: corp.Name, AgentID: in.AgentID,
		PermanentCode: in.PermanentCode, AuthCode: code.Value, ExpiresIn: int(authCodeTTL.Seconds()), State: req.State,
	}
	s.log.Info("wecomsim install", "suite_id", in.SuiteID, "corp_id", corp.CorpID, "via", req.Via)
	if req.Via == ViaLink {
		if req.RedirectURI != "" {
			res.Redirect, err = installRedirect(req.RedirectURI, code.Value, req.State)
			if err != nil {
				return res, fmt.Errorf("redirect_uri: %w", ErrBadRequest)
			}
		}
		return res, nil
	}
	msg := newXML().str("SuiteId", in.SuiteID).str("AuthCode", code.Value).str("InfoType", "create_auth").
		num("TimeStamp", now.Unix()).str("State", req.State).strIf("ExtraInfo", req.ExtraInfo).bytes()
	d := s.pushInstruction(ctx, st, "create_auth", corp.CorpID, msg)
	res.Delivery = &d
	return res, nil
}

// installRedirect is REDIRECT_URI?auth_code=…&expires_in=600&state=… (protocol §3.5).
func installRedirect(redirectURI, authCode, state string) (string, error) {
	return addQuery(redirectURI, url.Values{
		"auth_code":  {authCode},
		"expires_in": {strconv.Itoa(int(authCodeTTL.Seconds()))},
		"state":      {state},
	})
}

func addQuery(raw string, q url.Values) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("bad url %q", raw)
	}
	all := u.Query()
	for k, v := range q {
		all[k] = v
	}
	u.RawQuery = all.Encode()
	return u.String(), nil
}

// TicketResult is one suite_ticket push.
type TicketResult struct {
	SuiteID     string    `json:"suite_id"`
	SuiteTicket string    `json:"suite_ticket"`
	PushedAt    time.Time `json:"pushed_at"`
	Delivery    Delivery  `json:"delivery"`
}

// PushTicket mints a suite_ticket and pushes it now, as the console's "刷新ticket" does;
// the next scheduled push is one interval later.
func (s *Sim) PushTicket(ctx context.Context, suiteID string) (TicketResult, error) {
	st, ok := s.suite(suiteID)
	if !ok {
		return TicketResult{}, fmt.Errorf("suite %q: %w", suiteID, ErrNotFound)
	}
	now := s.Now()
	t := s.store.NewSuiteTicket(suiteID, now, suiteTicketValidity)
	s.schedMu.Lock()
	s.nextTicket[suiteID] = now.Add(s.cfg.ticketInterval())
	s.schedMu.Unlock()
	msg := newXML().str("SuiteId", suiteID).str("InfoType", "suite_ticket").num("TimeStamp", now.Unix()).
		str("SuiteTicket", t.Value).bytes()
	d := s.pushInstruction(ctx, st, "suite_ticket", "", msg)
	return TicketResult{SuiteID: suiteID, SuiteTicket: t.Value, PushedAt: now, Delivery: d}, nil
}
