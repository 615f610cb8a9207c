package console_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/hibiken/asynq"

	"github.com/wecomisv/platform/internal/config"
	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/web"
)

func TestSignInAndOut(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := newClient(t, env.API.URL)
	// Not signed in: pages redirect to the sign-in page, the API answers 401.
	if status, _ := c.get("/console/"); status != http.StatusSeeOther {
		t.Fatalf("dashboard signed out: %d, want 303", status)
	}
	if status, _ := c.get("/console/api/dashboard"); status != http.StatusUnauthorized {
		t.Fatalf("api signed out: %d, want 401", status)
	}
	email, pw := newStaff(t, env, console.RoleViewer)
	if status, _ := c.tryLogin(email, "wrong password!"); status != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d, want 401", status)
	}
	c.login(email, pw)
	// The session cookie is HttpOnly, SameSite=Strict, scoped to /console.
	u, _ := url.Parse(env.API.URL + "/console/")
	if len(c.http.Jar.Cookies(u)) == 0 {
		t.Fatal("no session cookie")
	}
	status, body := c.get("/console/")
	if status != http.StatusOK || !strings.Contains(body, "Dashboard") {
		t.Fatalf("dashboard: %d", status)
	}
	if status, _ := c.form("/console/logout", url.Values{"csrf_token": {c.csrf}}); status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", status)
	}
	if status, _ := c.get("/console/api/me"); status != http.StatusUnauthorized {
		t.Fatalf("after sign-out: %d, want 401", status)
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	email, pw := newStaff(t, env, console.RoleViewer)
	c := newClient(t, env.API.URL)
	_, page := c.get("/console/login")
	token := csrfField.FindStringSubmatch(page)[1]
	req, _ := http.NewRequest(http.MethodPost, env.API.URL+"/console/login",
		strings.NewReader(url.Values{"csrf_token": {token}, "email": {email}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "console_session=") {
			set = h
		}
	}
	for _, want := range []string{"HttpOnly", "SameSite=Strict", "Path=/console"} {
		if !strings.Contains(set, want) {
			t.Errorf("session cookie %q lacks %s", set, want)
		}
	}
	if strings.Contains(set, "Secure") {
		t.Errorf("cookie is Secure over plain http: %q", set)
	}
}

func TestCSRFRejected(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	c := signedIn(t, env, console.RoleAdmin)
	json := map[string]string{"Content-Type": "application/json"}
	cases := []struct {
		name   string
		status int
		send   func() (int, string)
	}{
		{"api without header", 403, func() (int, string) { return c.do("POST", "/console/api/events/1/replay", nil, json) }},
		{"api with wrong header", 403, func() (int, string) {
			return c.do("POST", "/console/api/events/1/replay", nil, map[string]string{"X-CSRF-Token": "forged"})
		}},
		{"api with form field only", 403, func() (int, string) {
			return c.do("POST", "/console/api/events/1/replay", strings.NewReader("csrf_token="+c.csrf),
				map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
		}},
		{"page without field", 403, func() (int, string) { return c.form("/console/events/1/replay", nil) }},
		{"page with wrong field", 403, func() (int, string) {
			return c.form("/console/tenants/s/c/refresh-token", url.Values{"csrf_token": {"forged"}})
		}},
		{"sign-out without field", 403, func() (int, string) { return c.form("/console/logout", nil) }},
		{"staff create without header", 403, func() (int, string) { return c.do("POST", "/console/api/staff", strings.NewReader(`{}`), json) }},
		{"suite edit without header", 403, func() (int, string) {
			return c.do("PUT", "/console/api/suites/x", strings.NewReader(`{}`), json)
		}},
		// With the token the request passes the check and reaches the handler.
		{"api with token", 404, func() (int, string) { return c.api("POST", "/console/api/events/999999/replay", nil) }},
		{"page with token", 404, func() (int, string) {
			return c.form("/console/events/999999/replay", url.Values{"csrf_token": {c.csrf}})
		}},
	}
	for _, tc := range cases {
		if status, body := tc.send(); status != tc.status {
			t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.status)
		}
	}
	// The sign-in form carries its own token, bound to a cookie.
	other := newClient(t, env.API.URL)
	other.get("/console/login")
	status, _ := other.form("/console/login", url.Values{"csrf_token": {"forged"}, "email": {"a@b.c"}, "password": {"x"}})
	if status != http.StatusForbidden {
		t.Errorf("sign-in with a forged token: %d, want 403", status)
	}
	// Nothing was done: only the sign-in is in the audit log.
	entries, err := console.NewAuditLog(env.Deps.DB).List(context.Background(), console.AuditQuery{})
	if err != nil || len(entries) != 1 || entries[0].Action != console.ActionSignIn {
		t.Errorf("audit log after rejected writes: %+v %v", entries, err)
	}
}

func TestLoginThrottled(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	email, pw := newStaff(t, env, console.RoleViewer)
	c := newClient(t, env.API.URL)
	for i := 0; i < 5; i++ {
		if status, _ := c.tryLogin(email, "wrong password!"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, status)
		}
	}
	// Locked: even the right password is refused now, and says so.
	status, body := c.tryLogin(email, pw)
	if status != http.StatusTooManyRequests || !strings.Contains(body, "too many failed sign-ins") {
		t.Fatalf("after 5 failures: %d, want 429", status)
	}
	// The lock is per email (and IP): another account still signs in.
	email2, pw2 := newStaff(t, env, console.RoleViewer)
	newClient(t, env.API.URL).login(email2, pw2)
	// The count lives in Redis with the lock's expiry.
	keys, err := env.Deps.Redis.Keys(context.Background(), "console:loginfail:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("throttle keys: %v %v", keys, err)
	}
	if ttl := env.Deps.Redis.PTTL(context.Background(), keys[0]).Val(); ttl <= 0 {
		t.Fatalf("throttle key without expiry: %v", ttl)
	}
}

