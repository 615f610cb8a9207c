// Package apikeys authenticates the provider's own services on the internal API
// (/internal/v1). A key is 32 random bytes shown once at creation as "wik_" + base64url;
// only its SHA-256 is stored, with a short visible prefix so a listing can name it.
package apikeys

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// KeyPrefix starts every key, so a leaked one is easy to recognise (and to scan for).
const KeyPrefix = "wik_"

// Errors of the package.
var (
	ErrNotFound = errors.New("api key not found")
	// ErrInvalid means the presented key is malformed, unknown or revoked.
	ErrInvalid = errors.New("invalid or revoked api key")
)

// Key is a stored API key; its secret is never part of it.
type Key struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

// Active reports whether the key is still accepted.
func (k Key) Active() bool { return k.RevokedAt == nil }

// newSecret returns a fresh key and its visible prefix.
func newSecret() (secret, prefix string) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics on a broken system)
	secret = KeyPrefix + base64.RawURLEncoding.EncodeToString(b)
	return secret, secret[:len(KeyPrefix)+6]
}

// hash is what the store keeps of a key. The key carries 256 bits of entropy, so a
// plain SHA-256 (no salt, no stretching) is enough and lets the store look it up.
func hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// wellFormed rejects what cannot be a key before the database is asked.
func wellFormed(secret string) bool {
	return strings.HasPrefix(secret, KeyPrefix) && len(secret) == len(KeyPrefix)+43
}
