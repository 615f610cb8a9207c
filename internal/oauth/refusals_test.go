package oauth_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/wecomsim"
)

// isCallback stops a walk at the platform's OAuth callback, before the code is redeemed.
func isCallback(u *url.URL) bool { return strings.HasSuffix(u.Path, "/callback") }

func TestRefusedSignIns(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()
	authorize := w.API.URL + "/oauth/" + suiteID + "/authorize"

	t.Run("state mismatch", func(t *testing.T) {
		w := w.with(t)
		b := w.browser()
		_, _, cb := b.visit(authorize, tn.CorpID, "lisi", isCallback)
		q := cb.Query()
		q.Set("state", "forged0000000000000000000000000")
		cb.RawQuery = q.Encode()
		if st, body, _ := b.visit(cb.String(), "", "", nil); st != http.StatusBadRequest || !strings.Contains(body, "another browser") {
			t.Fatalf("forged state: %d %.120s", st, body)
		}
		// The genuine callback in a browser that did not start the sign-in.
		_, _, cb = b.visit(authorize, tn.CorpID, "lisi", isCallback)
		if st, _, _ := w.browser().visit(cb.String(), "", "", nil); st != http.StatusBadRequest {
			t.Fatalf("other browser: %d", st)
		}
		if b.accessToken() != "" {
			t.Fatal("a session was issued")
		}
	})

	t.Run("reused code", func(t *testing.T) {
		w := w.with(t)
		b := w.browser()
		_, _, cb := b.visit(authorize, tn.CorpID, "lisi", isCallback)
		if st, _, _ := b.visit(cb.String(), "", "", nil); st != http.StatusOK {
			t.Fatalf("first use: %d", st)
		}
		// Replaying the callback: the state was consumed with the first use.
		if st, _, _ := b.visit(cb.String(), "", "", nil); st != http.StatusBadRequest {
			t.Fatalf("replayed callback: %d", st)
		}
		// Even with a fresh, valid state, WeCom refuses the used code (40029).
		_, _, fresh := b.visit(authorize, tn.CorpID, "lisi", func(u *url.URL) bool { return strings.HasPrefix(u.String(), w.SimURL) })
		q := cb.Query()
		q.Set("state", fresh.Query().Get("state"))
		cb.RawQuery = q.Encode()
		st, body, _ := w.noSession(b, cb.String())
		if st != http.StatusBadRequest || !strings.Contains(body, "already used") {
			t.Fatalf("reused code: %d %.160s", st, body)
		}
	})

	t.Run("open redirect", func(t *testing.T) {
		w := w.with(t)
		for _, r := range []string{"//evil.example", "https://evil.example/", "javascript:alert(1)", `/\evil.example`,
			`\\evil.example`, "https:evil.example", "http://app.example.com.evil.example/", "https://u@app.example.com/",
			"evil.example", "/%0a" + "\n"} {
			b := w.browser()
			st, _, _ := b.visit(authorize+"?redirect="+url.QueryEscape(r), "", "", nil)
			if st != http.StatusBadRequest || len(b.hops) != 1 {
				t.Errorf("redirect %q: %d via %v", r, st, b.hops)
			}
		}
		// A trusted domain of the suite is allowed, and is where the sign-in ends.
		b := w.browser()
		_, _, last := b.visit(authorize+"?redirect="+url.QueryEscape("https://app.example.com/home?a=1"), tn.CorpID, "lisi",
			func(u *url.URL) bool { return u.Host == "app.example.com" })
		if last.String() != "https://app.example.com/home?a=1" {
			t.Fatalf("ended at %s", last)
		}
	})

	t.Run("bad scope", func(t *testing.T) {
		w := w.with(t)
		if st, _, _ := w.browser().visit(authorize+"?scope=snsapi_userinfo", "", "", nil); st != http.StatusBadRequest {
			t.Fatalf("scope: %d", st)
		}
	})
}

// with is the world seen from a subtest, so failures stop the subtest.
func (w *world) with(t *testing.T) *world { return &world{t: t, E2E: w.E2E} }

