package tokens_test

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/wecomisv/platform/internal/apikeys"
	"github.com/wecomisv/platform/internal/platform/platformtest"
	"github.com/wecomisv/platform/internal/tokens"
)

// GET /internal/v1/tenants/{corpid}/access-token with valid, revoked, missing and unknown
// keys, for active, unknown and cancelled tenants.
func TestInternalAccessTokenAPI(t *testing.T) {
	t.Parallel()
	w := newWorldWith(t, worldOptions{corps: 2})
	reg := w.registry()
	svc := w.node(t, w.redisURL, reg).svc
	keys := apikeys.NewStore(w.db)
	ctx := context.Background()
	_, valid, err := keys.Create(ctx, "billing-service")
	if err != nil {
		t.Fatal(err)
	}
	old, revoked, _ := keys.Create(ctx, "retired-service")
	if _, err := keys.Revoke(ctx, old.ID); err != nil {
		t.Fatal(err)
	}
	r := gin.New()
	log := slog.New(slog.DiscardHandler)
	tokens.Routes(r.Group("/internal/v1", apikeys.Require(keys, log)), svc, reg, log)
	active, cancelled := w.corps[0], w.corps[1]
	reg.cancel(cancelled)

	tests := []struct {
		name, key, corp, suite string
		status                 int
		errCode                string
	}{
		{"valid key, active tenant", valid, active, platformtest.SuiteID, http.StatusOK, ""},
		{"missing key", "", active, platformtest.SuiteID, http.StatusUnauthorized, "missing_api_key"},
		{"revoked key", revoked, active, platformtest.SuiteID, http.StatusUnauthorized, "invalid_api_key"},
		{"unknown key", "wik_" + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", active, platformtest.SuiteID, http.StatusUnauthorized, "invalid_api_key"},
		{"malformed key", "not-a-key", active, platformtest.SuiteID, http.StatusUnauthorized, "invalid_api_key"},
		{"unknown tenant", valid, "wwunknowncorp00000", platformtest.SuiteID, http.StatusNotFound, "tenant_not_found"},
		{"cancelled tenant", valid, cancelled, platformtest.SuiteID, http.StatusConflict, "tenant_cancelled"},
		{"no suite_id", valid, active, "", http.StatusBadRequest, "missing_suite_id"},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/internal/v1/tenants/"+tt.corp+"/access-token?suite_id="+tt.suite, nil)
		if tt.key != "" {
			req.Header.Set("Authorization", "Bearer "+tt.key)
		}
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		var body struct {
			AccessToken string    `json:"access_token"`
			ExpiresAt   time.Time `json:"expires_at"`
			Error       string    `json:"error"`
		}
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != tt.status || body.Error != tt.errCode {
			t.Errorf("%s: %d %q, want %d %q", tt.name, rec.Code, body.Error, tt.status, tt.errCode)
			continue
		}
		if tt.status == http.StatusOK {
			want, _ := svc.CorpToken(ctx, platformtest.SuiteID, active)
			if body.AccessToken != want || !w.accepted(body.AccessToken) || time.Until(body.ExpiresAt) < time.Hour {
				t.Errorf("%s: token matches=%v accepted=%v expires_at=%v", tt.name, body.AccessToken == want,
					w.accepted(body.AccessToken), body.ExpiresAt)
			}
		}
	}
	list, err := keys.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range list {
		if used := k.LastUsedAt != nil; used != (k.Name == "billing-service") {
			t.Errorf("key %s: last_used_at set = %v", k.Name, used)
		}
	}
}
