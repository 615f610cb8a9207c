package testutil

import (
	"fmt"
	"net/url"
	"strconv"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
)

// SignedCallback encrypts plain for receiveID as WeCom does and returns the query string
// and XML body of the POST that would carry it.
func SignedCallback(c *wecom.Crypto, toUser, receiveID string, plain []byte) (string, []byte) {
	enc, err := c.Encrypt(plain, receiveID)
	if err != nil {
		panic(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := randomHex(5)
	q := url.Values{"msg_signature": {c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := fmt.Sprintf("<xml><ToUserName><![CDATA[%s]]></ToUserName><Encrypt><![CDATA[%s]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>", toUser, enc)
	return q.Encode(), []byte(body)
}

// SignedEcho returns the query of a URL-verification GET for echo sealed for receiveID.
func SignedEcho(c *wecom.Crypto, receiveID, echo string) string {
	enc, err := c.Encrypt([]byte(echo), receiveID)
	if err != nil {
		panic(err)
	}
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	nonce := randomHex(5)
	return url.Values{"msg_signature": {c.Sign(ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}.Encode()
}

// SuiteTicketXML is a suite_ticket event as WeCom sends it.
func SuiteTicketXML(suiteID, ticket string, ts int64) []byte {
	return fmt.Appendf(nil, "<xml><SuiteId><![CDATA[%s]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>%d</TimeStamp><SuiteTicket><![CDATA[%s]]></SuiteTicket></xml>", suiteID, ts, ticket)
}
