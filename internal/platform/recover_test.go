package platform

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// A panicking handler gets a 500, and the log names the path but never the query (auth
// codes travel there) or the cookies (sessions).
func TestRecoverPanicsKeepsRequestOutOfLog(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	r := gin.New()
	r.Use(recoverPanics(log))
	r.GET("/install/:suite_id/callback", func(*gin.Context) { panic("boom") })
	req := httptest.NewRequest(http.MethodGet, "/install/s1/callback?auth_code=AUTHCODE-SECRET", nil)
	req.Header.Set("Cookie", "session=SESSION-SECRET")
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, req)
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", rec.Code)
	}
	out := buf.String()
	if !strings.Contains(out, "/install/s1/callback") || !strings.Contains(out, "boom") {
		t.Fatalf("log lacks the path or the panic: %s", out)
	}
	for _, secret := range []string{"AUTHCODE-SECRET", "SESSION-SECRET"} {
		if strings.Contains(out, secret) {
			t.Errorf("log contains %s", secret)
		}
	}
}
