package wecomsim

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDemoConfigFile(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "deploy", "wecomsim.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultConfig()
	if diff := cmp.Diff(d.Suites, cfg.Suites); diff != "" {
		t.Errorf("deploy/wecomsim.json suites differ from DefaultConfig (-default +file):\n%s", diff)
	}
	if cfg.Addr != "127.0.0.1:8081" || cfg.Provider != d.Provider || !cfg.AutoApprove || cfg.TicketIntervalSeconds != 600 || cfg.TokenTTLSeconds != 7200 {
		t.Errorf("demo config %+v", cfg)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st := sim.State()
	if len(st.Corps) != 1 || len(st.Corps[0].Users) != 2 {
		t.Errorf("seed corps %+v", st.Corps)
	}
}

func TestLoadConfigDefaults(t *testing.T) {
	path := filepath.Join(t.TempDir(), "c.json")
	raw := `{"provider":{"corpid":"wwp","secret":"s"},"suites":[{"suite_id":"ws","suite_secret":"x","token":"t","encoding_aes_key":"` + testAESKey + `"}],
	"corps":[{"corpid":"ww1111111111111111","corp_name":"丙","users":[{"userid":"a"},{"userid":"b","department":[2]}],"admins":["b"],"installed_suites":["ws"]}]}`
	if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c := sim.Config(); c.PushAttempts != 3 || c.PushTimeoutMS != 5000 || c.VerifyReceiveID != VerifyWithProviderCorpID || c.TokenTTLSeconds != 7200 {
		t.Errorf("defaults not applied: %+v", c)
	}
	corp := sim.State().Corps[0]
	if len(corp.Installs) != 1 || corp.Installs[0].Status != "active" || corp.Installs[0].PermanentCode == "" ||
		corp.Installs[0].Admins[0].UserID != "b" {
		t.Errorf("seed install %+v", corp.Installs)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := DefaultConfig()
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no provider", func(c *Config) { c.Provider = ProviderConfig{} }, "provider"},
		{"bad verify id", func(c *Config) { c.VerifyReceiveID = "corp" }, "verify_receive_id"},
		{"bad aes key", func(c *Config) { c.Suites[0].EncodingAESKey = "short" }, "EncodingAESKey"},
		{"dup suite", func(c *Config) { c.Suites = append(c.Suites, c.Suites[0]) }, "duplicate"},
		{"no secret", func(c *Config) { c.Suites[0].SuiteSecret = "" }, "suite_secret"},
		{"bad url", func(c *Config) { c.Suites[0].DataURL = "not a url" }, "callback url"},
		{"seed of unknown suite", func(c *Config) { c.Corps = []CorpSeed{{InstalledSuites: []string{"x"}}} }, "not configured"},
	}
	if err := ok.Validate(); err != nil {
		t.Fatalf("DefaultConfig invalid: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mutate(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}
