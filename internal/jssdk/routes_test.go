package jssdk_test

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/auth"
	"github.com/wecomisv/platform/internal/jssdk"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tenants"
)

// The signing algorithm itself is checked against protocol §10's official worked example
// in internal/wecom (TestSignJSAPIOfficialExample). These tests drive the endpoint end to
// end and recompute each signature with SHA-1 from the tickets the simulator issued.

const suiteID = platformtest.SuiteID

type world struct {
	*platformtest.E2E
	t *testing.T
}

func start(t *testing.T) *world {
	t.Helper()
	w := &world{E2E: platformtest.StartE2E(t), t: t}
	return w
}

// install installs a new corp from the marketplace and waits for its active tenant.
func (w *world) install() tenants.Tenant { return w.InstallTenant(w.t) }

// session issues a session for a member of corpID, as a sign-in would.
func (w *world) session(corpID, userID string) string {
	w.t.Helper()
	tok, err := w.Deps.Auth.Issue(context.Background(), auth.Identity{SuiteID: suiteID, CorpID: corpID, UserID: userID})
	if err != nil {
		w.t.Fatal(err)
	}
	return tok.AccessToken
}

func (w *world) sign(token, body string) (int, jssdk.Signature, map[string]string) {
	w.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, w.API.URL+"/api/v1/jssdk/signature", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var sig jssdk.Signature
	var e map[string]string
	if resp.StatusCode == http.StatusOK {
		err = json.Unmarshal(raw, &sig)
	} else {
		err = json.Unmarshal(raw, &e)
	}
	if err != nil {
		w.t.Fatalf("%d %s: %v", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, sig, e
}

// simTicket asks the simulator for a ticket with the corp token the platform holds; the
// simulator hands out the same ticket while it is valid, so this is the one it issued.
func (w *world) simTicket(corpID, path string) string {
	w.t.Helper()
	tok, err := w.Deps.Tokens.CorpToken(context.Background(), suiteID, corpID)
	if err != nil {
		w.t.Fatal(err)
	}
	resp, err := http.Get(w.SimURL + path + "&access_token=" + url.QueryEscape(tok))
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var r struct {
		ErrCode int    `json:"errcode"`
		Ticket  string `json:"ticket"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || r.ErrCode != 0 || r.Ticket == "" {
		w.t.Fatalf("simulator %s: %+v %v", path, r, err)
	}
	return r.Ticket
}

// sha1Sign is protocol §10, written out independently of the code under test.
func sha1Sign(ticket, nonce string, ts int64, page string) string {
	sum := sha1.Sum(fmt.Appendf(nil, "jsapi_ticket=%s&noncestr=%s&timestamp=%d&url=%s", ticket, nonce, ts, page))
	return hex.EncodeToString(sum[:])
}

func TestSignatureMatchesTheSimulatorsTickets(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()
	token := w.session(tn.CorpID, "lisi")

	page := w.API.URL + "/app/?a=1&b=%E4%B8%AD"
	st, sig, e := w.sign(token, `{"url":"`+page+`#/route?x=1"}`)
	if st != http.StatusOK {
		t.Fatalf("%d %v", st, e)
	}
	c, a := sig.Config, sig.AgentConfig
	if c.AppID != tn.CorpID || a.CorpID != tn.CorpID || a.AgentID != tn.Agent.AgentID {
		t.Fatalf("identity: %+v", sig)
	}
	if d := time.Since(time.Unix(c.Timestamp, 0)); d < -5*time.Second || d > time.Minute || a.Timestamp != c.Timestamp {
		t.Fatalf("timestamps %d %d", c.Timestamp, a.Timestamp)
	}
	corpTicket := w.simTicket(tn.CorpID, "/cgi-bin/get_jsapi_ticket?x=1")
	agentTicket := w.simTicket(tn.CorpID, "/cgi-bin/ticket/get?type=agent_config")
	if corpTicket == agentTicket {
		t.Fatal("the simulator issued one ticket for both")
	}
	if want := sha1Sign(corpTicket, c.NonceStr, c.Timestamp, page); c.Signature != want {
		t.Errorf("config signature %s, want %s (corp jsapi_ticket)", c.Signature, want)
	}
	if want := sha1Sign(agentTicket, a.NonceStr, a.Timestamp, page); a.Signature != want {
		t.Errorf("agentConfig signature %s, want %s (agent_config ticket)", a.Signature, want)
	}

	// Warm: the next signatures come from the in-process ticket cache, not from WeCom.
	calls := func() int {
		m := w.Sim.Calls()
		return m["/cgi-bin/get_jsapi_ticket"].Total + m["/cgi-bin/ticket/get"].Total
	}
	before := calls()
	for range 5 {
		if st, _, _ := w.sign(token, `{"url":"`+page+`"}`); st != http.StatusOK {
			t.Fatal(st)
		}
	}
	if after := calls(); after != before {
		t.Fatalf("warm requests called WeCom %d times", after-before)
	}
}

func TestSignatureRefusals(t *testing.T) {
	t.Parallel()
	w := start(t)
	tn := w.install()
	token := w.session(tn.CorpID, "lisi")
	tests := []struct {
		body   string
		status int
		code   string
	}{
		{`{"url":"https://evil.example/page"}`, http.StatusBadRequest, "untrusted_url"},
		{`{"url":"https://app.example.com.evil.example/"}`, http.StatusBadRequest, "untrusted_url"},
		{`{"url":"http://app.example.com:8443/"}`, http.StatusBadRequest, "untrusted_url"}, // the port is part of the domain
		{`{"url":"/app/"}`, http.StatusBadRequest, "bad_url"},
		{`{"url":"javascript:alert(1)"}`, http.StatusBadRequest, "bad_url"},
		{`{"url":""}`, http.StatusBadRequest, "bad_url"},
		{`not json`, http.StatusBadRequest, "invalid_request"},
	}
	for _, tt := range tests {
		st, _, e := w.sign(token, tt.body)
		if st != tt.status || e["error"] != tt.code || e["message"] == "" {
			t.Errorf("%s: %d %v, want %d %s", tt.body, st, e, tt.status, tt.code)
		}
	}
	// A trusted domain other than the api's own is fine.
	if st, _, e := w.sign(token, `{"url":"https://app.example.com/x"}`); st != http.StatusOK {
		t.Errorf("trusted domain: %d %v", st, e)
	}
	if st, _, _ := w.sign("", `{"url":"https://app.example.com/x"}`); st != http.StatusUnauthorized {
		t.Errorf("no session: %d", st)
	}
}

// Two tenants: each session's signatures use its own corp and its own tickets, whatever
// corp the request names.
func TestSignatureIsPerTenant(t *testing.T) {
	t.Parallel()
	w := start(t)
	a, b := w.install(), w.install()
	page := w.API.URL + "/app/"
	body := `{"url":"` + page + `","corpid":"` + b.CorpID + `","corp_id":"` + b.CorpID + `","appId":"` + b.CorpID + `"}`
	st, sig, e := w.sign(w.session(a.CorpID, "lisi"), body)
	if st != http.StatusOK {
		t.Fatalf("%d %v", st, e)
	}
	if sig.Config.AppID != a.CorpID || sig.AgentConfig.CorpID != a.CorpID {
		t.Fatalf("signed for %s/%s, want %s", sig.Config.AppID, sig.AgentConfig.CorpID, a.CorpID)
	}
	ticketA, ticketB := w.simTicket(a.CorpID, "/cgi-bin/get_jsapi_ticket?x=1"), w.simTicket(b.CorpID, "/cgi-bin/get_jsapi_ticket?x=1")
	c := sig.Config
	if c.Signature != sha1Sign(ticketA, c.NonceStr, c.Timestamp, page) || c.Signature == sha1Sign(ticketB, c.NonceStr, c.Timestamp, page) {
		t.Fatal("A's signature is not made with A's ticket alone")
	}
}
