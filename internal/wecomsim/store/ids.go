package store

import (
	"crypto/rand"
	"encoding/hex"
	"math/big"
)

const (
	alnum    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	tokenAlp = alnum + "-_"
)

// randString draws from crypto/rand: the values stand in for real credentials, and a
// predictable sequence would let one test's token pass in another's simulator.
func randString(alphabet string, n int) string {
	b := make([]byte, n)
	max := big.NewInt(int64(len(alphabet)))
	for i := range b {
		v, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic("crypto/rand: " + err.Error())
		}
		b[i] = alphabet[v.Int64()]
	}
	return string(b)
}

func randHex(n int) string {
	b := make([]byte, (n+1)/2)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return hex.EncodeToString(b)[:n]
}

func randInt(n int64) int64 {
	v, err := rand.Int(rand.Reader, big.NewInt(n))
	if err != nil {
		panic("crypto/rand: " + err.Error())
	}
	return v.Int64()
}

// The shapes below follow what WeCom hands out, so clients that validate lengths or
// prefixes behave the same against the simulator.

// NewCorpID returns "ww" + 16 hex digits.
func NewCorpID() string { return "ww" + randHex(16) }

func newOpenCorpID() string       { return "wp" + randString(alnum, 30) }
func newOpenUserID() string       { return "wo" + randString(alnum, 30) }
func newToken() string            { return randString(tokenAlp, 86) }
func newPermanentCode() string    { return randString(tokenAlp, 43) }
func newCodeValue() string        { return randString(tokenAlp, 64) }
func newSuiteTicketValue() string { return randString(tokenAlp, 64) }

// newAgentID mimics the seven-digit agentids WeCom assigns (1000002 and up).
func newAgentID() int { return int(1000002 + randInt(900000)) }

// RandDigits returns n decimal digits, the form WeCom uses for nonces and echo strings.
func RandDigits(n int) string { return randString("0123456789", n) }

// RandHex returns n hex digits.
func RandHex(n int) string { return randHex(n) }
