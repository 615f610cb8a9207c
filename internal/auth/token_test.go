package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestVerifyAcceptsIssuedToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.issue(t)
	c, err := e.Verify(context.Background(), tok.AccessToken)
	if err != nil {
		t.Fatal(err)
	}
	if c.Issuer != testIssuer || len(c.Audience) != 1 || c.Audience[0] != testAudience ||
		c.TenantID != "42" || c.SuiteID != testIdentity.SuiteID || c.CorpID != testIdentity.CorpID ||
		c.UserID != "zhangsan" || c.OpenUserID != "woAAAA" || c.SessionID != tok.SessionID || c.Subject == "" {
		t.Errorf("claims = %+v", c)
	}
	if got := c.ExpiresAt.Sub(c.IssuedAt.Time); got != 10*time.Minute {
		t.Errorf("access lifetime = %v, want 10m", got)
	}
	if !strings.HasPrefix(tok.RefreshToken, refreshPrefix) || tok.ExpiresIn != 600 {
		t.Errorf("tokens = %+v", tok)
	}
}

// forge signs claims as an attacker (or a misconfigured service) might.
type forge struct {
	method jwt.SigningMethod
	kid    string
	key    any
}

func (f forge) sign(t *testing.T, c jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(f.method, c)
	if f.kid != "" {
		tok.Header["kid"] = f.kid
	}
	s, err := tok.SignedString(f.key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerifyRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	good := e.issue(t)
	set, err := e.keys.current(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pub := set.public[set.kid]
	valid := func() *Claims {
		c, err := e.verifySignature(ctx, good.AccessToken)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	with := func(edit func(*Claims)) *Claims { c := valid(); edit(c); return c }
	ours := forge{jwt.SigningMethodEdDSA, set.kid, set.private}
	_, strangerKey, _ := ed25519.GenerateKey(rand.Reader)
	jwksX := base64.RawURLEncoding.EncodeToString(pub)

	cases := map[string]string{
		"alg none":                              forge{jwt.SigningMethodNone, set.kid, jwt.UnsafeAllowNoneSignatureType}.sign(t, valid()),
		"HS256 keyed with the public key bytes": forge{jwt.SigningMethodHS256, set.kid, []byte(pub)}.sign(t, valid()),
		"HS256 keyed with the JWKS x":           forge{jwt.SigningMethodHS256, set.kid, []byte(jwksX)}.sign(t, valid()),
		"unknown kid":                           forge{jwt.SigningMethodEdDSA, "not-a-key-of-ours", strangerKey}.sign(t, valid()),
		"our kid, another key":                  forge{jwt.SigningMethodEdDSA, set.kid, strangerKey}.sign(t, valid()),
		"no kid":                                forge{jwt.SigningMethodEdDSA, "", set.private}.sign(t, valid()),
		"wrong iss":                             ours.sign(t, with(func(c *Claims) { c.Issuer = "https://evil.example.com" })),
		"wrong aud":                             ours.sign(t, with(func(c *Claims) { c.Audience = jwt.ClaimStrings{"other-service"} })),
		"no aud":                                ours.sign(t, with(func(c *Claims) { c.Audience = nil })),
		"no exp":                                ours.sign(t, with(func(c *Claims) { c.ExpiresAt = nil })),
		"no iat":                                ours.sign(t, with(func(c *Claims) { c.IssuedAt = nil })),
		"iat in the future":                     ours.sign(t, with(func(c *Claims) { c.IssuedAt = jwt.NewNumericDate(time.Now().Add(time.Hour)) })),
		"expired": ours.sign(t, with(func(c *Claims) {
			c.IssuedAt, c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour)), jwt.NewNumericDate(time.Now().Add(-time.Minute))
		})),
		"no sid":           ours.sign(t, with(func(c *Claims) { c.SessionID = "" })),
		"tampered payload": tamper(t, good.AccessToken, func(m map[string]any) { m["userid"] = "the-boss" }),
		"tampered header":  tamperHeader(t, good.AccessToken),
		"garbage":          "not.a.jwt",
		"empty":            "",
	}
	for name, tok := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.Verify(ctx, tok)
			t.Logf("refused: %v", err)
			if !errors.Is(err, ErrInvalidToken) {
				t.Errorf("Verify = %v, want ErrInvalidToken", err)
			}
		})
	}
}

// tamper rewrites the payload of a signed token, keeping its signature.
func tamper(t *testing.T, tok string, edit func(map[string]any)) string {
	t.Helper()
	parts := strings.Split(tok, ".")
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	raw, _ = json.Marshal(m)
	parts[1] = base64.RawURLEncoding.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// tamperHeader swaps the header for one naming HS256, keeping payload and signature.
func tamperHeader(t *testing.T, tok string) string {
	parts := strings.Split(tok, ".")
	raw, _ := base64.RawURLEncoding.DecodeString(parts[0])
	parts[0] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(raw), "EdDSA", "HS256", 1)))
	return strings.Join(parts, ".")
}

func TestVerifyRefusesExpiredByClock(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.issue(t)
	later := time.Now().Add(10*time.Minute + leeway + time.Second)
	e.setClock(func() time.Time { return later })
	if _, err := e.Verify(context.Background(), tok.AccessToken); !errors.Is(err, ErrInvalidToken) || !errors.Is(err, jwt.ErrTokenExpired) {
		t.Errorf("Verify after expiry = %v, want ErrInvalidToken (expired)", err)
	}
}
