package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// verifiedTokens remembers access tokens whose signature and claims were already checked,
// until they expire. An Ed25519 verification is most of a signed-in request's CPU, and the
// same token is presented on every request of its ten-minute life. The caller still checks
// that the signing key is not retired, and revocation is checked on every request (Verify
// does that after this cache).
type verifiedTokens struct {
	mu      sync.Mutex
	entries map[[32]byte]verified
	max     int
}

type verified struct {
	claims Claims
	kid    string
}

func newVerifiedTokens(max int) *verifiedTokens {
	return &verifiedTokens{entries: map[[32]byte]verified{}, max: max}
}

func (v *verifiedTokens) get(token string, now time.Time) (*Claims, string, bool) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	e, ok := v.entries[k]
	v.mu.Unlock()
	if !ok || !now.Before(e.claims.ExpiresAt.Time) {
		return nil, "", false
	}
	return &e.claims, e.kid, true
}

func (v *verifiedTokens) put(token, kid string, c *Claims) {
	k := sha256.Sum256([]byte(token))
	v.mu.Lock()
	defer v.mu.Unlock()
	// Bounded without bookkeeping: when full, start over (tokens re-verify once).
	if len(v.entries) >= v.max {
		clear(v.entries)
	}
	v.entries[k] = verified{claims: *c, kid: kid}
}
