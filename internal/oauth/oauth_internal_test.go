package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
)

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func newTestService(t *testing.T, wc *wecom.Client, tok Tokens) *Service {
	t.Helper()
	s, err := New(Config{PublicBaseURL: "https://isv.example.com", MasterKey: testKey, ProviderCorpID: "wwprov"},
		nil, nil, tok, nil, wc, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestCheckRedirect(t *testing.T) {
	s := newTestService(t, nil, nil)
	trusted := []string{"app.example.com", "127.0.0.1:8080"}
	ok := map[string]string{
		"":                                "/app/",
		"/app/":                           "/app/",
		"/app/?x=1#frag":                  "/app/?x=1#frag",
		"https://isv.example.com/p?q=1":   "https://isv.example.com/p?q=1",
		"http://isv.example.com/p":        "http://isv.example.com/p",
		"https://APP.example.com/":        "https://APP.example.com/",
		"http://127.0.0.1:8080/app/":      "http://127.0.0.1:8080/app/",
		"/%2F%2Fevil.example":             "/%2F%2Fevil.example", // a path on our origin, not a host
		"https://app.example.com/a/../b?": "https://app.example.com/a/../b?",
	}
	for in, want := range ok {
		if got, err := s.checkRedirect(in, trusted); err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", in, got, err, want)
		}
	}
	bad := []string{
		"//evil.example", "///evil.example", `/\evil.example`, `\/evil.example`, `\\evil.example`,
		"https://evil.example/", "https://app.example.com.evil.example/", "https://evil.example/https://app.example.com",
		"https://app.example.com@evil.example/", "https://u:p@app.example.com/", "http://127.0.0.1:9999/",
		"http://127.0.0.1/", "javascript:alert(1)", "JavaScript://app.example.com/%0aalert(1)", "data:text/html,x",
		"https:evil.example", "https:/evil.example", "evil.example", "ftp://app.example.com/",
		"/app/\n", "/app/\t", " /app/", "/app/ x", "\x00/", strings.Repeat("/a", 2000),
	}
	for _, in := range bad {
		if got, err := s.checkRedirect(in, trusted); !errors.Is(err, ErrBadRedirect) {
			t.Errorf("%q allowed as %q", in, got)
		}
	}
}

func TestStateCookie(t *testing.T) {
	s := newTestService(t, nil, nil)
	now := time.Unix(1_800_000_000, 0)
	st := flowState{State: newState(), Flow: flowOAuth, SuiteID: "ww1", Redirect: "/app/", Expires: now.Add(stateTTL).Unix()}
	cookie := s.state.encode(st)
	if got, err := s.state.decode(cookie, st.State, now, flowOAuth, flowSSO); err != nil || got != st {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	other := newTestService(t, nil, nil)
	other.state.key = []byte("another key of thirty-two bytes!")
	payload, _, _ := strings.Cut(cookie, ".")
	forged := s.state.encode(flowState{State: st.State, Flow: flowOAuth, Redirect: "https://evil.example/", Expires: st.Expires})
	_, forgedSig, _ := strings.Cut(forged, ".")
	refused := map[string]func() error{
		"other state": func() error { _, err := s.state.decode(cookie, newState(), now, flowOAuth); return err },
		"empty state": func() error { _, err := s.state.decode(cookie, "", now, flowOAuth); return err },
		"expired": func() error {
			_, err := s.state.decode(cookie, st.State, now.Add(stateTTL+time.Second), flowOAuth)
			return err
		},
		"other flow":   func() error { _, err := s.state.decode(cookie, st.State, now, flowProvider); return err },
		"other key":    func() error { _, err := other.state.decode(cookie, st.State, now, flowOAuth); return err },
		"swapped sig":  func() error { _, err := s.state.decode(payload+"."+forgedSig, st.State, now, flowOAuth); return err },
		"no signature": func() error { _, err := s.state.decode(payload, st.State, now, flowOAuth); return err },
		"empty cookie": func() error { _, err := s.state.decode("", st.State, now, flowOAuth); return err },
		"garbage":      func() error { _, err := s.state.decode("a.b", st.State, now, flowOAuth); return err },
		"edited payload": func() error {
			_, err := s.state.decode(strings.Replace(cookie, payload[:4], "AAAA", 1), st.State, now, flowOAuth)
			return err
		},
	}
	for name, f := range refused {
		if err := f(); !errors.Is(err, ErrBadState) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if len(newState()) != 32 || newState() == newState() {
		t.Error("states are not random 32-character strings")
	}
}

type callTokens struct{}

func (callTokens) CallSuite(_ context.Context, _ string, fn func(string) error) error {
	return fn("suite-token")
}
func (callTokens) CallProvider(_ context.Context, fn func(string) error) error {
	return fn("provider-token")
}

// WeCom answers getuserinfo3rd with only an openid for a person who is not a member of
// any corp; the simulator has no such person, so a stub answers here.
func TestNonMemberIsRefused(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("code") {
		case "outsider":
			w.Write([]byte(`{"errcode":0,"errmsg":"ok","openid":"oAbc","deviceid":"d"}`))
		default:
			w.Write([]byte(`{"errcode":40029,"errmsg":"invalid code"}`))
		}
	}))
	defer srv.Close()
	s := newTestService(t, wecom.NewClient(srv.URL, nil), callTokens{})
	st := flowState{Flow: flowOAuth, SuiteID: "ww1"}
	if _, err := s.finishSuite(context.Background(), "ww1", "outsider", st); !errors.Is(err, ErrNotMember) {
		t.Fatalf("openid only: %v", err)
	}
	if _, err := s.finishSuite(context.Background(), "ww1", "used", st); !errors.Is(err, ErrCodeRefused) {
		t.Fatalf("40029: %v", err)
	}
	if _, err := s.finishSuite(context.Background(), "ww2", "outsider", st); !errors.Is(err, ErrBadState) {
		t.Fatalf("state of another suite: %v", err)
	}
}