// noSession visits raw and checks that no session cookie came back.
func (w *world) noSession(b *browser, raw string) (int, string, *url.URL) {
	w.t.Helper()
	before := b.accessToken()
	st, body, u := b.visit(raw, "", "", nil)
	if after := b.accessToken(); after != before {
		w.t.Fatal("a session was issued")
	}
	return st, body, u
}

// The corp of every API answer is the session's: a corp in the body or the query is
// ignored, and a token of tenant A gets A's data only.
func TestCorpComesFromTheSession(t *testing.T) {
	t.Parallel()
	w := start(t)
	a, b := w.install(), w.install()
	userA := w.browser()
	if st, _ := userA.signIn(a.CorpID, "zhangsan", ""); st != http.StatusOK {
		t.Fatal(st)
	}
	var m me
	if st := userA.api(http.MethodGet, "/api/v1/me?corp_id="+b.CorpID+"&corpid="+b.CorpID, "", &m); st != http.StatusOK || m.CorpID != a.CorpID {
		t.Fatalf("/me with B in the query: %d %+v", st, m)
	}
	var sig struct {
		Config      struct{ AppID string } `json:"config"`
		AgentConfig struct {
			CorpID  string `json:"corpid"`
			AgentID int    `json:"agentid"`
		} `json:"agentConfig"`
	}
	body := `{"url":"` + w.API.URL + `/app/","corp_id":"` + b.CorpID + `","corpid":"` + b.CorpID + `","suite_id":"x"}`
	if st := userA.api(http.MethodPost, "/api/v1/jssdk/signature?corpid="+b.CorpID, body, &sig); st != http.StatusOK ||
		sig.Config.AppID != a.CorpID || sig.AgentConfig.CorpID != a.CorpID || sig.AgentConfig.AgentID != a.Agent.AgentID {
		t.Fatalf("signature with B in body and query: %d %+v", st, sig)
	}
	// B's admin list says nothing about A's users, and A's token never names B.
	if cl := userA.claims(); cl.CorpID != a.CorpID {
		t.Fatalf("claims %+v", cl)
	}
	// A token of A presented with a cookie of nobody: only the token counts.
	req, _ := http.NewRequest(http.MethodGet, w.API.URL+"/api/v1/me", nil)
	req.Header.Set("Authorization", "Bearer "+userA.accessToken())
	req.AddCookie(&http.Cookie{Name: "corp_id", Value: b.CorpID})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("bearer: %d", resp.StatusCode)
	}
}

// A cancelled tenant's users are refused: their sessions are revoked by the cancel_auth
// hook, a session that somehow survived meets the tenant gate, and no new sign-in succeeds.
func TestCancelledTenantIsRefused(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()
	u := w.browser()
	if st, _ := u.signIn(tn.CorpID, "lisi", ""); st != http.StatusOK {
		t.Fatal(st)
	}
	if st, _ := u.me(); st != http.StatusOK {
		t.Fatal(st)
	}
	w.push(tn.CorpID, wecomsim.EventRequest{Type: wecomsim.EventCancelAuth})
	platformtest.Eventually(t, "session revoked", func() bool {
		st, _ := u.me()
		return st == http.StatusUnauthorized
	})
	// A session issued after the cancel (as if it raced the hook) is refused by the gate.
	tok, err := w.Deps.Auth.Issue(context.Background(), auth.Identity{SuiteID: suiteID, CorpID: tn.CorpID, UserID: "lisi"})
	if err != nil {
		t.Fatal(err)
	}
	platformtest.Eventually(t, "tenant gate refuses", func() bool {
		req, _ := http.NewRequest(http.MethodPost, w.API.URL+"/api/v1/jssdk/signature", strings.NewReader(`{"url":"`+w.API.URL+`/app/"}`))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusForbidden
	})

	// A corp the platform has no active tenant for: the simulator still lets its users
	// through OAuth (a link install the platform never completed), the platform does not.
	link, err := w.Sim.Install(context.Background(), wecomsim.InstallRequest{SuiteID: suiteID, Via: wecomsim.ViaLink})
	if err != nil {
		t.Fatal(err)
	}
	st, body := w.browser().signIn(link.CorpID, "lisi", "")
	if st != http.StatusForbidden || !strings.Contains(body, "not installed this app") {
		t.Fatalf("no tenant: %d %.200s", st, body)
	}
}
