package tokens

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
	"golang.org/x/sync/singleflight"

	"github.com/wecomisv/platform/internal/suite"
	"github.com/wecomisv/platform/internal/wecom"
)

var (
	refreshes = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "wecom_token_refresh_total",
		Help: "Credential fetches from WeCom by kind and result (ok, or the errcode/error class).",
	}, []string{"kind", "result"})
	upstreamErrors = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "wecom_upstream_errcodes_total",
		Help: "WeCom errcodes seen by the credential service, by kind and errcode.",
	}, []string{"kind", "errcode"})
	ticketStale = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "wecom_suite_ticket_stale_total",
		Help: "get_suite_token answered 40085: the stored suite_ticket is missing or expired.",
	}, []string{"suite_id"})
	degraded = promauto.NewCounter(prometheus.CounterOpts{
		Name: "wecom_token_redis_degraded_total",
		Help: "Fetches made without the Redis cache or lock because Redis failed.",
	})
)

// Suites is what the service needs of the suite registry.
type Suites interface {
	Suite(ctx context.Context, id string) (suite.Suite, error)
	Ticket(ctx context.Context, suiteID string) (suite.Ticket, error)
}

// PermanentCodes gives a tenant's permanent code (the tenant registry implements it).
type PermanentCodes interface {
	PermanentCode(ctx context.Context, suiteID, corpID string) (string, error)
}

// Config holds the provider identity and the timing knobs.
type Config struct {
	ProviderCorpID string
	ProviderSecret string
	// Skew is how long before its expiry a credential stops being handed out, so a caller
	// never receives one that expires while its request is in flight.
	Skew time.Duration
	// Lease bounds how long one instance may hold a credential's refresh lock; a crashed
	// holder blocks the others for at most this long.
	Lease time.Duration
	// Poll is how often waiters look for the holder's result.
	Poll time.Duration
	// Now is the clock (tests and benchmarks inject the simulator's).
	Now func() time.Time

	// Store keeps the credentials table in PostgreSQL: every fetch, success or failure, is
	// written there with the next refresh time, so the worker's sweep finds each credential
	// again even after Redis lost everything. Nil keeps no records (the cache alone).
	Store *Store
	// RefreshDelay is how long after a credential's expiry its scheduled refresh runs.
	// WeCom hands out the same credential until it has expired, so a refresh any earlier
	// fetches nothing new; the delay covers our expiry being up to 1 s early (WeCom
	// rounds expires_in down) plus the request's latency.
	RefreshDelay time.Duration
	// RefreshJitter spreads scheduled refreshes over [0, RefreshJitter) after that.
	RefreshJitter time.Duration
	// FailureBackoff is the wait before retrying a failed refresh; it doubles with each
	// consecutive failure up to MaxFailureBackoff.
	FailureBackoff    time.Duration
	MaxFailureBackoff time.Duration
	// Inactive lists errors of the tenant registry (matched with errors.Is) that mean the
	// tenant is gone or cancelled. Like ErrTenantInactive and errcodes 40084/48004, they
	// stop the refreshes of the tenant's credentials.
	Inactive []error
	// Log receives refresh failures (ids and errcodes only, never a value).
	Log *slog.Logger
}

// Service hands out credentials.
type Service struct {
	cfg    Config
	rdb    redis.UniversalClient
	client *wecom.Client
	suites Suites
	codes  PermanentCodes
	group  singleflight.Group
}

