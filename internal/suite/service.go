package suite

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/redis/go-redis/v9"
)

var cacheErrors = promauto.NewCounterVec(prometheus.CounterOpts{
	Name: "wecom_suite_cache_errors_total",
	Help: "Redis failures while caching suite tickets; PostgreSQL stays the source of truth.",
}, []string{"op"})

// Service reads suites through a short in-process cache (callbacks look a suite up on every
// request) and keeps the newest ticket in PostgreSQL and Redis.
type Service struct {
	store *Store
	rdb   redis.UniversalClient
	ttl   time.Duration

	mu    sync.Mutex
	cache map[string]cached
}

type cached struct {
	suite Suite
	at    time.Time
}

// NewService returns a Service. Suite edits reach every instance within cacheTTL.
func NewService(store *Store, rdb redis.UniversalClient, cacheTTL time.Duration) *Service {
	return &Service{store: store, rdb: rdb, ttl: cacheTTL, cache: map[string]cached{}}
}

// Store exposes the underlying store.
func (s *Service) Store() *Store { return s.store }

// Suite returns a suite by id, from the cache when fresh.
func (s *Service) Suite(ctx context.Context, id string) (Suite, error) {
	s.mu.Lock()
	c, ok := s.cache[id]
	s.mu.Unlock()
	if ok && time.Since(c.at) < s.ttl {
		return c.suite, nil
	}
	su, err := s.store.Get(ctx, id)
	if err != nil {
		return Suite{}, err
	}
	s.mu.Lock()
	s.cache[id] = cached{suite: su, at: time.Now()}
	s.mu.Unlock()
	return su, nil
}

func ticketKey(suiteID string) string { return "wecom:suite:" + suiteID + ":ticket" }

// casTicket replaces the cached ticket only with a newer one, so an out-of-order push
// handled by another instance never wins.
var casTicket = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'time') or '0')
if cur > tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'value', ARGV[1], 'time', ARGV[2])
return 1`)

// ErrFutureTicket refuses a ticket stamped ahead of our clock: since the newest ticket wins,
// one such push would block every later (genuine) ticket.
var ErrFutureTicket = errors.New("suite_ticket TimeStamp is in the future")

// maxClockSkew is how far ahead of our clock WeCom's TimeStamp may be.
const maxClockSkew = 10 * time.Minute

// SaveTicket stores t if it is newer than the stored one (PostgreSQL decides) and caches it
// in Redis. A Redis failure is counted, not returned: PostgreSQL holds the ticket. A ticket
// PostgreSQL refused is not cached: with the Redis copy gone (Redis restarted), it would
// otherwise be served in place of the newer one.
func (s *Service) SaveTicket(ctx context.Context, suiteID string, t Ticket) (bool, error) {
	if time.Unix(t.Time, 0).After(time.Now().Add(maxClockSkew)) {
		return false, fmt.Errorf("suite %s: %w", suiteID, ErrFutureTicket)
	}
	stored, err := s.store.SaveTicket(ctx, suiteID, t)
	if err != nil || !stored {
		return stored, err
	}
	if err := casTicket.Run(ctx, s.rdb, []string{ticketKey(suiteID)}, t.Value, t.Time).Err(); err != nil {
		cacheErrors.WithLabelValues("save_ticket").Inc()
	}
	return stored, nil
}

// Ticket returns the newest ticket: Redis first, PostgreSQL when Redis misses or fails.
func (s *Service) Ticket(ctx context.Context, suiteID string) (Ticket, error) {
	vals, err := s.rdb.HMGet(ctx, ticketKey(suiteID), "value", "time").Result()
	if err == nil && vals[0] != nil && vals[1] != nil {
		ts, _ := strconv.ParseInt(fmt.Sprint(vals[1]), 10, 64)
		return Ticket{Value: fmt.Sprint(vals[0]), Time: ts}, nil
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		cacheErrors.WithLabelValues("get_ticket").Inc()
	}
	t, err := s.store.Ticket(ctx, suiteID)
	if err != nil {
		return Ticket{}, err
	}
	// Refill the cache so the next read is fast; the script keeps it monotonic.
	_ = casTicket.Run(ctx, s.rdb, []string{ticketKey(suiteID)}, t.Value, t.Time).Err()
	return t, nil
}
