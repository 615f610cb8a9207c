package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/wecomisv/platform/internal/secrets"
	"github.com/wecomisv/platform/pkg/wecomjwt"
)

const (
	statusNext     = "next"
	statusCurrent  = "current"
	statusPrevious = "previous"
	statusRetired  = "retired"
	// reloadEvery bounds how long a replica signs with a key another replica has rotated
	// away from, and how long its JWKS lacks a key another replica has just created.
	reloadEvery = time.Minute
	// missReloadEvery rate-limits reloads caused by unknown kids, so tokens with made-up
	// kids cannot turn every request into a database query.
	missReloadEvery = 5 * time.Second
)

// ErrUnknownKey means a token names a kid that is not a current or previous signing key.
var ErrUnknownKey = errors.New("unknown signing key")

// Keys holds the Ed25519 signing keys: one current (signs), one next (published in the JWKS
// but not yet signing) and previous ones (still verify). Rotation promotes next to current,
// so by the time a token carries a new kid, verifiers that cached the JWKS (or a CDN that
// did) have usually seen it already. Each replica keeps a snapshot in memory, reloaded every
// minute or when a token names a kid it does not know.
type Keys struct {
	db          *gorm.DB
	box         *secrets.Box
	log         *slog.Logger
	retireAfter time.Duration
	now         func() time.Time

	snap     atomic.Pointer[keySet]
	loadMu   sync.Mutex
	missLoad atomic.Int64 // unix nanos of the last reload caused by an unknown kid
}

type keySet struct {
	kid      string // the current key
	private  ed25519.PrivateKey
	public   map[string]ed25519.PublicKey // every non-retired key
	order    []string                     // kids: current, next, then previous ones newest first
	loadedAt time.Time
}

type keyRow struct {
	Kid           string `gorm:"primaryKey"`
	Alg           string
	PublicKey     []byte
	PrivateSealed []byte
	Status        string
	CreatedAt     time.Time
	SupersededAt  *time.Time
	RetiredAt     *time.Time
}

func (keyRow) TableName() string { return "jwt_signing_keys" }

// NewKeys returns the key store. A previous key is retired by the first rotation that
// happens more than retireAfter after it was superseded (so after every token it signed
// has expired).
func NewKeys(db *gorm.DB, box *secrets.Box, retireAfter time.Duration, log *slog.Logger) *Keys {
	return &Keys{db: db, box: box, log: log, retireAfter: retireAfter, now: time.Now}
}

func sealAD(kid string) string { return "jwt_signing_key:" + kid }

// thumbprint is the RFC 7638 JWK thumbprint of an Ed25519 key, used as its kid.
func thumbprint(pub ed25519.PublicKey) string {
	x := base64.RawURLEncoding.EncodeToString(pub)
	sum := sha256.Sum256([]byte(`{"crv":"Ed25519","kty":"OKP","x":"` + x + `"}`))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (k *Keys) newRow(now time.Time, status string) (keyRow, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return keyRow{}, fmt.Errorf("generate signing key: %w", err)
	}
	kid := thumbprint(pub)
	sealed, err := k.box.Seal(priv.Seed(), sealAD(kid))
	if err != nil {
		return keyRow{}, fmt.Errorf("seal signing key: %w", err)
	}
	return keyRow{Kid: kid, Alg: jwt.SigningMethodEdDSA.Alg(), PublicKey: pub, PrivateSealed: sealed,
		Status: status, CreatedAt: now}, nil
}

// Ensure loads the keys, creating the first current and next keys if there are none.
func (k *Keys) Ensure(ctx context.Context) error {
	if err := k.reload(ctx); !errors.Is(err, errNoCurrentKey) {
		return err
	}
	now := k.now()
	cur, err := k.newRow(now, statusCurrent)
	if err != nil {
		return err
	}
	next, err := k.newRow(now, statusNext)
	if err != nil {
		return err
	}
	err = k.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&cur).Error; err != nil {
			return err
		}
		return tx.Create(&next).Error
	})
	// Another replica may win the race to create the first keys; then we load its keys.
	if err != nil && !errors.Is(err, gorm.ErrDuplicatedKey) {
		return fmt.Errorf("create first signing key: %w", err)
	}
	if err == nil {
		k.log.Info("jwt signing keys created", "kid", cur.Kid, "next_kid", next.Kid)
	}
	return k.reload(ctx)
}

