// Package config reads the platform's configuration from environment variables.
// Both binaries share it: the variables are one contract, documented in README.md.
package config

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Suite is one third-party app as configured in WECOM_SUITES.
type Suite struct {
	SuiteID        string   `json:"suite_id"`
	SuiteSecret    string   `json:"suite_secret"`
	Token          string   `json:"token"`
	EncodingAESKey string   `json:"encoding_aes_key"`
	TrustedDomains []string `json:"trusted_domains"`
}

// Config is everything the api and the worker read at start.
type Config struct {
	HTTPAddr       string
	WorkerHTTPAddr string
	DatabaseURL    string
	RedisURL       string
	PublicBaseURL  string
	WeComAPIBase   string
	InstallBase    string
	// OAuthBase and LoginBase are WeCom's browser hosts for tenant-user OAuth and the
	// web (SSO) login (internal/oauth).
	OAuthBase      string
	LoginBase      string
	ProviderCorpID string
	ProviderSecret string
	// The provider-level 系统事件 callback has its own token and key.
	SystemToken          string
	SystemEncodingAESKey string
	MasterKey            string
	MasterKeyPrevious    []string
	Suites               []Suite
	// PermanentCodeAPI picks the auth-code exchange: "v2" (v2/get_permanent_code then
	// v2/get_auth_info) or "v1" (the slower get_permanent_code that answers everything).
	PermanentCodeAPI string
	LogLevel         slog.Level
	PprofAddr        string
	TrustedProxies   []string
	// Platform JWTs (internal/auth). The signing keys themselves live in PostgreSQL, sealed
	// with MASTER_KEY, so no key material travels in the environment.
	JWTIssuer     string
	JWTAudience   string
	JWTAccessTTL  time.Duration
	JWTRefreshTTL time.Duration
	// JWTKeyRotation is how long a signing key signs before the worker rotates it (0: only
	// by `api keys rotate-signing`).
	JWTKeyRotation time.Duration
	// JWTRefreshReuseGrace is how long after a refresh token is used it may be used once
	// more without revoking the session (two tabs refreshing at once).
	JWTRefreshReuseGrace time.Duration
	// Credential refreshes (internal/tokens): how often each worker sweeps the credentials
	// table, and how far past its expiry a scheduled refresh is spread.
	TokenSweepInterval time.Duration
	TokenRefreshJitter time.Duration
	// AdminRefreshInterval is how often the worker re-reads every active tenant's admin
	// list, beside the refresh that change_app_admin triggers.
	AdminRefreshInterval time.Duration
}

// Var documents one environment variable: README.md's table is generated from the same facts.
type Var struct {
	Name, Default, Doc string
	Required           bool
}

