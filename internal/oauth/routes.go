package oauth

import (
	"bytes"
	"context"
	"errors"
	"html/template"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Provider-login paths. BusinessSettingsPath is the URL to configure as the app's
// 业务设置URL in the provider admin: WeCom opens it with only ?auth_code (no state), so it is
// the one route that accepts a code without a state cookie.
const (
	ProviderLoginPath    = "/oauth/provider/login"
	ProviderCallbackPath = "/oauth/provider/callback"
	BusinessSettingsPath = "/oauth/provider/business-settings"
)

// Routes mounts the sign-in flows:
//
//	GET /oauth/{suite_id}/authorize?redirect=&scope=base|privateinfo  in-client OAuth
//	GET /oauth/{suite_id}/login?redirect=                             web login (wwlogin SSO)
//	GET /oauth/{suite_id}/callback?code&state                         both come back here
//	GET /oauth/provider/login?redirect=&suite_id=                     legacy 3rd_qrConnect
//	GET /oauth/provider/callback?auth_code&state
//	GET /oauth/provider/business-settings?auth_code                   the 业务设置URL
//
// gin's router does not reliably match a parameter segment beside a static one, so the
// provider paths are told apart inside the handlers ("provider" is no suite id: those
// start with ww or wx).
func Routes(r gin.IRouter, s *Service) {
	h := handlers{s}
	r.GET("/oauth/:suite_id/authorize", h.authorize)
	r.GET("/oauth/:suite_id/login", h.provider(h.providerLogin, h.login))
	r.GET("/oauth/:suite_id/callback", h.provider(h.providerCallback, h.callback))
	r.GET("/oauth/:suite_id/business-settings", h.provider(h.businessSettings, nil))
}

type handlers struct{ s *Service }

const providerSegment = "provider"

// provider routes /oauth/provider/... to p and /oauth/{suite_id}/... to suite (404 if nil).
func (h handlers) provider(p, suite gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		switch {
		case c.Param("suite_id") == providerSegment:
			p(c)
		case suite != nil:
			suite(c)
		default:
			c.Status(http.StatusNotFound)
		}
	}
}

func (h handlers) authorize(c *gin.Context) {
	st, err := h.s.StartOAuth(c.Request.Context(), c.Param("suite_id"), c.Query("redirect"), c.Query("scope"))
	h.start(c, st, err)
}

func (h handlers) login(c *gin.Context) {
	st, err := h.s.StartSSO(c.Request.Context(), c.Param("suite_id"), c.Query("redirect"))
	h.start(c, st, err)
}

func (h handlers) providerLogin(c *gin.Context) {
	st, err := h.s.StartProvider(c.Request.Context(), c.Query("suite_id"), c.Query("redirect"))
	h.start(c, st, err)
}

func (h handlers) start(c *gin.Context, st Start, err error) {
	if err != nil {
		h.fail(c, "start", err)
		return
	}
	h.s.setStateCookie(c.Writer, st.State)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, st.URL)
}

func (h handlers) callback(c *gin.Context) {
	st, ok := h.state(c, flowOAuth, flowSSO)
	if !ok {
		return
	}
	code := c.Query("code")
	h.complete(c, code, func(ctx context.Context) (Signed, error) {
		return h.s.finishSuite(ctx, c.Param("suite_id"), code, st)
	})
}

func (h handlers) providerCallback(c *gin.Context) {
	st, ok := h.state(c, flowProvider)
	if !ok {
		return
	}
	code := c.Query("auth_code")
	h.complete(c, code, func(ctx context.Context) (Signed, error) { return h.s.finishProvider(ctx, code, st) })
}