var errNoCurrentKey = errors.New("no current jwt signing key")

// Rotate makes the next key current and publishes a new next key. The old current key keeps
// verifying as a previous key, so no one is signed out; previous keys superseded long
// enough ago are retired. It returns the new current kid.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	kid, _, err := k.rotate(ctx, 0)
	return kid, err
}

// RotateIfDue rotates when the current key has signed for at least every, and reports
// whether it did. Every worker replica calls it; the row lock in rotate makes the check and
// the rotation one step, so a due rotation happens once however many replicas look.
func (k *Keys) RotateIfDue(ctx context.Context, every time.Duration) (bool, error) {
	kid, rotated, err := k.rotate(ctx, every)
	if err != nil || !rotated {
		return false, err
	}
	k.log.Info("jwt signing key rotated on schedule", "kid", kid, "every", every.String())
	return true, nil
}

// rotate rotates unless dueAfter > 0 and the current key became current less than
// dueAfter ago. A key becomes current when the previous current one is superseded, so
// that time is the newest superseded_at (or, for the first key, its created_at).
func (k *Keys) rotate(ctx context.Context, dueAfter time.Duration) (string, bool, error) {
	now := k.now()
	// Used only if there is no next key to promote.
	fresh, err := k.newRow(now, statusCurrent)
	if err != nil {
		return "", false, err
	}
	next, err := k.newRow(now, statusNext)
	if err != nil {
		return "", false, err
	}
	kid := fresh.Kid
	notDue := errors.New("rotation not due")
	err = k.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Serializes concurrent rotations.
		var cur []keyRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("status IN ?", []string{statusCurrent, statusNext}).
			Find(&cur).Error; err != nil {
			return err
		}
		if dueAfter > 0 {
			since, err := currentSince(tx, cur)
			if err != nil {
				return err
			}
			if now.Sub(since) < dueAfter {
				return notDue
			}
		}
		if err := tx.Model(&keyRow{}).Where("status = ? AND superseded_at < ?", statusPrevious, now.Add(-k.retireAfter)).
			Updates(map[string]any{"status": statusRetired, "retired_at": now}).Error; err != nil {
			return err
		}
		if err := tx.Model(&keyRow{}).Where("status = ?", statusCurrent).
			Updates(map[string]any{"status": statusPrevious, "superseded_at": now}).Error; err != nil {
			return err
		}
		promoted := ""
		for _, r := range cur {
			if r.Status == statusNext {
				promoted = r.Kid
			}
		}
		if promoted == "" {
			if err := tx.Create(&fresh).Error; err != nil {
				return err
			}
		} else {
			kid = promoted
			if err := tx.Model(&keyRow{}).Where("kid = ?", promoted).Update("status", statusCurrent).Error; err != nil {
				return err
			}
		}
		return tx.Create(&next).Error
	})
	if errors.Is(err, notDue) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("rotate signing key: %w", err)
	}
	k.log.Info("jwt signing key rotated", "kid", kid, "next_kid", next.Kid)
	return kid, true, k.reload(ctx)
}

// currentSince is when the current key (among locked) started signing.
func currentSince(tx *gorm.DB, locked []keyRow) (time.Time, error) {
	var since time.Time
	for _, r := range locked {
		if r.Status == statusCurrent {
			since = r.CreatedAt
		}
	}
	var last sql.NullTime
	if err := tx.Model(&keyRow{}).Select("max(superseded_at)").Row().Scan(&last); err != nil {
		return time.Time{}, err
	}
	if last.Valid && last.Time.After(since) {
		since = last.Time
	}
	return since, nil
}

// reload reads the non-retired keys into a new snapshot.
func (k *Keys) reload(ctx context.Context) error {
	k.loadMu.Lock()
	defer k.loadMu.Unlock()
	return k.reloadLocked(ctx)
}