// Vars lists every variable with its default.
var Vars = []Var{
	{Name: "HTTP_ADDR", Default: ":8080", Doc: "address the api listens on"},
	{Name: "WORKER_HTTP_ADDR", Default: ":8090", Doc: "address the worker serves /healthz and /metrics on"},
	{Name: "DATABASE_URL", Default: "postgres://postgres@127.0.0.1:5432/wecom?sslmode=disable", Doc: "PostgreSQL DSN"},
	{Name: "REDIS_URL", Default: "redis://127.0.0.1:6379/0", Doc: "Redis URL (queues, token cache, locks)"},
	{Name: "PUBLIC_BASE_URL", Default: "http://127.0.0.1:8080", Doc: "the api's public origin (callback, install and OAuth URLs)"},
	{Name: "WECOM_API_BASE", Default: "https://qyapi.weixin.qq.com", Doc: "WeCom API base URL (the simulator's in `make run`)"},
	{Name: "WECOM_INSTALL_BASE", Default: "https://open.work.weixin.qq.com", Doc: "base of WeCom's install page"},
	{Name: "WECOM_OAUTH_BASE", Default: "https://open.weixin.qq.com", Doc: "base of WeCom's OAuth page for tenant users (the simulator's in `make run`)"},
	{Name: "WECOM_LOGIN_BASE", Default: "https://login.work.weixin.qq.com", Doc: "base of WeCom's web login (wwlogin SSO) page"},
	{Name: "WECOM_PROVIDER_CORPID", Required: true, Doc: "the provider's corpid (服务商 CorpID)"},
	{Name: "WECOM_PROVIDER_SECRET", Default: "", Doc: "the provider secret (ProviderSecret)"},
	{Name: "WECOM_SYSTEM_TOKEN", Default: "", Doc: "token of the 系统事件 callback URL; empty disables /callback/system"},
	{Name: "WECOM_SYSTEM_ENCODING_AES_KEY", Default: "", Doc: "EncodingAESKey of the 系统事件 callback URL"},
	{Name: "WECOM_SUITES", Default: "[]", Doc: `JSON array of {"suite_id","suite_secret","token","encoding_aes_key","trusted_domains"}; upserted at start`},
	{Name: "MASTER_KEY", Required: true, Doc: "base64 of 32 random bytes; seals secrets at rest"},
	{Name: "MASTER_KEY_PREVIOUS", Default: "", Doc: "comma-separated older master keys, still accepted for opening (rotation)"},
	{Name: "LOG_LEVEL", Default: "info", Doc: "debug, info, warn or error"},
	{Name: "TRUSTED_PROXIES", Default: "", Doc: "comma-separated IPs/CIDRs of reverse proxies whose X-Forwarded-For is believed; empty trusts none"},
	{Name: "PPROF_ADDR", Default: "", Doc: "serve Go's /debug/pprof on this address (e.g. 127.0.0.1:6060); empty disables"},
	{Name: "WECOM_PERMANENT_CODE_API", Default: "v2", Doc: "auth code exchange: v2 (v2/get_permanent_code + v2/get_auth_info) or v1 (get_permanent_code)"},
	{Name: "JWT_ISSUER", Default: "", Doc: "iss of the platform's JWTs; empty means PUBLIC_BASE_URL"},
	{Name: "JWT_AUDIENCE", Default: "wecom-isv", Doc: "aud of the platform's JWTs"},
	{Name: "JWT_ACCESS_TTL", Default: "10m", Doc: "lifetime of an access token (Go duration)"},
	{Name: "JWT_REFRESH_TTL", Default: "720h", Doc: "lifetime of a refresh token; each refresh starts a new one (Go duration)"},
	{Name: "JWT_KEY_ROTATION", Default: "720h", Doc: "how long a signing key signs before the worker rotates it (the previous key keeps verifying until its tokens expire); 0 rotates only by `api keys rotate-signing`"},
	{Name: "JWT_REFRESH_REUSE_GRACE", Default: "10s", Doc: "a refresh token used again within this long after its first use (two tabs refreshing at once) gets a new pair instead of revoking the session; 0 disables"},
	{Name: "TOKEN_SWEEP_INTERVAL", Default: "10s", Doc: "how often each worker looks for credentials due for refresh (Go duration)"},
	{Name: "TOKEN_REFRESH_JITTER", Default: "5s", Doc: "scheduled refreshes are spread over this much time after the credential expires (Go duration)"},
	{Name: "ADMIN_REFRESH_INTERVAL", Default: "1h", Doc: "how often the worker re-reads every active tenant's app admin list (Go duration, at least 1m)"},
}

var aesKeyPattern = regexp.MustCompile(`^[a-zA-Z0-9]{43}$`)

