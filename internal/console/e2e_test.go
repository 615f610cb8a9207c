package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/platform/platformtest"
)

// tenantEvent returns the id of an inbox event addressed to the corp.
func tenantEvent(t testing.TB, c *client, corpID, typ string) int64 {
	t.Helper()
	status, body := c.get("/console/api/events?" + url.Values{"corp_id": {corpID}, "type": {typ}}.Encode())
	var page console.EventPage
	if status != 200 || json.Unmarshal([]byte(body), &page) != nil || len(page.Events) == 0 {
		t.Fatalf("events of %s: %d %s", corpID, status, body)
	}
	return page.Events[0].ID
}

// The operator actions through the JSON API: replay, token refresh, re-sync and purge
// marks all work on a tenant installed through the simulator, and each is audited.
func TestTenantActionsAudited(t *testing.T) {
	t.Parallel()
	e := platformtest.StartE2E(t)
	inst := installTenant(t, e, "Acme Actions")
	pushChangeAuth(t, e, inst.CorpID)
	op := signedIn(t, e.Env, console.RoleOperator)
	admin := signedIn(t, e.Env, console.RoleAdmin)
	base := "/console/api/tenants/" + platformtest.SuiteID + "/" + inst.CorpID

	id := tenantEvent(t, op, inst.CorpID, "change_auth")
	if status, body := op.api("POST", fmt.Sprintf("/console/api/events/%d/replay", id), nil); status != 200 {
		t.Fatalf("replay: %d %s", status, body)
	}
	platformtest.Eventually(t, "replayed event processed again", func() bool {
		rec, err := e.Deps.Inbox.Get(context.Background(), id)
		return err == nil && rec.Status == "done" && rec.Attempts >= 2
	})
	for _, action := range []string{"refresh-token", "resync", "purge"} {
		if status, body := op.api("POST", base+"/"+action, map[string]string{"reason": "test"}); status != 200 {
			t.Fatalf("%s: %d %s", action, status, body)
		}
	}
	if status, _ := op.api("POST", base+"/explode", nil); status != 404 {
		t.Errorf("unknown action: %d, want 404", status)
	}
	// The detail shows the refreshed corp token's bookkeeping and the purge mark.
	status, body := op.get(base)
	var d console.TenantDetail
	if status != 200 || json.Unmarshal([]byte(body), &d) != nil {
		t.Fatalf("detail: %d %s", status, body)
	}
	if d.PurgeMark == nil || len(d.Admins) == 0 || d.Tenant.Corp.Name != "Acme Actions" {
		t.Errorf("detail: purge mark %v, admins %v, name %q", d.PurgeMark, d.Admins, d.Tenant.Corp.Name)
	}
	types := map[string]bool{}
	for _, ev := range d.Events {
		types[ev.Type] = true
	}
	if !types["create_auth"] || !types["change_auth"] {
		t.Errorf("timeline lacks the install or the change: %v", types)
	}
	var corp *console.CredentialStatus
	for i := range d.Credentials {
		if d.Credentials[i].Kind == "corp" {
			corp = &d.Credentials[i]
		}
	}
	if corp == nil || corp.LastResult != "ok" || corp.ExpiresAt == nil {
		t.Errorf("corp credential after refresh: %+v", d.Credentials)
	}
	entries, err := console.NewAuditLog(e.Deps.DB).List(context.Background(), console.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, en := range entries {
		got[en.Action] = en.Result
		if en.Action != console.ActionSignIn && (en.IP == "" || en.StaffEmail == "") {
			t.Errorf("audit entry without who or where: %+v", en)
		}
	}
	for _, a := range []string{console.ActionReplayEvent, console.ActionRefreshToken, console.ActionResyncAuth, console.ActionMarkPurge} {
		if got[a] != "ok" {
			t.Errorf("audit %s: %q (all: %v)", a, got[a], got)
		}
	}
	// Admins read the audit log through the API too.
	status, body = admin.get("/console/api/audit?target=" + url.QueryEscape("tenant:"+platformtest.SuiteID+"/"+inst.CorpID))
	if status != 200 || !strings.Contains(body, console.ActionRefreshToken) {
		t.Errorf("audit api: %d %s", status, body)
	}
}

// No page or API answer contains a permanent code, secret, token or ticket: every known
// value (config, simulator state, the credential cache) is looked for in every body.
func TestNoSecretInAnyPageOrAPI(t *testing.T) {
	t.Parallel()
	e := platformtest.StartE2E(t)
	ctx := context.Background()
	inst := installTenant(t, e, "Leak Check Corp")
	pushChangeAuth(t, e, inst.CorpID)
	// Fill every credential of the tenant so the cache holds values to look for.
	for _, get := range []func(context.Context, string, string) (string, error){e.Deps.Tokens.CorpToken, e.Deps.Tokens.JSAPITicket, e.Deps.Tokens.AgentConfigTicket} {
		if _, err := get(ctx, platformtest.SuiteID, inst.CorpID); err != nil {
			t.Fatal(err)
		}
	}
	admin := signedIn(t, e.Env, console.RoleAdmin)
	base := "/console/api/tenants/" + platformtest.SuiteID + "/" + inst.CorpID
	admin.api("POST", base+"/refresh-token", nil)
	admin.api("POST", fmt.Sprintf("/console/api/events/%d/replay", tenantEvent(t, admin, inst.CorpID, "change_auth")), nil)

	secrets := map[string]string{
		"suite secret": platformtest.SuiteSecret, "provider secret": platformtest.ProviderSecret,
		"suite callback token": platformtest.SuiteToken, "suite aes key": platformtest.SuiteAESKey,
		"system token": platformtest.SystemToken, "system aes key": platformtest.SystemAESKey,
		"master key": platformtest.MasterKey, "install auth code": inst.AuthCode, "permanent code": inst.PermanentCode,
	}
	st := e.Sim.State()
	for _, s := range st.Suites {
		secrets["suite_ticket of "+s.SuiteID] = s.SuiteTicket
	}
	for _, c := range st.Corps {
		for _, in := range c.Installs {
			secrets["permanent code of "+c.CorpID] = in.PermanentCode
		}
	}
	keys, err := e.Deps.Redis.Keys(ctx, "wecom:*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if typ, _ := e.Deps.Redis.Type(ctx, k).Result(); typ != "string" || strings.Contains(k, "lock") {
			continue
		}
		if v, err := e.Deps.Redis.Get(ctx, k).Result(); err == nil {
			if _, value, ok := strings.Cut(v, ":"); ok && len(value) >= 8 {
				secrets["cached "+k] = value
			}
		}
	}
	if len(secrets) < 14 {
		t.Fatalf("only %d secrets collected: %v", len(secrets), keysOf(secrets))
	}

	var events console.EventPage
	_, body := admin.get("/console/api/events?limit=200")
	json.Unmarshal([]byte(body), &events)
	paths := []string{"/console/", "/console/tenants", "/console/tenants?q=leak", "/console/tenants/" + platformtest.SuiteID + "/" + inst.CorpID,
		"/console/events", "/console/suites", "/console/suites/" + platformtest.SuiteID, "/console/queues",
		"/console/queues?queue=callbacks&state=retry", "/console/queues?queue=callbacks&state=archived", "/console/audit", "/console/staff",
		"/console/api/me", "/console/api/dashboard", "/console/api/tenants", base, "/console/api/events", "/console/api/suites",
		"/console/api/queues", "/console/api/queues?queue=callbacks&state=archived", "/console/api/audit", "/console/api/staff", "/console/api/openapi.json"}
	for _, ev := range events.Events {
		paths = append(paths, fmt.Sprintf("/console/events/%d", ev.ID), fmt.Sprintf("/console/api/events/%d", ev.ID))
	}
	if len(events.Events) < 3 {
		t.Fatalf("only %d events to look at", len(events.Events))
	}
	sawMask := false
	for _, p := range paths {
		status, body := admin.get(p)
		if status != http.StatusOK {
			t.Errorf("GET %s: %d", p, status)
		}
		for name, v := range secrets {
			if v != "" && strings.Contains(body, v) {
				t.Errorf("GET %s shows the %s", p, name)
			}
		}
		sawMask = sawMask || strings.Contains(body, "[masked, ")
	}
	t.Logf("looked for %d secret values in %d pages and API answers", len(secrets), len(paths))
	if !sawMask {
		t.Error("no payload showed a masked value: the event pages were not checked")
	}
}

func keysOf(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
