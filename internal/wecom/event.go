package wecom

import (
	"fmt"
	"strconv"
)

// Header holds the fields every decrypted callback may carry. Instruction and system
// events set InfoType; data-callback events set MsgType (and Event for MsgType=event).
type Header struct {
	InfoType      string `xml:"InfoType"`
	SuiteID       string `xml:"SuiteId"`
	AuthCorpID    string `xml:"AuthCorpId"`
	ServiceCorpID string `xml:"ServiceCorpId"`
	PaidCorpID    string `xml:"PaidCorpId"`
	ChangeType    string `xml:"ChangeType"`
	TimeStamp     int64  `xml:"TimeStamp"`

	ToUserName   string `xml:"ToUserName"`
	FromUserName string `xml:"FromUserName"`
	CreateTime   int64  `xml:"CreateTime"`
	MsgType      string `xml:"MsgType"`
	Event        string `xml:"Event"`
	AgentID      string `xml:"AgentID"`
}

// Type names the event for routing: the InfoType for instruction and system events
// ("suite_ticket", "change_contact"), "event.<Event>" for data-callback events
// ("event.change_app_admin") and "msg.<MsgType>" for user messages.
func (h Header) Type() string {
	switch {
	case h.InfoType != "":
		return h.InfoType
	case h.MsgType == "event":
		return "event." + h.Event
	case h.MsgType != "":
		return "msg." + h.MsgType
	}
	return ""
}

// CorpID is the tenant corp the event is about, if any.
func (h Header) CorpID() string {
	switch {
	case h.AuthCorpID != "":
		return h.AuthCorpID
	case h.PaidCorpID != "":
		return h.PaidCorpID
	case h.MsgType != "":
		return h.ToUserName
	}
	return ""
}

// Time is the event's own timestamp in unix seconds (TimeStamp or CreateTime).
func (h Header) Time() int64 {
	if h.TimeStamp != 0 {
		return h.TimeStamp
	}
	return h.CreateTime
}

type headerXML struct {
	Header
	TimeStamp  string `xml:"TimeStamp"`
	CreateTime string `xml:"CreateTime"`
}

// ParseHeader decodes the common fields of a decrypted callback message.
func ParseHeader(plain []byte) (Header, error) {
	var x headerXML
	if err := UnmarshalXML(plain, &x); err != nil {
		return Header{}, err
	}
	h := x.Header
	for _, f := range []*string{&h.InfoType, &h.SuiteID, &h.AuthCorpID, &h.ServiceCorpID, &h.PaidCorpID,
		&h.ChangeType, &h.ToUserName, &h.FromUserName, &h.MsgType, &h.Event, &h.AgentID} {
		*f = trimSpace(*f)
	}
	var err error
	if h.TimeStamp, err = parseInt(x.TimeStamp); err != nil {
		return Header{}, fmt.Errorf("%w: TimeStamp %q", ErrXML, x.TimeStamp)
	}
	if h.CreateTime, err = parseInt(x.CreateTime); err != nil {
		return Header{}, fmt.Errorf("%w: CreateTime %q", ErrXML, x.CreateTime)
	}
	if h.Type() == "" {
		return Header{}, fmt.Errorf("%w: neither InfoType nor MsgType", ErrXML)
	}
	return h, nil
}

func parseInt(s string) (int64, error) {
	s = trimSpace(s)
	if s == "" {
		return 0, nil
	}
	return strconv.ParseInt(s, 10, 64)
}