// Load reads the configuration through getenv (os.Getenv in the binaries). Every problem
// is reported, each naming its variable.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			return v
		}
		for _, v := range Vars {
			if v.Name == name {
				return v.Default
			}
		}
		return ""
	}
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	for _, v := range Vars {
		if v.Required && get(v.Name) == "" {
			bad(v.Name, "required but not set")
		}
	}
	c := Config{
		HTTPAddr:             get("HTTP_ADDR"),
		WorkerHTTPAddr:       get("WORKER_HTTP_ADDR"),
		DatabaseURL:          get("DATABASE_URL"),
		RedisURL:             get("REDIS_URL"),
		PublicBaseURL:        strings.TrimRight(get("PUBLIC_BASE_URL"), "/"),
		WeComAPIBase:         strings.TrimRight(get("WECOM_API_BASE"), "/"),
		InstallBase:          strings.TrimRight(get("WECOM_INSTALL_BASE"), "/"),
		OAuthBase:            strings.TrimRight(get("WECOM_OAUTH_BASE"), "/"),
		LoginBase:            strings.TrimRight(get("WECOM_LOGIN_BASE"), "/"),
		ProviderCorpID:       get("WECOM_PROVIDER_CORPID"),
		ProviderSecret:       get("WECOM_PROVIDER_SECRET"),
		SystemToken:          get("WECOM_SYSTEM_TOKEN"),
		SystemEncodingAESKey: get("WECOM_SYSTEM_ENCODING_AES_KEY"),
		MasterKey:            get("MASTER_KEY"),
	}
	for _, name := range []string{"DATABASE_URL", "REDIS_URL", "PUBLIC_BASE_URL", "WECOM_API_BASE", "WECOM_INSTALL_BASE",
		"WECOM_OAUTH_BASE", "WECOM_LOGIN_BASE"} {
		if u, err := url.Parse(get(name)); err != nil || u.Scheme == "" || u.Host == "" {
			bad(name, "not an absolute URL")
		}
	}
	if c.MasterKey != "" && !validKey(c.MasterKey) {
		bad("MASTER_KEY", "must be base64 of exactly 32 bytes (try: openssl rand -base64 32)")
	}
	if prev := get("MASTER_KEY_PREVIOUS"); prev != "" {
		for _, k := range strings.Split(prev, ",") {
			if k = strings.TrimSpace(k); !validKey(k) {
				bad("MASTER_KEY_PREVIOUS", "each key must be base64 of exactly 32 bytes")
				break
			}
			c.MasterKeyPrevious = append(c.MasterKeyPrevious, k)
		}
	}
	if (c.SystemToken == "") != (c.SystemEncodingAESKey == "") {
		bad("WECOM_SYSTEM_TOKEN", "set together with WECOM_SYSTEM_ENCODING_AES_KEY, or neither")
	}
	if c.SystemEncodingAESKey != "" && !aesKeyPattern.MatchString(c.SystemEncodingAESKey) {
		bad("WECOM_SYSTEM_ENCODING_AES_KEY", "must be 43 characters of [a-zA-Z0-9]")
	}
	if c.PermanentCodeAPI = get("WECOM_PERMANENT_CODE_API"); c.PermanentCodeAPI != "v2" && c.PermanentCodeAPI != "v1" {
		bad("WECOM_PERMANENT_CODE_API", "must be v2 or v1")
	}
	c.PprofAddr = get("PPROF_ADDR")
	for _, p := range strings.Split(get("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if _, _, err := net.ParseCIDR(p); err != nil && net.ParseIP(p) == nil {
			bad("TRUSTED_PROXIES", "%q is neither an IP nor a CIDR", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if err := c.LogLevel.UnmarshalText([]byte(get("LOG_LEVEL"))); err != nil {
		bad("LOG_LEVEL", "must be debug, info, warn or error")
	}
	c.JWTIssuer, c.JWTAudience = get("JWT_ISSUER"), get("JWT_AUDIENCE")
	if c.JWTIssuer == "" {
		c.JWTIssuer = c.PublicBaseURL
	}
	for name, d := range map[string]*time.Duration{"JWT_ACCESS_TTL": &c.JWTAccessTTL, "JWT_REFRESH_TTL": &c.JWTRefreshTTL} {
		v, err := time.ParseDuration(get(name))
		if err != nil || v < time.Minute {
			bad(name, "must be a duration of at least 1m (e.g. 10m, 720h)")
		}
		*d = v
	}
	if c.JWTRefreshTTL <= c.JWTAccessTTL {
		bad("JWT_REFRESH_TTL", "must be longer than JWT_ACCESS_TTL")
	}
	if v, err := time.ParseDuration(get("JWT_KEY_ROTATION")); err != nil || v != 0 && v < time.Hour {
		bad("JWT_KEY_ROTATION", "must be 0 or a duration of at least 1h (e.g. 720h)")
	} else {
		c.JWTKeyRotation = v
	}
	if v, err := time.ParseDuration(get("JWT_REFRESH_REUSE_GRACE")); err != nil || v < 0 || v > time.Minute {
		bad("JWT_REFRESH_REUSE_GRACE", "must be a duration between 0 and 1m (e.g. 10s)")
	} else {
		c.JWTRefreshReuseGrace = v
	}
	for name, d := range map[string]*time.Duration{"TOKEN_SWEEP_INTERVAL": &c.TokenSweepInterval, "TOKEN_REFRESH_JITTER": &c.TokenRefreshJitter} {
		v, err := time.ParseDuration(get(name))
		if err != nil || v <= 0 || v > 10*time.Minute {
			bad(name, "must be a duration between 1ms and 10m (e.g. 10s)")
		}
		*d = v
	}
	if v, err := time.ParseDuration(get("ADMIN_REFRESH_INTERVAL")); err != nil || v < time.Minute {
		bad("ADMIN_REFRESH_INTERVAL", "must be a duration of at least 1m (e.g. 1h)")
	} else {
		c.AdminRefreshInterval = v
	}
	suites, err := parseSuites(get("WECOM_SUITES"))
	if err != nil {
		bad("WECOM_SUITES", "%v", err)
	}
	c.Suites = suites
	return c, errors.Join(errs...)
}

func validKey(s string) bool {
	b, err := base64.StdEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

func parseSuites(raw string) ([]Suite, error) {
	dec := json.NewDecoder(strings.NewReader(raw))
	dec.DisallowUnknownFields()
	var suites []Suite
	if err := dec.Decode(&suites); err != nil {
		return nil, fmt.Errorf("not a JSON array of suites: %v", err)
	}
	seen := map[string]bool{}
	for i, s := range suites {
		switch {
		case s.SuiteID == "":
			return nil, fmt.Errorf("suite %d: suite_id is empty", i)
		case seen[s.SuiteID]:
			return nil, fmt.Errorf("suite %s: listed twice", s.SuiteID)
		case s.SuiteSecret == "":
			return nil, fmt.Errorf("suite %s: suite_secret is empty", s.SuiteID)
		case s.Token == "":
			return nil, fmt.Errorf("suite %s: token is empty", s.SuiteID)
		case !aesKeyPattern.MatchString(s.EncodingAESKey):
			return nil, fmt.Errorf("suite %s: encoding_aes_key must be 43 characters of [a-zA-Z0-9]", s.SuiteID)
		}
		for _, d := range s.TrustedDomains {
			if d == "" || strings.ContainsAny(d, "/ ") {
				return nil, fmt.Errorf("suite %s: trusted domain %q must be a host[:port]", s.SuiteID, d)
			}
		}
		seen[s.SuiteID] = true
	}
	return suites, nil
}

// LogValue prints the configuration with every secret masked.
func (c Config) LogValue() slog.Value {
	ids := make([]string, len(c.Suites))
	for i, s := range c.Suites {
		ids[i] = s.SuiteID
	}
	return slog.GroupValue(
		slog.String("http_addr", c.HTTPAddr),
		slog.String("database_url", redactURL(c.DatabaseURL)),
		slog.String("redis_url", redactURL(c.RedisURL)),
		slog.String("public_base_url", c.PublicBaseURL),
		slog.String("wecom_api_base", c.WeComAPIBase),
		slog.String("provider_corpid", c.ProviderCorpID),
		slog.Bool("provider_secret_set", c.ProviderSecret != ""),
		slog.Bool("system_callback", c.SystemToken != ""),
		slog.Any("suites", ids),
		slog.Int("previous_master_keys", len(c.MasterKeyPrevious)),
		slog.String("permanent_code_api", c.PermanentCodeAPI),
		slog.String("jwt_issuer", c.JWTIssuer),
		slog.String("jwt_audience", c.JWTAudience),
		slog.Duration("jwt_access_ttl", c.JWTAccessTTL),
		slog.Duration("jwt_refresh_ttl", c.JWTRefreshTTL),
		slog.Duration("jwt_key_rotation", c.JWTKeyRotation),
		slog.Duration("jwt_refresh_reuse_grace", c.JWTRefreshReuseGrace),
		slog.Duration("token_sweep_interval", c.TokenSweepInterval),
		slog.Duration("token_refresh_jitter", c.TokenRefreshJitter),
		slog.String("wecom_oauth_base", c.OAuthBase),
		slog.String("wecom_login_base", c.LoginBase),
		slog.Duration("admin_refresh_interval", c.AdminRefreshInterval),
	)
}

// redactURL masks the userinfo password and any password given as a query parameter
// (pgx reads ?password= and ?sslpassword=).
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparseable)"
	}
	if q := u.Query(); len(q) > 0 {
		for k := range q {
			if strings.Contains(strings.ToLower(k), "password") {
				q.Set(k, "xxxxx")
			}
		}
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
