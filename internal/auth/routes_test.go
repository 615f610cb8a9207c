package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/pkg/wecomjwt"
)

// server mounts Routes and one protected endpoint that echoes the verified claims.
func server(t *testing.T, e *env) *httptest.Server {
	t.Helper()
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	Routes(r, e.Service)
	r.GET("/api/v1/me", e.Require(), func(c *gin.Context) {
		claims, ok := ClaimsFrom(c)
		if !ok {
			c.Status(http.StatusInternalServerError)
			return
		}
		c.JSON(http.StatusOK, claims)
	})
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return srv
}

type call struct {
	method, path, bearer, body string
	cookies                    []*http.Cookie
}

func (c call) do(t *testing.T, srv *httptest.Server) (*http.Response, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader(c.body))
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp, m
}

func cookie(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

func TestRequire(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := server(t, e)
	tok := e.issue(t)
	revoked := e.issue(t)
	if err := e.Revoke(context.Background(), revoked.SessionID); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		call call
		want int
	}{
		{"bearer", call{method: "GET", path: "/api/v1/me", bearer: tok.AccessToken}, 200},
		{"cookie", call{method: "GET", path: "/api/v1/me", cookies: []*http.Cookie{{Name: AccessCookie, Value: tok.AccessToken}}}, 200},
		{"none", call{method: "GET", path: "/api/v1/me"}, 401},
		{"garbage", call{method: "GET", path: "/api/v1/me", bearer: "x.y.z"}, 401},
		{"refresh token as bearer", call{method: "GET", path: "/api/v1/me", bearer: tok.RefreshToken}, 401},
		{"revoked session", call{method: "GET", path: "/api/v1/me", bearer: revoked.AccessToken}, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := tc.call.do(t, srv)
			if resp.StatusCode != tc.want {
				t.Fatalf("status = %d, want %d (%v)", resp.StatusCode, tc.want, body)
			}
			if tc.want == 200 && body["sid"] != tok.SessionID {
				t.Errorf("claims = %v", body)
			}
			if tc.want == 401 && (body["error"] == nil || resp.Header.Get("WWW-Authenticate") == "") {
				t.Errorf("401 without a JSON error or WWW-Authenticate: %v", body)
			}
		})
	}
}

func TestRefreshEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.SecureCookies = true
	srv := server(t, e)
	tok := e.issue(t)

	// A browser: the refresh token travels in its cookie.
	resp, body := call{method: "POST", path: "/api/v1/session/refresh",
		cookies: []*http.Cookie{{Name: RefreshCookie, Value: tok.RefreshToken}}}.do(t, srv)
	if resp.StatusCode != 200 || body["access_token"] == "" || body["session_id"] != tok.SessionID {
		t.Fatalf("refresh by cookie: %d %v", resp.StatusCode, body)
	}
	at, rt := cookie(resp, AccessCookie), cookie(resp, RefreshCookie)
	if at == nil || rt == nil || at.Value != body["access_token"] || rt.Value != body["refresh_token"] {
		t.Fatalf("cookies = %v", resp.Cookies())
	}
	for _, c := range []*http.Cookie{at, rt} {
		if !c.HttpOnly || !c.Secure || c.SameSite != http.SameSiteLaxMode || c.MaxAge <= 0 {
			t.Errorf("cookie %s = %+v, want HttpOnly, Secure, SameSite=Lax", c.Name, c)
		}
	}
	if at.Path != "/" || rt.Path != "/api/v1/session" {
		t.Errorf("cookie paths = %q, %q", at.Path, rt.Path)
	}
	if resp.Header.Get("Cache-Control") != "no-store" {
		t.Error("token response may be cached")
	}

	// An SPA: the refresh token in a JSON body.
	resp, body = call{method: "POST", path: "/api/v1/session/refresh",
		body: `{"refresh_token":"` + rt.Value + `"}`}.do(t, srv)
	if resp.StatusCode != 200 {
		t.Fatalf("refresh by body: %d %v", resp.StatusCode, body)
	}

	// Reuse: 401, cookies cleared, and the session's access tokens refused.
	resp, body = call{method: "POST", path: "/api/v1/session/refresh", body: `{"refresh_token":"` + rt.Value + `"}`}.do(t, srv)
	if resp.StatusCode != 401 || body["error"] != "invalid_grant" {
		t.Fatalf("reuse: %d %v", resp.StatusCode, body)
	}
	if c := cookie(resp, RefreshCookie); c == nil || c.MaxAge >= 0 {
		t.Errorf("refresh cookie not cleared: %v", c)
	}
	if resp, _ := (call{method: "GET", path: "/api/v1/me", bearer: at.Value}).do(t, srv); resp.StatusCode != 401 {
		t.Errorf("access token after reuse: %d, want 401", resp.StatusCode)
	}

	if resp, _ := (call{method: "POST", path: "/api/v1/session/refresh"}).do(t, srv); resp.StatusCode != 400 {
		t.Errorf("refresh without a token: %d, want 400", resp.StatusCode)
	}
}

