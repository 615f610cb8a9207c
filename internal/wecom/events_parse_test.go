package wecom

import (
	"bytes"
	"errors"
	"testing"
)

func TestParseEventTrimsValues(t *testing.T) {
	plain := []byte("<xml>\n<SuiteId> <![CDATA[ww1]]> </SuiteId>\n<InfoType> <![CDATA[create_auth]]>\n</InfoType>" +
		"<TimeStamp> 1403610513 </TimeStamp><AuthCode>\n\t<![CDATA[AUTHCODE]]>  </AuthCode><State> <![CDATA[st]]></State></xml>")
	h, v, err := ParseEvent(plain)
	if err != nil {
		t.Fatal(err)
	}
	ca, ok := v.(*CreateAuth)
	if !ok {
		t.Fatalf("got %T", v)
	}
	if h.SuiteID != "ww1" || h.TimeStamp != 1403610513 || ca.AuthCode != "AUTHCODE" || ca.State != "st" || ca.SuiteID != "ww1" {
		t.Fatalf("header %+v, event %+v", h, ca)
	}
}

func TestParseEventRejects(t *testing.T) {
	tests := []struct {
		name, xml string
		want      error
	}{
		{"dtd", `<!DOCTYPE xml [<!ENTITY e "x">]><xml><InfoType>suite_ticket</InfoType><SuiteTicket>&e;</SuiteTicket></xml>`, ErrDirective},
		{"external entity", `<?xml version="1.0"?><!DOCTYPE xml SYSTEM "file:///etc/passwd"><xml><MsgType>text</MsgType></xml>`, ErrDirective},
		{"truncated", `<xml><InfoType>suite_ticket</InfoType><SuiteTicket>x`, ErrXML},
		{"no type", `<xml><SuiteId>ww1</SuiteId></xml>`, ErrXML},
		{"bad timestamp", `<xml><InfoType>cancel_auth</InfoType><TimeStamp>soon</TimeStamp></xml>`, ErrXML},
		{"bad int field", `<xml><InfoType>change_contact</InfoType><ChangeType>delete_party</ChangeType><Id>two</Id></xml>`, ErrXML},
		{"empty", ``, ErrXML},
	}
	for _, tt := range tests {
		if _, v, err := ParseEvent([]byte(tt.xml)); !errors.Is(err, tt.want) || v != nil {
			t.Errorf("%s: got %T, %v; want %v", tt.name, v, err, tt.want)
		}
	}
}

func TestUnknownEventKeepsACopy(t *testing.T) {
	plain := []byte(`<xml><InfoType>brand_new_event</InfoType><TimeStamp>1</TimeStamp><Foo>bar</Foo></xml>`)
	h, v, err := ParseEvent(plain)
	if err != nil {
		t.Fatal(err)
	}
	u, ok := v.(*UnknownEvent)
	if !ok || h.Type() != "brand_new_event" || u.Header != h {
		t.Fatalf("got %T %+v", v, h)
	}
	want := bytes.Clone(plain)
	plain[10] = 'X' // callers may reuse their buffer
	if !bytes.Equal(u.Raw, want) {
		t.Fatalf("Raw aliases the input: %q", u.Raw)
	}
}

// A ChangeType only routes within its InfoType: change_external_contact has no
// per-ChangeType keys, so any change type decodes to the one struct.
func TestParseEventChangeTypeFallback(t *testing.T) {
	plain := []byte(`<xml><InfoType>change_external_contact</InfoType><ChangeType>msg_audit_approved</ChangeType><UserID>u</UserID></xml>`)
	_, v, err := ParseEvent(plain)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := v.(*ExternalContactChange); !ok || e.UserID != "u" || e.ChangeType != "msg_audit_approved" {
		t.Fatalf("got %#v", v)
	}
}
