package tokens

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/wecom"
)

// Tenants is what the internal API asks the tenant registry before handing out a token.
// TenantStatus returns "active", "cancelled" or "auth_broken", or an error matching
// ErrTenantNotFound.
type Tenants interface {
	TenantStatus(ctx context.Context, suiteID, corpID string) (string, error)
}

// Routes mounts GET /tenants/:corpid/access-token?suite_id= for the provider's own
// services; the caller mounts it under /internal/v1 behind the API-key check. tenants may
// be nil: the fetch itself then tells unknown and cancelled tenants apart.
func Routes(r gin.IRouter, s *Service, tenants Tenants, log *slog.Logger) {
	h := routes{s: s, tenants: tenants, log: log}
	r.GET("/tenants/:corpid/access-token", h.accessToken)
}

type routes struct {
	s       *Service
	tenants Tenants
	log     *slog.Logger
}

type accessTokenResponse struct {
	AccessToken string    `json:"access_token"`
	ExpiresAt   time.Time `json:"expires_at"`
}

func (h routes) accessToken(c *gin.Context) {
	ctx := c.Request.Context()
	corpID, suiteID := c.Param("corpid"), c.Query("suite_id")
	if suiteID == "" {
		c.JSON(http.StatusBadRequest, gin.H{"error": "missing_suite_id", "message": "suite_id query parameter is required"})
		return
	}
	if h.tenants != nil {
		status, err := h.tenants.TenantStatus(ctx, suiteID, corpID)
		if err == nil && status != "active" {
			c.JSON(http.StatusConflict, gin.H{"error": "tenant_" + status, "message": "the tenant's authorisation is " + status})
			return
		}
		if err != nil {
			h.fail(c, suiteID, corpID, err)
			return
		}
	}
	cred, err := h.s.Get(ctx, CorpKey(suiteID, corpID))
	if err != nil {
		h.fail(c, suiteID, corpID, err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, accessTokenResponse{AccessToken: cred.Value, ExpiresAt: cred.ExpiresAt.UTC()})
}

// fail maps an error to its status, and logs the ones that are ours or WeCom's.
func (h routes) fail(c *gin.Context, suiteID, corpID string, err error) {
	switch {
	case errors.Is(err, ErrTenantNotFound):
		c.JSON(http.StatusNotFound, gin.H{"error": "tenant_not_found", "message": "no tenant " + corpID + " for suite " + suiteID})
		return
	case h.s.inactive(err):
		c.JSON(http.StatusConflict, gin.H{"error": "tenant_inactive", "message": "the tenant's authorisation was cancelled or revoked"})
		return
	}
	h.log.ErrorContext(c.Request.Context(), "access token request failed", "suite_id", suiteID, "corp_id", corpID, "err", err)
	if _, ok := wecom.AsError(err); ok || errors.Is(err, ErrNoTicket) {
		c.JSON(http.StatusBadGateway, gin.H{"error": "upstream_error", "message": "WeCom did not issue the token; retry later"})
		return
	}
	c.JSON(http.StatusInternalServerError, gin.H{"error": "internal_error"})
}
