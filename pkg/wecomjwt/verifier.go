package wecomjwt

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrUnknownKey means the token names a kid the key set does not hold, even after a refresh.
var ErrUnknownKey = errors.New("wecomjwt: unknown signing key")

// Algorithms the platform may sign with. Each key of the set is further pinned to its own alg.
var validMethods = []string{jwt.SigningMethodEdDSA.Alg(), jwt.SigningMethodRS256.Alg()}

// Options configure a Verifier.
type Options struct {
	// JWKSURL is the platform's key set, e.g. https://isv.example.com/.well-known/jwks.json.
	JWKSURL string
	// Issuer and Audience must equal the platform's JWT_ISSUER and JWT_AUDIENCE.
	Issuer   string
	Audience string
	// HTTPClient fetches the key set; default: a client with a 10 s timeout.
	HTTPClient *http.Client
	// MaxAge is how long a fetched key set is used before it is fetched again; default 10 min.
	MaxAge time.Duration
	// MinRefreshInterval is the least time between two fetches triggered by an unknown kid,
	// so tokens with made-up kids cannot make this service hammer the platform; default 30 s.
	MinRefreshInterval time.Duration
	// Leeway tolerates clock skew on exp and iat; default 30 s.
	Leeway time.Duration
}

// Verifier checks platform access tokens. It is safe for concurrent use.
type Verifier struct {
	opts   Options
	parser *jwt.Parser

	mu        sync.RWMutex
	keys      map[string]publicKey
	fetchedAt time.Time // last successful fetch
	triedAt   time.Time // last attempt, successful or not
	tryErr    error     // the last attempt's error
	fetchMu   sync.Mutex
}

type publicKey struct {
	alg string
	key crypto.PublicKey
}

// New returns a Verifier; the key set is fetched on first use.
func New(opts Options) (*Verifier, error) {
	if opts.JWKSURL == "" || opts.Issuer == "" || opts.Audience == "" {
		return nil, errors.New("wecomjwt: JWKSURL, Issuer and Audience are required")
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if opts.MaxAge <= 0 {
		opts.MaxAge = 10 * time.Minute
	}
	if opts.MinRefreshInterval <= 0 {
		opts.MinRefreshInterval = 30 * time.Second
	}
	if opts.Leeway <= 0 {
		opts.Leeway = 30 * time.Second
	}
	p := jwt.NewParser(jwt.WithValidMethods(validMethods), jwt.WithIssuer(opts.Issuer),
		jwt.WithAudience(opts.Audience), jwt.WithExpirationRequired(), jwt.WithIssuedAt(),
		jwt.WithLeeway(opts.Leeway))
	return &Verifier{opts: opts, parser: p}, nil
}

// Verify checks token and returns its claims. It does not know whether the platform has
// revoked the session since: tokens are short-lived, and that is the price of verifying
// offline.
func (v *Verifier) Verify(ctx context.Context, token string) (*Claims, error) {
	var claims Claims
	_, err := v.parser.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		k, err := v.key(ctx, kid)
		if err != nil {
			return nil, err
		}
		if t.Method.Alg() != k.alg {
			return nil, fmt.Errorf("wecomjwt: key %s is for %s, token says %s", kid, k.alg, t.Method.Alg())
		}
		return k.key, nil
	})
	if err != nil {
		return nil, fmt.Errorf("wecomjwt: %w", err)
	}
	if claims.IssuedAt == nil {
		return nil, fmt.Errorf("wecomjwt: %w: iat is missing", jwt.ErrTokenRequiredClaimMissing)
	}
	if claims.SessionID == "" || claims.CorpID == "" || claims.SuiteID == "" {
		return nil, fmt.Errorf("wecomjwt: %w: sid, suite_id and corp_id are required", jwt.ErrTokenRequiredClaimMissing)
	}
	return &claims, nil
}

