package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// Login throttling: loginMaxFailures failed sign-ins for one email from one IP lock that
// pair for loginLock. Counts live in Redis, so every api replica sees them.
const (
	loginMaxFailures = 5
	loginLock        = 15 * time.Minute
)

// ErrThrottled means too many failed sign-ins; RetryAfter says for how long.
type ErrThrottled struct{ RetryAfter time.Duration }

func (e *ErrThrottled) Error() string {
	return fmt.Sprintf("too many failed sign-ins; try again in %s", e.RetryAfter.Round(time.Second))
}

type throttle struct{ rdb redis.UniversalClient }

func newThrottle(rdb redis.UniversalClient) *throttle { return &throttle{rdb: rdb} }

// key hashes the pair, so the email is not kept in Redis in the clear.
func (t *throttle) key(email, ip string) string {
	h := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(email)) + "\x00" + ip))
	return "console:loginfail:" + hex.EncodeToString(h[:16])
}

// check fails with *ErrThrottled while the pair is locked.
func (t *throttle) check(ctx context.Context, email, ip string) error {
	k := t.key(email, ip)
	n, err := t.rdb.Get(ctx, k).Int()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if n < loginMaxFailures {
		return nil
	}
	ttl, err := t.rdb.PTTL(ctx, k).Result()
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return &ErrThrottled{RetryAfter: max(ttl, time.Second)}
}

// fail counts a failure; the window (and, at the limit, the lock) restarts with each one.
func (t *throttle) fail(ctx context.Context, email, ip string) error {
	k := t.key(email, ip)
	pipe := t.rdb.TxPipeline()
	pipe.Incr(ctx, k)
	pipe.PExpire(ctx, k, loginLock)
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}

// reset forgets the failures after a successful sign-in.
func (t *throttle) reset(ctx context.Context, email, ip string) {
	t.rdb.Del(ctx, t.key(email, ip))
}
