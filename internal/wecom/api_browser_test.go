package wecom

import (
	"net/url"
	"testing"
)

// Protocol §10: the official worked example.
func TestSignJSAPIOfficialExample(t *testing.T) {
	const (
		ticket = "sM4AOVdWfPE4DxkXGEs8VMCPGGVi4C3VM0P37wVUCFvkVAy_90u5h9nbSlYy3-Sl-HhTdfl2fzFy1AOcHKP7qg"
		nonce  = "Wm3WZYTPz0wzccnW"
		want   = "0f9de62fce790f9a083d5c99e95740ceb90c27ed"
	)
	if got := SignJSAPI(ticket, nonce, 1414587457, "http://mp.weixin.qq.com?params=value"); got != want {
		t.Fatalf("signature %s, want %s", got, want)
	}
	// The fragment is not part of the signed URL.
	if got := SignJSAPI(ticket, nonce, 1414587457, "http://mp.weixin.qq.com?params=value#/page?x=1"); got != want {
		t.Fatalf("with fragment: %s, want %s", got, want)
	}
}

func TestBrowserURLs(t *testing.T) {
	const redirect = "https://isv.example.com/install/ww1/callback?x=1&y=a b"
	tests := []struct {
		name, got, want string
	}{
		{
			"install",
			InstallURL(DefaultInstallBase+"/", "ww1", "PRE", redirect, "s1"),
			"https://open.work.weixin.qq.com/3rdapp/install?suite_id=ww1&pre_auth_code=PRE&redirect_uri=https%3A%2F%2Fisv.example.com%2Finstall%2Fww1%2Fcallback%3Fx%3D1%26y%3Da+b&state=s1",
		},
		{
			"oauth",
			OAuthURL(DefaultOAuthBase, "ww1", "https://isv.example.com/cb", ScopePrivateInfo, "st"),
			"https://open.weixin.qq.com/connect/oauth2/authorize?appid=ww1&redirect_uri=https%3A%2F%2Fisv.example.com%2Fcb&response_type=code&scope=snsapi_privateinfo&state=st#wechat_redirect",
		},
		{
			"sso",
			SSOLoginURL(DefaultLoginBase, "wwlogin", "https://isv.example.com/sso", "st"),
			"https://login.work.weixin.qq.com/wwlogin/sso/login?login_type=ServiceApp&appid=wwlogin&redirect_uri=https%3A%2F%2Fisv.example.com%2Fsso&state=st",
		},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, tt.got, tt.want)
		}
	}
	// redirect_uri is encoded exactly once: one decode gives it back.
	u, err := url.Parse(InstallURL("http://sim:8080", "ww1", "PRE", redirect, "s1"))
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("redirect_uri"); got != redirect {
		t.Fatalf("redirect_uri decodes to %q, want %q", got, redirect)
	}
}
