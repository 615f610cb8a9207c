package auth

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/wecomisv/platform/pkg/wecomjwt"
)

func kidOf(t *testing.T, tok string) string {
	t.Helper()
	p, _, err := jwt.NewParser().ParseUnverified(tok, &Claims{})
	if err != nil {
		t.Fatal(err)
	}
	kid, _ := p.Header["kid"].(string)
	return kid
}

func TestRotateKeepsPreviousKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	before := e.issue(t)
	oldKid := kidOf(t, before.AccessToken)
	published, err := e.Keys().JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	newKid, err := e.Keys().Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if newKid == oldKid {
		t.Fatal("rotation kept the kid")
	}
	// The new current key was in the key set before it signed anything.
	if len(published.Keys) != 2 || published.Keys[0].Kid != oldKid || published.Keys[1].Kid != newKid {
		t.Errorf("JWKS before rotation = %+v, want [%s %s]", published, oldKid, newKid)
	}
	if _, err := e.Verify(ctx, before.AccessToken); err != nil {
		t.Errorf("token of the previous key after Rotate: %v", err)
	}
	after := e.issue(t)
	if got := kidOf(t, after.AccessToken); got != newKid {
		t.Errorf("new token kid = %s, want %s", got, newKid)
	}
	set, err := e.Keys().JWKS(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Current, the newly published next key, and the previous one.
	if len(set.Keys) != 3 || set.Keys[0].Kid != newKid || set.Keys[2].Kid != oldKid {
		t.Errorf("JWKS = %+v, want [%s <next> %s]", set, newKid, oldKid)
	}
	// The refresh token outlives rotations: it is not a JWT.
	if _, err := e.Refresh(ctx, before.RefreshToken); err != nil {
		t.Errorf("refresh after rotation: %v", err)
	}
}

// A replica that has not reloaded yet learns a new kid from the database when a token
// names it, and starts signing with the new key within reloadEvery.
func TestRotationSeenByOtherReplica(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newReplica(t, a.db, a.rdb)
	ctx := context.Background()
	newKid, err := a.Keys().Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tok := a.issue(t)
	if _, err := b.Verify(ctx, tok.AccessToken); err != nil {
		t.Errorf("other replica: %v", err)
	}
	b.keys.snap.Load().loadedAt = time.Now().Add(-2 * reloadEvery)
	if got := kidOf(t, b.issue(t).AccessToken); got != newKid {
		t.Errorf("other replica signs with %s, want %s", got, newKid)
	}
}

// Once every token of a superseded key has expired, the next rotation retires it; its
// tokens are then refused as signed by an unknown key.
func TestRotateRetiresOldKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	old := e.issue(t)
	if _, err := e.Keys().Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	// A quick second rotation must not retire a key whose tokens may still be live.
	if _, err := e.Keys().Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Verify(ctx, old.AccessToken); err != nil {
		t.Fatalf("two quick rotations broke a live token: %v", err)
	}
	later := time.Now().Add(time.Hour)
	e.setClock(func() time.Time { return later })
	if _, err := e.Keys().Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	set, _ := e.Keys().JWKS(ctx)
	if len(set.Keys) != 3 {
		t.Errorf("JWKS has %d keys after retirement, want 3 (current, next and the one it replaced)", len(set.Keys))
	}
	e.setClock(time.Now)
	e.keys.missLoad.Store(0)
	if _, err := e.verifySignature(ctx, old.AccessToken); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("token of a retired key = %v, want ErrUnknownKey", err)
	}
}

// Replicas starting together agree on one first key.
func TestEnsureRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.db.Exec(`DELETE FROM jwt_signing_keys`)
	var wg sync.WaitGroup
	kids := make([]string, 6)
	for i := range kids {
		wg.Go(func() {
			r := newReplica(t, e.db, e.rdb)
			kids[i] = r.keys.snap.Load().kid
		})
	}
	wg.Wait()
	for _, k := range kids {
		if k != kids[0] {
			t.Fatalf("replicas disagree on the first key: %v", kids)
		}
	}
	var n int64
	e.db.Model(&keyRow{}).Count(&n)
	if n != 2 {
		t.Errorf("%d keys, want 2 (current and next)", n)
	}
}

