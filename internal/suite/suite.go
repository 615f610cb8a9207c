// Package suite owns the provider's third-party apps (suites): their credentials, callback
// keys and the newest suite_ticket WeCom pushed for each.
package suite

import (
	"errors"
	"fmt"

	"github.com/wecomisv/platform/internal/wecom"
)

// ErrNotFound means no suite has that id.
var ErrNotFound = errors.New("suite not found")

// Suite is one third-party app.
type Suite struct {
	ID             string
	Secret         string
	Token          string
	EncodingAESKey string
	TrustedDomains []string
}

// Crypto returns the callback crypto for this suite's token and key.
func (s Suite) Crypto() (*wecom.Crypto, error) {
	c, err := wecom.NewCrypto(s.Token, s.EncodingAESKey)
	if err != nil {
		return nil, fmt.Errorf("suite %s: %w", s.ID, err)
	}
	return c, nil
}

// Ticket is the newest suite_ticket and WeCom's TimeStamp of the push that carried it.
type Ticket struct {
	Value string
	Time  int64
}
