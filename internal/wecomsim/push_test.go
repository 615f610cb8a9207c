package wecomsim

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/wecomisv/platform/internal/wecom"
)

// padded32 is the ciphertext length WeCom's 32-byte PKCS#7 yields (protocol §5.5).
func padded32(msgLen int, rid string) int {
	n := 16 + 4 + msgLen + len(rid)
	return n + 32 - n%32
}

func checkSealed(t *testing.T, r received, wantRID string) {
	t.Helper()
	if r.Err != nil {
		t.Fatalf("%s %s: receiver could not open: %v", r.Method, r.Path, r.Err)
	}
	if r.ReceiveID != wantRID {
		t.Errorf("%s %s: receiveid %q, want %q", r.Method, r.Path, r.ReceiveID, wantRID)
	}
	if want := padded32(len(r.Plain), r.ReceiveID); r.RawLen != want {
		t.Errorf("%s %s: ciphertext %d bytes, want %d (32-byte padding)", r.Method, r.Path, r.RawLen, want)
	}
}

func lastPost(t *testing.T, rc *receiver) received {
	t.Helper()
	got := rc.all()
	for i := len(got) - 1; i >= 0; i-- {
		if got[i].Method == http.MethodPost {
			return got[i]
		}
	}
	t.Fatal("receiver got no POST")
	return received{}
}

func TestStartVerifiesURLsAndPushesTickets(t *testing.T) {
	for _, mode := range []string{VerifyWithProviderCorpID, VerifyWithSuiteID} {
		t.Run(mode, func(t *testing.T) {
			e := newEnv(t, func(c *Config) { c.VerifyReceiveID = mode })
			got := e.rc.all()
			if len(got) != 6 {
				t.Fatalf("receiver got %d requests, want 4 verifications + 2 tickets", len(got))
			}
			for _, r := range got[:4] {
				want := testProvider
				if mode == VerifyWithSuiteID && strings.HasSuffix(r.Path, "/instruction") {
					want = strings.Split(r.Path, "/")[2]
				}
				if r.Method != http.MethodGet || r.Query.Get("echostr") == "" {
					t.Fatalf("want a GET verification, got %s %s", r.Method, r.Path)
				}
				checkSealed(t, r, want)
			}
			for _, d := range e.sim.Deliveries("verify_url") {
				if !d.OK || d.Body != d.Message || len(d.Attempts) != 1 {
					t.Errorf("verification delivery %+v", d)
				}
			}
			for i, suite := range []string{testSuite, testSuite2} {
				r := got[4+i]
				checkSealed(t, r, suite)
				want := fmt.Sprintf("<xml><SuiteId><![CDATA[%s]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType>"+
					"<TimeStamp>%d</TimeStamp><SuiteTicket><![CDATA[%s]]></SuiteTicket></xml>", suite, testEpoch.Unix(), e.ticket(suite))
				if diff := cmp.Diff(want, string(r.Plain)); diff != "" {
					t.Errorf("suite_ticket XML (-want +got):\n%s", diff)
				}
				if r.Envelope.ToUserName != suite || r.Envelope.AgentID != "" {
					t.Errorf("envelope %+v", r.Envelope)
				}
				if r.Query.Get("timestamp") != fmt.Sprint(testEpoch.Unix()) || r.Query.Get("nonce") == "" {
					t.Errorf("query %v", r.Query)
				}
			}
		})
	}
}

func TestEnvelopeShape(t *testing.T) {
	got := string(envelope("ww1", "ENC", ""))
	want := "<xml><ToUserName><![CDATA[ww1]]></ToUserName><Encrypt><![CDATA[ENC]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
	if got != want {
		t.Errorf("envelope = %s", got)
	}
	if got := string(newXML().str("A", "x]]>y").bytes()); got != "<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A></xml>" {
		t.Errorf("CDATA escape = %s", got)
	}
}

func TestCreateAuthPushedForMarketOnly(t *testing.T) {
	e := newEnv(t)
	before := len(e.rc.all())
	link := e.install(ViaLink)
	if n := len(e.rc.all()); n != before || link.Delivery != nil {
		t.Fatalf("link install pushed something (%d requests)", n-before)
	}
	res, err := e.sim.Install(context.Background(), InstallRequest{SuiteID: testSuite, State: "abc123", ExtraInfo: "x"})
	if err != nil {
		t.Fatal(err)
	}
	r := lastPost(t, e.rc)
	checkSealed(t, r, testSuite)
	want := fmt.Sprintf("<xml><SuiteId><![CDATA[%s]]></SuiteId><AuthCode><![CDATA[%s]]></AuthCode><InfoType><![CDATA[create_auth]]></InfoType>"+
		"<TimeStamp>%d</TimeStamp><State><![CDATA[abc123]]></State><ExtraInfo><![CDATA[x]]></ExtraInfo></xml>", testSuite, res.AuthCode, testEpoch.Unix())
	if diff := cmp.Diff(want, string(r.Plain)); diff != "" {
		t.Errorf("create_auth XML (-want +got):\n%s", diff)
	}
	if res.Delivery == nil || !res.Delivery.OK || res.Delivery.Type != "create_auth" {
		t.Errorf("delivery %+v", res.Delivery)
	}
}

