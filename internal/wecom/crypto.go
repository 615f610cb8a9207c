package wecom

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// blockSize is WeCom's PKCS#7 block: 32 bytes, not AES's 16. Encoders that pad to 16
// produce ciphertext the official libraries reject (protocol §5.5).
const blockSize = 32

// Crypto errors. Each says what was wrong with the input, so callback handlers can answer
// with a one-line reason.
var (
	ErrSignature   = errors.New("signature mismatch")
	ErrBase64      = errors.New("malformed base64")
	ErrCiphertext  = errors.New("malformed ciphertext")
	ErrPadding     = errors.New("malformed padding")
	ErrReceiveID   = errors.New("receiveid mismatch")
	ErrAESKey      = errors.New("EncodingAESKey must be 43 base64 characters")
	ErrMessageSize = errors.New("malformed message length")
)

// Crypto seals and opens callback payloads for one (token, EncodingAESKey) pair.
type Crypto struct {
	token string
	key   []byte
	block cipher.Block
}

// NewCrypto builds a Crypto from a callback token and a 43-character EncodingAESKey.
func NewCrypto(token, encodingAESKey string) (*Crypto, error) {
	if len(encodingAESKey) != 43 {
		return nil, ErrAESKey
	}
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, ErrAESKey
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("aes key: %w", err)
	}
	return &Crypto{token: token, key: key, block: block}, nil
}

// Signature is WeCom's msg_signature: SHA-1 over the byte-wise sorted concatenation of
// token, timestamp, nonce and the encrypted text.
func Signature(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

// Sign returns the msg_signature for encrypted under this Crypto's token.
func (c *Crypto) Sign(timestamp, nonce, encrypted string) string {
	return Signature(c.token, timestamp, nonce, encrypted)
}

// Verify checks msg_signature in constant time.
func (c *Crypto) Verify(signature, timestamp, nonce, encrypted string) error {
	want := c.Sign(timestamp, nonce, encrypted)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(signature))) != 1 {
		return ErrSignature
	}
	return nil
}

// Encrypt seals msg for receiveID with fresh randomness.
func (c *Crypto) Encrypt(msg []byte, receiveID string) (string, error) {
	var random [16]byte
	if _, err := rand.Read(random[:]); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return c.EncryptWithRandom(random, msg, receiveID), nil
}

// EncryptWithRandom is Encrypt with caller-chosen randomness, for golden tests.
func (c *Crypto) EncryptWithRandom(random [16]byte, msg []byte, receiveID string) string {
	n := 16 + 4 + len(msg) + len(receiveID)
	pad := blockSize - n%blockSize // always pad; an aligned input gets a full block
	buf := make([]byte, 0, n+pad)
	buf = append(buf, random[:]...)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(msg)))
	buf = append(buf, msg...)
	buf = append(buf, receiveID...)
	buf = append(buf, bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(c.block, c.key[:16]).CryptBlocks(buf, buf)
	return base64.StdEncoding.EncodeToString(buf)
}

// Decrypt opens an Encrypt/echostr value and returns the message and the receiveid it
// was sealed for. Padding is accepted from 1 to 32 but must be well-formed.
func (c *Crypto) Decrypt(encrypted string) (msg []byte, receiveID string, err error) {
	raw, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil {
		return nil, "", ErrBase64
	}
	if len(raw) == 0 || len(raw)%aes.BlockSize != 0 {
		return nil, "", ErrCiphertext
	}
	plain := make([]byte, len(raw))
	cipher.NewCBCDecrypter(c.block, c.key[:16]).CryptBlocks(plain, raw)
	pad := int(plain[len(plain)-1])
	if pad < 1 || pad > blockSize || pad > len(plain) {
		return nil, "", ErrPadding
	}
	for _, b := range plain[len(plain)-pad:] {
		if int(b) != pad {
			return nil, "", ErrPadding
		}
	}
	plain = plain[:len(plain)-pad]
	if len(plain) < 20 {
		return nil, "", ErrMessageSize
	}
	size := binary.BigEndian.Uint32(plain[16:20])
	if uint64(size) > uint64(len(plain)-20) {
		return nil, "", ErrMessageSize
	}
	body := plain[20:]
	return body[:size], string(body[size:]), nil
}

// Open verifies the signature, decrypts, and checks that the receiveid is one of want.
func (c *Crypto) Open(signature, timestamp, nonce, encrypted string, want ...string) ([]byte, string, error) {
	if err := c.Verify(signature, timestamp, nonce, encrypted); err != nil {
		return nil, "", err
	}
	msg, rid, err := c.Decrypt(encrypted)
	if err != nil {
		return nil, "", err
	}
	for _, w := range want {
		if subtle.ConstantTimeCompare([]byte(w), []byte(rid)) == 1 {
			return msg, rid, nil
		}
	}
	return nil, rid, ErrReceiveID
}
