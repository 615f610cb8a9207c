package wecom

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

const secretToken = "TOKEN-must-not-leak-0123456789"

func newTestServer(t *testing.T, h http.HandlerFunc) *Client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return NewClient(srv.URL+"/", srv.Client())
}

func respond(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

func TestErrorPredicates(t *testing.T) {
	tests := []struct {
		code                                                int
		corp, suite, expired, retry, revoked, ticketInvalid bool
	}{
		{code: -1, retry: true},
		{code: 6000, retry: true},
		{code: 45009, retry: true},
		{code: 45033, retry: true},
		{code: 40014, corp: true, expired: true},
		{code: 42001, corp: true, expired: true},
		{code: 40082, suite: true, expired: true},
		{code: 42009, suite: true, expired: true},
		{code: 40084, revoked: true},
		{code: 48004, revoked: true},
		{code: 40085, ticketInvalid: true},
		{code: 40001},
		{code: 40078},
		{code: 60020},
	}
	for _, tt := range tests {
		e := &Error{Code: tt.code, Op: "x"}
		got := []bool{e.CorpTokenInvalid(), e.SuiteTokenInvalid(), e.TokenExpired(), e.Retryable(), e.AuthRevoked(), e.TicketInvalid()}
		want := []bool{tt.corp, tt.suite, tt.expired, tt.retry, tt.revoked, tt.ticketInvalid}
		for i := range got {
			if got[i] != want[i] {
				t.Errorf("code %d: predicates %v, want %v", tt.code, got, want)
				break
			}
		}
	}
}

func TestErrcodeBecomesError(t *testing.T) {
	c := newTestServer(t, respond(`{"errcode":42009,"errmsg":"suite_access_token expired, hint: [x]","pre_auth_code":"ignored"}`))
	_, err := c.GetPreAuthCode(t.Context(), secretToken)
	e, ok := AsError(fmtWrap(err))
	if !ok {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.Code != 42009 || e.Op != "service/get_pre_auth_code" || !e.TokenExpired() || !e.SuiteTokenInvalid() {
		t.Fatalf("got %+v", e)
	}
	if !HasCode(err, 40082, 42009) || HasCode(err, 42001) || HasCode(errors.New("x"), 42009) {
		t.Fatal("HasCode")
	}
	if strings.Contains(err.Error(), secretToken) {
		t.Fatalf("error leaks token: %v", err)
	}
}

func fmtWrap(err error) error { return errors.Join(errors.New("context"), err) }

// Protocol §1: legacy endpoints omit errcode on success; both shapes are success.
func TestMissingErrcodeIsSuccess(t *testing.T) {
	for _, body := range []string{
		`{"suite_access_token":"61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA","expires_in":7200}`,
		`{"errcode":0,"errmsg":"ok","suite_access_token":"61W3mEpU66027wgNZ_MhGHNQDHnFATkDa9-2llqrMBjUwxRSNPbVsMmyD-yq8wZETSoE5NQgecigDrSHkPtIYA","expires_in":7200}`,
	} {
		c := newTestServer(t, respond(body))
		tok, err := c.GetSuiteToken(t.Context(), "ww", "secret", "ticket")
		if err != nil || tok.ExpiresIn != 7200 || !strings.HasPrefix(tok.Value, "61W3") {
			t.Fatalf("%s: %+v %v", body, tok, err)
		}
	}
}

func TestEmptyValueIsAnError(t *testing.T) {
	c := newTestServer(t, respond(`{"errcode":0,"errmsg":"ok"}`))
	if tok, err := c.GetCorpToken(t.Context(), "s", "c", "p"); err == nil || tok.Value != "" {
		t.Fatalf("got %+v, %v; want an error", tok, err)
	}
}

func TestHTTPStatus(t *testing.T) {
	c := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "upstream down "+r.URL.RawQuery, http.StatusBadGateway)
	})
	_, err := c.GetJSAPITicket(t.Context(), secretToken)
	var he *HTTPError
	if !errors.As(err, &he) || he.StatusCode != http.StatusBadGateway || he.Op != "get_jsapi_ticket" {
		t.Fatalf("err = %v, want *HTTPError 502", err)
	}
	if !strings.Contains(err.Error(), "502") || strings.Contains(err.Error(), secretToken) {
		t.Fatalf("error text %q", err)
	}
	if _, ok := AsError(err); ok {
		t.Fatal("an HTTP status is not an errcode")
	}
}

