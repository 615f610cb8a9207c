package wecom

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// ErrDirective is returned for XML that carries a DTD or any other <!...> directive.
// WeCom never sends one; refusing them rules out entity tricks before any decoding.
var ErrDirective = errors.New("xml directives (DTD, ENTITY) are not accepted")

// ErrXML wraps every XML syntax failure so callers can tell malformed input from other errors.
var ErrXML = errors.New("malformed xml")

// UnmarshalXML decodes data into v after checking that it holds no directive.
func UnmarshalXML(data []byte, v any) error {
	if err := checkXML(data); err != nil {
		return err
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%w: %v", ErrXML, err)
	}
	return nil
}

func checkXML(data []byte) error {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %v", ErrXML, err)
		}
		if _, ok := tok.(xml.Directive); ok {
			return ErrDirective
		}
	}
}

// Envelope is the outer XML of a callback POST. The signature covers Encrypt only.
type Envelope struct {
	ToUserName string `xml:"ToUserName"`
	Encrypt    string `xml:"Encrypt"`
	AgentID    string `xml:"AgentID"`
}

// ParseEnvelope decodes a callback POST body.
func ParseEnvelope(body []byte) (Envelope, error) {
	var e Envelope
	if err := UnmarshalXML(body, &e); err != nil {
		return Envelope{}, err
	}
	e.ToUserName = trimSpace(e.ToUserName)
	e.Encrypt = trimSpace(e.Encrypt)
	e.AgentID = trimSpace(e.AgentID)
	if e.Encrypt == "" {
		return Envelope{}, fmt.Errorf("%w: no Encrypt element", ErrXML)
	}
	return e, nil
}

func trimSpace(s string) string { return string(bytes.TrimSpace([]byte(s))) }
