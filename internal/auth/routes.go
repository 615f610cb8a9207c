package auth

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"encoding/json"
	"github.com/gin-gonic/gin"
)

// Cookie names. The refresh cookie is scoped to the session endpoints, so it travels with
// no other request.
const (
	AccessCookie  = "wecom_at"
	RefreshCookie = "wecom_rt"
	sessionPath   = "/api/v1/session"
	claimsKey     = "auth.claims"
)

// Routes mounts GET /.well-known/jwks.json, POST /api/v1/session/refresh and
// POST /api/v1/session/logout.
func Routes(r gin.IRouter, s *Service) {
	r.GET("/.well-known/jwks.json", s.handle(s.serveJWKS))
	g := r.Group(sessionPath)
	g.POST("/refresh", s.handle(s.serveRefresh))
	g.POST("/logout", s.handle(s.serveLogout))
}

// httpError is an error with the status and code the client sees.
type httpError struct {
	status int
	code   string
	err    error
}

func (e *httpError) Error() string { return e.code + ": " + e.err.Error() }
func (e *httpError) Unwrap() error { return e.err }

func unauthorized(code string, err error) error {
	return &httpError{status: http.StatusUnauthorized, code: code, err: err}
}

// handle adapts a handler that returns an error: refusals become 4xx JSON, anything else a
// logged 500. Messages never include the tokens.
func (s *Service) handle(h func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := h(c)
		if err == nil {
			return
		}
		var he *httpError
		if errors.As(err, &he) {
			if he.status == http.StatusUnauthorized {
				c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
			}
			c.AbortWithStatusJSON(he.status, gin.H{"error": he.code, "message": he.err.Error()})
			return
		}
		s.log.Error("auth request failed", "path", c.FullPath(), "err", err)
		c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal_error"})
	}
}

func (s *Service) serveJWKS(c *gin.Context) error {
	set, err := s.keys.JWKS(c.Request.Context())
	if err != nil {
		return err
	}
	// Verifiers refetch on an unknown kid, so a short cache is safe across rotations.
	c.Header("Cache-Control", "public, max-age=300")
	c.JSON(http.StatusOK, set)
	return nil
}

// refreshInput reads the refresh token from a JSON body {"refresh_token"} (SPAs) or, failing
// that, the refresh cookie.
func refreshInput(c *gin.Context) string {
	var body struct {
		RefreshToken string `json:"refresh_token"`
	}
	if raw, err := io.ReadAll(io.LimitReader(c.Request.Body, 4096)); err == nil && len(raw) > 0 {
		if json.Unmarshal(raw, &body) == nil && body.RefreshToken != "" {
			return body.RefreshToken
		}
	}
	v, _ := c.Cookie(RefreshCookie)
	return v
}

func (s *Service) serveRefresh(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	refresh := refreshInput(c)
	if refresh == "" {
		return &httpError{status: http.StatusBadRequest, code: "invalid_request", err: errors.New("no refresh token")}
	}
	t, err := s.Refresh(c.Request.Context(), refresh)
	if errors.Is(err, ErrRefreshInvalid) || errors.Is(err, ErrRevoked) || errors.Is(err, ErrRefreshReused) {
		s.ClearCookies(c)
		return unauthorized("invalid_grant", err)
	}
	if err != nil {
		return err
	}
	s.SetCookies(c, t)
	c.JSON(http.StatusOK, t)
	return nil
}

// serveLogout revokes the session named by the refresh token, or else by a valid access
// token, and clears the cookies. It answers 204 even when there was nothing to revoke.
func (s *Service) serveLogout(c *gin.Context) error {
	ctx := c.Request.Context()
	sid := ""
	if refresh := refreshInput(c); refresh != "" {
		id, err := s.sessionOfRefresh(ctx, refresh)
		if err != nil && !errors.Is(err, ErrRefreshInvalid) {
			return err
		}
		sid = id
	}
	if sid == "" {
		if tok := accessInput(c); tok != "" {
			if claims, err := s.verifySignature(ctx, tok); err == nil {
				sid = claims.SessionID
			}
		}
	}
	if sid != "" {
		if err := s.Revoke(ctx, sid); err != nil {
			return err
		}
	}
	s.ClearCookies(c)
	c.Status(http.StatusNoContent)
	return nil
}

// SetCookies hands t to a browser: HttpOnly, SameSite=Lax, Secure behind https.
func (s *Service) SetCookies(c *gin.Context, t Tokens) {
	s.setCookie(c, AccessCookie, t.AccessToken, "/", t.AccessExpiresAt)
	s.setCookie(c, RefreshCookie, t.RefreshToken, sessionPath, t.RefreshExpiresAt)
}

// ClearCookies removes both cookies.
func (s *Service) ClearCookies(c *gin.Context) {
	s.setCookie(c, AccessCookie, "", "/", time.Time{})
	s.setCookie(c, RefreshCookie, "", sessionPath, time.Time{})
}

func (s *Service) setCookie(c *gin.Context, name, value, path string, expires time.Time) {
	ck := &http.Cookie{Name: name, Value: value, Path: path, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode}
	if value == "" {
		ck.MaxAge = -1
	} else {
		ck.Expires = expires
		ck.MaxAge = int(time.Until(expires).Seconds())
	}
	http.SetCookie(c.Writer, ck)
}

// accessInput reads an access token from "Authorization: Bearer" or the access cookie.
func accessInput(c *gin.Context) string {
	if h := c.GetHeader("Authorization"); len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	v, _ := c.Cookie(AccessCookie)
	return v
}

// Require admits requests carrying a valid access token of a live session and puts its
// claims in the context (ClaimsFrom); others get 401 with a JSON error.
func (s *Service) Require() gin.HandlerFunc {
	return s.handle(func(c *gin.Context) error {
		tok := accessInput(c)
		if tok == "" {
			return unauthorized("unauthenticated", errors.New("no access token"))
		}
		claims, err := s.Verify(c.Request.Context(), tok)
		if isAuthFailure(err) {
			return unauthorized("invalid_token", err)
		}
		if err != nil {
			return err
		}
		c.Set(claimsKey, claims)
		c.Next()
		return nil
	})
}

// ClaimsFrom returns the claims Require verified for this request.
func ClaimsFrom(c *gin.Context) (*Claims, bool) {
	v, ok := c.Get(claimsKey)
	if !ok {
		return nil, false
	}
	claims, ok := v.(*Claims)
	return claims, ok
}
