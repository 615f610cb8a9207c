// Package wecomsim is a local stand-in for WeCom's servers as a third-party app
// provider sees them: the provider and corp APIs, the install, OAuth and web-login
// pages, encrypted callback pushes, and a control API under /sim/ for tests. The facts
// it reproduces are in the project's wecom-protocol.md; the section numbers in comments
// refer to it.
package wecomsim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
)

// Receive ids for the instruction-URL GET verification (protocol §13.1: unconfirmed).
const (
	VerifyWithProviderCorpID = "provider_corpid"
	VerifyWithSuiteID        = "suite_id"
)

// Config is the simulator's whole configuration, loaded from JSON.
type Config struct {
	Addr     string         `json:"addr"`
	Provider ProviderConfig `json:"provider"`
	Suites   []SuiteConfig  `json:"suites"`
	// TicketIntervalSeconds is how often suite_ticket is pushed (WeCom: 600).
	TicketIntervalSeconds int `json:"ticket_interval_seconds"`
	// TokenTTLSeconds is the lifetime of provider, suite and corp tokens and of both
	// JS-SDK tickets (WeCom: 7200).
	TokenTTLSeconds int `json:"token_ttl_seconds"`
	// AutoApprove makes the install, OAuth and login pages redirect at once.
	AutoApprove     bool   `json:"auto_approve"`
	VerifyReceiveID string `json:"verify_receive_id"`
	// VerifyOnStart sends the URL-verification GET to every callback URL on Start.
	VerifyOnStart *bool `json:"verify_on_start,omitempty"`
	// Push delivery: WeCom waits 5 s and tries 3 times; tests shorten these.
	PushTimeoutMS    int `json:"push_timeout_ms"`
	PushAttempts     int `json:"push_attempts"`
	PushRetryDelayMS int `json:"push_retry_delay_ms"`
	// PublicURL is the simulator's own base URL, used in links it hands out (QR code
	// URLs); empty means "derive from the request's Host".
	PublicURL string     `json:"public_url,omitempty"`
	Corps     []CorpSeed `json:"corps,omitempty"`
}

// ProviderConfig is the provider (服务商) identity.
type ProviderConfig struct {
	CorpID string `json:"corpid"`
	Secret string `json:"secret"`
}

// SuiteConfig is one third-party app as registered in the provider console.
type SuiteConfig struct {
	SuiteID        string   `json:"suite_id"`
	SuiteSecret    string   `json:"suite_secret"`
	Name           string   `json:"name,omitempty"`
	Token          string   `json:"token"`
	EncodingAESKey string   `json:"encoding_aes_key"`
	InstructionURL string   `json:"instruction_url"`
	DataURL        string   `json:"data_url"`
	TrustedDomains []string `json:"trusted_domains"`
}

// CorpSeed is a corp that exists when the simulator starts.
type CorpSeed struct {
	CorpID          string     `json:"corpid"`
	CorpName        string     `json:"corp_name"`
	Users           []UserSeed `json:"users,omitempty"`
	Admins          []string   `json:"admins,omitempty"`
	InstalledSuites []string   `json:"installed_suites,omitempty"`
}

// UserSeed is a member of a seed corp.
type UserSeed struct {
	UserID     string `json:"userid"`
	Name       string `json:"name,omitempty"`
	Department []int  `json:"department,omitempty"`
	Position   string `json:"position,omitempty"`
	Mobile     string `json:"mobile,omitempty"`
	Email      string `json:"email,omitempty"`
	Gender     int    `json:"gender,omitempty"`
	Avatar     string `json:"avatar,omitempty"`
	Alias      string `json:"alias,omitempty"`
}

