package tenants

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
)

// Routes mounts the install flow: GET /install/{suite_id} starts it and
// GET /install/{suite_id}/callback is where WeCom sends the admin back with the code.
func Routes(r gin.IRouter, s *Service, log *slog.Logger) {
	h := handlers{s: s, log: log}
	r.GET("/install/:suite_id", h.start)
	r.GET("/install/:suite_id/callback", h.callback)
}

type handlers struct {
	s   *Service
	log *slog.Logger
}

func (h handlers) start(c *gin.Context) {
	suiteID := c.Param("suite_id")
	u, err := h.s.InstallURL(c.Request.Context(), suiteID, c.Query("state"), c.Query("test") == "1")
	switch {
	case err == nil:
		c.Redirect(http.StatusFound, u)
	case errors.Is(err, ErrBadState):
		renderPage(c, http.StatusBadRequest, page{Title: "Invalid install link", Message: "The state parameter may only hold up to 128 letters and digits."})
	case errors.Is(err, ErrUnknownSuite):
		renderPage(c, http.StatusNotFound, page{Title: "Unknown app", Message: "This app is not offered here."})
	default:
		h.log.ErrorContext(c.Request.Context(), "install start failed", "suite_id", suiteID, "err", err)
		renderPage(c, http.StatusServiceUnavailable, page{Title: "Install unavailable",
			Message: "The install could not be started right now. Please try again in a few minutes."})
	}
}

// callback exchanges the auth code of the redirect. The exchange is detached from the
// request: an admin closing the tab must not abandon a code WeCom may have consumed.
func (h handlers) callback(c *gin.Context) {
	start := time.Now()
	suiteID, code := c.Param("suite_id"), c.Query("auth_code")
	if code == "" {
		renderPage(c, http.StatusBadRequest, page{Title: "Install not completed",
			Message: "The link has no authorisation code. Start the install again from the app's install link."})
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), time.Minute)
	defer cancel()
	t, err := h.s.Install(ctx, suiteID, code, Source{Name: "install_link", Since: start})
	var refused *RefusedError
	switch {
	case err == nil:
	case t.ID != 0:
		// Installed; only the admin list is missing. A background task fetches it.
		h.log.WarnContext(ctx, "installed without admin list; refresh enqueued", "suite_id", suiteID, "corp_id", t.CorpID, "err", err)
		if qerr := h.s.enqueueRefresh(ctx, suiteID, t.CorpID); qerr != nil {
			h.log.ErrorContext(ctx, "refresh not enqueued", "suite_id", suiteID, "corp_id", t.CorpID, "err", qerr)
		}
	case errors.As(err, &refused) && refused.Cancelled():
		renderPage(c, http.StatusGone, page{Title: "Authorisation cancelled",
			Message: "The authorisation for this install was cancelled before it completed. Install the app again to use it."})
		return
	case errors.Is(err, ErrAuthCodeInvalid):
		renderPage(c, http.StatusBadRequest, page{Title: "Install link expired",
			Message: "This install link has expired or was already used. Start the install again."})
		return
	case errors.Is(err, ErrUnknownSuite):
		renderPage(c, http.StatusNotFound, page{Title: "Unknown app", Message: "This app is not offered here."})
		return
	default:
		h.log.ErrorContext(ctx, "install callback failed", "suite_id", suiteID, "err", err)
		if corpID, qerr := h.s.finishLater(ctx, suiteID, code); qerr != nil {
			h.log.ErrorContext(ctx, "exchanged install not handed to the worker", "suite_id", suiteID, "corp_id", corpID, "err", qerr)
		}
		renderPage(c, http.StatusBadGateway, page{Title: "Install not completed",
			Message: "WeCom could not be reached to complete the install. Please try again in a few minutes."})
		return
	}
	renderPage(c, http.StatusOK, page{Title: "App installed", Success: true, Corp: t.Corp.Name, App: t.Agent.Name,
		Message: "The app is installed. You can close this page and open the app from WeCom."})
}
