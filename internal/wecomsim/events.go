package wecomsim

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/wecomisv/platform/internal/wecomsim/store"
)

// Event types PushEvent knows; any other type is passed through as an InfoType (or,
// with Target "data", as a data-URL event).
const (
	EventChangeAuth         = "change_auth"
	EventCancelAuth         = "cancel_auth"
	EventResetPermanentCode = "reset_permanent_code"
	EventChangeContact      = "change_contact"
	EventChangeAppAdmin     = "change_app_admin"
)

// EventRequest is a corp-side change to simulate. Which fields matter depends on Type.
type EventRequest struct {
	Type string `json:"type"`
	// SuiteID picks one install; empty means every active install of the corp.
	SuiteID string `json:"suite_id,omitempty"`

	// change_auth: the new visible range (nil leaves it), State, ExtraInfo.
	AllowUser  []string `json:"allow_user,omitempty"`
	AllowParty []int    `json:"allow_party,omitempty"`
	AllowTag   []int    `json:"allow_tag,omitempty"`
	State      string   `json:"state,omitempty"`
	ExtraInfo  string   `json:"extra_info,omitempty"`

	// change_app_admin: the new admin list (nil leaves it).
	Admins []store.Admin `json:"admins,omitempty"`

	// change_contact: ChangeType and the user, party or tag fields below.
	ChangeType string `json:"change_type,omitempty"`
	ContactChange

	// Passthrough: Target "instruction" (default) or "data", Event (data only; default
	// Type) and extra XML fields, strings as CDATA and numbers bare.
	Target string         `json:"target,omitempty"`
	Event  string         `json:"event,omitempty"`
	Fields map[string]any `json:"fields,omitempty"`
}

// EventResult lists one push per affected install.
type EventResult struct {
	Type    string      `json:"type"`
	CorpID  string      `json:"corpid"`
	Results []EventPush `json:"results"`
}

// EventPush is the push to one suite; AuthCode is set for reset_permanent_code.
type EventPush struct {
	SuiteID  string   `json:"suite_id"`
	AuthCode string   `json:"auth_code,omitempty"`
	Delivery Delivery `json:"delivery"`
}

// PushEvent applies a change to the simulated corp and pushes the matching callback,
// encrypted for the suite (instruction URL) or the corp (data URL).
func (s *Sim) PushEvent(ctx context.Context, corpID string, req EventRequest) (EventResult, error) {
	if req.Type == "" {
		return EventResult{}, fmt.Errorf("type is required: %w", ErrBadRequest)
	}
	installs, err := s.eventTargets(corpID, req.SuiteID)
	if err != nil {
		return EventResult{}, err
	}
	var contact func(suiteID string) []byte
	if req.Type == EventChangeContact {
		if contact, err = s.applyContact(corpID, req.ChangeType, req.ContactChange); err != nil {
			return EventResult{}, err
		}
	}
	res := EventResult{Type: req.Type, CorpID: corpID, Results: []EventPush{}}
	for _, in := range installs {
		p, err := s.pushOne(ctx, in, req, contact)
		if err != nil {
			return res, err
		}
		res.Results = append(res.Results, p)
	}
	return res, nil
}

