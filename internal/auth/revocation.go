package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
)

// revocations answers "is this session revoked?" for every authenticated request.
//
// The answer is cached in Redis, not in process: a revocation (logout, refresh-token reuse,
// a cancelled tenant) writes "revoked" to Redis at once, so every replica refuses the
// session's access tokens on its next request; an in-process cache would leave other
// replicas trusting them until their entry expired. A request costs one Redis GET;
// PostgreSQL is read only on a miss, once per session per liveTTL.
type revocations struct {
	rdb *redis.Client
	db  *gorm.DB
	log *slog.Logger
	// revokedTTL outlives every access token of a revoked session; after it, the tokens
	// are expired anyway and the session can mint no more.
	revokedTTL time.Duration
}

const (
	liveTTL       = 30 * time.Second
	valueRevoked  = "revoked"
	valueLive     = "live"
	revocationKey = "auth:session:"
)

func newRevocations(rdb *redis.Client, db *gorm.DB, revokedTTL time.Duration, log *slog.Logger) *revocations {
	return &revocations{rdb: rdb, db: db, log: log, revokedTTL: revokedTTL}
}

func (r *revocations) isRevoked(ctx context.Context, sid string) (bool, error) {
	v, err := r.rdb.Get(ctx, revocationKey+sid).Result()
	switch {
	case err == nil:
		return v == valueRevoked, nil
	case !errors.Is(err, redis.Nil):
		// Redis is down: PostgreSQL still answers, just slower.
		r.log.Warn("session revocation cache unavailable", "err", err)
	}
	revoked, err := r.fromDB(ctx, sid)
	if err != nil {
		return false, err
	}
	if revoked {
		r.rdb.Set(ctx, revocationKey+sid, valueRevoked, r.revokedTTL)
	} else {
		// NX: a revocation that landed between our read and this write must win.
		r.rdb.SetNX(ctx, revocationKey+sid, valueLive, liveTTL)
	}
	return revoked, nil
}

// fromDB reads the flag; a session that does not exist counts as revoked.
func (r *revocations) fromDB(ctx context.Context, sid string) (bool, error) {
	var rows []struct{ Revoked bool }
	err := r.db.WithContext(ctx).Raw(`SELECT revoked_at IS NOT NULL AS revoked FROM sessions WHERE id = ?`, sid).Scan(&rows).Error
	if err != nil {
		return false, fmt.Errorf("read session %s: %w", sid, err)
	}
	return len(rows) == 0 || rows[0].Revoked, nil
}

// mark records revocations already committed to PostgreSQL. A failure is logged, not
// returned: the database is the truth, and a stale "live" entry lasts at most liveTTL.
func (r *revocations) mark(ctx context.Context, sids ...string) {
	if len(sids) == 0 {
		return
	}
	pipe := r.rdb.Pipeline()
	for _, sid := range sids {
		pipe.Set(ctx, revocationKey+sid, valueRevoked, r.revokedTTL)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		r.log.Warn("cache session revocations", "sessions", len(sids), "err", err)
	}
}