func TestRoles(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	viewer := signedIn(t, env, console.RoleViewer)
	operator := signedIn(t, env, console.RoleOperator)
	admin := signedIn(t, env, console.RoleAdmin)
	check := func(who string, c *client, method, path string, want int) {
		t.Helper()
		var status int
		var body string
		if method == "GET" {
			status, body = c.get(path)
		} else {
			status, body = c.api(method, path, map[string]string{})
		}
		if status != want {
			t.Errorf("%s %s %s: %d %s, want %d", who, method, path, status, body, want)
		}
	}
	for _, p := range []string{"/console/", "/console/tenants", "/console/events", "/console/suites", "/console/queues", "/console/api/dashboard"} {
		check("viewer", viewer, "GET", p, 200)
	}
	check("viewer", viewer, "POST", "/console/api/events/1/replay", 403)
	check("viewer", viewer, "POST", "/console/api/tenants/s/c/refresh-token", 403)
	check("viewer", viewer, "GET", "/console/audit", 403)
	check("operator", operator, "POST", "/console/api/events/999/replay", 404)
	check("operator", operator, "POST", "/console/api/tenants/s/c/refresh-token", 404)
	check("operator", operator, "GET", "/console/api/audit", 403)
	check("operator", operator, "POST", "/console/api/staff", 403)
	check("admin", admin, "GET", "/console/audit", 200)
	check("admin", admin, "GET", "/console/api/staff", 200)
	// Admins manage staff.
	status, body := admin.api("POST", "/console/api/staff", map[string]string{"email": "new@example.com", "role": "operator", "password": "a long enough password"})
	if status != 200 {
		t.Fatalf("create staff: %d %s", status, body)
	}
	if strings.Contains(body, "password") {
		t.Errorf("staff answer mentions the password: %s", body)
	}
	if status, _ := admin.api("POST", "/console/api/staff", map[string]string{"email": "new@example.com", "role": "operator", "password": "a long enough password"}); status != 409 {
		t.Errorf("duplicate staff: %d, want 409", status)
	}
	newClient(t, env.API.URL).login("new@example.com", "a long enough password")
}