func (s *Sim) eventTargets(corpID, suiteID string) ([]store.Install, error) {
	if _, err := s.store.Corp(corpID); err != nil {
		return nil, fmt.Errorf("corp %q: %w", corpID, ErrNotFound)
	}
	var out []store.Install
	for _, in := range s.store.Installs(corpID) {
		if in.Status == store.StatusActive && (suiteID == "" || in.SuiteID == suiteID) {
			out = append(out, in)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("corp %s has no active install of %q: %w", corpID, suiteID, ErrBadRequest)
	}
	return out, nil
}

func (s *Sim) pushOne(ctx context.Context, in store.Install, req EventRequest, contact func(string) []byte) (EventPush, error) {
	st, ok := s.suite(in.SuiteID)
	if !ok {
		return EventPush{}, fmt.Errorf("suite %q: %w", in.SuiteID, ErrNotFound)
	}
	now := s.Now()
	p := EventPush{SuiteID: in.SuiteID}
	head := func(infoType string) *xmlMsg {
		return newXML().str("SuiteId", in.SuiteID).str("InfoType", infoType).num("TimeStamp", now.Unix()).str("AuthCorpId", in.CorpID)
	}
	var msg []byte
	switch req.Type {
	case EventChangeAuth:
		if req.AllowUser != nil || req.AllowParty != nil || req.AllowTag != nil {
			if _, err := s.store.UpdateInstall(in.SuiteID, in.CorpID, func(x *store.Install) {
				x.AllowUser = orKeep(req.AllowUser, x.AllowUser)
				x.AllowParty = orKeep(req.AllowParty, x.AllowParty)
				x.AllowTag = orKeep(req.AllowTag, x.AllowTag)
			}); err != nil {
				return p, fmt.Errorf("change_auth: %w", mapStoreErr(err))
			}
		}
		msg = head(req.Type).str("State", req.State).str("ExtraInfo", req.ExtraInfo).bytes()
	case EventCancelAuth:
		if _, err := s.store.Cancel(in.SuiteID, in.CorpID); err != nil {
			return p, fmt.Errorf("cancel_auth: %w", mapStoreErr(err))
		}
		msg = head(req.Type).bytes()
	case EventResetPermanentCode:
		code, err := s.store.ResetPermanentCode(in.SuiteID, in.CorpID, now, authCodeTTL)
		if err != nil {
			return p, fmt.Errorf("reset_permanent_code: %w", mapStoreErr(err))
		}
		p.AuthCode = code.Value
		msg = newXML().str("SuiteId", in.SuiteID).str("AuthCode", code.Value).str("InfoType", req.Type).
			num("TimeStamp", now.Unix()).bytes()
	case EventChangeContact:
		msg = contact(in.SuiteID)
	case EventChangeAppAdmin:
		return s.pushAppAdmin(ctx, st, in, req)
	default:
		if req.Target == KindData {
			return s.pushDataPassthrough(ctx, st, in, req), nil
		}
		msg = head(req.Type).fields(req.Fields).bytes()
	}
	p.Delivery = s.pushInstruction(ctx, st, req.Type, in.CorpID, msg)
	return p, nil
}

// pushAppAdmin updates the admin list and sends change_app_admin, which WeCom
// delivers to the data URL as a corp event (protocol §7).
func (s *Sim) pushAppAdmin(ctx context.Context, st *suite, in store.Install, req EventRequest) (EventPush, error) {
	if req.Admins != nil {
		corp, err := s.store.Corp(in.CorpID)
		if err != nil {
			return EventPush{}, fmt.Errorf("change_app_admin: %w", ErrNotFound)
		}
		for _, a := range req.Admins {
			if _, ok := corp.User(a.UserID); !ok {
				return EventPush{}, fmt.Errorf("admin %q is not a member: %w", a.UserID, ErrBadRequest)
			}
		}
		if in, err = s.store.UpdateInstall(in.SuiteID, in.CorpID, func(x *store.Install) { x.Admins = slices.Clone(req.Admins) }); err != nil {
			return EventPush{}, fmt.Errorf("change_app_admin: %w", mapStoreErr(err))
		}
	}
	msg := newXML().str("ToUserName", in.CorpID).str("FromUserName", "sys").num("CreateTime", s.Now().Unix()).
		str("MsgType", "event").str("Event", EventChangeAppAdmin).num("AgentID", int64(in.AgentID)).bytes()
	return EventPush{SuiteID: in.SuiteID, Delivery: s.pushData(ctx, st, EventChangeAppAdmin, in, msg)}, nil
}

func (s *Sim) pushDataPassthrough(ctx context.Context, st *suite, in store.Install, req EventRequest) EventPush {
	event := req.Event
	if event == "" {
		event = req.Type
	}
	from := "sys"
	fields := map[string]any{}
	for k, v := range req.Fields {
		switch k {
		case "FromUserName":
			if f, ok := v.(string); ok {
				from = f
			}
		case "ToUserName", "CreateTime", "MsgType", "Event", "AgentID":
			// the envelope fields are the simulator's to set
		default:
			fields[k] = v
		}
	}
	msg := newXML().str("ToUserName", in.CorpID).str("FromUserName", from).num("CreateTime", s.Now().Unix()).
		str("MsgType", "event").str("Event", event).num("AgentID", int64(in.AgentID)).fields(fields).bytes()
	return EventPush{SuiteID: in.SuiteID, Delivery: s.pushData(ctx, st, req.Type, in, msg)}
}

func orKeep[T any](v, old []T) []T {
	if v != nil {
		return slices.Clone(v)
	}
	return old
}

func mapStoreErr(err error) error {
	switch {
	case errors.Is(err, store.ErrExists), errors.Is(err, store.ErrCancelled), errors.Is(err, store.ErrNoInstall):
		return fmt.Errorf("%w: %w", ErrBadRequest, err)
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrNoCorp):
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	return err
}
