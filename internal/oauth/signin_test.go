package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/oauth"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/tenants"
	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// A member signs in through the simulator's OAuth page, lands on /app/, and /api/v1/me
// tells who they are; the admin list decides is_admin, and change_app_admin flips it.
func TestOAuthSignInAndAdminFlip(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()

	member := w.browser()
	st, body := member.signIn(tn.CorpID, "lisi", "redirect=/app/%3Fx%3D1")
	if st != http.StatusOK || !strings.Contains(body, "/app/app.js") {
		t.Fatalf("landing: %d %.200s", st, body)
	}
	hops := member.hops
	if last := hops[len(hops)-1]; last.Path != "/app/" || last.RawQuery != "x=1" {
		t.Fatalf("landed on %s", last)
	}
	if wecom := hops[1]; wecom.Path != "/connect/oauth2/authorize" || wecom.Query().Get("appid") != suiteID ||
		wecom.Query().Get("redirect_uri") != w.API.URL+"/oauth/"+suiteID+"/callback" ||
		wecom.Query().Get("scope") != "snsapi_base" || wecom.Fragment != "wechat_redirect" {
		t.Fatalf("WeCom OAuth URL %s", wecom)
	}
	if cl := member.claims(); cl.CorpID != tn.CorpID || cl.UserID != "lisi" || cl.UserType != oauth.UserTypeMember || cl.OpenUserID == "" {
		t.Fatalf("claims %+v", cl)
	}
	code, m := member.me()
	if code != http.StatusOK || m.CorpID != tn.CorpID || m.UserID != "lisi" || m.IsAdmin || m.AdminAuthType != nil || m.OpenUserID == "" {
		t.Fatalf("member /me: %d %+v", code, m)
	}

	// The admin asks for the consent scope: name (and avatar) come from getuserdetail3rd.
	admin := w.browser()
	if st, _ := admin.signIn(tn.CorpID, "zhangsan", "scope=privateinfo"); st != http.StatusOK {
		t.Fatalf("admin sign-in: %d", st)
	}
	if admin.hops[1].Query().Get("scope") != "snsapi_privateinfo" {
		t.Fatalf("scope in %s", admin.hops[1])
	}
	code, m = admin.me()
	if code != http.StatusOK || !m.IsAdmin || m.AdminAuthType == nil || *m.AdminAuthType != 1 || m.Name != "张三" {
		t.Fatalf("admin /me: %d %+v", code, m)
	}

	// RequireAppAdmin guards the app page's administration panel, GET /api/v1/admin/tenant.
	adminOnly := func(b *browser) int {
		var out struct {
			Error   string          `json:"error"`
			AgentID int             `json:"agentid"`
			Admins  []tenants.Admin `json:"admins"`
		}
		st := b.api(http.MethodGet, "/api/v1/admin/tenant", "", &out)
		switch {
		case st == http.StatusForbidden && out.Error != "not_app_admin":
			t.Errorf("403 error %q, want not_app_admin", out.Error)
		case st == http.StatusOK && (out.AgentID != tn.Agent.AgentID || len(out.Admins) == 0):
			t.Errorf("admin panel = %+v, want agent %d and the admin list", out, tn.Agent.AgentID)
		}
		return st
	}
	if a, b := adminOnly(admin), adminOnly(member); a != http.StatusOK || b != http.StatusForbidden {
		t.Fatalf("admin-only: admin %d, member %d", a, b)
	}

	// The corp makes lisi the admin instead: change_app_admin refreshes the list.
	w.setAdmins(tn.CorpID, store.Admin{UserID: "lisi", AuthType: 0})
	platformtest.Eventually(t, "lisi becomes the admin", func() bool {
		_, m := member.me()
		return m.IsAdmin && m.AdminAuthType != nil && *m.AdminAuthType == 0
	})
	if _, m := admin.me(); m.IsAdmin {
		t.Fatalf("zhangsan still admin: %+v", m)
	}
	if a, b := adminOnly(admin), adminOnly(member); a != http.StatusForbidden || b != http.StatusOK {
		t.Fatalf("admin-only after the change: zhangsan %d, lisi %d", a, b)
	}
}

