package config

import (
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"
)

const testKey = "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(map[string]string{"WECOM_PROVIDER_CORPID": "wwp", "MASTER_KEY": testKey}))
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != ":8080" || c.WeComAPIBase != "https://qyapi.weixin.qq.com" || len(c.Suites) != 0 || c.LogLevel != slog.LevelInfo {
		t.Fatalf("defaults: %+v", c)
	}
}

func TestLoadErrorsNameTheVariable(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"MASTER_KEY": testKey}, "WECOM_PROVIDER_CORPID: required"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p"}, "MASTER_KEY: required"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": "c2hvcnQ="}, "MASTER_KEY: must be base64"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "WECOM_SUITES": "{"}, "WECOM_SUITES: not a JSON array"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "WECOM_SUITES": `[{"suite_id":"s","suite_secret":"x","token":"t","encoding_aes_key":"short"}]`}, "WECOM_SUITES: suite s: encoding_aes_key"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "DATABASE_URL": "nope"}, "DATABASE_URL: not an absolute URL"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "LOG_LEVEL": "loud"}, "LOG_LEVEL"},
		{map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "WECOM_SYSTEM_TOKEN": "t"}, "WECOM_SYSTEM_TOKEN"},
	}
	for _, tt := range tests {
		_, err := Load(env(tt.env))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want it to contain %q", tt.env, err, tt.want)
		}
	}
}

func TestLogValueMasksSecrets(t *testing.T) {
	c, err := Load(env(map[string]string{
		"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "WECOM_PROVIDER_SECRET": "provsecret",
		"DATABASE_URL": "postgres://u:dbpass@h/db",
		"WECOM_SUITES": `[{"suite_id":"s1","suite_secret":"suitesecret","token":"tok","encoding_aes_key":"jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"}]`,
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(c.LogValue())
	for _, secret := range []string{"provsecret", "dbpass", "suitesecret", testKey, "jWmYm7qr"} {
		if strings.Contains(out, secret) {
			t.Errorf("log value contains %q: %s", secret, out)
		}
	}
}

func TestLoadJWT(t *testing.T) {
	base := map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey, "PUBLIC_BASE_URL": "https://isv.example.com/"}
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.JWTIssuer != "https://isv.example.com" || c.JWTAudience != "wecom-isv" || c.JWTAccessTTL.Minutes() != 10 || c.JWTRefreshTTL.Hours() != 720 {
		t.Errorf("JWT defaults: %q %q %v %v", c.JWTIssuer, c.JWTAudience, c.JWTAccessTTL, c.JWTRefreshTTL)
	}
	for k, want := range map[string]string{"JWT_ACCESS_TTL=soon": "JWT_ACCESS_TTL", "JWT_REFRESH_TTL=5m": "JWT_REFRESH_TTL: must be longer"} {
		m := map[string]string{}
		for bk, bv := range base {
			m[bk] = bv
		}
		name, value, _ := strings.Cut(k, "=")
		m[name] = value
		if _, err := Load(env(m)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", k, err, want)
		}
	}
}

// README.md's configuration table lists every variable, so the docs cannot drift.
func TestREADMEListsEveryVariable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range Vars {
		if !strings.Contains(string(readme), "| `"+v.Name+"` |") {
			t.Errorf("README.md's configuration table lacks %s", v.Name)
		}
	}
}

// pgx also takes the password as a query parameter; it must not reach the start-up log.
func TestLogValueMasksQueryPasswords(t *testing.T) {
	t.Parallel()
	c, err := Load(env(map[string]string{
		"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey,
		"DATABASE_URL": "postgres://u@h/db?sslmode=require&password=qpass&sslpassword=tlsunlock",
		"REDIS_URL":    "redis://h:6379/0?password=redispass",
	}))
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprint(c.LogValue())
	for _, secret := range []string{"qpass", "tlsunlock", "redispass"} {
		if strings.Contains(out, secret) {
			t.Errorf("log value contains %q: %s", secret, out)
		}
	}
	if !strings.Contains(out, "sslmode=require") {
		t.Errorf("log value lost the harmless query: %s", out)
	}
}
