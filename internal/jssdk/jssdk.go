// Package jssdk signs JS-SDK configurations (wx.config and wx.agentConfig, or the
// getConfigSignature / getAgentConfigSignature callbacks of ww.register) for a signed-in
// tenant user's page.
//
// The corp always comes from the user's session, never from the request: appId and corpid
// are the tenant's corpid (not the provider's, the mistake go-wecom makes), agentid is the
// app's agentid in that corp, and each signature uses its own ticket (protocol §10).
package jssdk

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
)

// Errors a caller can act on.
var (
	ErrBadURL       = errors.New("url must be an absolute http or https URL")
	ErrUntrustedURL = errors.New("url's host is not one of the suite's trusted domains")
)

// Tickets gives a tenant's JS-SDK tickets (the token service implements it).
type Tickets interface {
	JSAPITicket(ctx context.Context, suiteID, corpID string) (string, error)
	AgentConfigTicket(ctx context.Context, suiteID, corpID string) (string, error)
}

// Apps tells which agentid the suite's app has in a corp, and which domains the suite
// trusts.
type Apps interface {
	AgentID(ctx context.Context, suiteID, corpID string) (int, error)
	TrustedDomains(ctx context.Context, suiteID string) ([]string, error)
}

// Config is wx.config's parameters (corp identity).
type Config struct {
	AppID     string `json:"appId"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// AgentConfig is wx.agentConfig's parameters (app identity).
type AgentConfig struct {
	CorpID    string `json:"corpid"`
	AgentID   int    `json:"agentid"`
	Timestamp int64  `json:"timestamp"`
	NonceStr  string `json:"nonceStr"`
	Signature string `json:"signature"`
}

// Signature is both configurations for one page.
type Signature struct {
	Config      Config      `json:"config"`
	AgentConfig AgentConfig `json:"agentConfig"`
}

// Signer signs pages.
type Signer struct {
	tickets Tickets
	apps    Apps
	now     func() time.Time
}

// NewSigner returns a Signer.
func NewSigner(tickets Tickets, apps Apps) *Signer {
	return &Signer{tickets: tickets, apps: apps, now: time.Now}
}

// Sign returns the signatures for pageURL on behalf of a user of corpID.
func (s *Signer) Sign(ctx context.Context, suiteID, corpID, pageURL string) (Signature, error) {
	page, err := s.checkURL(ctx, suiteID, pageURL)
	if err != nil {
		return Signature{}, err
	}
	agentID, err := s.apps.AgentID(ctx, suiteID, corpID)
	if err != nil {
		return Signature{}, fmt.Errorf("agentid: %w", err)
	}
	corpTicket, err := s.tickets.JSAPITicket(ctx, suiteID, corpID)
	if err != nil {
		return Signature{}, fmt.Errorf("jsapi_ticket: %w", err)
	}
	agentTicket, err := s.tickets.AgentConfigTicket(ctx, suiteID, corpID)
	if err != nil {
		return Signature{}, fmt.Errorf("agent_config ticket: %w", err)
	}
	ts := s.now().Unix()
	n1, n2 := nonce(), nonce()
	return Signature{
		Config: Config{AppID: corpID, Timestamp: ts, NonceStr: n1,
			Signature: wecom.SignJSAPI(corpTicket, n1, ts, page)},
		AgentConfig: AgentConfig{CorpID: corpID, AgentID: agentID, Timestamp: ts, NonceStr: n2,
			Signature: wecom.SignJSAPI(agentTicket, n2, ts, page)},
	}, nil
}

// checkURL returns the URL to sign (without its fragment) if its host is trusted. WeCom
// matches trusted domains exactly, port included, with no wildcards (protocol §4.1).
func (s *Signer) checkURL(ctx context.Context, suiteID, raw string) (string, error) {
	if i := strings.IndexByte(raw, '#'); i >= 0 {
		raw = raw[:i]
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return "", ErrBadURL
	}
	domains, err := s.apps.TrustedDomains(ctx, suiteID)
	if err != nil {
		return "", fmt.Errorf("trusted domains: %w", err)
	}
	if !slices.ContainsFunc(domains, func(d string) bool { return strings.EqualFold(d, u.Host) }) {
		return "", ErrUntrustedURL
	}
	return raw, nil
}

const nonceAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func nonce() string {
	b := make([]byte, 16)
	rand.Read(b)
	for i := range b {
		b[i] = nonceAlphabet[int(b[i])%len(nonceAlphabet)]
	}
	return string(b)
}

// TicketCache keeps tickets in process memory for a short while, so a warm signature
// request makes no Redis round trip. Tickets live two hours; serving one for up to ttl
// after another instance replaced it is harmless (the old one stays valid until expiry).
type TicketCache struct {
	next Tickets
	ttl  time.Duration

	mu      sync.Mutex
	entries map[string]cachedTicket
}

type cachedTicket struct {
	value string
	until time.Time
}

// NewTicketCache wraps next.
func NewTicketCache(next Tickets, ttl time.Duration) *TicketCache {
	return &TicketCache{next: next, ttl: ttl, entries: map[string]cachedTicket{}}
}

// JSAPITicket implements Tickets.
func (c *TicketCache) JSAPITicket(ctx context.Context, suiteID, corpID string) (string, error) {
	return c.get(ctx, "jsapi|"+suiteID+"|"+corpID, func() (string, error) { return c.next.JSAPITicket(ctx, suiteID, corpID) })
}

// AgentConfigTicket implements Tickets.
func (c *TicketCache) AgentConfigTicket(ctx context.Context, suiteID, corpID string) (string, error) {
	return c.get(ctx, "agent|"+suiteID+"|"+corpID, func() (string, error) { return c.next.AgentConfigTicket(ctx, suiteID, corpID) })
}

// Forget drops a corp's tickets (its authorisation was cancelled).
func (c *TicketCache) Forget(suiteID, corpID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, "jsapi|"+suiteID+"|"+corpID)
	delete(c.entries, "agent|"+suiteID+"|"+corpID)
}

func (c *TicketCache) get(_ context.Context, key string, fetch func() (string, error)) (string, error) {
	now := time.Now()
	c.mu.Lock()
	e, ok := c.entries[key]
	c.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.value, nil
	}
	v, err := fetch()
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.entries[key] = cachedTicket{value: v, until: now.Add(c.ttl)}
	c.mu.Unlock()
	return v, nil
}
