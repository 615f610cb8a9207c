// Package auth issues and checks the platform's own credentials for tenant users: short-lived
// access JWTs (EdDSA, signed with a key named by kid and published at /.well-known/jwks.json)
// and rotating refresh tokens grouped into sessions that can be revoked.
//
// Access tokens are verified offline by the signature, then the session's revoked flag is
// checked through a short Redis cache (revocation.go), so a revoked session's access tokens
// stop working on every replica at once without each request reaching PostgreSQL. The
// provider's other services verify the same tokens with pkg/wecomjwt.
package auth

import (
	"errors"
	"log/slog"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/pkg/wecomjwt"
)

// Claims are an access token's claims; the type is shared with pkg/wecomjwt so the platform
// and the services verifying its tokens agree on their shape.
type Claims = wecomjwt.Claims

var (
	// ErrInvalidToken means an access token failed verification (signature, kid, alg,
	// iss, aud, exp, iat or required claims).
	ErrInvalidToken = errors.New("invalid access token")
	// ErrRevoked means the token's session was revoked (logout, reuse, cancelled tenant).
	ErrRevoked = errors.New("session revoked")
	// ErrRefreshInvalid means a refresh token is unknown or expired.
	ErrRefreshInvalid = errors.New("invalid refresh token")
	// ErrRefreshReused means a refresh token was presented a second time: someone else may
	// hold a copy, so its whole session has been revoked.
	ErrRefreshReused = errors.New("refresh token reused; session revoked")
	// ErrBadIdentity means Issue was given an identity without suite, corp and user.
	ErrBadIdentity = errors.New("identity needs suite_id, corp_id and userid or open_userid")
)

// Identity is who a session is for, as WeCom told the sign-in flow.
type Identity struct {
	TenantID   string
	SuiteID    string
	CorpID     string
	UserID     string
	OpenUserID string
	// UserType is get_login_info's usertype for admin web logins; 0 for OAuth sign-ins.
	UserType int
}

// Tokens are what a sign-in or a refresh hands to the client.
type Tokens struct {
	AccessToken      string    `json:"access_token"`
	RefreshToken     string    `json:"refresh_token"`
	TokenType        string    `json:"token_type"`
	ExpiresIn        int       `json:"expires_in"` // seconds, of the access token (OAuth 2 style)
	AccessExpiresAt  time.Time `json:"access_expires_at"`
	RefreshExpiresAt time.Time `json:"refresh_expires_at"`
	SessionID        string    `json:"session_id"`
}

// Config is what auth reads from the platform configuration.
type Config struct {
	Issuer     string
	Audience   string
	AccessTTL  time.Duration
	RefreshTTL time.Duration
	// ReuseGrace lets a used refresh token be used again this long after its first use
	// (two tabs refreshing at once) without revoking the session; 0 disables it.
	ReuseGrace time.Duration
	// SecureCookies marks the cookies Secure; true when PUBLIC_BASE_URL is https.
	SecureCookies bool
}

// ConfigFrom derives auth's Config from the platform's.
func ConfigFrom(c config.Config) Config {
	return Config{Issuer: c.JWTIssuer, Audience: c.JWTAudience, AccessTTL: c.JWTAccessTTL,
		RefreshTTL: c.JWTRefreshTTL, ReuseGrace: c.JWTRefreshReuseGrace, SecureCookies: strings.HasPrefix(strings.ToLower(c.PublicBaseURL), "https://")}
}

// leeway tolerates clock skew between replicas (and with the services verifying tokens).
const leeway = 30 * time.Second

// Service issues, refreshes, verifies and revokes sessions.
type Service struct {
	cfg     Config
	db      *gorm.DB
	keys    *Keys
	revoked *revocations
	log     *slog.Logger
	now     func() time.Time
	parser  *jwt.Parser
	checked *verifiedTokens
}

// New returns a Service. Signing keys are loaded (and the first one generated) on first use
// or by Keys().Ensure.
func New(db *gorm.DB, rdb *redis.Client, box *secrets.Box, cfg Config, log *slog.Logger) *Service {
	s := &Service{cfg: cfg, db: db, log: log, now: time.Now, checked: newVerifiedTokens(50_000)}
	s.keys = SigningKeys(db, box, cfg, log)
	s.revoked = newRevocations(rdb, db, cfg.AccessTTL+2*leeway, log)
	s.parser = jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(leeway),
		jwt.WithTimeFunc(func() time.Time { return s.now() }))
	return s
}

// SigningKeys returns the key store for cfg's tokens, for processes that rotate keys but
// issue no tokens (`api keys rotate-signing`).
func SigningKeys(db *gorm.DB, box *secrets.Box, cfg Config, log *slog.Logger) *Keys {
	// A superseded key must outlive every access token it signed: a replica that has not
	// reloaded yet may sign with it for up to reloadEvery after the rotation, and its tokens
	// then live AccessTTL (plus skew).
	return NewKeys(db, box, cfg.AccessTTL+reloadEvery+leeway, log)
}

// Keys returns the signing keys (for rotation and the JWKS).
func (s *Service) Keys() *Keys { return s.keys }
