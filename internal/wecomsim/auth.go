package wecomsim

import (
	"errors"
	"net/http"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// Credential checks. The errcodes follow protocol §8 "Simulator defaults": missing ⇒
// 41022 (suite) / 41001 (others), unknown or of the wrong kind ⇒ 40082 / 40014,
// expired ⇒ 42009 / 42001.

// suiteAuth checks a suite_access_token given under the first non-empty query name.
func (s *Sim) suiteAuth(r *http.Request, names ...string) (store.Token, *apiErr) {
	if len(names) == 0 {
		names = []string{"suite_access_token"}
	}
	var v string
	for _, n := range names {
		if v = r.URL.Query().Get(n); v != "" {
			break
		}
	}
	if v == "" {
		return store.Token{}, errf(41022, "suite_access_token missing")
	}
	t, err := s.store.CheckToken(v, store.KindSuite, s.Now())
	switch {
	case errors.Is(err, store.ErrExpired):
		return store.Token{}, errf(42009, "suite_access_token expired")
	case err != nil:
		return store.Token{}, errf(40082, "invalid suite_access_token")
	}
	return t, nil
}

// providerAuth checks a provider_access_token given under query name param
// (get_login_info calls it access_token).
func (s *Sim) providerAuth(r *http.Request, param string) (store.Token, *apiErr) {
	v := r.URL.Query().Get(param)
	if v == "" {
		return store.Token{}, errf(41001, "%s missing", param)
	}
	t, err := s.store.CheckToken(v, store.KindProvider, s.Now())
	switch {
	case errors.Is(err, store.ErrExpired):
		return store.Token{}, errf(42001, "provider_access_token expired")
	case err != nil:
		return store.Token{}, errf(40014, "invalid provider_access_token")
	}
	return t, nil
}

// corpCtx is what a corp access_token grants: one install and its corp.
type corpCtx struct {
	token   store.Token
	install store.Install
	corp    store.Corp
}

func (s *Sim) corpAuth(r *http.Request) (corpCtx, *apiErr) {
	v := r.URL.Query().Get("access_token")
	if v == "" {
		return corpCtx{}, errf(41001, "access_token missing")
	}
	t, err := s.store.CheckToken(v, store.KindCorp, s.Now())
	switch {
	case errors.Is(err, store.ErrExpired):
		return corpCtx{}, errf(42001, "access_token expired")
	case err != nil:
		return corpCtx{}, errf(40014, "invalid access_token")
	}
	in, err := s.store.Install(t.SuiteID, t.CorpID)
	if err != nil || in.Status != store.StatusActive {
		return corpCtx{}, errf(40014, "invalid access_token")
	}
	c, err := s.store.Corp(t.CorpID)
	if err != nil {
		return corpCtx{}, errf(40014, "invalid access_token")
	}
	return corpCtx{token: t, install: in, corp: c}, nil
}

// permanentAuth checks an (auth_corpid, permanent_code) pair for the token's suite.
// A cancelled install's code is as invalid as a wrong one: 40084 (protocol §3.8).
func (s *Sim) permanentAuth(suiteID, corpID, code string) (store.Install, *apiErr) {
	if corpID == "" {
		return store.Install{}, errf(41002, "corpid missing")
	}
	if code == "" {
		return store.Install{}, errf(41025, "permanent_code missing")
	}
	in, err := s.store.InstallByPermanentCode(suiteID, corpID, code)
	switch {
	case errors.Is(err, store.ErrNoCorp):
		return store.Install{}, errf(40013, "invalid corpid")
	case err != nil:
		return store.Install{}, errf(40084, "invalid permanent_code")
	}
	return in, nil
}

// expiresIn is the token's remaining lifetime: a repeat fetch returns the same token,
// so a full TTL would overstate it.
func (s *Sim) expiresIn(t store.Token) int64 {
	return int64(t.ExpiresAt.Sub(s.Now()).Seconds())
}