// DefaultConfig is the demo setup that deploy/wecomsim.json also holds: one suite whose
// callbacks go to the platform on 127.0.0.1:8080.
func DefaultConfig() Config {
	const suite = "wwdemosuite0000001"
	return Config{
		Addr:     "127.0.0.1:8081",
		Provider: ProviderConfig{CorpID: "wwdemoprovider0001", Secret: "demo-provider-secret"},
		Suites: []SuiteConfig{{
			SuiteID:        suite,
			SuiteSecret:    "demo-suite-secret",
			Name:           "Demo App",
			Token:          "demoCallbackToken",
			EncodingAESKey: "kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR",
			InstructionURL: "http://127.0.0.1:8080/callback/" + suite + "/instruction",
			DataURL:        "http://127.0.0.1:8080/callback/" + suite + "/data",
			TrustedDomains: []string{"127.0.0.1:8080", "localhost:8080"},
		}},
		TicketIntervalSeconds: 600,
		TokenTTLSeconds:       7200,
		AutoApprove:           true,
		VerifyReceiveID:       VerifyWithProviderCorpID,
		PushTimeoutMS:         5000,
		PushAttempts:          3,
		PushRetryDelayMS:      1000,
	}
}

// LoadConfig reads a JSON config; absent fields keep their defaults, except that the
// file's suites replace the demo suite.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg := DefaultConfig()
	cfg.Suites = nil
	if err := json.Unmarshal(data, &cfg); err != nil {
		return Config{}, fmt.Errorf("parse config %s: %w", path, err)
	}
	return cfg, cfg.Validate()
}

func (c *Config) applyDefaults() {
	d := DefaultConfig()
	if c.TicketIntervalSeconds <= 0 {
		c.TicketIntervalSeconds = d.TicketIntervalSeconds
	}
	if c.TokenTTLSeconds <= 0 {
		c.TokenTTLSeconds = d.TokenTTLSeconds
	}
	if c.VerifyReceiveID == "" {
		c.VerifyReceiveID = d.VerifyReceiveID
	}
	if c.PushTimeoutMS <= 0 {
		c.PushTimeoutMS = d.PushTimeoutMS
	}
	if c.PushAttempts <= 0 {
		c.PushAttempts = d.PushAttempts
	}
	if c.PushRetryDelayMS < 0 {
		c.PushRetryDelayMS = 0
	}
}

// Validate reports the first problem that would make the simulator misbehave.
func (c Config) Validate() error {
	if c.Provider.CorpID == "" || c.Provider.Secret == "" {
		return errors.New("config: provider.corpid and provider.secret are required")
	}
	if c.VerifyReceiveID != "" && c.VerifyReceiveID != VerifyWithProviderCorpID && c.VerifyReceiveID != VerifyWithSuiteID {
		return fmt.Errorf("config: verify_receive_id must be %q or %q", VerifyWithProviderCorpID, VerifyWithSuiteID)
	}
	seen := map[string]bool{}
	for i, s := range c.Suites {
		if s.SuiteID == "" || s.SuiteSecret == "" {
			return fmt.Errorf("config: suites[%d]: suite_id and suite_secret are required", i)
		}
		if seen[s.SuiteID] {
			return fmt.Errorf("config: suites[%d]: duplicate suite_id %s", i, s.SuiteID)
		}
		seen[s.SuiteID] = true
		if _, err := wecom.NewCrypto(s.Token, s.EncodingAESKey); err != nil {
			return fmt.Errorf("config: suite %s: %w", s.SuiteID, err)
		}
		for _, u := range []string{s.InstructionURL, s.DataURL} {
			if u == "" {
				continue
			}
			if p, err := url.Parse(u); err != nil || p.Host == "" {
				return fmt.Errorf("config: suite %s: bad callback url %q", s.SuiteID, u)
			}
		}
	}
	for i, corp := range c.Corps {
		for _, id := range corp.InstalledSuites {
			if !seen[id] {
				return fmt.Errorf("config: corps[%d]: installed suite %s is not configured", i, id)
			}
		}
	}
	return nil
}

func (c Config) tokenTTL() time.Duration { return time.Duration(c.TokenTTLSeconds) * time.Second }
func (c Config) ticketInterval() time.Duration {
	return time.Duration(c.TicketIntervalSeconds) * time.Second
}