func (k *Keys) reloadLocked(ctx context.Context) error {
	var rows []keyRow
	err := k.db.WithContext(ctx).Where("status IN ?", []string{statusCurrent, statusNext, statusPrevious}).
		Order("created_at DESC, kid").Find(&rows).Error
	if err != nil {
		return fmt.Errorf("load signing keys: %w", err)
	}
	set := &keySet{public: map[string]ed25519.PublicKey{}, loadedAt: time.Now()}
	for _, r := range rows {
		if len(r.PublicKey) != ed25519.PublicKeySize {
			return fmt.Errorf("load signing keys: key %s: bad public key", r.Kid)
		}
		set.public[r.Kid] = ed25519.PublicKey(r.PublicKey)
		if r.Status != statusCurrent {
			set.order = append(set.order, r.Kid)
			continue
		}
		seed, err := k.box.Open(r.PrivateSealed, sealAD(r.Kid))
		if err != nil {
			return fmt.Errorf("open signing key %s: %w", r.Kid, err)
		}
		set.kid, set.private = r.Kid, ed25519.NewKeyFromSeed(seed)
		set.order = append([]string{r.Kid}, set.order...)
	}
	if set.private == nil {
		return errNoCurrentKey
	}
	k.snap.Store(set)
	return nil
}

// current returns a fresh-enough snapshot, loading or creating keys as needed. A failed
// periodic reload keeps the old snapshot: a database blip must not stop sign-ins or checks.
func (k *Keys) current(ctx context.Context) (*keySet, error) {
	set := k.snap.Load()
	if set == nil {
		if err := k.Ensure(ctx); err != nil {
			return nil, err
		}
		return k.snap.Load(), nil
	}
	if time.Since(set.loadedAt) > reloadEvery {
		if err := k.reloadStale(ctx); err != nil {
			k.log.Warn("reload jwt signing keys", "err", err)
		}
		return k.snap.Load(), nil
	}
	return set, nil
}

// reloadStale reloads a stale snapshot unless another caller already is: the others go
// on with the snapshot they have rather than queue, one query each, behind a slow
// database. After a failure the next try waits missReloadEvery.
func (k *Keys) reloadStale(ctx context.Context) error {
	if !k.loadMu.TryLock() {
		return nil
	}
	defer k.loadMu.Unlock()
	set := k.snap.Load()
	if time.Since(set.loadedAt) <= reloadEvery {
		return nil // reloaded while we looked
	}
	err := k.reloadLocked(ctx)
	if err != nil {
		retry := *set
		retry.loadedAt = time.Now().Add(missReloadEvery - reloadEvery)
		k.snap.CompareAndSwap(set, &retry)
	}
	return err
}

// publicKey returns the verification key for kid, reloading once (rate-limited) if kid is
// not known: another replica may just have rotated.
func (k *Keys) publicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	set, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	if pub, ok := set.public[kid]; ok {
		return pub, nil
	}
	last := k.missLoad.Load()
	if now := time.Now().UnixNano(); now-last > int64(missReloadEvery) && k.missLoad.CompareAndSwap(last, now) {
		if err := k.reload(ctx); err != nil {
			k.log.Warn("reload jwt signing keys", "err", err)
		} else if pub, ok := k.snap.Load().public[kid]; ok {
			return pub, nil
		}
	}
	return nil, ErrUnknownKey
}

// JWKS returns the public keys that verify: current first, then next and previous ones.
func (k *Keys) JWKS(ctx context.Context) (wecomjwt.JWKS, error) {
	set, err := k.current(ctx)
	if err != nil {
		return wecomjwt.JWKS{}, err
	}
	out := wecomjwt.JWKS{Keys: make([]wecomjwt.JWK, 0, len(set.order))}
	for _, kid := range set.order {
		out.Keys = append(out.Keys, wecomjwt.JWK{Kty: "OKP", Crv: "Ed25519", Kid: kid, Alg: jwt.SigningMethodEdDSA.Alg(),
			Use: "sig", X: base64.RawURLEncoding.EncodeToString(set.public[kid])})
	}
	return out, nil
}
