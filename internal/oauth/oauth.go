// Package oauth signs tenant users in: the in-client OAuth flow (/oauth/{suite_id}/authorize
// → WeCom → /oauth/{suite_id}/callback), the web login outside the client (wwlogin SSO, and
// the provider's legacy 3rd_qrConnect and 业务设置URL), and what a signed-in user may ask:
// who they are and whether they administer the app (/api/v1/me, RequireAppAdmin).
//
// Every flow ends the same way: WeCom's code is redeemed once, the user is recorded in the
// tenant registry, and internal/auth issues the platform session. Only members of an
// active tenant get one. The corp of a session is what WeCom said at sign-in; nothing a
// request carries later can change it.
package oauth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecom"
)

// Errors a sign-in can end with; the callback pages map them to statuses.
var (
	// ErrUnknownSuite means the suite in the path is not configured here.
	ErrUnknownSuite = errors.New("unknown suite")
	// ErrBadRedirect means the redirect parameter is not one of the app's own pages.
	ErrBadRedirect = errors.New("redirect must be a path or a URL on one of the app's origins")
	// ErrBadScope means scope is neither base nor privateinfo.
	ErrBadScope = errors.New("scope must be base or privateinfo")
	// ErrBadState means the state is missing, expired, forged or not this browser's.
	ErrBadState = errors.New("sign-in state missing, expired or not issued to this browser")
	// ErrCodeRefused means WeCom refused the code: expired, already used, or foreign.
	ErrCodeRefused = errors.New("sign-in code expired or already used")
	// ErrNotMember means WeCom identified a person who is not a member of any corp.
	ErrNotMember = errors.New("not a member of an organisation that installed the app")
	// ErrNoTenant means the user's corp has not installed the app, or cancelled it, or
	// WeCom no longer accepts its authorisation.
	ErrNoTenant = errors.New("the organisation has not installed the app or has removed it")
	// ErrAmbiguousTenant means an admin login without a suite_id came from a corp with
	// several of the provider's apps installed and nothing in the login says which is meant.
	ErrAmbiguousTenant = errors.New("several of the provider's apps are installed; the login must name one")
)

// Tenants is what sign-in needs of the tenant registry (tenants.Store).
type Tenants interface {
	Get(ctx context.Context, suiteID, corpID string) (tenants.Tenant, error)
	UpsertUser(ctx context.Context, suiteID, corpID string, u tenants.User) error
	User(ctx context.Context, suiteID, corpID, userID string) (tenants.User, error)
	Admins(ctx context.Context, suiteID, corpID string) ([]tenants.Admin, error)
}

// Suites looks up configured suites (suite.Service) and lists them (for a provider login,
// whose auth code names a corp but no suite).
type Suites interface {
	Suite(ctx context.Context, id string) (suite.Suite, error)
	List(ctx context.Context) ([]suite.Suite, error)
}

// Tokens runs WeCom calls with a fresh suite or provider token (tokens.Service).
type Tokens interface {
	CallSuite(ctx context.Context, suiteID string, fn func(token string) error) error
	CallProvider(ctx context.Context, fn func(token string) error) error
}

// Sessions issues the platform session at the end of a sign-in (auth.Service).
type Sessions interface {
	Issue(ctx context.Context, id auth.Identity) (auth.Tokens, error)
	SetCookies(c *gin.Context, t auth.Tokens)
}

// Config is what the flows read from the platform configuration.
type Config struct {
	PublicBaseURL  string // the api's origin; callbacks come back to it
	OAuthBase      string // WeCom's OAuth page host (wecom.DefaultOAuthBase)
	LoginBase      string // WeCom's web-login host (wecom.DefaultLoginBase)
	InstallBase    string // host of the legacy 3rd_qrConnect page (wecom.DefaultInstallBase)
	ProviderCorpID string
	// MasterKey (base64) is the root the state cookie's HMAC key is derived from.
	MasterKey string
	// SecureCookies marks the state cookie Secure (PUBLIC_BASE_URL is https).
	SecureCookies bool
	// LandingPath is where a sign-in without a redirect ends: the tenant-user page.
	LandingPath string
}

// Service runs the sign-in flows.
type Service struct {
	cfg      Config
	tenants  Tenants
	suites   Suites
	tokens   Tokens
	sessions Sessions
	wc       *wecom.Client
	state    *stateSigner
	origin   string // scheme://host of PublicBaseURL
	log      *slog.Logger
	now      func() time.Time
}

// New returns a Service.
func New(cfg Config, t Tenants, s Suites, tok Tokens, sess Sessions, wc *wecom.Client, log *slog.Logger) (*Service, error) {
	u, err := url.Parse(cfg.PublicBaseURL)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("oauth: PUBLIC_BASE_URL %q is not an absolute URL", cfg.PublicBaseURL)
	}
	signer, err := newStateSigner(cfg.MasterKey)
	if err != nil {
		return nil, err
	}
	if cfg.OAuthBase == "" {
		cfg.OAuthBase = wecom.DefaultOAuthBase
	}
	if cfg.LoginBase == "" {
		cfg.LoginBase = wecom.DefaultLoginBase
	}
	if cfg.InstallBase == "" {
		cfg.InstallBase = wecom.DefaultInstallBase
	}
	if cfg.LandingPath == "" {
		cfg.LandingPath = "/app/"
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, tenants: t, suites: s, tokens: tok, sessions: sess, wc: wc, state: signer,
		origin: u.Scheme + "://" + u.Host, log: log, now: time.Now}, nil
}
