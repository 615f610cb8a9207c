package oauth

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/tenants"
)

// AdminTenant is GET /api/v1/admin/tenant: what the app's administrators of a corp see
// about its installation (and members do not): the agent, its visible range and who
// else administers it.
type AdminTenant struct {
	CorpID      string            `json:"corp_id"`
	CorpName    string            `json:"corp_name"`
	AgentID     int               `json:"agentid"`
	AuthMode    int               `json:"auth_mode"` // 0 admin authorisation, 1 member authorisation
	Privilege   tenants.Privilege `json:"privilege"`
	Admins      []tenants.Admin   `json:"admins"`
	InstalledAt time.Time         `json:"installed_at"`
}

// adminTenant serves the app page's administration panel. It runs behind RequireAppAdmin.
func (u *Users) adminTenant(c *gin.Context) {
	cl, ok := auth.ClaimsFrom(c)
	if !ok {
		apiError(c, http.StatusUnauthorized, "unauthenticated", "no session")
		return
	}
	ctx := c.Request.Context()
	t, err := u.Tenant(ctx, cl.SuiteID, cl.CorpID)
	if err != nil {
		// RequireActiveTenant ran just before, so this is the tenant going away meanwhile.
		apiError(c, http.StatusForbidden, "tenant_inactive", "the organisation has removed the app")
		return
	}
	admins, err := u.tenants.Admins(ctx, cl.SuiteID, cl.CorpID)
	if err != nil {
		u.internal(c, cl, "admin list", err)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, AdminTenant{CorpID: t.CorpID, CorpName: t.Corp.Name, AgentID: t.Agent.AgentID,
		AuthMode: t.Agent.AuthMode, Privilege: t.Agent.Privilege, Admins: admins, InstalledAt: t.InstalledAt})
}
