package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
)

// safeNext keeps a post-sign-in redirect inside the console.
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/console/") || strings.HasPrefix(next, "//") || strings.Contains(next, "\\") {
		return "/console/"
	}
	return next
}

type loginData struct {
	Next, Email, Error, CSRF string
}

func (h *handlers) setCookie(c *gin.Context, name, value, path string, maxAge int) {
	http.SetCookie(c.Writer, &http.Cookie{Name: name, Value: value, Path: path, MaxAge: maxAge,
		HttpOnly: true, Secure: h.c.secure, SameSite: http.SameSiteStrictMode})
}

func (h *handlers) loginPage(c *gin.Context) error {
	// Sign-in CSRF: a random value in a cookie and in the form, which must match.
	token, err := randomToken()
	if err != nil {
		return err
	}
	h.setCookie(c, loginCSRFCookie, token, "/console/login", loginCSRFMaxAge)
	h.render(c, http.StatusOK, "login", pageData{Title: "Sign in", Data: loginData{Next: safeNext(c.Query("next")), CSRF: token}})
	return nil
}

func (h *handlers) login(c *gin.Context) error {
	cookie, _ := c.Cookie(loginCSRFCookie)
	if !validCSRF(cookie, c.PostForm(csrfField)) {
		return errCSRF
	}
	email, next := c.PostForm("email"), safeNext(c.PostForm("next"))
	token, _, err := h.c.SignIn(c.Request.Context(), email, c.PostForm("password"), c.ClientIP(), c.Request.UserAgent())
	if err != nil {
		status := statusOf(err)
		if status >= 500 {
			return err
		}
		h.render(c, status, "login", pageData{Title: "Sign in", Data: loginData{Next: next, Email: email, Error: err.Error(), CSRF: cookie}})
		return nil
	}
	h.setCookie(c, loginCSRFCookie, "", "/console/login", -1)
	h.setCookie(c, sessionCookie, token, cookiePath, sessionCookieAge)
	c.Redirect(http.StatusSeeOther, next)
	return nil
}

func (h *handlers) logout(c *gin.Context) error {
	if err := h.c.SignOut(c.Request.Context(), actor(c), c.MustGet(ctxSession).(Session)); err != nil {
		return err
	}
	h.setCookie(c, sessionCookie, "", cookiePath, -1)
	c.Redirect(http.StatusSeeOther, "/console/login")
	return nil
}

func (h *handlers) dashboardPage(c *gin.Context) error {
	d, err := h.c.Dashboard(c.Request.Context())
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "dashboard", pageData{Title: "Dashboard", Nav: "dashboard", Data: d})
	return nil
}

type tenantsData struct {
	Query  TenantQuery
	Page   TenantPage
	Suites []SuiteView
}

func (h *handlers) tenantsPage(c *gin.Context) error {
	var q TenantQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		return fmt.Errorf("%v: %w", err, ErrBadRequest)
	}
	page, err := h.c.Tenants(c.Request.Context(), q)
	if err != nil {
		return err
	}
	suites, err := h.c.Suites(c.Request.Context())
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "tenants", pageData{Title: "Tenants", Nav: "tenants", Data: tenantsData{Query: q, Page: page, Suites: suites}})
	return nil
}

func (h *handlers) tenantPage(c *gin.Context) error {
	d, err := h.c.Tenant(c.Request.Context(), c.Param("suite_id"), c.Param("corp_id"))
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "tenant", pageData{Title: d.Tenant.Corp.Name, Nav: "tenants", Data: d})
	return nil
}

// tenantAction runs resync, refresh-token or purge, then shows the tenant again.
func (h *handlers) tenantAction(c *gin.Context) error {
	suiteID, corpID, action := c.Param("suite_id"), c.Param("corp_id"), c.Param("action")
	if err := h.c.TenantAction(c.Request.Context(), actor(c), suiteID, corpID, action, c.PostForm("reason")); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/console/tenants/"+url.PathEscape(suiteID)+"/"+url.PathEscape(corpID)+"?done="+action)
	return nil
}

type eventsData struct {
	Query  EventQuery
	Page   EventPage
	Suites []SuiteView
}