// The web login (wwlogin SSO) and the provider's legacy login (3rd_qrConnect, and the
// 业务设置URL without state) end in sessions too, with get_login_info's user type.
func TestWebAndProviderLogins(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()

	sso := w.browser()
	st, _, _ := sso.visit(w.API.URL+"/oauth/"+suiteID+"/login?redirect=/app/", tn.CorpID, "wangwu", nil)
	if st != http.StatusOK || sso.hops[1].Path != "/wwlogin/sso/login" || sso.hops[1].Query().Get("login_type") != "ServiceApp" {
		t.Fatalf("sso: %d via %v", st, sso.hops)
	}
	if cl := sso.claims(); cl.UserID != "wangwu" || cl.CorpID != tn.CorpID || cl.UserType != oauth.UserTypeMember {
		t.Fatalf("sso claims %+v", cl)
	}

	prov := w.browser()
	st, _, _ = prov.visit(w.API.URL+oauth.ProviderLoginPath+"?redirect=/app/", tn.CorpID, "zhangsan", nil)
	wecom := prov.hops[1]
	if st != http.StatusOK || wecom.Path != "/wwopen/sso/3rd_qrConnect" || wecom.Query().Get("appid") != platformtest.ProviderCorpID ||
		wecom.Query().Get("usertype") != "admin" || wecom.Query().Get("redirect_uri") != w.API.URL+oauth.ProviderCallbackPath {
		t.Fatalf("provider login: %d via %v", st, prov.hops)
	}
	if cl := prov.claims(); cl.UserID != "zhangsan" || cl.CorpID != tn.CorpID || cl.SuiteID != suiteID || cl.UserType != 1 {
		t.Fatalf("provider claims %+v", cl) // zhangsan created the simulated corp: usertype 1
	}
	if _, m := prov.me(); !m.IsAdmin {
		t.Fatalf("provider admin /me %+v", m)
	}

	// 业务设置URL: WeCom sends only ?auth_code. The simulator's qrConnect page stands in
	// for the admin console's button.
	biz := w.browser()
	q := url.Values{"appid": {platformtest.ProviderCorpID}, "redirect_uri": {w.API.URL + oauth.BusinessSettingsPath}}
	st, _, _ = biz.visit(w.SimURL+"/wwopen/sso/3rd_qrConnect?"+q.Encode(), tn.CorpID, "lisi", nil)
	if st != http.StatusOK || biz.hops[len(biz.hops)-1].Path != "/app/" {
		t.Fatalf("business settings: %d via %v", st, biz.hops)
	}
	if cl := biz.claims(); cl.UserID != "lisi" || cl.UserType != 5 {
		t.Fatalf("business-settings claims %+v", cl)
	}
	// The state-checked callback refuses the same kind of code without a state.
	st, _, _ = w.browser().visit(w.SimURL+"/wwopen/sso/3rd_qrConnect?"+url.Values{"appid": {platformtest.ProviderCorpID},
		"redirect_uri": {w.API.URL + oauth.ProviderCallbackPath}}.Encode(), tn.CorpID, "lisi", nil)
	if st != http.StatusBadRequest {
		t.Fatalf("provider callback without state: %d", st)
	}
}

func TestPageSignedOutAndUnknownSuite(t *testing.T) {
	t.Parallel()
	w := start(t)
	st, body, _ := w.browser().visit(w.API.URL+"/oauth/wwnosuchsuite/authorize", "", "", nil)
	if st != http.StatusNotFound || !strings.Contains(body, "not offered") {
		t.Fatalf("%d %s", st, body)
	}
	// Signed out, the page offers the sign-in links and its script learns it from a 401.
	b := w.browser()
	st, body, _ = b.visit(w.API.URL+"/app", "", "", nil)
	if st != http.StatusOK || !strings.Contains(body, `href="/oauth/`+suiteID+`/authorize?redirect=/app/"`) {
		t.Fatalf("/app/: %d %.300s", st, body)
	}
	if st, m := b.me(); st != http.StatusUnauthorized || m.Error == "" {
		t.Fatalf("/api/v1/me signed out: %d %+v", st, m)
	}
	for _, asset := range []string{"/app/app.js", "/app/app.css"} {
		if st, body, _ := b.visit(w.API.URL+asset, "", "", nil); st != http.StatusOK || len(body) < 100 {
			t.Fatalf("%s: %d", asset, st)
		}
	}
	// A suite added in the console (the database), not in WECOM_SUITES, is offered at once.
	added := suite.Suite{ID: "wwaddedinconsole01", Secret: "s", Token: platformtest.SuiteToken,
		EncodingAESKey: platformtest.SuiteAESKey}
	if err := w.Deps.Suites.Store().Upsert(context.Background(), added); err != nil {
		t.Fatal(err)
	}
	if st, body, _ = b.visit(w.API.URL+"/app/", "", "", nil); st != http.StatusOK ||
		!strings.Contains(body, `href="/oauth/`+added.ID+`/authorize?redirect=/app/"`) {
		t.Fatalf("/app/ after adding a suite: %d %.600s", st, body)
	}
}
