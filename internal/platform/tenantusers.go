package platform

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/jssdk"
	"github.com/wecomisv/platform/internal/oauth"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
)

// Timing of the tenant-user API: JS-SDK tickets are kept in process for ticketCacheTTL
// (tickets live 2 h), a tenant's status for tenantStatusTTL (a cancelled tenant's
// sessions are revoked at once; this bounds what else a cancel takes to be seen).
const (
	ticketCacheTTL  = 60 * time.Second
	tenantStatusTTL = 5 * time.Second
)

// tenantUserRoutes mounts the tenant users' surface: the sign-in flows under /oauth, the
// landing page /app/, and /api/v1/me and /api/v1/jssdk/signature behind the session and
// an active tenant.
func tenantUserRoutes(r gin.IRouter, d *Deps) error {
	log := d.Log.With("component", "oauth")
	cfg := d.Config
	svc, err := oauth.New(oauth.Config{PublicBaseURL: cfg.PublicBaseURL, OAuthBase: cfg.OAuthBase, LoginBase: cfg.LoginBase,
		InstallBase: cfg.InstallBase, ProviderCorpID: cfg.ProviderCorpID, MasterKey: cfg.MasterKey,
		SecureCookies: auth.ConfigFrom(cfg).SecureCookies},
		d.Tenants.Store(), suiteRegistry{d.Suites}, d.Tokens, d.Auth, d.WeCom, log)
	if err != nil {
		return err
	}
	oauth.Routes(r, svc)

	tickets := jssdk.NewTicketCache(d.Tokens, ticketCacheTTL)
	users := oauth.NewUsers(d.Tenants.Store(), tenantStatusTTL, tickets.Forget, log)
	signer := jssdk.NewSigner(tickets, jssdkApps{users: users, suites: d.Suites})
	api := r.Group("/api/v1", d.Auth.Require(), users.RequireActiveTenant())
	users.Routes(api)
	jssdk.Routes(api, signer, log.With("component", "jssdk"))

	return oauth.AppRoutes(r, oauth.AppPage{Suites: func(ctx context.Context) ([]string, error) {
		all, err := d.Suites.Store().List(ctx)
		ids := make([]string, len(all))
		for i, s := range all {
			ids[i] = s.ID
		}
		return ids, err
	}})
}

// suiteRegistry gives oauth the suites and their list.
type suiteRegistry struct{ *suite.Service }

func (s suiteRegistry) List(ctx context.Context) ([]suite.Suite, error) { return s.Store().List(ctx) }

// jssdkApps answers the signer from the tenant registry (through the tenant gate's short
// cache) and the suite registry.
type jssdkApps struct {
	users  *oauth.Users
	suites *suite.Service
}

func (a jssdkApps) AgentID(ctx context.Context, suiteID, corpID string) (int, error) {
	t, err := a.users.Tenant(ctx, suiteID, corpID)
	if err != nil {
		if errors.Is(err, oauth.ErrNoTenant) {
			return 0, fmt.Errorf("%s/%s: %w", suiteID, corpID, jssdk.ErrInactive)
		}
		return 0, err
	}
	if t.Agent.AgentID == 0 {
		return 0, fmt.Errorf("%s/%s has no agentid yet: %w", suiteID, corpID, tenants.ErrNotFound)
	}
	return t.Agent.AgentID, nil
}

func (a jssdkApps) TrustedDomains(ctx context.Context, suiteID string) ([]string, error) {
	su, err := a.suites.Suite(ctx, suiteID)
	if err != nil {
		return nil, err
	}
	return su.TrustedDomains, nil
}

// revokeCancelledSessions is the cancel_auth hook: the cancelled corp's users' sessions
// end at once on every api replica (auth keeps revocations in Redis).
func revokeCancelledSessions(a *auth.Service) tenants.Hook {
	return func(ctx context.Context, t tenants.Tenant, _ any) error {
		if t.Status != tenants.StatusCancelled {
			return nil // a stale cancel: the corp installed again since
		}
		_, err := a.RevokeCorp(ctx, t.SuiteID, t.CorpID)
		return err
	}
}
