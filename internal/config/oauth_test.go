package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadSignInVariables(t *testing.T) {
	base := map[string]string{"WECOM_PROVIDER_CORPID": "p", "MASTER_KEY": testKey}
	c, err := Load(env(base))
	if err != nil {
		t.Fatal(err)
	}
	if c.OAuthBase != "https://open.weixin.qq.com" || c.LoginBase != "https://login.work.weixin.qq.com" || c.AdminRefreshInterval != time.Hour {
		t.Fatalf("defaults: %q %q %s", c.OAuthBase, c.LoginBase, c.AdminRefreshInterval)
	}
	with := func(k, v string) map[string]string {
		m := map[string]string{k: v}
		for bk, bv := range base {
			m[bk] = bv
		}
		return m
	}
	if c, err := Load(env(with("WECOM_OAUTH_BASE", "http://127.0.0.1:8081/"))); err != nil || c.OAuthBase != "http://127.0.0.1:8081" {
		t.Fatalf("oauth base: %q %v", c.OAuthBase, err)
	}
	for k, v := range map[string]string{"WECOM_OAUTH_BASE": "not a url", "WECOM_LOGIN_BASE": "/relative", "ADMIN_REFRESH_INTERVAL": "10s"} {
		if _, err := Load(env(with(k, v))); err == nil || !strings.Contains(err.Error(), k) {
			t.Errorf("%s=%s: %v", k, v, err)
		}
	}
}