func (h *handlers) eventsPage(c *gin.Context) error {
	var q EventQuery
	if err := c.ShouldBindQuery(&q); err != nil {
		return fmt.Errorf("%v: %w", err, ErrBadRequest)
	}
	page, err := h.c.Events(c.Request.Context(), q)
	if err != nil {
		return err
	}
	suites, err := h.c.Suites(c.Request.Context())
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "events", pageData{Title: "Events", Nav: "events", Data: eventsData{Query: q, Page: page, Suites: suites}})
	return nil
}

func idParam(c *gin.Context) (int64, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("id %q: %w", c.Param("id"), ErrBadRequest)
	}
	return id, nil
}

func (h *handlers) eventPage(c *gin.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	ev, err := h.c.Event(c.Request.Context(), id)
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "event", pageData{Title: fmt.Sprintf("Event %d", id), Nav: "events", Data: ev})
	return nil
}

func (h *handlers) replay(c *gin.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	if err := h.c.ReplayEvent(c.Request.Context(), actor(c), id); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, fmt.Sprintf("/console/events/%d?done=replay", id))
	return nil
}

func (h *handlers) suitesPage(c *gin.Context) error {
	list, err := h.c.Suites(c.Request.Context())
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "suites", pageData{Title: "Suites", Nav: "suites", Data: list})
	return nil
}

func (h *handlers) suitePage(c *gin.Context) error {
	s, err := h.c.Suite(c.Request.Context(), c.Param("suite_id"))
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "suite", pageData{Title: "Suite " + s.SuiteID, Nav: "suites", Data: s})
	return nil
}

func (h *handlers) saveSuite(c *gin.Context) error {
	var f SuiteForm
	if err := c.ShouldBind(&f); err != nil {
		return fmt.Errorf("%v: %w", err, ErrBadRequest)
	}
	s, err := h.c.SaveSuite(c.Request.Context(), actor(c), f)
	if err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/console/suites/"+url.PathEscape(s.SuiteID)+"?done=saved")
	return nil
}

type queuesData struct {
	View  QueueView
	Error string
}

func (h *handlers) queuesPage(c *gin.Context) error {
	v, err := h.c.Queues(c.Request.Context(), c.Query("queue"), c.Query("state"))
	if err != nil && !errors.Is(err, ErrUnavailable) {
		return err
	}
	d := queuesData{View: v}
	if err != nil {
		d.Error = err.Error()
	}
	h.render(c, http.StatusOK, "queues", pageData{Title: "Queues", Nav: "queues", Data: d})
	return nil
}

type auditData struct {
	Query   AuditQuery
	Entries []Entry
	Next    int64
}

func (h *handlers) auditPage(c *gin.Context) error {
	q := AuditQuery{Target: c.Query("target"), Action: c.Query("action")}
	q.BeforeID, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	entries, err := h.c.AuditEntries(c.Request.Context(), q)
	if err != nil {
		return err
	}
	d := auditData{Query: q, Entries: entries}
	if len(entries) == pageLimit(0) {
		d.Next = entries[len(entries)-1].ID
	}
	h.render(c, http.StatusOK, "audit", pageData{Title: "Audit log", Nav: "audit", Data: d})
	return nil
}

func (h *handlers) staffPage(c *gin.Context) error {
	list, err := h.c.StaffList(c.Request.Context())
	if err != nil {
		return err
	}
	h.render(c, http.StatusOK, "staff", pageData{Title: "Staff", Nav: "staff", Data: list})
	return nil
}

func (h *handlers) createStaff(c *gin.Context) error {
	var f StaffForm
	if err := c.ShouldBind(&f); err != nil {
		return fmt.Errorf("%v: %w", err, ErrBadRequest)
	}
	if _, err := h.c.CreateStaff(c.Request.Context(), actor(c), f); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/console/staff?done=created")
	return nil
}

func (h *handlers) updateStaff(c *gin.Context) error {
	id, err := idParam(c)
	if err != nil {
		return err
	}
	var f StaffForm
	if err := c.ShouldBind(&f); err != nil {
		return fmt.Errorf("%v: %w", err, ErrBadRequest)
	}
	if _, err := h.c.UpdateStaff(c.Request.Context(), actor(c), id, f); err != nil {
		return err
	}
	c.Redirect(http.StatusSeeOther, "/console/staff?done=updated")
	return nil
}