func TestSuitesSecretsWriteOnly(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	admin := signedIn(t, env, console.RoleAdmin)
	status, body := admin.get("/console/api/suites")
	if status != 200 || strings.Contains(body, platformtest.SuiteSecret) || !strings.Contains(body, `"secret_set":true`) {
		t.Fatalf("suites: %d %s", status, body)
	}
	if !strings.Contains(body, env.API.URL+"/callback/"+platformtest.SuiteID+"/instruction") &&
		!strings.Contains(body, "/callback/"+platformtest.SuiteID+"/instruction") {
		t.Errorf("suites lack the callback URL: %s", body)
	}
	// Replace only the secret; the token and key stay.
	status, body = admin.api("PUT", "/console/api/suites/"+platformtest.SuiteID, map[string]string{"secret": "a-new-secret", "trusted_domains": "app.example.com"})
	if status != 200 || strings.Contains(body, "a-new-secret") {
		t.Fatalf("edit suite: %d %s", status, body)
	}
	s, err := env.Deps.Suites.Store().Get(context.Background(), platformtest.SuiteID)
	if err != nil || s.Secret != "a-new-secret" || s.Token != platformtest.SuiteToken || s.EncodingAESKey != platformtest.SuiteAESKey {
		t.Fatalf("stored suite after edit: %v", err)
	}
	// A new suite needs all three.
	if status, _ := admin.api("PUT", "/console/api/suites/wwnewsuite", map[string]string{"secret": "x"}); status != 400 {
		t.Errorf("incomplete new suite: %d, want 400", status)
	}
	// The page shows "set", never a value.
	_, page := admin.get("/console/suites/" + platformtest.SuiteID)
	if strings.Contains(page, "a-new-secret") || strings.Contains(page, platformtest.SuiteAESKey) || !strings.Contains(page, "set") {
		t.Error("suite page shows a secret")
	}
}

// Every route under /console/api is documented in web/openapi.json, and nothing more.
func TestOpenAPIDocumentsEveryRoute(t *testing.T) {
	t.Parallel()
	raw, err := web.FS.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	r := gin.New()
	if err := console.Routes(r, console.New(console.Deps{})); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	seen := map[string]bool{}
	for _, rt := range r.Routes() {
		if !strings.HasPrefix(rt.Path, "/console/api/") {
			continue
		}
		key := rt.Method + " " + ginToOpenAPI(rt.Path)
		seen[key] = true
		if !documented[key] {
			t.Errorf("route %s is not in openapi.json", key)
		}
	}
	for k := range documented {
		if !seen[k] {
			t.Errorf("openapi.json documents %s, which is not a route", k)
		}
	}
	if len(seen) < 15 {
		t.Errorf("only %d API routes found", len(seen))
	}
}

