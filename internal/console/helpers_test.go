package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim"
)

var staffSeq atomic.Int64

// newStaff creates an account with role and returns its email and password.
func newStaff(t testing.TB, env *platformtest.Env, role console.Role) (string, string) {
	t.Helper()
	email := fmt.Sprintf("%s%d@example.com", role, staffSeq.Add(1))
	password := "correct horse battery " + string(role)
	if _, err := console.NewStaffStore(env.Deps.DB).Create(context.Background(), email, role, password); err != nil {
		t.Fatal(err)
	}
	return email, password
}

// client is a browser-like HTTP client: a cookie jar, and redirects not followed so
// tests see them.
type client struct {
	t    testing.TB
	base string
	http *http.Client
	csrf string
}

func newClient(t testing.TB, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// do sends a request and returns status and body.
func (c *client) do(method, path string, body io.Reader, header map[string]string) (int, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (c *client) get(path string) (int, string) { return c.do(http.MethodGet, path, nil, nil) }

// form posts a form, with the session's CSRF token unless the values carry their own.
func (c *client) form(path string, v url.Values) (int, string) {
	if v == nil {
		v = url.Values{}
	}
	return c.do(http.MethodPost, path, strings.NewReader(v.Encode()), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// api sends JSON with the CSRF header.
func (c *client) api(method, path string, body any) (int, string) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = strings.NewReader(string(b))
	}
	return c.do(method, path, r, map[string]string{"Content-Type": "application/json", "X-CSRF-Token": c.csrf})
}

// tryLogin loads the sign-in page (for its CSRF cookie and field) and submits it.
func (c *client) tryLogin(email, password string) (int, string) {
	c.t.Helper()
	status, page := c.get("/console/login")
	if status != http.StatusOK {
		c.t.Fatalf("login page: %d", status)
	}
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		c.t.Fatal("login page has no csrf_token")
	}
	return c.form("/console/login", url.Values{"csrf_token": {m[1]}, "email": {email}, "password": {password}, "next": {"/console/"}})
}

// login signs in and remembers the session's CSRF token.
func (c *client) login(email, password string) *client {
	c.t.Helper()
	if status, body := c.tryLogin(email, password); status != http.StatusSeeOther {
		c.t.Fatalf("sign in %s: %d %s", email, status, body)
	}
	status, body := c.get("/console/api/me")
	if status != http.StatusOK {
		c.t.Fatalf("me: %d %s", status, body)
	}
	var me console.Me
	json.Unmarshal([]byte(body), &me)
	c.csrf = me.CSRF
	return c
}

func signedIn(t testing.TB, env *platformtest.Env, role console.Role) *client {
	email, pw := newStaff(t, env, role)
	return newClient(t, env.API.URL).login(email, pw)
}

// installTenant installs a new corp through the simulator's marketplace flow and waits
// until the platform has the tenant active with its admins.
func installTenant(t testing.TB, e *platformtest.E2E, name string) wecomsim.InstallResult {
	t.Helper()
	ctx := context.Background()
	platformtest.Eventually(t, "first suite_ticket stored", func() bool {
		_, err := e.Deps.Suites.Ticket(ctx, platformtest.SuiteID)
		return err == nil
	})
	res, err := e.Sim.Install(ctx, wecomsim.InstallRequest{SuiteID: platformtest.SuiteID, CorpName: name})
	if err != nil {
		t.Fatal(err)
	}
	platformtest.Eventually(t, "tenant "+res.CorpID+" installed", func() bool {
		tn, err := e.Deps.Tenants.Store().Get(ctx, platformtest.SuiteID, res.CorpID)
		if err != nil || !tn.Active() {
			return false
		}
		admins, err := e.Deps.Tenants.Store().Admins(ctx, platformtest.SuiteID, res.CorpID)
		return err == nil && len(admins) > 0
	})
	return res
}

// pushChangeAuth makes the corp change the app's visible range and waits until the
// worker handled the change_auth event addressed to it.
func pushChangeAuth(t testing.TB, e *platformtest.E2E, corpID string) {
	t.Helper()
	ctx := context.Background()
	_, err := e.Sim.PushEvent(ctx, corpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAuth, SuiteID: platformtest.SuiteID, AllowTag: []int{7}})
	if err != nil {
		t.Fatal(err)
	}
	platformtest.Eventually(t, "change_auth of "+corpID+" recorded", func() bool {
		h, err := e.Deps.Tenants.Store().History(ctx, platformtest.SuiteID, corpID, 10)
		if err != nil {
			return false
		}
		for _, x := range h {
			if x.Kind == tenants.KindChangeAuth {
				return true
			}
		}
		return false
	})
}
