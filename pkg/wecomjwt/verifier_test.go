package wecomjwt

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// jwksServer serves a key set that tests can change, counting fetches.
type jwksServer struct {
	*httptest.Server
	mu      sync.Mutex
	set     JWKS
	fetches atomic.Int32
}

func newJWKSServer(t *testing.T) *jwksServer {
	s := &jwksServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fetches.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		json.NewEncoder(w).Encode(s.set)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *jwksServer) add(k JWK) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.set.Keys = append(s.set.Keys, k)
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func claims() Claims {
	now := time.Now()
	return Claims{RegisteredClaims: jwt.RegisteredClaims{Issuer: "https://isv.example.com", Audience: jwt.ClaimStrings{"svc"},
		IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(5 * time.Minute))},
		SuiteID: "s", CorpID: "c", UserID: "u", SessionID: "sid"}
}

func sign(t *testing.T, m jwt.SigningMethod, kid string, key any, c Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(m, c)
	tok.Header["kid"] = kid
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t)
	edPub, edPriv, _ := ed25519.GenerateKey(rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	srv.add(JWK{Kty: "OKP", Crv: "Ed25519", X: b64(edPub), Kid: "ed", Alg: "EdDSA", Use: "sig"})
	srv.add(JWK{Kty: "RSA", N: b64(rsaKey.N.Bytes()), E: b64(big.NewInt(int64(rsaKey.E)).Bytes()), Kid: "rsa", Alg: "RS256", Use: "sig"})
	v, err := New(Options{JWKSURL: srv.URL, Issuer: "https://isv.example.com", Audience: "svc"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for name, tok := range map[string]string{
		"EdDSA": sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, claims()),
		"RS256": sign(t, jwt.SigningMethodRS256, "rsa", rsaKey, claims()),
	} {
		if c, err := v.Verify(ctx, tok); err != nil || c.UserID != "u" {
			t.Errorf("%s: %+v, %v", name, c, err)
		}
	}
	wrong := func(edit func(*Claims)) Claims { c := claims(); edit(&c); return c }
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims()).SignedString(jwt.UnsafeAllowNoneSignatureType)
	for name, tok := range map[string]string{
		"alg none":                     none,
		"HS256 with the x bytes":       sign(t, jwt.SigningMethodHS256, "ed", []byte(edPub), claims()),
		"RS256 naming the Ed25519 kid": sign(t, jwt.SigningMethodRS256, "ed", rsaKey, claims()),
		"wrong iss":                    sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, wrong(func(c *Claims) { c.Issuer = "x" })),
		"wrong aud":                    sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, wrong(func(c *Claims) { c.Audience = jwt.ClaimStrings{"x"} })),
		"expired": sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, wrong(func(c *Claims) {
			c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
		})),
		"no iat": sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, wrong(func(c *Claims) { c.IssuedAt = nil })),
		"no sid": sign(t, jwt.SigningMethodEdDSA, "ed", edPriv, wrong(func(c *Claims) { c.SessionID = "" })),
	} {
		if _, err := v.Verify(ctx, tok); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}

// An unknown kid refetches the set, but at most once per MinRefreshInterval.
func TestUnknownKidRefetchIsRateLimited(t *testing.T) {
	t.Parallel()
	srv := newJWKSServer(t)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	srv.add(JWK{Kty: "OKP", Crv: "Ed25519", X: b64(pub), Kid: "k1", Alg: "EdDSA", Use: "sig"})
	v, _ := New(Options{JWKSURL: srv.URL, Issuer: "https://isv.example.com", Audience: "svc", MinRefreshInterval: time.Hour})
	ctx := context.Background()
	if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodEdDSA, "k1", priv, claims())); err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if _, err := v.Verify(ctx, sign(t, jwt.SigningMethodEdDSA, "made-up", priv, claims())); !errors.Is(err, ErrUnknownKey) {
			t.Fatalf("made-up kid: %v, want ErrUnknownKey", err)
		}
	}
	if n := srv.fetches.Load(); n != 1 {
		t.Errorf("%d fetches, want 1 (rate-limited)", n)
	}

	// With no rate limit to speak of, a rotated-in key is found by refetching.
	v2, _ := New(Options{JWKSURL: srv.URL, Issuer: "https://isv.example.com", Audience: "svc", MinRefreshInterval: time.Nanosecond})
	v2.Verify(ctx, sign(t, jwt.SigningMethodEdDSA, "k1", priv, claims()))
	pub2, priv2, _ := ed25519.GenerateKey(rand.Reader)
	srv.add(JWK{Kty: "OKP", Crv: "Ed25519", X: b64(pub2), Kid: "k2", Alg: "EdDSA", Use: "sig"})
	if _, err := v2.Verify(ctx, sign(t, jwt.SigningMethodEdDSA, "k2", priv2, claims())); err != nil {
		t.Errorf("rotated-in key: %v", err)
	}
}

func TestNewNeedsOptions(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{JWKSURL: "http://x"}); err == nil {
		t.Error("New without issuer and audience succeeded")
	}
}

// While the key set has never been fetched, requests arriving during a fetch share its
// outcome: a slow or failing platform must not get one more fetch per waiting request,
// each queued behind the last.
func TestConcurrentFirstFetchesAreShared(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		time.Sleep(300 * time.Millisecond)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	t.Cleanup(srv.Close)
	v, _ := New(Options{JWKSURL: srv.URL, Issuer: "https://isv.example.com", Audience: "svc"})
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	tok := sign(t, jwt.SigningMethodEdDSA, "k1", priv, claims())
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := v.Verify(context.Background(), tok); err == nil {
				t.Error("verified without a key set")
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Errorf("%d fetches for 8 concurrent requests, want 1", n)
	}
	// Once that attempt is over, the next request tries again.
	v.Verify(context.Background(), tok)
	if n := fetches.Load(); n != 2 {
		t.Errorf("%d fetches after a later request, want 2", n)
	}
}
