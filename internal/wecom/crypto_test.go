package wecom

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
)

const (
	vecKey       = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	vecReceiveID = "wx5823bf96d3bd56c7"
)

func mustCrypto(t testing.TB, token string) *Crypto {
	t.Helper()
	c, err := NewCrypto(token, vecKey)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Vectors A and D of protocol §11: URL verification, echostr arrives percent-encoded.
func TestVerifyURLVectors(t *testing.T) {
	tests := []struct {
		name, token, query, want string
	}{
		{"A official", "QDG6eK", "msg_signature=5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3&timestamp=1409659589&nonce=263014780&echostr=P9nAzCzyDtyTWESHep1vC5X9xho%2FqYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp%2B4RPcs8TgAE7OaBO%2BFZXvnaqQ%3D%3D", "1616140317555161061"},
		{"D1 devtool", "1372623149", "msg_signature=6a27598fb5b01ee02684379a339fef6de65c83c2&timestamp=1629824456&nonce=bqe3yfbqfc7&echostr=22vyvcBQ1xafTSJuhMGQuFyOAh00m2enIATgo4R6SGHY%2FYhofNmfwCksP3OP0Gxnq%2BcqnJcuvUQtjSbEu60IUA%3D%3D", "ECHO"},
		{"D2 devtool", "1372623149", "msg_signature=e225d26d3bb4d06b4656f6b674e2143d4d35e81e&timestamp=1629822102&nonce=oduw1lq7iwp&echostr=teMozE0aNgDd2iKay6VOldGRKQXJbHsFqFc10Y4dYBE%2FMu%2B34X0Vd%2BKP6GoxWXGqYOC9bg4eSNw7d3d6awhm%2BA%3D%3D", "ECHO"},
		{"D3 devtool", "1372623149", "msg_signature=c2273fb8ef29b1427a88b76b56036b76128c46d0&timestamp=1629824247&nonce=s8a61euba6m&echostr=fSW%2B704DFd%2BeE1SrOhMQ1kiV%2Bt%2F5V7%2Bcs8QIt6qD9xR44PgSlym1NtMvQYw5S%2BRKhQxdy3RNheLNHJuU%2BHGjHQ%3D%3D", "ECHO"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			c := mustCrypto(t, tt.token)
			msg, rid, err := c.Open(q.Get("msg_signature"), q.Get("timestamp"), q.Get("nonce"), q.Get("echostr"), vecReceiveID)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if string(msg) != tt.want || rid != vecReceiveID {
				t.Fatalf("got %q for %q, want %q for %q", msg, rid, tt.want, vecReceiveID)
			}
		})
	}
}

const vecBEncrypt = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="