// key finds kid, fetching the key set when it is stale or does not hold kid.
func (v *Verifier) key(ctx context.Context, kid string) (publicKey, error) {
	if kid == "" {
		return publicKey{}, errors.New("wecomjwt: token has no kid")
	}
	v.mu.RLock()
	k, ok := v.keys[kid]
	fresh := time.Since(v.fetchedAt) < v.opts.MaxAge
	v.mu.RUnlock()
	if ok && fresh {
		return k, nil
	}
	// A failed refresh keeps the old set: a platform blip must not fail every request.
	if err := v.refresh(ctx, !ok); err != nil && !ok {
		return publicKey{}, err
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if k, ok := v.keys[kid]; ok {
		return k, nil
	}
	return publicKey{}, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

// refresh fetches the key set once, however many requests ask at the same time. An unknown
// kid triggers at most one fetch per MinRefreshInterval.
func (v *Verifier) refresh(ctx context.Context, unknownKid bool) error {
	asked := time.Now()
	v.fetchMu.Lock()
	defer v.fetchMu.Unlock()
	v.mu.RLock()
	fetchedAt, triedAt, tryErr, have := v.fetchedAt, v.triedAt, v.tryErr, v.keys != nil
	v.mu.RUnlock()
	// Another caller fetched while we waited for the lock: share its outcome rather than
	// queue one more fetch per waiting request (with no key set yet, nothing else limits them).
	if triedAt.After(asked) {
		return tryErr
	}
	// Skip when an attempt was made lately (rate limit; a failed attempt counts too), or,
	// for a stale set, when another caller refreshed it while we waited for the lock.
	if have && (time.Since(triedAt) < v.opts.MinRefreshInterval || !unknownKid && time.Since(fetchedAt) < v.opts.MaxAge) {
		return nil
	}
	keys, err := v.fetch(ctx)
	v.mu.Lock()
	defer v.mu.Unlock()
	v.triedAt, v.tryErr = time.Now(), err
	if err != nil {
		return err
	}
	v.keys, v.fetchedAt = keys, v.triedAt
	return nil
}

func (v *Verifier) fetch(ctx context.Context) (map[string]publicKey, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, v.opts.JWKSURL, nil)
	if err != nil {
		return nil, fmt.Errorf("wecomjwt: fetch key set: %w", err)
	}
	resp, err := v.opts.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("wecomjwt: fetch key set: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("wecomjwt: fetch key set: status %d", resp.StatusCode)
	}
	var set JWKS
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&set); err != nil {
		return nil, fmt.Errorf("wecomjwt: decode key set: %w", err)
	}
	return parseJWKS(set)
}

// parseJWKS turns the signing keys of set into public keys by kid. Keys of other types or
// uses are skipped; a malformed signing key is an error.
func parseJWKS(set JWKS) (map[string]publicKey, error) {
	keys := map[string]publicKey{}
	for _, k := range set.Keys {
		if (k.Use != "" && k.Use != "sig") || k.Kid == "" {
			continue
		}
		switch {
		case k.Kty == "OKP" && k.Crv == "Ed25519" && k.Alg == jwt.SigningMethodEdDSA.Alg():
			x, err := base64.RawURLEncoding.DecodeString(k.X)
			if err != nil || len(x) != ed25519.PublicKeySize {
				return nil, fmt.Errorf("wecomjwt: key %s: bad Ed25519 x", k.Kid)
			}
			keys[k.Kid] = publicKey{alg: k.Alg, key: ed25519.PublicKey(x)}
		case k.Kty == "RSA" && k.Alg == jwt.SigningMethodRS256.Alg():
			n, errN := base64.RawURLEncoding.DecodeString(k.N)
			e, errE := base64.RawURLEncoding.DecodeString(k.E)
			if errN != nil || errE != nil || len(n) < 256 || len(e) == 0 || len(e) > 4 {
				return nil, fmt.Errorf("wecomjwt: key %s: bad RSA n or e (2048 bits at least)", k.Kid)
			}
			keys[k.Kid] = publicKey{alg: k.Alg, key: &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}}
		}
	}
	return keys, nil
}
