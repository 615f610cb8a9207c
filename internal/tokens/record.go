package tokens

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/wecomisv/platform/internal/wecom"
)

var refreshFailures = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "wecom_credential_refresh_failures_total",
	Help: "Fetches of a credential that failed after their retries, by kind and whether the tenant is inactive.",
}, []string{"kind", "tenant_inactive"})

// Store returns the credentials table (nil when none is kept).
func (s *Service) Store() *Store { return s.cfg.Store }

// inactive reports whether err means the tenant may no longer be served: cancelled,
// unknown, or its authorisation rejected by WeCom.
func (s *Service) inactive(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrTenantInactive) || errors.Is(err, ErrTenantNotFound) {
		return true
	}
	if we, ok := wecom.AsError(err); ok && we.AuthRevoked() {
		return true
	}
	for _, target := range s.cfg.Inactive {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

// nextRefresh is when a credential expiring at expires should be fetched again: just
// after it lapses, when WeCom issues its successor.
func (s *Service) nextRefresh(expires time.Time) time.Time {
	return expires.Add(s.cfg.RefreshDelay + rand.N(s.cfg.RefreshJitter+1))
}

// record writes the outcome of a fetch to the credentials table. A failure to write is
// logged, not returned: the caller's credential is good either way.
func (s *Service) record(ctx context.Context, k Key, c Credential, err error) {
	if err != nil {
		inactive := s.inactive(err)
		refreshFailures.WithLabelValues(string(k.Kind), fmt.Sprint(inactive)).Inc()
		s.cfg.Log.WarnContext(ctx, "credential fetch failed", "kind", k.Kind, "suite_id", k.SuiteID,
			"corp_id", k.CorpID, "result", s.resultLabel(err), "tenant_inactive", inactive, "err", err)
	}
	if s.cfg.Store == nil {
		return
	}
	ctx = context.WithoutCancel(ctx)
	now := s.cfg.Now()
	var rerr error
	if err == nil {
		rerr = s.cfg.Store.recordSuccess(ctx, k, c.ExpiresAt, s.nextRefresh(c.ExpiresAt), now)
	} else {
		rerr = s.cfg.Store.recordFailure(ctx, k, now, s.resultLabel(err), err.Error(), s.inactive(err),
			s.cfg.FailureBackoff, s.cfg.MaxFailureBackoff)
	}
	if rerr != nil {
		s.cfg.Log.ErrorContext(ctx, "credential bookkeeping failed", "kind", k.Kind, "suite_id", k.SuiteID,
			"corp_id", k.CorpID, "err", rerr)
	}
}

// Refresh makes sure a fresh credential is cached, for the scheduled refresh. It takes
// the same path as Get (one fetch across all processes), and fetches only when the
// cached credential has lapsed or is about to: WeCom would answer an earlier fetch
// with the same credential. A credential someone else already refreshed is only
// rescheduled.
func (s *Service) Refresh(ctx context.Context, k Key) (Credential, error) {
	c, err := s.Get(ctx, k)
	if err != nil {
		return Credential{}, err
	}
	if s.cfg.Store != nil {
		if err := s.cfg.Store.reschedule(ctx, k, c.ExpiresAt, s.nextRefresh(c.ExpiresAt)); err != nil {
			return c, err
		}
	}
	return c, nil
}

// Status returns the bookkeeping of a tenant's credentials (corp token, both tickets),
// for the console. It needs Config.Store.
func (s *Service) Status(ctx context.Context, suiteID, corpID string) ([]Status, error) {
	if s.cfg.Store == nil {
		return nil, errors.New("no credentials store configured")
	}
	return s.cfg.Store.Tenant(ctx, suiteID, corpID)
}

// List returns the bookkeeping of credentials across tenants, soonest expiry first.
func (s *Service) List(ctx context.Context, o ListOptions) ([]Status, error) {
	if s.cfg.Store == nil {
		return nil, errors.New("no credentials store configured")
	}
	return s.cfg.Store.ListAcrossTenants(ctx, o)
}

// FailingByKind counts, across tenants and per kind, the credentials whose last refresh
// failed (for the console's dashboard; a count, so it stays cheap at any scale).
func (s *Service) FailingByKind(ctx context.Context) (map[Kind]int64, error) {
	if s.cfg.Store == nil {
		return nil, errors.New("no credentials store configured")
	}
	return s.cfg.Store.FailingByKindAcrossTenants(ctx)
}

// sleepUntil waits until the service clock reaches t, polling it so that an injected
// clock moving faster than real time is followed; it gives up after limit of real time.
func (s *Service) sleepUntil(ctx context.Context, t time.Time, limit time.Duration) error {
	deadline := time.Now().Add(limit + 100*time.Millisecond)
	for {
		left := t.Sub(s.cfg.Now())
		if left <= 0 || time.Now().After(deadline) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(left, 100*time.Millisecond)):
		}
	}
}
