package tokens

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecom"
)

// fetch asks WeCom for the credential, backing off on its busy and rate-limit answers.
func (s *Service) fetch(ctx context.Context, k Key) (Credential, error) {
	var (
		c   Credential
		err error
	)
	for attempt := 0; attempt < 3; attempt++ {
		if attempt > 0 {
			// Full jitter: concurrent fetchers of different credentials spread out.
			d := time.Duration(rand.Int64N(int64(200*time.Millisecond) << attempt))
			select {
			case <-ctx.Done():
				return Credential{}, ctx.Err()
			case <-time.After(d):
			}
		}
		c, err = s.fetchOnce(ctx, k)
		if err == nil {
			// WeCom hands back the same credential while it is valid. If that one is about
			// to expire, wait for it to lapse and take its successor.
			if left := c.ExpiresAt.Sub(s.cfg.Now()); left <= s.cfg.Skew && attempt < 2 {
				if err := s.sleepUntil(ctx, c.ExpiresAt.Add(s.cfg.RefreshDelay), left+s.cfg.RefreshDelay); err != nil {
					return Credential{}, err
				}
				continue
			}
			refreshes.WithLabelValues(string(k.Kind), "ok").Inc()
			return c, nil
		}
		we, ok := wecom.AsError(err)
		if ok {
			upstreamErrors.WithLabelValues(string(k.Kind), strconv.Itoa(we.Code)).Inc()
			if we.TicketInvalid() {
				ticketStale.WithLabelValues(k.SuiteID).Inc()
			}
		}
		refreshes.WithLabelValues(string(k.Kind), s.resultLabel(err)).Inc()
		if !ok || !we.Retryable() {
			break
		}
	}
	return Credential{}, fmt.Errorf("fetch %s: %w", k, err)
}

func (s *Service) resultLabel(err error) string {
	if s.inactive(err) {
		return "tenant_inactive"
	}
	if we, ok := wecom.AsError(err); ok {
		return "errcode_" + strconv.Itoa(we.Code)
	}
	if errors.Is(err, ErrNoTicket) {
		return "no_ticket"
	}
	return "error"
}

func (s *Service) fetchOnce(ctx context.Context, k Key) (Credential, error) {
	switch k.Kind {
	case Provider:
		start := s.cfg.Now()
		t, err := s.client.GetProviderToken(ctx, s.cfg.ProviderCorpID, s.cfg.ProviderSecret)
		return s.expiring(start, t, err)
	case Suite:
		su, err := s.suites.Suite(ctx, k.SuiteID)
		if err != nil {
			return Credential{}, err
		}
		t, err := s.suites.Ticket(ctx, k.SuiteID)
		if errors.Is(err, suite.ErrNotFound) {
			return Credential{}, ErrNoTicket
		}
		if err != nil {
			return Credential{}, err
		}
		start := s.cfg.Now()
		tok, err := s.client.GetSuiteToken(ctx, su.ID, su.Secret, t.Value)
		return s.expiring(start, tok, err)
	case Corp:
		if s.codes == nil {
			return Credential{}, errors.New("no tenant registry wired")
		}
		code, err := s.codes.PermanentCode(ctx, k.SuiteID, k.CorpID)
		if err != nil {
			return Credential{}, err
		}
		var c Credential
		err = s.CallSuite(ctx, k.SuiteID, func(token string) error {
			start := s.cfg.Now()
			t, err := s.client.GetCorpToken(ctx, token, k.CorpID, code)
			c, err = s.expiring(start, t, err)
			return err
		})
		return c, err
	case JSAPITicket, AgentTicket:
		var c Credential
		err := s.CallCorp(ctx, k.SuiteID, k.CorpID, func(token string) error {
			start := s.cfg.Now()
			var (
				t   wecom.Token
				err error
			)
			if k.Kind == JSAPITicket {
				t, err = s.client.GetJSAPITicket(ctx, token)
			} else {
				t, err = s.client.GetAgentConfigTicket(ctx, token)
			}
			c, err = s.expiring(start, t, err)
			return err
		})
		return c, err
	}
	return Credential{}, fmt.Errorf("unknown credential kind %q", k.Kind)
}

// expiring dates the credential from when its request was sent (start), not from when
// the answer arrived: WeCom counts expires_in from some instant in between, so latency
// can only make our expiry earlier than WeCom's, never later.
func (s *Service) expiring(start time.Time, t wecom.Token, err error) (Credential, error) {
	if err != nil {
		return Credential{}, err
	}
	return Credential{Value: t.Value, ExpiresAt: start.Add(time.Duration(t.ExpiresIn) * time.Second)}, nil
}

// CallProvider runs fn with the provider token; if WeCom rejects the token, it is
// refreshed and fn runs once more.
func (s *Service) CallProvider(ctx context.Context, fn func(token string) error) error {
	return s.call(ctx, ProviderKey(), (*wecom.Error).CorpTokenInvalid, fn)
}

// CallSuite runs fn with the suite token, refreshing and retrying once on rejection.
func (s *Service) CallSuite(ctx context.Context, suiteID string, fn func(token string) error) error {
	return s.call(ctx, SuiteKey(suiteID), (*wecom.Error).SuiteTokenInvalid, fn)
}

// CallCorp runs fn with the tenant's corp token, refreshing and retrying once on rejection.
func (s *Service) CallCorp(ctx context.Context, suiteID, corpID string, fn func(token string) error) error {
	return s.call(ctx, CorpKey(suiteID, corpID), (*wecom.Error).CorpTokenInvalid, fn)
}

func (s *Service) call(ctx context.Context, k Key, rejected func(*wecom.Error) bool, fn func(string) error) error {
	c, err := s.Get(ctx, k)
	if err != nil {
		return err
	}
	err = fn(c.Value)
	we, ok := wecom.AsError(err)
	if !ok || !rejected(we) {
		return err
	}
	if err := s.Invalidate(ctx, k, c.Value); err != nil {
		return err
	}
	if c, err = s.Get(ctx, k); err != nil {
		return err
	}
	return fn(c.Value)
}