// New returns a Service. codes may be nil until the tenant registry exists (then corp
// credentials fail).
func New(cfg Config, rdb redis.UniversalClient, client *wecom.Client, suites Suites, codes PermanentCodes) *Service {
	if cfg.Skew == 0 {
		cfg.Skew = 3 * time.Second
	}
	if cfg.Lease == 0 {
		cfg.Lease = 15 * time.Second
	}
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.RefreshDelay == 0 {
		cfg.RefreshDelay = 2 * time.Second
	}
	if cfg.RefreshJitter == 0 {
		cfg.RefreshJitter = 5 * time.Second
	}
	if cfg.FailureBackoff == 0 {
		cfg.FailureBackoff = 10 * time.Second
	}
	if cfg.MaxFailureBackoff == 0 {
		cfg.MaxFailureBackoff = 5 * time.Minute
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Service{cfg: cfg, rdb: rdb, client: client, suites: suites, codes: codes}
}

// SetPermanentCodes wires the tenant registry after construction (the registry itself
// needs this service, so one of the two is built first).
func (s *Service) SetPermanentCodes(codes PermanentCodes) { s.codes = codes }

// ProviderToken returns the provider_access_token.
func (s *Service) ProviderToken(ctx context.Context) (string, error) {
	return s.value(ctx, ProviderKey())
}

// SuiteToken returns a suite's suite_access_token.
func (s *Service) SuiteToken(ctx context.Context, suiteID string) (string, error) {
	return s.value(ctx, SuiteKey(suiteID))
}

// CorpToken returns a tenant's corp access_token.
func (s *Service) CorpToken(ctx context.Context, suiteID, corpID string) (string, error) {
	return s.value(ctx, CorpKey(suiteID, corpID))
}

// JSAPITicket returns a tenant's jsapi_ticket (wx.config).
func (s *Service) JSAPITicket(ctx context.Context, suiteID, corpID string) (string, error) {
	return s.value(ctx, JSAPIKey(suiteID, corpID))
}

// AgentConfigTicket returns a tenant's agent_config ticket (wx.agentConfig).
func (s *Service) AgentConfigTicket(ctx context.Context, suiteID, corpID string) (string, error) {
	return s.value(ctx, AgentKey(suiteID, corpID))
}

func (s *Service) value(ctx context.Context, k Key) (string, error) {
	c, err := s.Get(ctx, k)
	return c.Value, err
}

func cacheKey(k Key) string { return "wecom:cred:" + k.String() }
func lockKey(k Key) string  { return "wecom:credlock:" + k.String() }

// Get returns a valid credential, fetching it if the cache has none.
func (s *Service) Get(ctx context.Context, k Key) (Credential, error) {
	if c, ok, err := s.cached(ctx, k); ok || err != nil {
		if err != nil {
			return s.fetchDegraded(ctx, k, err)
		}
		return c, nil
	}
	ch := s.group.DoChan(k.String(), func() (any, error) {
		// The shared fill must not die with the first caller's request.
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.Lease+10*time.Second)
		defer cancel()
		return s.fill(fctx, k)
	})
	select {
	case <-ctx.Done():
		return Credential{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return Credential{}, r.Err
		}
		return r.Val.(Credential), nil
	}
}

// cached reads the credential from Redis; ok is false on a miss or when it is too close to
// its expiry to hand out.
func (s *Service) cached(ctx context.Context, k Key) (Credential, bool, error) {
	c, found, err := s.peek(ctx, k)
	if err != nil || !found || !s.fresh(c) {
		return Credential{}, false, err
	}
	return c, true, nil
}

// peek reads the cached credential whether or not it may still be handed out.
func (s *Service) peek(ctx context.Context, k Key) (Credential, bool, error) {
	raw, err := s.rdb.Get(ctx, cacheKey(k)).Result()
	if errors.Is(err, redis.Nil) {
		return Credential{}, false, nil
	}
	if err != nil {
		return Credential{}, false, err
	}
	c, ok := decode(raw)
	return c, ok, nil
}

// fresh reports whether c may be handed out: it stays valid for longer than Skew.
func (s *Service) fresh(c Credential) bool { return c.ExpiresAt.Sub(s.cfg.Now()) > s.cfg.Skew }

// lapsing reports whether c is too old to hand out but WeCom would still return it.
func (s *Service) lapsing(c Credential) bool {
	return s.cfg.Now().Before(c.ExpiresAt.Add(s.cfg.RefreshDelay))
}

func encode(c Credential) string {
	return strconv.FormatInt(c.ExpiresAt.UnixMilli(), 10) + ":" + c.Value
}

func decode(raw string) (Credential, bool) {
	ms, v, ok := strings.Cut(raw, ":")
	if !ok {
		return Credential{}, false
	}
	n, err := strconv.ParseInt(ms, 10, 64)
	if err != nil {
		return Credential{}, false
	}
	return Credential{Value: v, ExpiresAt: time.UnixMilli(n)}, true
}

