package console

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"
)

// apiRoute is one route of the JSON API. The list is the API's single source: Routes
// mounts it and the tests check web/openapi.json documents every entry.
type apiRoute struct {
	Method string
	Path   string // relative to /console/api, gin syntax
	Need   Role
	Fn     func(*gin.Context) (any, error)
}

// Me is the signed-in staff member and the CSRF token their writes must send.
type Me struct {
	Staff Staff  `json:"staff"`
	CSRF  string `json:"csrf_token"`
}

func (h *handlers) apiRoutes() []apiRoute {
	return []apiRoute{
		{http.MethodGet, "/me", RoleViewer, func(c *gin.Context) (any, error) {
			s := c.MustGet(ctxSession).(Session)
			return Me{Staff: s.Staff, CSRF: s.CSRF}, nil
		}},
		{http.MethodGet, "/dashboard", RoleViewer, func(c *gin.Context) (any, error) {
			return h.c.Dashboard(c.Request.Context())
		}},
		{http.MethodGet, "/tenants", RoleViewer, func(c *gin.Context) (any, error) {
			var q TenantQuery
			if err := c.ShouldBindQuery(&q); err != nil {
				return nil, fmt.Errorf("%v: %w", err, ErrBadRequest)
			}
			return h.c.Tenants(c.Request.Context(), q)
		}},
		{http.MethodGet, "/tenants/:suite_id/:corp_id", RoleViewer, func(c *gin.Context) (any, error) {
			return h.c.Tenant(c.Request.Context(), c.Param("suite_id"), c.Param("corp_id"))
		}},
		{http.MethodPost, "/tenants/:suite_id/:corp_id/:action", RoleOperator, func(c *gin.Context) (any, error) {
			var body struct {
				Reason string `json:"reason"`
			}
			_ = c.ShouldBindJSON(&body) // the body is optional
			return nil, h.c.TenantAction(c.Request.Context(), actor(c), c.Param("suite_id"), c.Param("corp_id"), c.Param("action"), body.Reason)
		}},
		{http.MethodGet, "/events", RoleViewer, func(c *gin.Context) (any, error) {
			var q EventQuery
			if err := c.ShouldBindQuery(&q); err != nil {
				return nil, fmt.Errorf("%v: %w", err, ErrBadRequest)
			}
			return h.c.Events(c.Request.Context(), q)
		}},
		{http.MethodGet, "/events/:id", RoleViewer, func(c *gin.Context) (any, error) {
			id, err := idParam(c)
			if err != nil {
				return nil, err
			}
			return h.c.Event(c.Request.Context(), id)
		}},
		{http.MethodPost, "/events/:id/replay", RoleOperator, func(c *gin.Context) (any, error) {
			id, err := idParam(c)
			if err != nil {
				return nil, err
			}
			return nil, h.c.ReplayEvent(c.Request.Context(), actor(c), id)
		}},
		{http.MethodGet, "/suites", RoleViewer, func(c *gin.Context) (any, error) {
			return h.c.Suites(c.Request.Context())
		}},
		{http.MethodPut, "/suites/:suite_id", RoleAdmin, func(c *gin.Context) (any, error) {
			var f SuiteForm
			if err := c.ShouldBindJSON(&f); err != nil {
				return nil, fmt.Errorf("%v: %w", err, ErrBadRequest)
			}
			f.SuiteID = c.Param("suite_id")
			return h.c.SaveSuite(c.Request.Context(), actor(c), f)
		}},
		{http.MethodGet, "/queues", RoleViewer, func(c *gin.Context) (any, error) {
			return h.c.Queues(c.Request.Context(), c.Query("queue"), c.Query("state"))
		}},
		{http.MethodGet, "/audit", RoleAdmin, func(c *gin.Context) (any, error) {
			q := AuditQuery{Target: c.Query("target"), Action: c.Query("action")}
			q.BeforeID, _ = strconv.ParseInt(c.Query("before"), 10, 64)
			q.Limit, _ = strconv.Atoi(c.Query("limit"))
			entries, err := h.c.AuditEntries(c.Request.Context(), q)
			return gin.H{"entries": entries}, err
		}},
		{http.MethodGet, "/staff", RoleAdmin, func(c *gin.Context) (any, error) {
			list, err := h.c.StaffList(c.Request.Context())
			return gin.H{"staff": list}, err
		}},
		{http.MethodPost, "/staff", RoleAdmin, func(c *gin.Context) (any, error) {
			var f StaffForm
			if err := c.ShouldBindJSON(&f); err != nil {
				return nil, fmt.Errorf("%v: %w", err, ErrBadRequest)
			}
			return h.c.CreateStaff(c.Request.Context(), actor(c), f)
		}},
		{http.MethodPatch, "/staff/:id", RoleAdmin, func(c *gin.Context) (any, error) {
			id, err := idParam(c)
			if err != nil {
				return nil, err
			}
			var f StaffForm
			if err := c.ShouldBindJSON(&f); err != nil {
				return nil, fmt.Errorf("%v: %w", err, ErrBadRequest)
			}
			return h.c.UpdateStaff(c.Request.Context(), actor(c), id, f)
		}},
	}
}
