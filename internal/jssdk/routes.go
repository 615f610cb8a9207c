package jssdk

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/auth"
)

// ErrInactive is what an Apps implementation wraps when the corp's tenant is cancelled,
// unknown or rejected by WeCom: the request is refused with 403.
var ErrInactive = errors.New("tenant is not active")

// Routes mounts POST /jssdk/signature on g, the /api/v1 group behind auth's Require. The
// body is {"url": "<page URL>"}; the suite and corp come from the session's claims only, so
// any corp a request names is ignored.
func Routes(g gin.IRouter, s *Signer, log *slog.Logger) {
	g.POST("/jssdk/signature", func(c *gin.Context) {
		cl, ok := auth.ClaimsFrom(c)
		if !ok {
			c.AbortWithStatusJSON(http.StatusUnauthorized, gin.H{"error": "unauthenticated", "message": "no session"})
			return
		}
		var body struct {
			URL string `json:"url"`
		}
		if err := c.ShouldBindJSON(&body); err != nil {
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "invalid_request", "message": `body must be {"url": "..."}`})
			return
		}
		sig, err := s.Sign(c.Request.Context(), cl.SuiteID, cl.CorpID, body.URL)
		switch {
		case err == nil:
			c.Header("Cache-Control", "no-store")
			c.JSON(http.StatusOK, sig)
		case errors.Is(err, ErrBadURL):
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "bad_url", "message": err.Error()})
		case errors.Is(err, ErrUntrustedURL):
			c.AbortWithStatusJSON(http.StatusBadRequest, gin.H{"error": "untrusted_url", "message": err.Error()})
		case errors.Is(err, ErrInactive):
			c.AbortWithStatusJSON(http.StatusForbidden, gin.H{"error": "tenant_inactive", "message": "the organisation has removed the app"})
		default:
			log.ErrorContext(c.Request.Context(), "jssdk signature failed", "suite_id", cl.SuiteID, "corp_id", cl.CorpID, "err", err)
			c.AbortWithStatusJSON(http.StatusBadGateway, gin.H{"error": "upstream_error", "message": "tickets unavailable"})
		}
	})
}
