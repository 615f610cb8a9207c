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

// acquireScript takes one attempt for the pair and answers {attempts, pttl}. At the limit
// it gives the attempt back and answers the lock's remaining time. Counting and checking
// in one step means concurrent sign-ins cannot all slip past the check before any of
// them counts as a failure.
var acquireScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
if n > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return {n, redis.call('PTTL', KEYS[1])}
end
return {n, 0}`)

// acquire takes an attempt for the pair, or fails with *ErrThrottled while it is locked.
// The attempt counts as a failure unless reset (success) or release (no verdict) undo it.
func (t *throttle) acquire(ctx context.Context, email, ip string) error {
	res, err := acquireScript.Run(ctx, t.rdb, []string{t.key(email, ip)}, loginLock.Milliseconds(), loginMaxFailures).Int64Slice()
	if err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	if res[0] <= loginMaxFailures {
		return nil
	}
	return &ErrThrottled{RetryAfter: max(time.Duration(res[1])*time.Millisecond, time.Second)}
}

// releaseScript gives an attempt back, never below zero and never recreating an
// expired key (which would then live without an expiry).
var releaseScript = redis.NewScript(`
if tonumber(redis.call('GET', KEYS[1]) or '0') > 0 then redis.call('DECR', KEYS[1]) end
return 0`)

// release gives back an attempt that reached no verdict (the password check failed).
func (t *throttle) release(ctx context.Context, email, ip string) {
	releaseScript.Run(ctx, t.rdb, []string{t.key(email, ip)})
}

// fail keeps the acquired attempt as a failure; the window (and, at the limit, the lock)
// restarts with each one.
func (t *throttle) fail(ctx context.Context, email, ip string) error {
	if err := t.rdb.PExpire(ctx, t.key(email, ip), loginLock).Err(); err != nil {
		return fmt.Errorf("login throttle: %w", err)
	}
	return nil
}

// reset forgets the failures after a successful sign-in.
func (t *throttle) reset(ctx context.Context, email, ip string) {
	t.rdb.Del(ctx, t.key(email, ip))
}