func ginToOpenAPI(p string) string {
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if strings.HasPrefix(s, ":") {
			parts[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}

// Served over https (PUBLIC_BASE_URL), the session cookie is Secure too.
func TestSessionCookieSecureOverTLS(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t, func(c *config.Config) { c.PublicBaseURL = "https://isv.example.com" })
	email, pw := newStaff(t, env, console.RoleViewer)
	c := newClient(t, env.API.URL)
	_, page := c.get("/console/login")
	token := csrfField.FindStringSubmatch(page)[1]
	req, _ := http.NewRequest(http.MethodPost, env.API.URL+"/console/login",
		strings.NewReader(url.Values{"csrf_token": {token}, "email": {email}, "password": {pw}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.http.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var set string
	for _, h := range resp.Header.Values("Set-Cookie") {
		if strings.HasPrefix(h, "console_session=") {
			set = h
		}
	}
	if !strings.Contains(set, "; Secure") || !strings.Contains(set, "HttpOnly") {
		t.Errorf("session cookie over https: %q", set)
	}
}

// The queue page lists asynq's queues and a failed task with its last error.
func TestQueues(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	ctx := context.Background()
	info, err := env.Deps.Queue.EnqueueContext(ctx, asynq.NewTask("console:test", nil), asynq.Queue("tokens"))
	if err != nil {
		t.Fatal(err)
	}
	insp := asynq.NewInspectorFromRedisClient(env.Deps.Redis)
	if err := insp.ArchiveTask("tokens", info.ID); err != nil {
		t.Fatal(err)
	}
	c := signedIn(t, env, console.RoleViewer)
	status, body := c.get("/console/api/queues?queue=tokens&state=archived")
	var v console.QueueView
	if status != 200 || json.Unmarshal([]byte(body), &v) != nil {
		t.Fatalf("queues: %d %s", status, body)
	}
	if len(v.Queues) != 1 || v.Queues[0].Queue != "tokens" || v.Queues[0].Archived != 1 || len(v.Tasks) != 1 || v.Tasks[0].Type != "console:test" {
		t.Errorf("queue view: %+v", v)
	}
	if status, body := c.get("/console/queues?queue=tokens&state=archived"); status != 200 || !strings.Contains(body, "console:test") {
		t.Errorf("queue page: %d", status)
	}
	if status, _ := c.get("/console/api/queues?queue=tokens&state=bogus"); status != 400 {
		t.Errorf("bad state: %d, want 400", status)
	}
	// An unknown queue is the caller's mistake, not ours: 404, not 500.
	for _, p := range []string{"/console/api/queues?queue=nope", "/console/api/queues?queue=%20", "/console/queues?queue=nope"} {
		if status, _ := c.get(p); status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", p, status)
		}
	}
}

// A burst of concurrent wrong passwords gets no more guesses than the lock allows: the
// check and the count are one step, so requests racing past the check cannot add tries.
func TestLoginThrottledUnderConcurrency(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	email, _ := newStaff(t, env, console.RoleViewer)
	const burst = 20
	clients := make([]*client, burst)
	tokens := make([]string, burst)
	for i := range clients {
		clients[i] = newClient(t, env.API.URL)
		_, page := clients[i].get("/console/login")
		tokens[i] = csrfField.FindStringSubmatch(page)[1]
	}
	statuses := make(chan int, burst)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := clients[i].form("/console/login", url.Values{"csrf_token": {tokens[i]}, "email": {email},
				"password": {"wrong password!"}, "next": {"/console/"}})
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	guesses := 0
	for s := range statuses {
		switch s {
		case http.StatusUnauthorized:
			guesses++
		case http.StatusTooManyRequests:
		default:
			t.Errorf("status %d, want 401 or 429", s)
		}
	}
	if guesses > 5 {
		t.Errorf("%d passwords checked in a burst of %d, want at most 5", guesses, burst)
	}
}

// A purge reason in Chinese longer than the stored limit is cut on a character boundary:
// cutting inside a character would make PostgreSQL refuse the text and fail the action.
func TestPurgeReasonTruncatedOnRuneBoundary(t *testing.T) {
	t.Parallel()
	env := platformtest.Start(t)
	err := env.Deps.DB.Exec(`INSERT INTO tenants (suite_id, corp_id, status, corp_name, agent_id, installed_at)
		VALUES (?, 'wwpurgecorp', 'active', '清除测试', 1000002, now())`, platformtest.SuiteID).Error
	if err != nil {
		t.Fatal(err)
	}
	op := signedIn(t, env, console.RoleOperator)
	reason := strings.Repeat("数据", 100) // 600 bytes
	status, body := op.api("POST", "/console/api/tenants/"+platformtest.SuiteID+"/wwpurgecorp/purge", map[string]string{"reason": reason})
	if status != http.StatusOK {
		t.Fatalf("purge: %d %s", status, body)
	}
	status, body = op.get("/console/api/tenants/" + platformtest.SuiteID + "/wwpurgecorp")
	var d console.TenantDetail
	if status != http.StatusOK || json.Unmarshal([]byte(body), &d) != nil || d.PurgeMark == nil {
		t.Fatalf("detail: %d %s", status, body)
	}
	if !utf8.ValidString(d.PurgeMark.Reason) || !strings.HasPrefix(reason, d.PurgeMark.Reason) || len(d.PurgeMark.Reason) > 500 {
		t.Errorf("stored reason %q", d.PurgeMark.Reason)
	}
}
