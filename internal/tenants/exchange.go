package tenants

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/wecomisv/platform/internal/wecom"
)

// exchange returns the result of exchanging code, calling WeCom only if nobody has:
// the caller that claims the code exchanges it and seals the result; everyone else
// waits for that outcome and reuses it. An applied claim returns only its corp.
func (s *Service) exchange(ctx context.Context, suiteID, code, purpose string) (exchangeResult, claimRow, error) {
	hash := codeHash(suiteID, code)
	owner := newOwner()
	wait := 10 * time.Millisecond
	for {
		c, won, err := s.store.claim(ctx, hash, suiteID, purpose, owner, s.opt.ClaimLease)
		if err != nil {
			return exchangeResult{}, c, err
		}
		if won {
			return s.exchangeClaimed(ctx, hash, owner, suiteID, code)
		}
		switch c.Status {
		case claimExchanged:
			res, err := s.store.openResult(c)
			return res, c, err
		case claimApplied:
			return exchangeResult{CorpID: c.CorpID}, c, nil
		case claimFailed:
			return exchangeResult{}, c, refusal(c.ErrorCode, c.Error)
		}
		if c.Expired {
			continue // released or abandoned: claim it again at once
		}
		select {
		case <-ctx.Done():
			return exchangeResult{}, c, fmt.Errorf("wait for the exchange of an auth code in flight: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait = min(wait*2, 200*time.Millisecond)
	}
}

// RefusedError is WeCom's refusal of an auth code; it wraps ErrAuthCodeInvalid.
type RefusedError struct {
	Code int // the errcode: 40078 expired or used, 48004/40084 authorisation gone
	Msg  string
}

func (e *RefusedError) Error() string {
	return fmt.Sprintf("%v: wecom errcode %d: %s", ErrAuthCodeInvalid, e.Code, e.Msg)
}

func (e *RefusedError) Unwrap() error { return ErrAuthCodeInvalid }

// Cancelled reports that the authorisation behind the code is already gone.
func (e *RefusedError) Cancelled() bool {
	return e.Code == wecom.CodeAuthRelationInvalid || e.Code == wecom.CodeInvalidPermanentCode
}

func refusal(code int, msg string) error { return &RefusedError{Code: code, Msg: msg} }

// exchangeClaimed calls get_permanent_code for a code this caller claimed and records
// the outcome. Neither the call nor the record is cut short by ctx: once WeCom may have
// consumed the code, its answer is the only copy of the permanent code.
func (s *Service) exchangeClaimed(ctx context.Context, hash, owner, suiteID, code string) (exchangeResult, claimRow, error) {
	callCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opt.ClaimLease*2/3)
	defer cancel()
	var res exchangeResult
	sent := false
	err := s.tokens.CallSuite(callCtx, suiteID, func(tok string) error {
		var err error
		sent = true
		res, err = s.callExchange(callCtx, tok, code)
		return err
	})
	// Recording the outcome gets its own deadline: the call may have used up callCtx's,
	// and a successful answer is the only copy of the permanent code.
	recordCtx, cancelRecord := context.WithTimeout(context.WithoutCancel(ctx), s.opt.ClaimLease)
	defer cancelRecord()
	if err != nil {
		we, answered := wecom.AsError(err)
		if answered && refused(we) {
			if rerr := s.store.recordFailure(recordCtx, hash, owner, we.Code, we.Msg); rerr != nil {
				return res, claimRow{}, errors.Join(err, rerr)
			}
			return res, claimRow{}, refusal(we.Code, we.Msg)
		}
		if sent && !answered {
			// No answer (timeout, broken connection, 5xx): WeCom may have consumed the
			// code. The claim stays until its lease runs out, so concurrent deliveries
			// wait instead of calling at once; then one caller tries again.
			return res, claimRow{}, fmt.Errorf("exchange auth code: %w", err)
		}
		// WeCom answered with an errcode, or was never called (no suite token): the code
		// is unused, so the next attempt may claim it at once.
		if rerr := s.store.release(recordCtx, hash, owner); rerr != nil {
			return res, claimRow{}, errors.Join(err, rerr)
		}
		return res, claimRow{}, fmt.Errorf("exchange auth code: %w", err)
	}
	for attempt := 0; ; attempt++ {
		err = s.store.recordExchange(recordCtx, hash, res)
		if err == nil || attempt == 4 || recordCtx.Err() != nil {
			break
		}
		time.Sleep(time.Duration(100<<attempt) * time.Millisecond)
	}
	if err != nil {
		// WeCom has consumed the code; without its answer stored the install cannot be
		// completed, and only a new install helps. The inbox row keeps this error.
		return res, claimRow{}, fmt.Errorf("auth code of %s exchanged but the result could not be stored: %w", res.CorpID, err)
	}
	c, err := s.store.getClaim(recordCtx, hash)
	return res, c, err
}

// refused reports WeCom's refusal of the code itself: invalid, used, expired, or the
// authorisation behind it already gone. Asking again cannot succeed.
func refused(e *wecom.Error) bool {
	switch e.Code {
	case 40078, 41008, 42008:
		return true
	}
	return e.AuthRevoked()
}

func (s *Service) callExchange(ctx context.Context, tok, code string) (exchangeResult, error) {
	if s.opt.PermanentCodeAPI == APIv1 {
		r, err := s.wc.GetPermanentCode(ctx, tok, code)
		if err != nil {
			return exchangeResult{}, err
		}
		snap := snapshotOf(r.AuthCorpInfo, r.AuthInfo, r.EditionInfo, r.DealerCorpInfo)
		return exchangeResult{CorpID: r.AuthCorpInfo.CorpID, CorpName: r.AuthCorpInfo.CorpName, PermanentCode: r.PermanentCode,
			AuthUser: authUserOf(r.AuthUserInfo), State: r.State, Auth: &snap}, nil
	}
	r, err := s.wc.GetPermanentCodeV2(ctx, tok, code)
	if err != nil {
		return exchangeResult{}, err
	}
	return exchangeResult{CorpID: r.AuthCorpInfo.CorpID, CorpName: r.AuthCorpInfo.CorpName, PermanentCode: r.PermanentCode,
		AuthUser: authUserOf(r.AuthUserInfo), State: r.State}, nil
}

func authUserOf(u wecom.AuthUserInfo) AuthUser {
	return AuthUser{UserID: u.UserID, OpenUserID: u.OpenUserID, Name: u.Name}
}

func newOwner() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
