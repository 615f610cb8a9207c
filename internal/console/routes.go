package console

import (
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/web"
)

// Cookie, header and form names. The session cookie is scoped to /console and never
// readable by scripts.
const (
	sessionCookie    = "console_session"
	loginCSRFCookie  = "console_login_csrf"
	csrfHeader       = "X-CSRF-Token"
	csrfField        = "csrf_token"
	ctxSession       = "console.session"
	cookiePath       = "/console"
	loginCSRFMaxAge  = 3600
	sessionCookieAge = int(sessionMax / time.Second)
)

type handlers struct {
	c    *Console
	tmpl map[string]*template.Template
	log  *slog.Logger
}

// Routes mounts the console pages under /console/ and its JSON API under /console/api/.
func Routes(r gin.IRouter, c *Console) error {
	tmpl, err := loadTemplates()
	if err != nil {
		return err
	}
	h := &handlers{c: c, tmpl: tmpl, log: c.d.Log}
	static, err := fs.Sub(web.FS, "static")
	if err != nil {
		return err
	}
	g := r.Group("/console", secureHeaders)
	g.StaticFS("/static", http.FS(static))
	g.GET("/login", h.page(h.loginPage))
	g.POST("/login", h.page(h.login))

	pages := g.Group("", h.authenticate(false), h.checkCSRF(false))
	pages.POST("/logout", h.page(h.logout))
	pages.GET("/", h.page(h.dashboardPage))
	pages.GET("/tenants", h.page(h.tenantsPage))
	pages.GET("/tenants/:suite_id/:corp_id", h.page(h.tenantPage))
	pages.GET("/events", h.page(h.eventsPage))
	pages.GET("/events/:id", h.page(h.eventPage))
	pages.GET("/suites", h.page(h.suitesPage))
	pages.GET("/suites/:suite_id", h.page(h.suitePage))
	pages.GET("/queues", h.page(h.queuesPage))
	ops := pages.Group("", h.need(RoleOperator, false))
	ops.POST("/tenants/:suite_id/:corp_id/:action", h.page(h.tenantAction))
	ops.POST("/events/:id/replay", h.page(h.replay))
	admin := pages.Group("", h.need(RoleAdmin, false))
	admin.POST("/suites", h.page(h.saveSuite))
	admin.GET("/audit", h.page(h.auditPage))
	admin.GET("/staff", h.page(h.staffPage))
	admin.POST("/staff", h.page(h.createStaff))
	admin.POST("/staff/:id", h.page(h.updateStaff))

	api := g.Group("/api")
	api.GET("/openapi.json", serveOpenAPI)
	for _, rt := range h.apiRoutes() {
		api.Handle(rt.Method, rt.Path, h.authenticate(true), h.checkCSRF(true), h.need(rt.Need, true), h.api(rt.Fn))
	}
	return nil
}

// secureHeaders keeps console pages out of frames and caches, and scripts to our origin.
func secureHeaders(c *gin.Context) {
	c.Header("X-Frame-Options", "DENY")
	c.Header("X-Content-Type-Options", "nosniff")
	c.Header("Referrer-Policy", "same-origin")
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; form-action 'self'")
}

// authenticate loads the session of the cookie. Without one, a page request is sent to the
// sign-in page and an API request gets 401.
func (h *handlers) authenticate(api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		token, _ := c.Cookie(sessionCookie)
		sess, err := h.c.sessions.lookup(c.Request.Context(), token)
		if err == nil {
			c.Set(ctxSession, sess)
			c.Next()
			return
		}
		c.Abort()
		switch {
		case !errors.Is(err, ErrUnauthorized):
			status, msg := h.fail(c, err)
			c.JSON(status, gin.H{"error": msg})
		case api:
			c.JSON(http.StatusUnauthorized, gin.H{"error": "sign-in required"})
		case c.Request.Method == http.MethodGet:
			c.Redirect(http.StatusSeeOther, "/console/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		default:
			h.render(c, http.StatusUnauthorized, "error", pageData{Title: "Sign-in required", Data: "sign-in required"})
		}
	}
}

// checkCSRF rejects a state change without the session's CSRF token: the X-CSRF-Token
// header (the API), or the csrf_token form field (pages).
func (h *handlers) checkCSRF(api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch c.Request.Method {
		case http.MethodGet, http.MethodHead, http.MethodOptions:
			c.Next()
			return
		}
		sess := c.MustGet(ctxSession).(Session)
		got := c.GetHeader(csrfHeader)
		if got == "" && !api {
			got = c.PostForm(csrfField)
		}
		if validCSRF(sess.CSRF, got) {
			c.Next()
			return
		}
		c.Abort()
		if api {
			c.JSON(http.StatusForbidden, gin.H{"error": errCSRF.Error()})
			return
		}
		h.render(c, http.StatusForbidden, "error", pageData{Title: "Forbidden", Data: errCSRF.Error()})
	}
}

// need answers 403 unless the signed-in staff member has role or above.
func (h *handlers) need(role Role, api bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		sess := c.MustGet(ctxSession).(Session)
		if sess.Staff.Role.Allows(role) {
			c.Next()
			return
		}
		c.Abort()
		msg := "your role (" + string(sess.Staff.Role) + ") may not do this; it needs " + string(role)
		if api {
			c.JSON(http.StatusForbidden, gin.H{"error": msg})
			return
		}
		h.render(c, http.StatusForbidden, "error", pageData{Title: "Forbidden", Data: msg})
	}
}

func actor(c *gin.Context) Actor {
	sess := c.MustGet(ctxSession).(Session)
	return Actor{Staff: sess.Staff, IP: c.ClientIP()}
}

func serveOpenAPI(c *gin.Context) {
	b, err := fs.ReadFile(web.FS, "openapi.json")
	if err != nil {
		c.Status(http.StatusInternalServerError)
		return
	}
	c.Data(http.StatusOK, "application/json", b)
}