func TestPrivateKeySealed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var r keyRow
	if err := e.db.Where("status = ?", statusCurrent).Take(&r).Error; err != nil {
		t.Fatal(err)
	}
	seed := e.keys.snap.Load().private.Seed()
	if len(r.PrivateSealed) <= ed25519.SeedSize || bytes.Contains(r.PrivateSealed, seed) {
		t.Error("private key not sealed")
	}
	if r.Kid != thumbprint(ed25519.PublicKey(r.PublicKey)) {
		t.Error("kid is not the key's RFC 7638 thumbprint")
	}
}

// The minute's key reload meets a database that hangs: one request waits for it, the
// others go on with the keys they have instead of queueing one query each behind it.
func TestStaleKeysReloadDoesNotQueueRequests(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.issue(t)
	if _, err := e.Verify(context.Background(), tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	tx := e.db.Begin()
	defer tx.Rollback()
	if err := tx.Exec(`LOCK TABLE jwt_signing_keys IN ACCESS EXCLUSIVE MODE`).Error; err != nil {
		t.Fatal(err)
	}
	stale := *e.keys.snap.Load()
	stale.loadedAt = time.Now().Add(-2 * reloadEvery)
	e.keys.snap.Store(&stale)

	const n = 8
	var wg sync.WaitGroup
	var slow atomic.Int32
	for range n {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			// The request that runs the reload uses up its deadline and may fail.
			if _, err := e.Verify(ctx, tok.AccessToken); err != nil || time.Since(start) > time.Second {
				slow.Add(1)
			}
		})
	}
	wg.Wait()
	if s := slow.Load(); s > 1 {
		t.Errorf("%d of %d requests waited for (or failed with) the hung key reload, want at most 1", s, n)
	}
}

// Scheduled rotation: nothing happens before the current key has signed for the period;
// once it has, exactly one of several replicas rotates, old tokens still verify until
// they expire, and new tokens carry the new kid.
func TestRotateIfDue(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newReplica(t, a.db, a.rdb)
	ctx := context.Background()
	const every = 30 * 24 * time.Hour
	old := a.issue(t)
	oldKid := kidOf(t, old.AccessToken)
	if rotated, err := a.Keys().RotateIfDue(ctx, every); err != nil || rotated {
		t.Fatalf("fresh key: rotated=%v err=%v, want no rotation", rotated, err)
	}
	later := time.Now().Add(every + time.Minute)
	a.setClock(func() time.Time { return later })
	b.setClock(func() time.Time { return later })
	var wg sync.WaitGroup
	var rotations atomic.Int32
	for _, r := range []*env{a, b, a, b} {
		wg.Go(func() {
			rotated, err := r.Keys().RotateIfDue(ctx, every)
			if err != nil {
				t.Error(err)
			}
			if rotated {
				rotations.Add(1)
			}
		})
	}
	wg.Wait()
	if n := rotations.Load(); n != 1 {
		t.Fatalf("%d rotations by four due checks, want 1", n)
	}
	// The new key became current "later": it is not due again until a period after that.
	if rotated, _ := a.Keys().RotateIfDue(ctx, every); rotated {
		t.Error("rotated again right after a scheduled rotation")
	}
	// The old token was issued before the clock jump; verify it at its own time.
	a.setClock(time.Now)
	if _, err := a.Verify(ctx, old.AccessToken); err != nil {
		t.Errorf("token of the previous key after a scheduled rotation: %v", err)
	}
	// Either replica may have rotated; the other signs with the new key by its next reload.
	a.keys.snap.Load().loadedAt = time.Now().Add(-2 * reloadEvery)
	if kid := kidOf(t, a.issue(t).AccessToken); kid == oldKid {
		t.Error("new token still carries the old kid")
	}
	set, _ := a.Keys().JWKS(ctx)
	if !slicesContainKid(set.Keys, oldKid) {
		t.Errorf("JWKS dropped the previous key %s while its tokens live", oldKid)
	}
}

func slicesContainKid(keys []wecomjwt.JWK, kid string) bool {
	for _, k := range keys {
		if k.Kid == kid {
			return true
		}
	}
	return false
}