// Vector B: the official POST sample.
func TestDecryptPostVector(t *testing.T) {
	body := []byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[" + vecBEncrypt + "]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>")
	env, err := ParseEnvelope(body)
	if err != nil {
		t.Fatal(err)
	}
	c := mustCrypto(t, "QDG6eK")
	msg, _, err := c.Open("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", env.Encrypt, env.ToUserName)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	want := "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"
	if string(msg) != want {
		t.Fatalf("plaintext:\n%q\nwant\n%q", msg, want)
	}
	h, err := ParseHeader(msg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Type() != "msg.text" || h.CorpID() != vecReceiveID || h.Time() != 1409659813 || h.AgentID != "218" {
		t.Fatalf("header %+v", h)
	}
}

// Vector E: deterministic instruction-callback encryption, receiveid = suite id.
func TestEncryptVectorE(t *testing.T) {
	var random [16]byte
	copy(random[:], "0123456789abcdef")
	msg := "<xml><SuiteId><![CDATA[ww4asffe99e54c0f4c]]></SuiteId><InfoType><![CDATA[suite_ticket]]></InfoType><TimeStamp>1403610513</TimeStamp><SuiteTicket><![CDATA[asdfasfdasdfasdf]]></SuiteTicket></xml>"
	c := mustCrypto(t, "QDG6eK")
	enc := c.EncryptWithRandom(random, []byte(msg), "ww4asffe99e54c0f4c")
	const wantEnc = "sKqRbbiSUnDhFHOvPjtUMaaogxpwTBv7Wl+jZyBBqkErFQ+KUsAHG3RDddmrDiHnVnjQ/TW1JhlLzTFWf5WBN7b3kZqFYF4sscpQOEHmqtKXha12wal828yxiCZ7ODYnYuxM/rq09lHrTgqE+Uj9+JI6JUIMfrFqupIS/Bbk5TADN+7KcRYhRo8dDxnY1j3m/xN5uS2MinNcfIze3nerji068eXP2QE5DgnMlsO4kH67spHc/Y5OlPtklGUuZ/BD7tIPWLzgFYYrFlVjGM+BrORI12XJKh0uk8Kq9mw2vnVtnFW5eNJTqLNni6br1es/Kwzwtpz8MT1AMFOnQomuDQ=="
	if enc != wantEnc {
		t.Fatalf("Encrypt = %s\nwant %s", enc, wantEnc)
	}
	if sig := c.Sign("1403610513", "380320359", enc); sig != "510dd46555a73dab04f40f4db7fef59477c3bdb2" {
		t.Fatalf("signature %s", sig)
	}
	if _, _, err := c.Open("510dd46555a73dab04f40f4db7fef59477c3bdb2", "1403610513", "380320359", enc, "wx5823bf96d3bd56c7"); !errors.Is(err, ErrReceiveID) {
		t.Fatalf("open with corpid as receiveid: %v, want ErrReceiveID", err)
	}
	h, err := ParseHeader([]byte(msg))
	if err != nil {
		t.Fatal(err)
	}
	if h.Type() != "suite_ticket" || h.SuiteID != "ww4asffe99e54c0f4c" || h.Time() != 1403610513 {
		t.Fatalf("header %+v", h)
	}
}

// Vector C: signature only.
func TestSignatureVectorC(t *testing.T) {
	enc := "Q/jUxIL3/jRaFeTKesIr1QSq2SOEApDqlzcRrRM6Jlk4EbMBns3plPOR/W3gThOEq+zYI42fNSoIUb3cQwt9zyD1aLU/7D3WNLute7LQ9LSHjZEfVmx5zcIR9zvrUWGjhe1whTPH4e1WR6vbOYs8o/bDRF0vX/NcE4XK7P83Y6CzQiJoKbjVCne84s0zcw5eh+ZUDB55eaDHPSoS7kAC8kB00pfBoDF0jyfc8CUKLW97e72vJGyUWjZ0BvYN+R+tFjMgEzg/EN1imuuFnf40DMAcvB6y+C97TuaWjpgfRdowGWzn10JAFNukRfQqjdA0e2bfczJ7+t9w/t8/XSMADJOt1xbnP+I5cRX/r7ueBGmG/6ejP3myO9yTXHdujGvwrXHuWw+J7qD4VoUVjbm2vQ1qQKbrweKssr6O+3XSbanZ5R3n26EpN/gfgX+r6rcGViqsFop9Ai9xMnfJUubB6Q=="
	if got := Signature("ovAkP0Tb", "1628737717", "1811081856", enc); got != "8128e41a38892d814e4aa67753425da9dc8ec2b3" {
		t.Fatalf("signature %s", got)
	}
}

func TestRoundTripAndPadding(t *testing.T) {
	c := mustCrypto(t, "tok")
	for n := 0; n < 100; n++ {
		msg := bytes.Repeat([]byte("x"), n)
		enc, err := c.Encrypt(msg, "rid")
		if err != nil {
			t.Fatal(err)
		}
		got, rid, err := c.Decrypt(enc)
		if err != nil || !bytes.Equal(got, msg) || rid != "rid" {
			t.Fatalf("n=%d: %q %q %v", n, got, rid, err)
		}
		if raw := mustB64(t, enc); len(raw)%32 != 0 {
			t.Fatalf("n=%d: ciphertext %d bytes, not a multiple of 32", n, len(raw))
		}
	}
}

func TestDecryptRejects(t *testing.T) {
	c := mustCrypto(t, "tok")
	tests := []struct {
		name string
		enc  string
		want error
	}{
		{"not base64", "!!!", ErrBase64},
		{"empty", "", ErrCiphertext},
		{"short block", "AAAA", ErrCiphertext},
		{"garbage block", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", ErrPadding},
	}
	for _, tt := range tests {
		if _, _, err := c.Decrypt(tt.enc); !errors.Is(err, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestRefusesDirectives(t *testing.T) {
	for _, doc := range []string{
		`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><xml><InfoType>&a;</InfoType></xml>`,
		`<!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><InfoType>x</InfoType></xml>`,
	} {
		if _, err := ParseHeader([]byte(doc)); !errors.Is(err, ErrDirective) {
			t.Errorf("%q: %v, want ErrDirective", doc, err)
		}
	}
	// CDATA that merely looks like a directive is data, not a directive.
	if _, err := ParseHeader([]byte(`<xml><MsgType>text</MsgType><Content><![CDATA[<!DOCTYPE x>]]></Content></xml>`)); err != nil {
		t.Fatal(err)
	}
}
