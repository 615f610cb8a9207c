package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/tenants"
)

// Users is the signed-in tenant user's side of the API: the tenant gate every /api/v1
// request passes, GET /api/v1/me and the RequireAppAdmin middleware. Each runs after
// auth's Require and reads the corp from the session's claims only.
type Users struct {
	tenants Tenants
	ttl     time.Duration
	// inactive is told when a tenant is found cancelled or broken (e.g. to drop its
	// cached JS-SDK tickets).
	inactive func(suiteID, corpID string)
	log      *slog.Logger

	mu     sync.Mutex
	status map[string]gateEntry
}

type gateEntry struct {
	tenant tenants.Tenant
	found  bool
	until  time.Time
}

// NewUsers returns Users. A tenant's status is remembered for ttl (a few seconds): a
// cancelled tenant's sessions are revoked at once by auth.RevokeCorp, and this check
// stops any other request within ttl. inactive may be nil.
func NewUsers(t Tenants, ttl time.Duration, inactive func(suiteID, corpID string), log *slog.Logger) *Users {
	if inactive == nil {
		inactive = func(string, string) {}
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Users{tenants: t, ttl: ttl, inactive: inactive, log: log, status: map[string]gateEntry{}}
}

// internal answers 500 and logs err once, with the session's ids.
func (u *Users) internal(c *gin.Context, cl *auth.Claims, what string, err error) {
	u.log.ErrorContext(c.Request.Context(), what+" unavailable", "path", c.FullPath(),
		"suite_id", cl.SuiteID, "corp_id", cl.CorpID, "err", err)
	apiError(c, http.StatusInternalServerError, "internal_error", what+" unavailable")
}

// Routes mounts GET /me and the app administrators' GET /admin/tenant on g (the /api/v1
// group).
func (u *Users) Routes(g gin.IRouter) {
	g.GET("/me", u.me)
	g.GET("/admin/tenant", u.RequireAppAdmin(), u.adminTenant)
}

func apiError(c *gin.Context, status int, code, msg string) {
	c.AbortWithStatusJSON(status, gin.H{"error": code, "message": msg})
}

// RequireActiveTenant refuses (403) a session whose tenant is not active.
func (u *Users) RequireActiveTenant() gin.HandlerFunc {
	return func(c *gin.Context) {
		cl, ok := auth.ClaimsFrom(c)
		if !ok {
			apiError(c, http.StatusUnauthorized, "unauthenticated", "no session")
			return
		}
		_, err := u.Tenant(c.Request.Context(), cl.SuiteID, cl.CorpID)
		if errors.Is(err, ErrNoTenant) {
			apiError(c, http.StatusForbidden, "tenant_inactive", "the organisation has removed the app")
			return
		}
		if err != nil {
			u.internal(c, cl, "tenant status", err)
			return
		}
		c.Next()
	}
}

// Tenant returns the session's tenant if it is active, else ErrNoTenant, from a cache
// of a few seconds.
func (u *Users) Tenant(ctx context.Context, suiteID, corpID string) (tenants.Tenant, error) {
	key := suiteID + "|" + corpID
	now := time.Now()
	u.mu.Lock()
	e, ok := u.status[key]
	u.mu.Unlock()
	if !ok || !now.Before(e.until) {
		t, err := u.tenants.Get(ctx, suiteID, corpID)
		if err != nil && !errors.Is(err, tenants.ErrNotFound) {
			return tenants.Tenant{}, err
		}
		e = gateEntry{tenant: t, found: err == nil, until: now.Add(u.ttl)}
		if !e.found || !t.Active() {
			u.inactive(suiteID, corpID)
		}
		u.mu.Lock()
		u.status[key] = e
		u.mu.Unlock()
	}
	if !e.found || !e.tenant.Active() {
		return tenants.Tenant{}, ErrNoTenant
	}
	return e.tenant, nil
}

// RequireAppAdmin admits only users on the app's admin list in their corp (403 JSON
// otherwise). Mount it after auth's Require and RequireActiveTenant.
func (u *Users) RequireAppAdmin() gin.HandlerFunc {
	return func(c *gin.Context) {
		cl, ok := auth.ClaimsFrom(c)
		if !ok {
			apiError(c, http.StatusUnauthorized, "unauthenticated", "no session")
			return
		}
		admin, err := u.admin(c.Request.Context(), cl)
		if err != nil {
			u.internal(c, cl, "admin list", err)
			return
		}
		if admin == nil {
			apiError(c, http.StatusForbidden, "not_app_admin", "only the app's administrators may do this")
			return
		}
		c.Next()
	}
}

// admin returns the user's entry on the cached admin list (tenant_admins), or nil.
func (u *Users) admin(ctx context.Context, cl *auth.Claims) (*tenants.Admin, error) {
	admins, err := u.tenants.Admins(ctx, cl.SuiteID, cl.CorpID)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(admins, func(a tenants.Admin) bool {
		return cl.UserID != "" && a.UserID == cl.UserID || cl.OpenUserID != "" && a.OpenUserID == cl.OpenUserID
	})
	if i < 0 {
		return nil, nil
	}
	return &admins[i], nil
}

// Me is GET /api/v1/me.
type Me struct {
	CorpID        string `json:"corp_id"`
	UserID        string `json:"userid"`
	OpenUserID    string `json:"open_userid"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar"`
	IsAdmin       bool   `json:"is_admin"`
	AdminAuthType *int   `json:"admin_auth_type"` // 1 manage, 0 use; null for non-admins
}

func (u *Users) me(c *gin.Context) {
	cl, ok := auth.ClaimsFrom(c)
	if !ok {
		apiError(c, http.StatusUnauthorized, "unauthenticated", "no session")
		return
	}
	ctx := c.Request.Context()
	out := Me{CorpID: cl.CorpID, UserID: cl.UserID, OpenUserID: cl.OpenUserID}
	admin, err := u.admin(ctx, cl)
	if err != nil {
		u.internal(c, cl, "admin list", err)
		return
	}
	if admin != nil {
		out.IsAdmin, out.AdminAuthType = true, &admin.AuthType
	}
	if cl.UserID != "" {
		usr, err := u.tenants.User(ctx, cl.SuiteID, cl.CorpID, cl.UserID)
		switch {
		case err == nil:
			out.Name, out.Avatar = usr.Name, usr.Avatar
			if out.OpenUserID == "" {
				out.OpenUserID = usr.OpenUserID
			}
		case !errors.Is(err, tenants.ErrNotFound):
			u.internal(c, cl, "profile", err)
			return
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
}
