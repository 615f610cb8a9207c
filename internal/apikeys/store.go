package apikeys

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Store keeps the api_keys table.
type Store struct{ db *gorm.DB }

// NewStore returns a Store over db.
func NewStore(db *gorm.DB) *Store { return &Store{db: db} }

type keyRow struct {
	ID         int64
	Name       string
	Prefix     string
	KeyHash    []byte
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

func toKey(r keyRow) Key {
	return Key{ID: r.ID, Name: r.Name, Prefix: r.Prefix, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt, RevokedAt: r.RevokedAt}
}

// Create makes a key named name and returns it with its secret, which is not stored and
// cannot be shown again.
func (s *Store) Create(ctx context.Context, name string) (Key, string, error) {
	if name == "" {
		return Key{}, "", fmt.Errorf("create api key: name is empty")
	}
	secret, prefix := newSecret()
	var r keyRow
	err := s.db.WithContext(ctx).Raw(`INSERT INTO api_keys (name, prefix, key_hash) VALUES (?, ?, ?)
		RETURNING id, name, prefix, created_at, last_used_at, revoked_at`, name, prefix, hash(secret)).Scan(&r).Error
	if err != nil {
		return Key{}, "", fmt.Errorf("create api key: %w", err)
	}
	return toKey(r), secret, nil
}

// List returns every key, revoked ones included, newest first.
func (s *Store) List(ctx context.Context) ([]Key, error) {
	var rows []keyRow
	err := s.db.WithContext(ctx).Raw(`SELECT id, name, prefix, created_at, last_used_at, revoked_at
		FROM api_keys ORDER BY id DESC`).Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("list api keys: %w", err)
	}
	out := make([]Key, len(rows))
	for i, r := range rows {
		out[i] = toKey(r)
	}
	return out, nil
}

// Revoke stops key id from being accepted. Revoking a revoked key changes nothing.
func (s *Store) Revoke(ctx context.Context, id int64) (Key, error) {
	var rows []keyRow
	err := s.db.WithContext(ctx).Raw(`UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = ?
		RETURNING id, name, prefix, created_at, last_used_at, revoked_at`, id).Scan(&rows).Error
	if err != nil {
		return Key{}, fmt.Errorf("revoke api key %d: %w", id, err)
	}
	if len(rows) == 0 {
		return Key{}, ErrNotFound
	}
	return toKey(rows[0]), nil
}

// lastUsedEvery bounds how often a busy key's last_used_at is written.
const lastUsedEvery = time.Minute

// Authenticate returns the active key whose secret this is, and notes its use.
func (s *Store) Authenticate(ctx context.Context, secret string) (Key, error) {
	if !wellFormed(secret) {
		return Key{}, ErrInvalid
	}
	var rows []keyRow
	db := s.db.WithContext(ctx)
	err := db.Raw(`SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_keys
		WHERE key_hash = ? AND revoked_at IS NULL`, hash(secret)).Scan(&rows).Error
	if err != nil {
		return Key{}, fmt.Errorf("authenticate api key: %w", err)
	}
	if len(rows) == 0 {
		return Key{}, ErrInvalid
	}
	k := toKey(rows[0])
	if k.LastUsedAt == nil || time.Since(*k.LastUsedAt) > lastUsedEvery {
		err := db.Exec(`UPDATE api_keys SET last_used_at = now() WHERE id = ?
			AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => ?))`, k.ID, lastUsedEvery.Seconds()).Error
		if err != nil {
			return Key{}, fmt.Errorf("note api key use: %w", err)
		}
	}
	return k, nil
}
