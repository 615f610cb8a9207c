package tenants

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecom"
)

// installState is what WeCom accepts as the install link's state (protocol §3.5).
var installState = regexp.MustCompile(`^[a-zA-Z0-9]{0,128}$`)

// ErrBadState means the state parameter is not [a-zA-Z0-9]{0,128}.
var ErrBadState = errors.New("state must be at most 128 letters and digits")

func preAuthKey(suiteID string, authType int) string {
	return "tenants:preauth:" + suiteID + ":" + strconv.Itoa(authType)
}

// InstallURL returns WeCom's install page for the suite, with a pre_auth_code and the
// redirect back to /install/{suite_id}/callback. test asks for a test install
// (set_session_info auth_type 1), allowed while the app is unpublished.
func (s *Service) InstallURL(ctx context.Context, suiteID, state string, test bool) (string, error) {
	if !installState.MatchString(state) {
		return "", ErrBadState
	}
	if _, err := s.suites.Suite(ctx, suiteID); errors.Is(err, suite.ErrNotFound) {
		return "", ErrUnknownSuite
	} else if err != nil {
		return "", err
	}
	authType := wecom.AuthTypeProduction
	if test {
		authType = wecom.AuthTypeTest
	}
	pre, err := s.preAuthCode(ctx, suiteID, authType)
	if err != nil {
		return "", err
	}
	redirect := s.opt.PublicBaseURL + "/install/" + suiteID + "/callback"
	return wecom.InstallURL(s.opt.InstallBase, suiteID, pre, redirect, state), nil
}

// preAuthCode returns a cached pre_auth_code for the suite and auth type, or fetches one
// and sets its session. It is cached per auth type because the session belongs to the
// code: a test install must not turn production installs into test ones.
func (s *Service) preAuthCode(ctx context.Context, suiteID string, authType int) (string, error) {
	key := preAuthKey(suiteID, authType)
	if v, err := s.rdb.Get(ctx, key).Result(); err == nil && v != "" {
		return v, nil
	} else if err != nil && !errors.Is(err, redis.Nil) {
		s.log.WarnContext(ctx, "pre_auth_code cache unavailable", "suite_id", suiteID, "err", err)
	}
	var pre wecom.PreAuthCode
	err := s.tokens.CallSuite(ctx, suiteID, func(tok string) error {
		var err error
		if pre, err = s.wc.GetPreAuthCode(ctx, tok); err != nil {
			return err
		}
		return s.wc.SetSessionInfo(ctx, tok, pre.Code, authType)
	})
	if err != nil {
		return "", fmt.Errorf("pre_auth_code for %s: %w", suiteID, err)
	}
	// Keep it until two minutes before WeCom's expiry, so an admin has time to approve.
	ttl := time.Duration(pre.ExpiresIn)*time.Second - 2*time.Minute
	if ttl > 0 {
		if err := s.rdb.Set(ctx, key, pre.Code, ttl).Err(); err != nil {
			s.log.WarnContext(ctx, "pre_auth_code not cached", "suite_id", suiteID, "err", err)
		}
	}
	return pre.Code, nil
}
