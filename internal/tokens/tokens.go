// Package tokens keeps every WeCom credential fresh and fetched once: the provider token,
// each suite's token, and per tenant the corp token and the two JS-SDK tickets.
//
// A credential lives in Redis until just before it expires. A miss is filled by exactly one
// caller across all processes: a lease lock in Redis elects the fetcher, the others wait for
// its result, and a crashed holder's lease simply runs out. Inside one process, concurrent
// misses for the same credential also share one Redis round of waiting (singleflight).
package tokens

import (
	"errors"
	"fmt"
	"time"
)

// Kind is a type of credential.
type Kind string

// The credential kinds.
const (
	Provider    Kind = "provider"
	Suite       Kind = "suite"
	Corp        Kind = "corp"
	JSAPITicket Kind = "jsapi"
	AgentTicket Kind = "agent"
)

// Key names one credential. SuiteID is empty for the provider token; CorpID is set for the
// per-tenant kinds.
type Key struct {
	Kind    Kind
	SuiteID string
	CorpID  string
}

// ProviderKey, SuiteKey, CorpKey, JSAPIKey and AgentKey build keys that read well at the
// call site.
func ProviderKey() Key                   { return Key{Kind: Provider} }
func SuiteKey(suiteID string) Key        { return Key{Kind: Suite, SuiteID: suiteID} }
func CorpKey(suiteID, corpID string) Key { return Key{Kind: Corp, SuiteID: suiteID, CorpID: corpID} }
func JSAPIKey(suiteID, corpID string) Key {
	return Key{Kind: JSAPITicket, SuiteID: suiteID, CorpID: corpID}
}
func AgentKey(suiteID, corpID string) Key {
	return Key{Kind: AgentTicket, SuiteID: suiteID, CorpID: corpID}
}

// String is the key's name in Redis and in logs (ids only, never a value).
func (k Key) String() string { return fmt.Sprintf("%s:%s:%s", k.Kind, k.SuiteID, k.CorpID) }

// Credential is a token or ticket and when it stops being valid.
type Credential struct {
	Value     string
	ExpiresAt time.Time
}

// String keeps the value out of logs and error messages.
func (c Credential) String() string {
	return "credential(expires " + c.ExpiresAt.Format(time.RFC3339) + ")"
}

var (
	// ErrNoTicket means no suite_ticket has arrived yet, so no suite token can be fetched.
	ErrNoTicket = errors.New("no suite_ticket received yet")
	// ErrWaitTimeout means another instance held the refresh lease and no result appeared.
	ErrWaitTimeout = errors.New("timed out waiting for another instance's refresh")
	// ErrTenantInactive means the tenant cancelled its authorisation or WeCom no longer
	// accepts it. The tenant registry may wrap it; a fetch failing with it (or with
	// 40084/48004, or an error of Config.Inactive) stops the credential's refreshes.
	ErrTenantInactive = errors.New("tenant authorisation cancelled or revoked")
	// ErrTenantNotFound means no tenant is registered for the suite and corp.
	ErrTenantNotFound = errors.New("tenant not found")
)
