package store

import (
	"slices"
	"time"
)

// Approval is what the approving admin chose on the install page (or its stand-in).
type Approval struct {
	AuthUserID string
	State      string
	AuthType   int
}

// Approve records that corpID authorized suiteID and issues the temporary auth code
// for it. The install is live from this moment, as in WeCom; the code only lets the
// provider learn the permanent code. Approving an active install again keeps its
// permanent code; approving a cancelled one is a fresh install with new codes.
func (s *Store) Approve(suiteID, corpID string, a Approval, now time.Time, codeTTL time.Duration) (Install, Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.corps[corpID]
	if !ok {
		return Install{}, Code{}, ErrNoCorp
	}
	if a.AuthUserID == "" && len(c.Admins) > 0 {
		a.AuthUserID = c.Admins[0]
	}
	key := installKey{suiteID, corpID}
	in, ok := s.installs[key]
	if !ok || in.Status != StatusActive {
		s.seq++
		in = &Install{
			SuiteID:       suiteID,
			CorpID:        corpID,
			AgentID:       newAgentID(),
			PermanentCode: newPermanentCode(),
			Status:        StatusActive,
			AllowParty:    []int{1},
			InstalledAt:   now,
			seq:           s.seq,
		}
		for _, id := range c.Admins {
			in.Admins = append(in.Admins, Admin{UserID: id, AuthType: 1})
		}
		s.installs[key] = in
	}
	in.AuthType, in.State, in.AuthUserID = a.AuthType, a.State, a.AuthUserID
	code := s.newCode(CodeAuth, Code{
		Owner: suiteID, CorpID: corpID, UserID: a.AuthUserID, State: a.State,
		AuthType: a.AuthType, PermanentCode: in.PermanentCode,
	}, now, codeTTL)
	return in.clone(), code, nil
}

// ExchangeAuthCode consumes an auth code and returns the install it stands for. A
// reset code swaps in its new permanent code, which retires the old one.
func (s *Store) ExchangeAuthCode(suiteID, value string, now time.Time) (Install, Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, err := s.findCode(CodeAuth, suiteID, value, now)
	if err != nil {
		return Install{}, Code{}, err
	}
	c.Used = true
	in, ok := s.installs[installKey{suiteID, c.CorpID}]
	if !ok {
		return Install{}, Code{}, ErrNoInstall
	}
	if in.Status != StatusActive {
		return Install{}, Code{}, ErrCancelled
	}
	if c.Reset {
		in.PermanentCode = c.PermanentCode
	}
	return in.clone(), *c, nil
}

// InstallByPermanentCode authenticates a (corpid, permanent_code) pair for a suite.
func (s *Store) InstallByPermanentCode(suiteID, corpID, code string) (Install, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.corps[corpID]; !ok {
		return Install{}, ErrNoCorp
	}
	in, ok := s.installs[installKey{suiteID, corpID}]
	if !ok || in.PermanentCode != code {
		return Install{}, ErrUnknown
	}
	if in.Status != StatusActive {
		return Install{}, ErrCancelled
	}
	return in.clone(), nil
}

// Cancel marks an install cancelled; its permanent code and corp tokens stop working.
func (s *Store) Cancel(suiteID, corpID string) (Install, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.installs[installKey{suiteID, corpID}]
	if !ok {
		return Install{}, ErrNoInstall
	}
	if in.Status != StatusActive {
		return Install{}, ErrCancelled
	}
	in.Status = StatusCancelled
	s.purgeCorpTokens(suiteID, corpID)
	return in.clone(), nil
}

// ResetPermanentCode issues an auth code whose exchange yields a new permanent code.
func (s *Store) ResetPermanentCode(suiteID, corpID string, now time.Time, codeTTL time.Duration) (Code, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.installs[installKey{suiteID, corpID}]
	if !ok {
		return Code{}, ErrNoInstall
	}
	if in.Status != StatusActive {
		return Code{}, ErrCancelled
	}
	return s.newCode(CodeAuth, Code{
		Owner: suiteID, CorpID: corpID, PermanentCode: newPermanentCode(), Reset: true,
	}, now, codeTTL), nil
}

// UpdateInstall applies fn to an active install under the store lock.
func (s *Store) UpdateInstall(suiteID, corpID string, fn func(*Install)) (Install, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.installs[installKey{suiteID, corpID}]
	if !ok {
		return Install{}, ErrNoInstall
	}
	if in.Status != StatusActive {
		return Install{}, ErrCancelled
	}
	fn(in)
	in.Admins = slices.Clone(in.Admins)
	return in.clone(), nil
}
