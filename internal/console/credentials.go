package console

import (
	"context"
	"fmt"
	"time"

	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/tokens"
)

// TokenCredentials adapts the token service to Credentials.
type TokenCredentials struct{ tokens *tokens.Service }

// NewTokenCredentials returns the adapter.
func NewTokenCredentials(t *tokens.Service) *TokenCredentials { return &TokenCredentials{tokens: t} }

// Status lists the bookkeeping of the tenant's corp token and JS-SDK tickets.
func (t *TokenCredentials) Status(ctx context.Context, suiteID, corpID string) ([]CredentialStatus, error) {
	list, err := t.tokens.Status(ctx, suiteID, corpID)
	if err != nil {
		return nil, err
	}
	out := make([]CredentialStatus, len(list))
	for i, s := range list {
		out[i] = CredentialStatus{Kind: string(s.Kind), ExpiresAt: s.ExpiresAt, NextRefreshAt: s.NextRefreshAt,
			LastRefreshedAt: s.LastRefreshedAt, LastAttemptAt: s.LastAttemptAt, LastResult: s.LastResult,
			ConsecutiveFailures: s.ConsecutiveFailures, LastError: MaskText(s.LastError)}
	}
	return out, nil
}

// ForceRefresh drops the cached corp token and fetches a new one (WeCom may hand back
// the same token while it is valid; the fetch and its result are recorded either way).
func (t *TokenCredentials) ForceRefresh(ctx context.Context, suiteID, corpID string) (time.Time, error) {
	k := tokens.CorpKey(suiteID, corpID)
	cur, err := t.tokens.Get(ctx, k)
	if err == nil {
		err = t.tokens.Invalidate(ctx, k, cur.Value)
	}
	if err != nil {
		return time.Time{}, err
	}
	c, err := t.tokens.Get(ctx, k)
	return c.ExpiresAt, err
}

// RefreshFailures counts the credentials, across tenants, whose last refresh failed.
func (t *TokenCredentials) RefreshFailures(ctx context.Context) (map[string]int64, error) {
	byKind, err := t.tokens.FailingByKind(ctx)
	if err != nil {
		return nil, fmt.Errorf("failing credentials: %w", err)
	}
	out := make(map[string]int64, len(byKind))
	for k, n := range byKind {
		out[string(k)] = n
	}
	return out, nil
}

// TenantResync adapts the tenants service to AuthResyncer: it re-reads the auth info
// (recording what changed in the tenant's history) and the admin list.
func TenantResync(s *tenants.Service) AuthResyncer { return tenantResync{s} }

type tenantResync struct{ s *tenants.Service }

func (r tenantResync) ResyncAuthInfo(ctx context.Context, suiteID, corpID string) error {
	src := tenants.Source{Name: "console", Since: time.Now()}
	if _, _, err := r.s.ChangeAuth(ctx, suiteID, corpID, src); err != nil {
		return err
	}
	return r.s.RefreshAdmins(ctx, suiteID, corpID, src)
}
