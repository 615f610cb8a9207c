package console_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/console"
	"github.com/wecomisv/platform/internal/platform/platformtest"
)

// seedTenants bulk-inserts n tenants over three suites: 90% active, 2% of those
// auth-broken, 10% cancelled.
func seedTenants(b *testing.B, env *platformtest.Env, n int) {
	b.Helper()
	start := time.Now()
	err := env.Deps.DB.Exec(`INSERT INTO tenants (suite_id, corp_id, status, corp_name, agent_id, installed_at, cancelled_at, auth_broken_at)
		SELECT 'wwbenchsuite' || (i % 3), 'wwcorp' || lpad(i::text, 8, '0'),
			CASE WHEN i % 10 = 0 THEN 'cancelled' ELSE 'active' END,
			'Corp ' || i || ' ' || (ARRAY['科技', 'Trading', 'Foods', 'Logistics'])[i % 4 + 1],
			1000 + i, now() - make_interval(mins => ?::int - i),
			CASE WHEN i % 10 = 0 THEN now() END, CASE WHEN i % 50 = 1 THEN now() END
		FROM generate_series(1, ?::int) AS i`, n, n).Error
	if err != nil {
		b.Fatal(err)
	}
	if err := env.Deps.DB.Exec(`ANALYZE tenants`).Error; err != nil {
		b.Fatal(err)
	}
	b.Logf("inserted %d tenants in %s", n, time.Since(start).Round(time.Millisecond))
}

// BenchmarkTenantList measures the tenant list handler (server time, no network) at
// 100,000 tenants: go test -run '^$' -bench TenantList ./internal/console/
func BenchmarkTenantList(b *testing.B) {
	env := platformtest.Start(b)
	seedTenants(b, env, 100_000)
	email, pw := newStaff(b, env, console.RoleViewer)
	c := newClient(b, env.API.URL).login(email, pw)
	u, _ := url.Parse(env.API.URL + "/console/")
	cookies := c.http.Jar.Cookies(u)
	handler := env.API.Config.Handler

	cases := []struct{ name, path string }{
		{"api/first-page", "/console/api/tenants"},
		{"api/suite+status", "/console/api/tenants?suite_id=wwbenchsuite1&status=active"},
		{"api/suite+status/deep-page", "/console/api/tenants?suite_id=wwbenchsuite2&status=active&before=50000"},
		{"api/auth-broken", "/console/api/tenants?status=auth_broken"},
		{"api/name-substring", "/console/api/tenants?q=" + url.QueryEscape("corp 4242")},
		{"api/name-substring+suite+status", "/console/api/tenants?q=logistics&suite_id=wwbenchsuite0&status=active"},
		{"api/name-cjk", "/console/api/tenants?q=" + url.QueryEscape("科技")},
		{"api/corpid-prefix", "/console/api/tenants?q=wwcorp0007"},
		{"api/no-match", "/console/api/tenants?q=zzzz-nothing"},
		{"api/suite+status+search", "/console/api/tenants?q=trading&suite_id=wwbenchsuite1&status=cancelled"},
		{"page/suite+status", "/console/tenants?suite_id=wwbenchsuite1&status=active"},
		{"page/suite+status+search", "/console/tenants?q=trading&suite_id=wwbenchsuite1&status=cancelled"},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			req := httptest.NewRequestWithContext(context.Background(), http.MethodGet, tc.path, nil)
			for _, ck := range cookies {
				req.AddCookie(ck)
			}
			var worst time.Duration
			b.ResetTimer()
			for b.Loop() {
				rec := httptest.NewRecorder()
				t0 := time.Now()
				handler.ServeHTTP(rec, req)
				worst = max(worst, time.Since(t0))
				if rec.Code != http.StatusOK {
					b.Fatalf("%s: %d %s", tc.path, rec.Code, rec.Body.String())
				}
			}
			b.ReportMetric(float64(worst.Microseconds())/1000, "worst-ms")
		})
	}
}
