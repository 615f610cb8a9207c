package oauth_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

const suiteID = platformtest.SuiteID

// world is the platform with the simulator as WeCom, on real PostgreSQL and Redis.
type world struct {
	t *testing.T
	*platformtest.E2E
}

func start(t *testing.T) *world {
	t.Helper()
	return &world{t: t, E2E: platformtest.StartE2E(t)}
}

// install makes a new corp install the suite from the marketplace and waits until its
// tenant is active with its admin list (zhangsan is the admin; lisi and wangwu are not).
func (w *world) install() tenants.Tenant { return w.InstallTenant(w.t) }

func (w *world) push(corpID string, req wecomsim.EventRequest) { w.Push(w.t, corpID, req) }

func (w *world) setAdmins(corpID string, admins ...store.Admin) {
	w.t.Helper()
	w.push(corpID, wecomsim.EventRequest{Type: wecomsim.EventChangeAppAdmin, Admins: admins})
}

// browser is one user agent: a cookie jar, redirects followed by hand so each hop can be
// looked at (and the simulator's picker answered).
type browser struct {
	t      *testing.T
	w      *world
	client *http.Client
	// hops are the URLs visited by the last visit.
	hops []*url.URL
}

func (w *world) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: w.t, w: w, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// visit GETs raw and follows redirects. On the simulator's sign-in pages it picks
// corpID/userID, as a user would in the picker. stop, if set, ends the walk before a hop
// it matches and returns that hop's URL with a zero status.
func (b *browser) visit(raw, corpID, userID string, stop func(*url.URL) bool) (int, string, *url.URL) {
	b.t.Helper()
	b.hops = nil
	u, err := url.Parse(raw)
	if err != nil {
		b.t.Fatal(err)
	}
	for range 10 {
		if stop != nil && stop(u) {
			return 0, "", u
		}
		if strings.HasPrefix(u.String(), b.w.SimURL) && corpID != "" {
			q := u.Query()
			q.Set("corpid", corpID)
			q.Set("userid", userID)
			u.RawQuery = q.Encode()
		}
		b.hops = append(b.hops, u)
		resp, err := b.client.Get(u.String())
		if err != nil {
			b.t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusMovedPermanently {
			return resp.StatusCode, string(body), u
		}
		if u, err = u.Parse(resp.Header.Get("Location")); err != nil {
			b.t.Fatal(err)
		}
	}
	b.t.Fatal("too many redirects")
	return 0, "", nil
}

// signIn runs the in-client OAuth flow for a user and returns the final page's status.
func (b *browser) signIn(corpID, userID, query string) (int, string) {
	b.t.Helper()
	st, body, _ := b.visit(b.w.API.URL+"/oauth/"+suiteID+"/authorize?"+query, corpID, userID, nil)
	return st, body
}

// accessToken is the session cookie the browser holds.
func (b *browser) accessToken() string {
	u, _ := url.Parse(b.w.API.URL + "/api/v1/me")
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == auth.AccessCookie {
			return c.Value
		}
	}
	return ""
}

func (b *browser) claims() *auth.Claims {
	b.t.Helper()
	cl, err := b.w.Deps.Auth.Verify(context.Background(), b.accessToken())
	if err != nil {
		b.t.Fatalf("session: %v", err)
	}
	return cl
}

// api calls the JSON API with the browser's cookies and decodes the answer into out.
func (b *browser) api(method, path, body string, out any) int {
	b.t.Helper()
	req, _ := http.NewRequest(method, b.w.API.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			b.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
		}
	}
	return resp.StatusCode
}

type me struct {
	CorpID        string `json:"corp_id"`
	UserID        string `json:"userid"`
	OpenUserID    string `json:"open_userid"`
	Name          string `json:"name"`
	Avatar        string `json:"avatar"`
	IsAdmin       bool   `json:"is_admin"`
	AdminAuthType *int   `json:"admin_auth_type"`
	Error         string `json:"error"`
}

func (b *browser) me() (int, me) {
	b.t.Helper()
	var m me
	st := b.api(http.MethodGet, "/api/v1/me", "", &m)
	return st, m
}