func TestPushRetries(t *testing.T) {
	tests := []struct {
		name         string
		fail         int32
		body         string
		wantAttempts int
		wantOK       bool
		wantErr      string
	}{
		{"fails twice then success", 2, "success", 3, true, ""},
		{"fails every time", 9, "success", 3, false, "http status 500"},
		{"wrong body is not retried", 0, "ok", 1, false, `answer is not "success"`},
		{"success with newline is wrong", 0, "success\n", 1, false, `answer is not "success"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.rc.fail.Store(tt.fail)
			e.rc.body.Store(tt.body)
			res, err := e.sim.PushTicket(context.Background(), testSuite)
			if err != nil {
				t.Fatal(err)
			}
			d := res.Delivery
			if len(d.Attempts) != tt.wantAttempts || d.OK != tt.wantOK || d.Error != tt.wantErr {
				t.Fatalf("attempts %d ok %v err %q; want %d %v %q", len(d.Attempts), d.OK, d.Error, tt.wantAttempts, tt.wantOK, tt.wantErr)
			}
			if tt.fail > 0 && d.Attempts[0].Status != 500 {
				t.Errorf("first attempt %+v", d.Attempts[0])
			}
			if d.Body != tt.body && tt.wantOK {
				t.Errorf("recorded body %q", d.Body)
			}
		})
	}
}

func TestPushTimeout(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.PushTimeoutMS = 50 })
	release := make(chan struct{})
	e.rc.hold.Store(&release)
	start := time.Now()
	res, _ := e.sim.PushTicket(context.Background(), testSuite)
	close(release)
	if took := time.Since(start); took > time.Second {
		t.Fatalf("push took %v; the 50 ms timeout was not applied", took)
	}
	d := res.Delivery
	if len(d.Attempts) != 3 || d.OK || !strings.Contains(d.Error, "Timeout") {
		t.Fatalf("want 3 timed-out attempts, got %d ok=%v err=%q", len(d.Attempts), d.OK, d.Error)
	}
}

func TestUnreachableReceiverRetried(t *testing.T) {
	e := newEnv(t)
	st := e.sim.suites[testSuite]
	old := st.cfg.InstructionURL
	st.cfg.InstructionURL = "http://127.0.0.1:1/instruction"
	defer func() { st.cfg.InstructionURL = old }()
	res, _ := e.sim.PushTicket(context.Background(), testSuite)
	if d := res.Delivery; len(d.Attempts) != 3 || d.OK || d.Status != 0 || strings.Contains(d.Error, "msg_signature") {
		t.Fatalf("delivery %+v", d)
	}
}

func TestDataURLReplies(t *testing.T) {
	c, _ := wecom.NewCrypto(testToken, testAESKey)
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"empty", "", true},
		{"success", "success", true},
		{"garbage", "hello", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			tn := e.tenant()
			e.rc.body.Store(tt.body)
			res, err := e.sim.PushEvent(context.Background(), tn.corpID, EventRequest{Type: EventChangeAppAdmin})
			if err != nil {
				t.Fatal(err)
			}
			if d := res.Results[0].Delivery; d.OK != tt.ok || len(d.Attempts) != 1 {
				t.Errorf("delivery ok=%v attempts=%d err=%q", d.OK, len(d.Attempts), d.Error)
			}
		})
	}
	t.Run("passive reply", func(t *testing.T) {
		e := newEnv(t)
		tn := e.tenant()
		enc, _ := c.Encrypt([]byte("<xml><MsgType><![CDATA[text]]></MsgType></xml>"), tn.corpID)
		reply := fmt.Sprintf("<xml><Encrypt><![CDATA[%s]]></Encrypt><MsgSignature><![CDATA[%s]]></MsgSignature><TimeStamp>1</TimeStamp><Nonce><![CDATA[n]]></Nonce></xml>",
			enc, c.Sign("1", "n", enc))
		e.rc.body.Store(reply)
		res, _ := e.sim.PushEvent(context.Background(), tn.corpID, EventRequest{Type: EventChangeAppAdmin})
		if d := res.Results[0].Delivery; !d.OK {
			t.Errorf("signed passive reply rejected: %s", d.Error)
		}
	})
}

func TestAdvanceFiresTicketPushes(t *testing.T) {
	e := newEnv(t)
	first := e.ticket(testSuite)
	if ds := e.sim.Advance(599 * time.Second); len(ds) != 0 {
		t.Fatalf("pushed %d tickets before the interval", len(ds))
	}
	ds := e.sim.Advance(time.Second)
	if len(ds) != 2 || ds[0].Type != "suite_ticket" || !ds[0].OK {
		t.Fatalf("want one ticket push per suite, got %+v", ds)
	}
	second := e.ticket(testSuite)
	if second == first {
		t.Fatal("ticket did not change")
	}
	ok := func(ticket string) int {
		return errcode(e.post("/cgi-bin/service/get_suite_token", nil, jsonObj{
			"suite_id": testSuite, "suite_secret": "secret-" + testSuite, "suite_ticket": ticket}))
	}
	if c := ok(first); c != 0 {
		t.Fatalf("ticket pushed 10 min ago: errcode %d, want 0", c)
	}
	e.sim.Advance(20 * time.Minute) // first is now 30 min old; pushes keep the newest fresh
	if c := ok(first); c != 40085 {
		t.Errorf("30-min-old ticket: errcode %d, want 40085", c)
	}
	if c := ok(e.ticket(testSuite)); c != 0 {
		t.Errorf("newest ticket: errcode %d", c)
	}
}
