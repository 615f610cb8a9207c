package store

import (
	"fmt"
	"slices"
	"time"
)

// Kind is the type of a bearer credential.
type Kind string

// Token kinds. The two ticket kinds are credentials too: they share the
// same-value-while-valid rule with tokens.
const (
	KindProvider    Kind = "provider_access_token"
	KindSuite       Kind = "suite_access_token"
	KindCorp        Kind = "access_token"
	KindJSAPITicket Kind = "jsapi_ticket"
	KindAgentTicket Kind = "agent_config_ticket"
)

// Token is an issued bearer credential. SuiteID and CorpID say whom it belongs to:
// provider tokens carry the provider corpid in CorpID, suite tokens only SuiteID.
type Token struct {
	Kind      Kind
	Value     string
	SuiteID   string
	CorpID    string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Subject is who the token speaks for: the corpid for provider and corp credentials,
// the suite id for suite tokens.
func (t Token) Subject() string {
	if t.Kind == KindSuite {
		return t.SuiteID
	}
	return t.CorpID
}

func subjectKey(kind Kind, suiteID, corpID string) string {
	return string(kind) + "|" + suiteID + "|" + corpID
}

// IssueToken returns the current credential of this kind and owner while it is valid,
// as WeCom does, and mints a new one once it has expired.
func (s *Store) IssueToken(kind Kind, suiteID, corpID string, now time.Time, ttl time.Duration) Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := subjectKey(kind, suiteID, corpID)
	if v, ok := s.current[key]; ok {
		if t := s.tokens[v]; t != nil && now.Before(t.ExpiresAt) {
			return *t
		}
	}
	t := &Token{Kind: kind, Value: newToken(), SuiteID: suiteID, CorpID: corpID, IssuedAt: now, ExpiresAt: now.Add(ttl)}
	s.tokens[t.Value] = t
	s.current[key] = t.Value
	return *t
}

// CheckToken validates a presented credential. Expired tokens are remembered so the
// caller can tell "expired" from "never issued".
func (s *Store) CheckToken(value string, want Kind, now time.Time) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	switch {
	case !ok:
		return Token{}, ErrUnknown
	case t.Kind != want:
		return *t, ErrWrongKind
	case !now.Before(t.ExpiresAt):
		return *t, ErrExpired
	}
	return *t, nil
}

// LookupToken finds a credential of any kind, valid or not.
func (s *Store) LookupToken(value string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	if !ok {
		return Token{}, false
	}
	return *t, true
}

// purgeCorpTokens forgets every corp-scoped credential of an install, so a cancelled
// install's tokens answer "invalid" rather than "expired". Caller holds the lock.
func (s *Store) purgeCorpTokens(suiteID, corpID string) {
	for v, t := range s.tokens {
		if t.SuiteID == suiteID && t.CorpID == corpID && t.Kind != KindSuite {
			delete(s.tokens, v)
		}
	}
	for _, k := range []Kind{KindCorp, KindJSAPITicket, KindAgentTicket} {
		delete(s.current, subjectKey(k, suiteID, corpID))
	}
}

// CodeKind is the type of a one-off code.
type CodeKind string

// Code kinds.
const (
	CodePreAuth    CodeKind = "pre_auth_code"
	CodeAuth       CodeKind = "auth_code"
	CodeOAuth      CodeKind = "oauth_code"
	CodeLogin      CodeKind = "login_auth_code"
	CodeUserTicket CodeKind = "user_ticket"
)

// Code is a short-lived code. Owner is the suite id (or the provider corpid for login
// codes) that may redeem it; a code presented by anyone else is unknown to them.
type Code struct {
	Kind      CodeKind
	Value     string
	Owner     string
	CorpID    string
	UserID    string
	Scope     string
	State     string
	AuthType  int
	UserType  int
	ExpiresAt time.Time
	Used      bool
	// PermanentCode is what an auth code exchanges to; a reset_permanent_code auth code
	// (Reset) carries the replacement here until it is redeemed.
	PermanentCode string
	Reset         bool
}

// NewCode stores a fresh code; Value, Kind and ExpiresAt are filled in.
func (s *Store) NewCode(kind CodeKind, c Code, now time.Time, ttl time.Duration) Code {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newCode(kind, c, now, ttl)
}

func (s *Store) newCode(kind CodeKind, c Code, now time.Time, ttl time.Duration) Code {
	c.Kind, c.Value, c.ExpiresAt, c.Used = kind, newCodeValue(), now.Add(ttl), false
	s.codes[c.Value] = &c
	return c
}

// PeekCode validates a code without consuming it.
func (s *Store) PeekCode(kind CodeKind, owner, value string, now time.Time) (Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.findCode(kind, owner, value, now)
	if err != nil {
		return Code{}, err
	}
	return *c, nil
}

// UseCode validates and consumes a single-use code.
func (s *Store) UseCode(kind CodeKind, owner, value string, now time.Time) (Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.findCode(kind, owner, value, now)
	if err != nil {
		return Code{}, err
	}
	c.Used = true
	return *c, nil
}

func (s *Store) findCode(kind CodeKind, owner, value string, now time.Time) (*Code, error) {
	c, ok := s.codes[value]
	switch {
	case !ok || c.Kind != kind || c.Owner != owner:
		return nil, ErrUnknown
	case c.Used:
		return nil, ErrUsed
	case !now.Before(c.ExpiresAt):
		return nil, ErrExpired
	}
	return c, nil
}

// SetPreAuthSession records set_session_info's auth_type on a pre_auth_code.
func (s *Store) SetPreAuthSession(owner, value string, authType int, now time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.findCode(CodePreAuth, owner, value, now)
	if err != nil {
		return err
	}
	c.AuthType = authType
	return nil
}

// SuiteTicket is one suite_ticket push.
type SuiteTicket struct {
	Value    string
	PushedAt time.Time
}

// NewSuiteTicket mints the ticket for the next push and forgets ones past validity.
func (s *Store) NewSuiteTicket(suiteID string, now time.Time, validity time.Duration) SuiteTicket {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := SuiteTicket{Value: newSuiteTicketValue(), PushedAt: now}
	keep := slices.DeleteFunc(s.tickets[suiteID], func(x SuiteTicket) bool { return !now.Before(x.PushedAt.Add(validity)) })
	s.tickets[suiteID] = append(keep, t)
	return t
}

// CheckSuiteTicket accepts any ticket of this suite pushed within validity: WeCom
// keeps a ticket usable for 30 minutes so a receiver that missed two pushes still works.
func (s *Store) CheckSuiteTicket(suiteID, value string, now time.Time, validity time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, t := range s.tickets[suiteID] {
		if t.Value != value {
			continue
		}
		if !now.Before(t.PushedAt.Add(validity)) {
			return fmt.Errorf("suite_ticket: %w", ErrExpired)
		}
		return nil
	}
	return fmt.Errorf("suite_ticket: %w", ErrUnknown)
}

// LatestSuiteTicket returns the newest ticket of a suite, if any was pushed.
func (s *Store) LatestSuiteTicket(suiteID string) (SuiteTicket, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ts := s.tickets[suiteID]
	if len(ts) == 0 {
		return SuiteTicket{}, false
	}
	return ts[len(ts)-1], true
}
