// Package secrets seals values at rest with the platform's master key.
//
// A sealed value is: version (1 byte) | key id (4 bytes) | nonce (12 bytes) | AES-256-GCM
// ciphertext and tag. The key id lets a Box hold the current key and the previous ones, so
// the master key can rotate without a big-bang re-encryption: old values still open, new
// values are sealed with the current key.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

const version = 1

// ErrUnknownKey means the value was sealed with a key this Box does not hold.
var ErrUnknownKey = errors.New("sealed with an unknown master key")

// ErrCorrupt means the value is not a sealed value or was tampered with.
var ErrCorrupt = errors.New("sealed value is corrupt")

// Box seals with its current key and opens with any key it holds.
type Box struct {
	current [4]byte
	aeads   map[[4]byte]cipher.AEAD
}

// New builds a Box from the current key and optionally older ones, each base64 of 32 bytes.
func New(current string, previous ...string) (*Box, error) {
	b := &Box{aeads: map[[4]byte]cipher.AEAD{}}
	for i, k := range append([]string{current}, previous...) {
		id, aead, err := parseKey(k)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			b.current = id
		}
		b.aeads[id] = aead
	}
	return b, nil
}

func parseKey(s string) ([4]byte, cipher.AEAD, error) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != 32 {
		return [4]byte{}, nil, errors.New("master key must be base64 of 32 bytes")
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return [4]byte{}, nil, fmt.Errorf("master key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return [4]byte{}, nil, fmt.Errorf("master key: %w", err)
	}
	// The id is a hash prefix, so it says which key without revealing it.
	sum := sha256.Sum256(append([]byte("wecom-isv master key id\x00"), raw...))
	var id [4]byte
	copy(id[:], sum[:4])
	return id, aead, nil
}

// Seal encrypts plaintext. The associated data binds the value to where it is stored
// (e.g. "tenant:<suite>:<corp>:permanent_code"), so a ciphertext copied elsewhere fails to open.
func (b *Box) Seal(plaintext []byte, associated string) ([]byte, error) {
	aead := b.aeads[b.current]
	out := make([]byte, 5, 5+aead.NonceSize()+len(plaintext)+aead.Overhead())
	out[0] = version
	copy(out[1:5], b.current[:])
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	out = append(out, nonce...)
	return aead.Seal(out, nonce, plaintext, []byte(associated)), nil
}

// SealString is Seal for strings.
func (b *Box) SealString(plaintext, associated string) ([]byte, error) {
	return b.Seal([]byte(plaintext), associated)
}

// Open decrypts a value produced by Seal with the same associated data.
func (b *Box) Open(sealed []byte, associated string) ([]byte, error) {
	if len(sealed) < 5 || sealed[0] != version {
		return nil, ErrCorrupt
	}
	var id [4]byte
	copy(id[:], sealed[1:5])
	aead, ok := b.aeads[id]
	if !ok {
		return nil, ErrUnknownKey
	}
	rest := sealed[5:]
	if len(rest) < aead.NonceSize()+aead.Overhead() {
		return nil, ErrCorrupt
	}
	plain, err := aead.Open(nil, rest[:aead.NonceSize()], rest[aead.NonceSize():], []byte(associated))
	if err != nil {
		return nil, ErrCorrupt
	}
	return plain, nil
}

// OpenString is Open for strings.
func (b *Box) OpenString(sealed []byte, associated string) (string, error) {
	p, err := b.Open(sealed, associated)
	return string(p), err
}

// NeedsRotation reports whether sealed was made with a key other than the current one.
func (b *Box) NeedsRotation(sealed []byte) bool {
	return len(sealed) < 5 || [4]byte(sealed[1:5]) != b.current
}
