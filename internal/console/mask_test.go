package console_test

import (
	"strings"
	"testing"

	"github.com/wecomisv/platform/internal/console"
)

func TestMaskXML(t *testing.T) {
	t.Parallel()
	in := `<xml><SuiteId><![CDATA[wwsuite]]></SuiteId><InfoType><![CDATA[create_auth]]></InfoType>` +
		`<TimeStamp>1403610513</TimeStamp><AuthCode><![CDATA[AUTHCODE-123]]></AuthCode>` +
		`<SuiteTicket>TICKET-abc</SuiteTicket><PermanentCode>PERM-xyz</PermanentCode><AccessToken>TOK-1</AccessToken>` +
		`<ProviderSecret>SEC-2</ProviderSecret><Note>access_token=TOK-3&amp;x=1</Note><Name>a &lt;b&gt;</Name></xml>`
	got := console.MaskXML([]byte(in))
	for _, secret := range []string{"AUTHCODE-123", "TICKET-abc", "PERM-xyz", "TOK-1", "SEC-2", "TOK-3"} {
		if strings.Contains(got, secret) {
			t.Errorf("%s not masked in:\n%s", secret, got)
		}
	}
	for _, keep := range []string{"<SuiteId>wwsuite</SuiteId>", "<InfoType>create_auth</InfoType>", "<TimeStamp>1403610513</TimeStamp>",
		"<AuthCode>[masked, 12 chars]</AuthCode>", "<Name>a &lt;b&gt;</Name>"} {
		if !strings.Contains(got, keep) {
			t.Errorf("want %q in:\n%s", keep, got)
		}
	}
	// Not XML: masked as text.
	if got := console.MaskXML([]byte(`{"suite_ticket": "T-1", "corpid": "ww1"}`)); strings.Contains(got, "T-1") || !strings.Contains(got, "ww1") {
		t.Errorf("json payload: %s", got)
	}
}

func TestMaskText(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		`get_corp_token: errcode 40001 permanent_code=PC-1 suite_access_token=SAT-2`:                         "PC-1 SAT-2",
		`{"access_token":"AT-3","expires_in":7200}`:                                                          "AT-3",
		`bad <SuiteTicket><![CDATA[ST-4]]></SuiteTicket> and <AuthCode>AC-5</AuthCode>`:                      "ST-4 AC-5",
		`https://qyapi.weixin.qq.com/cgi-bin/service/get_auth_info?suite_access_token=SAT-6&x=1 failed: EOF`: "SAT-6",
	}
	for in, secrets := range cases {
		got := console.MaskText(in)
		for _, s := range strings.Fields(secrets) {
			if strings.Contains(got, s) {
				t.Errorf("MaskText(%q) = %q, still has %s", in, got, s)
			}
		}
	}
	if got := console.MaskText("tenant wwcorp not found"); got != "tenant wwcorp not found" {
		t.Errorf("plain text changed: %q", got)
	}
}