func TestLogout(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := server(t, e)
	byCookie, byBearer := e.issue(t), e.issue(t)

	resp, _ := call{method: "POST", path: "/api/v1/session/logout",
		cookies: []*http.Cookie{{Name: RefreshCookie, Value: byCookie.RefreshToken}}}.do(t, srv)
	if resp.StatusCode != 204 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if c := cookie(resp, AccessCookie); c == nil || c.MaxAge >= 0 || c.Secure {
		t.Errorf("access cookie not cleared (or Secure over http): %v", c)
	}
	resp, _ = call{method: "POST", path: "/api/v1/session/logout", bearer: byBearer.AccessToken}.do(t, srv)
	if resp.StatusCode != 204 {
		t.Fatalf("logout by bearer: %d", resp.StatusCode)
	}
	for _, tok := range []Tokens{byCookie, byBearer} {
		if resp, _ := (call{method: "GET", path: "/api/v1/me", bearer: tok.AccessToken}).do(t, srv); resp.StatusCode != 401 {
			t.Errorf("access token after logout: %d, want 401", resp.StatusCode)
		}
	}
	if resp, _ := (call{method: "POST", path: "/api/v1/session/logout"}).do(t, srv); resp.StatusCode != 204 {
		t.Errorf("logout without a session: %d, want 204", resp.StatusCode)
	}
}

func TestJWKSEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := server(t, e)
	resp, err := srv.Client().Get(srv.URL + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set wecomjwt.JWKS
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	want := wecomjwt.JWK{Kty: "OKP", Crv: "Ed25519", Alg: "EdDSA", Use: "sig", Kid: e.keys.snap.Load().kid}
	if len(set.Keys) != 2 {
		t.Fatalf("keys = %+v", set.Keys)
	}
	got := set.Keys[0]
	if len(got.X) != 43 {
		t.Errorf("x = %q, want 32 bytes base64url", got.X)
	}
	got.X = ""
	if got != want {
		t.Errorf("key = %+v, want %+v", got, want)
	}
}

// pkg/wecomjwt, as another of the provider's services would use it, verifies platform
// tokens against the JWKS the platform serves, across a key rotation.
func TestWecomjwtVerifiesPlatformTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	srv := server(t, e)
	ctx := context.Background()
	v, err := wecomjwt.New(wecomjwt.Options{JWKSURL: srv.URL + "/.well-known/jwks.json",
		Issuer: testIssuer, Audience: testAudience, MinRefreshInterval: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tok := e.issue(t)
	c, err := v.Verify(ctx, tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.SessionID != tok.SessionID || c.CorpID != testIdentity.CorpID || c.UserID != testIdentity.UserID || c.TenantID != "42" {
		t.Errorf("claims = %+v", c)
	}
	if _, err := e.Keys().Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(ctx, e.issue(t).AccessToken); err != nil {
		// No refetch allowed for an hour: the key was published before it signed.
		t.Errorf("token of the new key: %v", err)
	}
	if _, err := v.Verify(ctx, tok.AccessToken); err != nil {
		t.Errorf("token of the previous key: %v", err)
	}
	other, _ := wecomjwt.New(wecomjwt.Options{JWKSURL: srv.URL + "/.well-known/jwks.json",
		Issuer: testIssuer, Audience: "another-audience"})
	if _, err := other.Verify(ctx, tok.AccessToken); err == nil {
		t.Error("wrong audience accepted")
	}
}