func TestTransportErrorsDoNotLeakTokens(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		c := NewClient(srv.URL, &http.Client{Timeout: 50 * time.Millisecond})
		_, err := c.GetUser(t.Context(), secretToken, "zhangsan")
		assertRedacted(t, err)
	})
	t.Run("context", func(t *testing.T) {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-release }))
		defer srv.Close()
		defer close(release)
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		_, err := NewClient(srv.URL, nil).GetAgentConfigTicket(ctx, secretToken)
		assertRedacted(t, err)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want DeadlineExceeded in chain", err)
		}
	})
	t.Run("refused", func(t *testing.T) {
		srv := httptest.NewServer(http.NotFoundHandler())
		base := srv.URL
		srv.Close()
		_, err := NewClient(base, nil).GetCorpToken(t.Context(), secretToken, "corp", "perm")
		assertRedacted(t, err)
	})
	t.Run("bad base url", func(t *testing.T) {
		_, err := NewClient("http://bad host", nil).GetAdminList(t.Context(), secretToken)
		assertRedacted(t, err)
	})
}

func assertRedacted(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), secretToken) || strings.Contains(err.Error(), "access_token=") {
		t.Fatalf("error leaks the query: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "wecom ") {
		t.Fatalf("error not wrapped with op: %v", err)
	}
}

func TestResponseSizeLimit(t *testing.T) {
	c := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"errcode":0,"department":[`))
		_, _ = w.Write([]byte(strings.Repeat(`{"id":1},`, maxResponse/8)))
		_, _ = w.Write([]byte(`{"id":1}]}`))
	})
	if _, err := c.ListDepartments(t.Context(), "t", 0); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("err = %v, want size error", err)
	}
}

func TestMalformedJSON(t *testing.T) {
	c := newTestServer(t, respond(`<html>gateway</html>`))
	_, err := c.GetProviderToken(t.Context(), "corp", "secret")
	if err == nil || !strings.Contains(err.Error(), "service/get_provider_token: decode response") {
		t.Fatalf("err = %v", err)
	}
}

func TestTokenNotPrinted(t *testing.T) {
	tok := Token{Value: secretToken, ExpiresIn: 7200}
	type holder struct{ T Token }
	for _, s := range []string{tok.String(), fmtSprint(tok), fmtSprint(holder{tok})} {
		if strings.Contains(s, secretToken) {
			t.Fatalf("%q leaks the token", s)
		}
	}
}

func fmtSprint(v any) string { return fmt.Sprintf("%v %+v %#v", v, v, v) }

// Bodies go out as written: no \u003c escapes in message content.
func TestRequestBodyNotHTMLEscaped(t *testing.T) {
	var raw string
	c := newTestServer(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		raw = string(b)
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
		_, _ = io.WriteString(w, `{"errcode":0,"errmsg":"ok"}`)
	})
	msg := &OutgoingMessage{ToUser: "@all", MsgType: "text", AgentID: 1, Text: &Text{Content: `<a href="https://x.example/?a=1&b=2">go</a>`}}
	if _, err := c.SendMessage(t.Context(), "CT", msg); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(raw, `<a href=\"https://x.example/?a=1&b=2\">`) {
		t.Fatalf("body %s", raw)
	}
}

// The response types encode back to the documented shape, so the simulator can reuse them.
func TestResponseTypesEncodeLikeTheDocs(t *testing.T) {
	v2 := PermanentCodeV2{PermanentCode: "P", AuthCorpInfo: AuthCorpInfo{CorpID: "c", CorpName: "n"}}
	b, err := json.Marshal(v2)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"permanent_code":"P","auth_corp_info":{"corpid":"c","corp_name":"n"}}`; string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
