package oauth

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/web/app"
)

// AppPage configures the tenant-user landing page.
type AppPage struct {
	// Suites are offered as sign-in links when no one is signed in.
	Suites []string
	// JSSDKSrc is where the page loads @wecom/jssdk from; empty loads nothing (the page
	// then shows the signatures it fetched without calling ww.register).
	JSSDKSrc string
}

// AppRoutes mounts GET /app/ and its script and stylesheet. The page itself holds no user
// data: it asks /api/v1/me and /api/v1/jssdk/signature with the session cookie.
func AppRoutes(r gin.IRouter, p AppPage) error {
	tmpl, err := template.ParseFS(app.FS, "index.html")
	if err != nil {
		return fmt.Errorf("app page: %w", err)
	}
	var page bytes.Buffer
	if err := tmpl.Execute(&page, p); err != nil {
		return fmt.Errorf("app page: %w", err)
	}
	csp := "default-src 'self'; img-src 'self' https: data:; script-src 'self'"
	if p.JSSDKSrc != "" {
		csp += " " + p.JSSDKSrc
	}
	html := page.Bytes()
	r.GET("/app", func(c *gin.Context) { c.Redirect(http.StatusMovedPermanently, "/app/") })
	r.GET("/app/", func(c *gin.Context) {
		c.Header("Content-Security-Policy", csp+"; frame-ancestors 'none'")
		c.Header("Cache-Control", "no-cache")
		c.Data(http.StatusOK, "text/html; charset=utf-8", html)
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
