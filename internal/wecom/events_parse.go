package wecom

import (
	"bytes"
	"reflect"
	"strings"
)

// UnknownEvent is a callback this package has no type for: an InfoType, Event
// or ChangeType WeCom added later, or one we do not model. It is not an error:
// the platform records it and moves on, so new WeCom events never cause retries.
type UnknownEvent struct {
	Header
	Raw []byte // the decrypted XML, unchanged
}

// eventTypes maps Header.Type(), optionally followed by "/" and the ChangeType,
// to a constructor of the typed event. Keys with a ChangeType win over the bare
// key; change_contact has no bare key because its change types have different
// fields, so an unknown change type there stays an UnknownEvent.
var eventTypes = map[string]func() any{
	// Instruction callbacks: authorisation lifecycle (protocol §6.1).
	"suite_ticket":         func() any { return new(SuiteTicket) },
	"create_auth":          func() any { return new(CreateAuth) },
	"change_auth":          func() any { return new(ChangeAuth) },
	"cancel_auth":          func() any { return new(CancelAuth) },
	"reset_permanent_code": func() any { return new(ResetPermanentCode) },
	"share_agent_change":   func() any { return new(ShareAgentChange) },
	"share_chain_change":   func() any { return new(ShareChainChange) },
	"corp_arch_auth":       func() any { return new(CorpArchAuth) },
	"approve_special_auth": func() any { return new(ApproveSpecialAuth) },
	"cancel_special_auth":  func() any { return new(CancelSpecialAuth) },

	// Contacts (§6.2), on the instruction URL and, for 代开发 apps, the data URL.
	"change_contact/create_user":        func() any { return new(ContactUserChange) },
	"change_contact/update_user":        func() any { return new(ContactUserChange) },
	"change_contact/delete_user":        func() any { return new(ContactUserChange) },
	"change_contact/create_party":       func() any { return new(ContactPartyChange) },
	"change_contact/update_party":       func() any { return new(ContactPartyChange) },
	"change_contact/delete_party":       func() any { return new(ContactPartyChange) },
	"change_contact/update_tag":         func() any { return new(ContactTagChange) },
	"event.change_contact/create_user":  func() any { return new(ContactUserChange) },
	"event.change_contact/update_user":  func() any { return new(ContactUserChange) },
	"event.change_contact/delete_user":  func() any { return new(ContactUserChange) },
	"event.change_contact/create_party": func() any { return new(ContactPartyChange) },
	"event.change_contact/update_party": func() any { return new(ContactPartyChange) },
	"event.change_contact/delete_party": func() any { return new(ContactPartyChange) },
	"event.change_contact/update_tag":   func() any { return new(ContactTagChange) },

	// Customer contact (§6.3): one type per InfoType, ChangeType says what happened.
	"change_external_contact":            func() any { return new(ExternalContactChange) },
	"change_external_chat":               func() any { return new(ExternalChatChange) },
	"change_external_tag":                func() any { return new(ExternalTagChange) },
	"customer_acquisition_permit_change": func() any { return new(CustomerAcquisitionPermitChange) },
	"event.change_external_contact":      func() any { return new(ExternalContactChange) },
	"event.change_external_chat":         func() any { return new(ExternalChatChange) },
	"event.change_external_tag":          func() any { return new(ExternalTagChange) },

	// Async jobs (§6.4, §7): export and id-translate jobs, and corp import jobs.
	"batch_job_result":       func() any { return new(BatchJobResult) },
	"event.batch_job_result": func() any { return new(BatchJobResult) },

	// Paid editions (§6.5).
	"open_order":          func() any { return new(OpenOrder) },
	"change_order":        func() any { return new(ChangeOrder) },
	"pay_for_app_success": func() any { return new(PayForAppSuccess) },
	"refund":              func() any { return new(OrderRefund) },
	"cancel_order":        func() any { return new(CancelOrder) },
	"change_editon":       func() any { return new(ChangeEdition) }, // sic: Tencent's spelling

	// Provider-level system events (§6.6).
	"license_pay_success":             func() any { return new(LicensePaySuccess) },
	"license_refund":                  func() any { return new(LicenseRefund) },
	"auto_activate":                   func() any { return new(AutoActivate) },
	"agree_external_userid_migration": func() any { return new(AgreeExternalUserIDMigration) },
	"register_corp":                   func() any { return new(RegisterCorp) },
	"enter_register_package":          func() any { return new(EnterRegisterPackage) },

	// Data callbacks (§7).
	"event.change_app_admin":   func() any { return new(ChangeAppAdmin) },
	"event.unlicensed_notify":  func() any { return new(UnlicensedNotify) },
	"event.subscribe":          func() any { return new(Subscribe) },
	"event.unsubscribe":        func() any { return new(Unsubscribe) },
	"event.enter_agent":        func() any { return new(EnterAgent) },
	"event.share_agent_change": func() any { return new(ShareAgentChange) },
}

// ParseEvent decodes a decrypted callback message into its header and a typed
// event: a pointer to one of the types in events_*.go, *Message for user
// messages, or *UnknownEvent for anything else. DTDs are refused (ErrDirective)
// and whitespace around values is trimmed. Malformed XML, or a field that
// does not fit its type, is an error wrapping ErrXML.
func ParseEvent(plain []byte) (Header, any, error) {
	h, err := ParseHeader(plain)
	if err != nil {
		return Header{}, nil, err
	}
	v := newEvent(h)
	if v == nil {
		return h, &UnknownEvent{Header: h, Raw: bytes.Clone(plain)}, nil
	}
	if err := UnmarshalXML(plain, v); err != nil {
		return Header{}, nil, err
	}
	trimStrings(reflect.ValueOf(v))
	v.(interface{ setHeader(Header) }).setHeader(h)
	return h, v, nil
}

func newEvent(h Header) any {
	typ := h.Type()
	if h.ChangeType != "" {
		if f, ok := eventTypes[typ+"/"+h.ChangeType]; ok {
			return f()
		}
	}
	if f, ok := eventTypes[typ]; ok {
		return f()
	}
	if strings.HasPrefix(typ, "msg.") {
		return new(Message)
	}
	return nil
}

// setHeader is promoted to every event type through its embedded Header, which
// is why those embed it with `xml:"-"`: ParseHeader has already decoded it.
func (h *Header) setHeader(x Header) { *h = x }

// trimStrings trims every string reachable from v in place. WeCom's samples put
// whitespace around CDATA sections; encoding/xml trims numbers but not strings.
func trimStrings(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			trimStrings(v.Elem())
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				trimStrings(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // raw bytes, not text
		}
		for i := range v.Len() {
			trimStrings(v.Index(i))
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(strings.TrimSpace(v.String()))
		}
	}
}