// businessSettings is the 业务设置URL: WeCom sends a signed-in admin here with an auth_code
// and no state, so there is no state to check; the session lands on the default page.
// The URL is configured per app, so it may name the app with ?suite_id= (needed when a
// corp installed several of the provider's apps).
func (h handlers) businessSettings(c *gin.Context) {
	code, suiteID := c.Query("auth_code"), c.Query("suite_id")
	if suiteID != "" {
		if _, err := h.s.suite(c.Request.Context(), suiteID); err != nil {
			h.fail(c, "business-settings", err)
			return
		}
	}
	h.complete(c, code, func(ctx context.Context) (Signed, error) {
		return h.s.finishProvider(ctx, code, flowState{Flow: flowProvider, SuiteID: suiteID})
	})
}

// state reads and consumes the state cookie; a mismatch is answered here.
func (h handlers) state(c *gin.Context, flows ...string) (flowState, bool) {
	raw, _ := c.Cookie(stateCookie)
	h.s.clearStateCookie(c.Writer)
	st, err := h.s.state.decode(raw, c.Query("state"), h.s.now(), flows...)
	if err != nil {
		h.fail(c, "callback", err)
		return st, false
	}
	return st, true
}

// complete redeems the code, detached from the request: WeCom has consumed a code once we
// sent it, so a closed tab must not abandon the sign-in half-way.
func (h handlers) complete(c *gin.Context, code string, finish func(context.Context) (Signed, error)) {
	if code == "" {
		h.fail(c, "callback", ErrCodeRefused)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 30*time.Second)
	defer cancel()
	signed, err := finish(ctx)
	if err != nil {
		h.fail(c, "callback", err)
		return
	}
	h.s.sessions.SetCookies(c, signed.Tokens)
	c.Header("Cache-Control", "no-store")
	c.Redirect(http.StatusFound, signed.Redirect)
}

// fail renders the error page; only failures of ours (or WeCom's) are logged.
func (h handlers) fail(c *gin.Context, step string, err error) {
	p := errorPage{Title: "Sign-in failed"}
	switch {
	case errors.Is(err, ErrNoTenant):
		p.Status, p.Title = http.StatusForbidden, "App not available"
		p.Message = "Your organisation has not installed this app, or has removed it. Ask an administrator to install it from the WeCom app marketplace."
	case errors.Is(err, ErrAmbiguousTenant):
		p.Status, p.Title = http.StatusConflict, "Which app?"
		p.Message = "Your organisation uses several of our apps. Open this app's own sign-in link (it names the app with ?suite_id=) to continue."
	case errors.Is(err, ErrNotMember):
		p.Status, p.Title = http.StatusForbidden, "Not a member"
		p.Message = "This app is only for members of an organisation that installed it. Sign in with your WeCom work account."
	case errors.Is(err, ErrUnknownSuite):
		p.Status, p.Message = http.StatusNotFound, "This app is not offered here."
	case errors.Is(err, ErrBadState):
		p.Status, p.Message = http.StatusBadRequest, "The sign-in link expired or was started in another browser. Please sign in again."
	case errors.Is(err, ErrCodeRefused):
		p.Status, p.Message = http.StatusBadRequest, "The sign-in link expired or was already used. Please sign in again."
	case errors.Is(err, ErrBadRedirect), errors.Is(err, ErrBadScope):
		p.Status, p.Message = http.StatusBadRequest, err.Error()+"."
	default:
		h.s.log.ErrorContext(c.Request.Context(), "sign-in failed", "step", step, "path", c.FullPath(),
			"suite_id", c.Param("suite_id"), "err", err)
		p.Status, p.Message = http.StatusBadGateway, "WeCom could not be reached to complete the sign-in. Please try again in a moment."
	}
	var buf bytes.Buffer
	if errorTmpl.Execute(&buf, p) != nil {
		c.String(p.Status, p.Title+"\n")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(p.Status, "text/html; charset=utf-8", buf.Bytes())
}

type errorPage struct {
	Status         int
	Title, Message string
}

var errorTmpl = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#222}h1{font-size:1.4rem;color:#d93025}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Message}}</p></body></html>
`))
