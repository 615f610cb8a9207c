package jssdk

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"testing"
	"time"
)

type fakeTickets struct{ calls int }

func (f *fakeTickets) JSAPITicket(_ context.Context, suiteID, corpID string) (string, error) {
	f.calls++
	return "jsapi-" + corpID, nil
}

func (f *fakeTickets) AgentConfigTicket(_ context.Context, suiteID, corpID string) (string, error) {
	f.calls++
	return "agent-" + corpID, nil
}

type fakeApps struct{}

func (fakeApps) AgentID(_ context.Context, suiteID, corpID string) (int, error) {
	if corpID == "wwgone" {
		return 0, errors.New("tenant cancelled")
	}
	return 1000002, nil
}

func (fakeApps) TrustedDomains(context.Context, string) ([]string, error) {
	return []string{"app.example.com", "127.0.0.1:8080"}, nil
}

func sha(s string) string { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }

func TestSignUsesTheTenantAndEachTicket(t *testing.T) {
	s := NewSigner(&fakeTickets{}, fakeApps{})
	s.now = func() time.Time { return time.Unix(1414587457, 0) }
	sig, err := s.Sign(context.Background(), "wwsuite", "wwcorpA", "https://app.example.com/page?x=1#frag")
	if err != nil {
		t.Fatal(err)
	}
	c, a := sig.Config, sig.AgentConfig
	if c.AppID != "wwcorpA" || a.CorpID != "wwcorpA" || a.AgentID != 1000002 || c.Timestamp != 1414587457 {
		t.Fatalf("signature %+v", sig)
	}
	wantC := sha(fmt.Sprintf("jsapi_ticket=jsapi-wwcorpA&noncestr=%s&timestamp=%d&url=https://app.example.com/page?x=1", c.NonceStr, c.Timestamp))
	wantA := sha(fmt.Sprintf("jsapi_ticket=agent-wwcorpA&noncestr=%s&timestamp=%d&url=https://app.example.com/page?x=1", a.NonceStr, a.Timestamp))
	if c.Signature != wantC || a.Signature != wantA {
		t.Fatalf("signatures %s %s, want %s %s", c.Signature, a.Signature, wantC, wantA)
	}
	if len(c.NonceStr) != 16 || c.NonceStr == a.NonceStr {
		t.Fatalf("nonces %q %q", c.NonceStr, a.NonceStr)
	}
}

func TestSignRefusesURLs(t *testing.T) {
	s := NewSigner(&fakeTickets{}, fakeApps{})
	tests := []struct {
		url  string
		want error
	}{
		{"https://evil.example.com/", ErrUntrustedURL},
		{"https://app.example.com.evil.com/", ErrUntrustedURL},
		{"http://127.0.0.1:9999/", ErrUntrustedURL}, // the port is part of the domain
		{"http://127.0.0.1/", ErrUntrustedURL},
		{"/relative", ErrBadURL},
		{"javascript:alert(1)", ErrBadURL},
		{"https://user:pw@app.example.com/", ErrBadURL},
		{"", ErrBadURL},
	}
	for _, tt := range tests {
		if _, err := s.Sign(context.Background(), "wwsuite", "wwcorpA", tt.url); !errors.Is(err, tt.want) {
			t.Errorf("%q: %v, want %v", tt.url, err, tt.want)
		}
	}
	if _, err := s.Sign(context.Background(), "wwsuite", "wwgone", "https://app.example.com/"); err == nil {
		t.Error("signed for a tenant without an agent")
	}
}

func TestTicketCache(t *testing.T) {
	f := &fakeTickets{}
	c := NewTicketCache(f, time.Minute)
	for range 3 {
		c.JSAPITicket(context.Background(), "s", "c")
		c.AgentConfigTicket(context.Background(), "s", "c")
	}
	if f.calls != 2 {
		t.Fatalf("%d upstream calls, want 2", f.calls)
	}
	c.Forget("s", "c")
	if v, _ := c.JSAPITicket(context.Background(), "s", "c"); v != "jsapi-c" || f.calls != 3 {
		t.Fatalf("after forget: %q, %d calls", v, f.calls)
	}
}

func BenchmarkSign(b *testing.B) {
	s := NewSigner(NewTicketCache(&fakeTickets{}, time.Minute), fakeApps{})
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		if _, err := s.Sign(ctx, "wwsuite", "wwcorp"+strconv.Itoa(i%100), "https://app.example.com/p"); err != nil {
			b.Fatal(err)
		}
	}
}