// fill elects one fetcher across all processes and has the others wait for its result.
func (s *Service) fill(ctx context.Context, k Key) (Credential, error) {
	owner := strconv.FormatUint(rand.Uint64(), 36)
	deadline := time.Now().Add(s.cfg.Lease + 5*time.Second)
	for {
		c, found, err := s.peek(ctx, k)
		if err != nil {
			return s.fetchDegraded(ctx, k, err)
		}
		if found && s.fresh(c) {
			return c, nil
		}
		// WeCom would answer with the cached credential until it has expired: rather than
		// fetch it again, wait for it to lapse (a few seconds at most, once per lifetime).
		if !found || !s.lapsing(c) {
			won, err := s.rdb.SetNX(ctx, lockKey(k), owner, s.cfg.Lease).Result()
			if err != nil {
				return s.fetchDegraded(ctx, k, err)
			}
			if won {
				return s.fetchAndStore(ctx, k, owner)
			}
		}
		if time.Now().After(deadline) {
			return Credential{}, fmt.Errorf("%s: %w", k, ErrWaitTimeout)
		}
		select {
		case <-ctx.Done():
			return Credential{}, ctx.Err()
		case <-time.After(s.cfg.Poll):
		}
	}
}

// deleteIfEquals deletes KEYS[1] only while it holds ARGV[1]: a lock we still own, or a
// cached credential that is still the rejected one.
var deleteIfEquals = redis.NewScript(`if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`)

func (s *Service) fetchAndStore(ctx context.Context, k Key, owner string) (Credential, error) {
	defer deleteIfEquals.Run(context.WithoutCancel(ctx), s.rdb, []string{lockKey(k)}, owner)
	// Someone may have stored it between our miss and our lock.
	if c, ok, err := s.cached(ctx, k); err == nil && ok {
		return c, nil
	}
	c, err := s.fetch(ctx, k)
	s.record(ctx, k, c, err)
	if err != nil {
		return Credential{}, err
	}
	// Kept until it lapses (not only while it may be handed out), so that fill can see a
	// credential is about to expire and wait for its successor instead of fetching it again.
	ttl := c.ExpiresAt.Sub(s.cfg.Now()) + s.cfg.RefreshDelay
	if ttl > 0 {
		if err := s.rdb.Set(ctx, cacheKey(k), encode(c), ttl).Err(); err != nil {
			degraded.Inc()
		}
	}
	return c, nil
}

// fetchDegraded serves a credential straight from WeCom when Redis fails: callers keep
// working, at the cost of the fetch-once guarantee until Redis is back.
func (s *Service) fetchDegraded(ctx context.Context, k Key, cause error) (Credential, error) {
	degraded.Inc()
	c, err := s.fetch(ctx, k)
	s.record(ctx, k, c, err)
	if err != nil {
		return Credential{}, errors.Join(err, fmt.Errorf("redis: %w", cause))
	}
	return c, nil
}

// Invalidate drops a credential WeCom rejected, but only if the cache still holds that
// value: a rejection of an old token must not evict a newer one.
func (s *Service) Invalidate(ctx context.Context, k Key, rejected string) error {
	raw, err := s.rdb.Get(ctx, cacheKey(k)).Result()
	if errors.Is(err, redis.Nil) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("invalidate %s: %w", k, err)
	}
	if c, ok := decode(raw); ok && c.Value == rejected {
		return deleteIfEquals.Run(ctx, s.rdb, []string{cacheKey(k)}, raw).Err()
	}
	return nil
}

// Purge drops every credential of a tenant (its authorisation was cancelled), from the
// cache and from the credentials table, so nothing refreshes them any more.
func (s *Service) Purge(ctx context.Context, suiteID, corpID string) error {
	if s.cfg.Store != nil {
		if err := s.cfg.Store.purgeTenant(ctx, suiteID, corpID); err != nil {
			return fmt.Errorf("purge credentials: %w", err)
		}
	}
	keys := []string{cacheKey(CorpKey(suiteID, corpID)), cacheKey(JSAPIKey(suiteID, corpID)), cacheKey(AgentKey(suiteID, corpID))}
	if err := s.rdb.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("purge credentials of %s/%s: %w", suiteID, corpID, err)
	}
	return nil
}
