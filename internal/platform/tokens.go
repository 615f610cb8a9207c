package platform

import (
	"context"
	"errors"
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/apikeys"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/tokens"
)

// internalRoutes mounts /internal/v1, the API of the provider's own services, behind
// the API-key check.
func internalRoutes(r gin.IRouter, d *Deps) {
	g := r.Group("/internal/v1", apikeys.Require(d.APIKeys, d.Log))
	tokens.Routes(g, d.Tokens, tenantStatus{d.Tenants.Store()}, d.Log)
}

// tenantStatus answers the token API's question about a tenant from the registry.
type tenantStatus struct{ store *tenants.Store }

func (t tenantStatus) TenantStatus(ctx context.Context, suiteID, corpID string) (string, error) {
	tn, err := t.store.Get(ctx, suiteID, corpID)
	if errors.Is(err, tenants.ErrNotFound) {
		return "", fmt.Errorf("%w: %w", tokens.ErrTenantNotFound, err)
	}
	if err != nil {
		return "", err
	}
	if tn.Status == tenants.StatusActive && tn.AuthBrokenAt != nil {
		return "auth_broken", nil
	}
	return string(tn.Status), nil
}
