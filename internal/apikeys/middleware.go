package apikeys

import (
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// contextKey is where Require leaves the authenticated Key in the gin context.
const contextKey = "apikeys.key"

// Require admits only requests with "Authorization: Bearer <key>" of an active key;
// others get 401 with a JSON reason. Handlers find the key with FromContext.
func Require(s *Store, log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		secret, ok := strings.CutPrefix(c.GetHeader("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			refuse(c, "missing_api_key", "send Authorization: Bearer <api key>")
			return
		}
		k, err := s.Authenticate(c.Request.Context(), strings.TrimSpace(secret))
		switch {
		case errors.Is(err, ErrInvalid):
			refuse(c, "invalid_api_key", "the api key is unknown or revoked")
			return
		case err != nil:
			log.ErrorContext(c.Request.Context(), "api key check failed", "path", c.FullPath(), "err", err)
			c.AbortWithStatusJSON(http.StatusInternalServerError, gin.H{"error": "internal_error"})
			return
		}
		c.Set(contextKey, k)
		c.Next()
	}
}

func refuse(c *gin.Context, code, msg string) {
	c.Header("WWW-Authenticate", `Bearer error="invalid_token"`)
	c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": code, "message": msg})
}

// FromContext returns the key Require admitted.
func FromContext(c *gin.Context) (Key, bool) {
	v, ok := c.Get(contextKey)
	k, _ := v.(Key)
	return k, ok
}
