package oauth

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/web/app"
)

// AppPage configures the tenant-user landing page.
type AppPage struct {
	// Suites lists the suites offered as sign-in links when no one is signed in; it is
	// asked on every page view, so suites added in the console appear at once.
	Suites func(ctx context.Context) ([]string, error)
	// JSSDKSrc is where the page loads @wecom/jssdk from; empty loads nothing (the page
	// then shows the signatures it fetched without calling ww.register).
	JSSDKSrc string
}

// appView is what index.html renders.
type appView struct {
	Suites   []string
	JSSDKSrc string
}

// AppRoutes mounts GET /app/ and its script and stylesheet. The page itself holds no user
// data: it asks /api/v1/me and /api/v1/jssdk/signature with the session cookie.
func AppRoutes(r gin.IRouter, p AppPage) error {
	tmpl, err := template.ParseFS(app.FS, "index.html")
	if err != nil {
		return fmt.Errorf("app page: %w", err)
	}
	csp := "default-src 'self'; img-src 'self' https: data:; script-src 'self'"
	if p.JSSDKSrc != "" {
		csp += " " + p.JSSDKSrc
	}
	r.GET("/app", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/app/") })
	r.GET("/app/", func(c *gin.Context) {
		suites, err := p.Suites(c.Request.Context())
		if err != nil {
			c.String(http.StatusServiceUnavailable, "The app is unavailable; try again shortly.")
			return
		}
		var page bytes.Buffer
		if err := tmpl.Execute(&page, appView{Suites: suites, JSSDKSrc: p.JSSDKSrc}); err != nil {
			c.String(http.StatusInternalServerError, "The app page could not be rendered.")
			return
		}
		c.Header("Content-Security-Policy", csp+"; frame-ancestors 'none'")
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", page.Bytes())
	})
	for name, typ := range map[string]string{"app.js": "text/javascript; charset=utf-8", "app.css": "text/css; charset=utf-8"} {
		body, err := app.FS.ReadFile(name)
		if err != nil {
			return fmt.Errorf("app page: %w", err)
		}
		r.GET("/app/"+name, func(c *gin.Context) {
			c.Header("Cache-Control", "no-cache")
			c.Data(http.StatusOK, typ, body)
		})
	}
	return nil
}
