package auth

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// signAccess makes an access token for sess, valid from now for the access lifetime.
func (s *Service) signAccess(ctx context.Context, sess sessionRow, now time.Time) (string, time.Time, error) {
	set, err := s.keys.current(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	exp := now.Add(s.cfg.AccessTTL)
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    s.cfg.Issuer,
			Subject:   subject(sess),
			Audience:  jwt.ClaimStrings{s.cfg.Audience},
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(exp),
			ID:        rand.Text(),
		},
		TenantID: sess.TenantID, SuiteID: sess.SuiteID, CorpID: sess.CorpID,
		UserID: sess.UserID, OpenUserID: sess.OpenUserID, UserType: sess.UserType, SessionID: sess.ID,
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = set.kid
	signed, err := t.SignedString(set.private)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("sign access token: %w", err)
	}
	return signed, exp, nil
}

// subject names the user uniquely for this issuer: a userid is unique only within its corp,
// and open_userid is the same across the provider's apps, so it is preferred when known.
func subject(sess sessionRow) string {
	if sess.OpenUserID != "" {
		return sess.SuiteID + "/" + sess.CorpID + "/open:" + sess.OpenUserID
	}
	return sess.SuiteID + "/" + sess.CorpID + "/" + sess.UserID
}

// Verify checks an access token and that its session is not revoked.
func (s *Service) Verify(ctx context.Context, token string) (*Claims, error) {
	claims, err := s.verifySignature(ctx, token)
	if err != nil {
		return nil, err
	}
	revoked, err := s.revoked.isRevoked(ctx, claims.SessionID)
	if err != nil {
		return nil, err
	}
	if revoked {
		return nil, ErrRevoked
	}
	return claims, nil
}

// verifySignature checks an access token offline: the algorithm is pinned to EdDSA, the kid
// must be a current or previous key, and iss, aud, exp, iat and sid are required.
func (s *Service) verifySignature(ctx context.Context, token string) (*Claims, error) {
	if c, kid, ok := s.checked.get(token, s.now()); ok {
		if _, err := s.keys.publicKey(ctx, kid); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
		}
		return c, nil
	}
	// Loading the keys can fail for reasons of ours; say so rather than refuse the token.
	if _, err := s.keys.current(ctx); err != nil {
		return nil, err
	}
	var (
		claims Claims
		kid    string
	)
	_, err := s.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ = t.Header["kid"].(string)
		return s.keys.publicKey(ctx, kid)
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if claims.IssuedAt == nil || claims.SessionID == "" {
		return nil, fmt.Errorf("%w: %w: iat and sid", ErrInvalidToken, jwt.ErrTokenRequiredClaimMissing)
	}
	s.checked.put(token, kid, &claims)
	return &claims, nil
}

// isAuthFailure tells a refused token (401) from a failure of ours (5xx).
func isAuthFailure(err error) bool {
	return errors.Is(err, ErrInvalidToken) || errors.Is(err, ErrRevoked)
}
