package wecom

import (
	"errors"
	"fmt"
	"slices"
)

// Error is a non-zero errcode returned by a WeCom API. Op is the API path below
// /cgi-bin/, e.g. "service/get_corp_token". Callers branch on Code (or the
// predicates below), never on Msg: WeCom appends hints, IPs and URLs to it.
type Error struct {
	Code int
	Msg  string
	Op   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

// Errcodes that drive client behaviour (protocol §8).
const (
	CodeBusy                 = -1
	CodeDataVersionConflict  = 6000
	CodeInvalidAccessToken   = 40014
	CodeInvalidSuiteToken    = 40082
	CodeInvalidPermanentCode = 40084
	CodeInvalidSuiteTicket   = 40085
	CodeAccessTokenExpired   = 42001
	CodeSuiteTokenExpired    = 42009
	CodeRateLimited          = 45009
	CodeTooConcurrent        = 45033
	CodeAuthRelationInvalid  = 48004
)

// CorpTokenInvalid reports that the access_token sent was rejected or expired.
// WeCom uses the same codes for corp tokens and the provider token, so the
// caller, who knows which one it sent, refreshes that one.
func (e *Error) CorpTokenInvalid() bool {
	return e.Code == CodeInvalidAccessToken || e.Code == CodeAccessTokenExpired
}

// SuiteTokenInvalid reports that the suite_access_token sent was rejected or expired.
func (e *Error) SuiteTokenInvalid() bool {
	return e.Code == CodeInvalidSuiteToken || e.Code == CodeSuiteTokenExpired
}

// TokenExpired reports that a credential in the query was rejected: drop the
// cached token, fetch a new one and retry the call once.
func (e *Error) TokenExpired() bool { return e.CorpTokenInvalid() || e.SuiteTokenInvalid() }

// Retryable reports a transient failure on WeCom's side: retry with backoff and jitter.
func (e *Error) Retryable() bool {
	switch e.Code {
	case CodeBusy, CodeRateLimited, CodeTooConcurrent, CodeDataVersionConflict:
		return true
	}
	return false
}

// AuthRevoked reports that the tenant's authorisation is gone (cancelled, or the
// permanent code is no longer valid). Retrying cannot help; mark the tenant.
func (e *Error) AuthRevoked() bool {
	return e.Code == CodeInvalidPermanentCode || e.Code == CodeAuthRelationInvalid
}

// TicketInvalid reports a missing or expired suite_ticket: wait for the next push
// (at most 10 minutes) rather than retrying in a loop.
func (e *Error) TicketInvalid() bool { return e.Code == CodeInvalidSuiteTicket }

// AsError returns the *Error in err's chain, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// HasCode reports whether err carries a WeCom errcode equal to one of codes.
func HasCode(err error, codes ...int) bool {
	e, ok := AsError(err)
	return ok && slices.Contains(codes, e.Code)
}

// HTTPError is a response with a status other than 200. WeCom reports API errors
// as 200 with an errcode, so this means a proxy, gateway or outage in between.
type HTTPError struct {
	Op         string
	StatusCode int
	Status     string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("wecom %s: unexpected http status %s", e.Op, e.Status)
}
