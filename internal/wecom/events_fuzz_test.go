package wecom

import (
	"bytes"
	"errors"
	"testing"
)

// FuzzParseEvent checks that ParseEvent never panics, classifies every failure
// as ErrXML or ErrDirective, and keeps the header and the typed event in step.
func FuzzParseEvent(f *testing.F) {
	for _, plain := range sampleEvents(f) {
		f.Add(plain)
	}
	f.Add([]byte(`<!DOCTYPE xml [<!ENTITY e "x">]><xml><InfoType>suite_ticket</InfoType></xml>`))
	f.Add([]byte(`<xml><InfoType> <![CDATA[change_contact]]></InfoType><ChangeType>create_user</ChangeType><ExtAttr><Item><Type> 1 </Type></Item></ExtAttr></xml>`))
	f.Fuzz(func(t *testing.T, plain []byte) {
		h, v, err := ParseEvent(plain)
		if err != nil {
			if !errors.Is(err, ErrXML) && !errors.Is(err, ErrDirective) {
				t.Fatalf("unclassified error: %v", err)
			}
			if v != nil {
				t.Fatalf("value %T with error", v)
			}
			return
		}
		if v == nil || h.Type() == "" {
			t.Fatalf("no value or type: %T %+v", v, h)
		}
		if u, ok := v.(*UnknownEvent); ok && !bytes.Equal(u.Raw, plain) {
			t.Fatal("UnknownEvent.Raw differs from the input")
		}
		if got := headerOf(v); got != h {
			t.Fatalf("event header %+v, returned %+v", got, h)
		}
	})
}

// FuzzOpen drives a callback POST body through the whole receive path:
// envelope, signature, decryption, receiveid check, event parsing. The body is
// signed inside the target so mutations reach the decryptor instead of all
// stopping at the signature; a tampered signature must always be refused.
// plain is sealed and opened again and must come back unchanged.
func FuzzOpen(f *testing.F) {
	const (
		token, suiteID = "QDG6eK", "ww4asffe99e54c0f4c"
		ts, nonce      = "1403610513", "380320359"
	)
	c := mustCrypto(f, token)
	var random [16]byte
	copy(random[:], "0123456789abcdef")
	for _, plain := range sampleEvents(f) {
		enc := c.EncryptWithRandom(random, plain, suiteID)
		body := "<xml><ToUserName><![CDATA[" + suiteID + "]]></ToUserName><Encrypt><![CDATA[" + enc + "]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>"
		f.Add([]byte(body), plain)
	}
	f.Add([]byte("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA["+vecBEncrypt+"]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>"), []byte{})
	openErrs := []error{ErrSignature, ErrBase64, ErrCiphertext, ErrPadding, ErrMessageSize, ErrReceiveID}

	f.Fuzz(func(t *testing.T, body, plain []byte) {
		enc, err := c.Encrypt(plain, suiteID)
		if err != nil {
			t.Fatal(err)
		}
		got, rid, err := c.Open(c.Sign(ts, nonce, enc), ts, nonce, enc, suiteID)
		if err != nil || rid != suiteID || !bytes.Equal(got, plain) {
			t.Fatalf("round trip: %q %q %v", got, rid, err)
		}

		env, err := ParseEnvelope(body)
		if err != nil {
			if !errors.Is(err, ErrXML) && !errors.Is(err, ErrDirective) {
				t.Fatalf("unclassified envelope error: %v", err)
			}
			return
		}
		sig := c.Sign(ts, nonce, env.Encrypt)
		bad := []byte(sig)
		bad[0] ^= 1 // '0'..'9' and 'a'..'f' stay printable and differ
		if _, _, err := c.Open(string(bad), ts, nonce, env.Encrypt, env.ToUserName); !errors.Is(err, ErrSignature) {
			t.Fatalf("tampered signature: %v", err)
		}
		msg, _, err := c.Open(sig, ts, nonce, env.Encrypt, env.ToUserName)
		if err != nil {
			for _, want := range openErrs {
				if errors.Is(err, want) {
					return
				}
			}
			t.Fatalf("unclassified open error: %v", err)
		}
		if _, _, err := ParseEvent(msg); err != nil && !errors.Is(err, ErrXML) && !errors.Is(err, ErrDirective) {
			t.Fatalf("unclassified parse error: %v", err)
		}
	})
}
