package auth

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestRefreshRotates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := e.issue(t)
	second, err := e.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	if second.SessionID != first.SessionID || second.RefreshToken == first.RefreshToken || second.AccessToken == first.AccessToken {
		t.Fatalf("refresh gave %+v after %+v", second, first)
	}
	c, err := e.Verify(ctx, second.AccessToken)
	if err != nil || c.SessionID != first.SessionID || c.UserID != testIdentity.UserID {
		t.Fatalf("Verify(new access) = %+v, %v", c, err)
	}
	// The first access token stays valid until it expires: refreshing is not logging out.
	if _, err := e.Verify(ctx, first.AccessToken); err != nil {
		t.Errorf("Verify(old access) = %v", err)
	}
	if _, err := e.Refresh(ctx, second.RefreshToken); err != nil {
		t.Errorf("second refresh: %v", err)
	}
	var rows []refreshRow
	e.db.Where("session_id = ?", first.SessionID).Order("id").Find(&rows)
	if len(rows) != 3 || rows[0].UsedAt == nil || rows[1].UsedAt == nil || rows[2].UsedAt != nil ||
		rows[1].ParentID == nil || *rows[1].ParentID != rows[0].ID || *rows[2].ParentID != rows[1].ID {
		t.Errorf("refresh family rows = %+v", rows)
	}
	for _, r := range rows {
		if strings.Contains(string(r.TokenHash), refreshPrefix) {
			t.Error("refresh token stored in clear")
		}
	}
}

func TestRefreshReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	first := e.issue(t)
	second, err := e.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// A thief (or a confused client) presents the used token again.
	if _, err := e.Refresh(ctx, first.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("reuse = %v, want ErrRefreshReused", err)
	}
	// The legitimate holder's newer token is now dead too: the whole family is revoked.
	if _, err := e.Refresh(ctx, second.RefreshToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("refresh after reuse = %v, want ErrRevoked", err)
	}
	for name, tok := range map[string]string{"first": first.AccessToken, "second": second.AccessToken} {
		if _, err := e.Verify(ctx, tok); !errors.Is(err, ErrRevoked) {
			t.Errorf("Verify(%s access) after reuse = %v, want ErrRevoked", name, err)
		}
	}
	var sess sessionRow
	e.db.Where("id = ?", first.SessionID).Take(&sess)
	if sess.RevokedAt == nil || sess.RevokeReason != ReasonReuse {
		t.Errorf("session = %+v, want revoked for reuse", sess)
	}
	if log := e.log.String(); !strings.Contains(log, "refresh token reused") ||
		strings.Contains(log, first.RefreshToken) || strings.Contains(log, second.AccessToken) {
		t.Errorf("log must record the reuse and no token:\n%s", log)
	}
}

func TestConcurrentRefreshOfOneTokenSucceedsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tok := e.issue(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := e.Refresh(context.Background(), tok.RefreshToken)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, ErrRefreshReused), errors.Is(err, ErrRevoked):
		default:
			t.Errorf("refresh: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d refreshes succeeded, want exactly 1", ok)
	}
}

func TestRefreshRefusesUnknownAndExpired(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := e.issue(t)
	for _, bad := range []string{"", "wrt_unknown", "nonsense", tok.AccessToken} {
		if _, err := e.Refresh(ctx, bad); !errors.Is(err, ErrRefreshInvalid) {
			t.Errorf("Refresh(%.10q) = %v, want ErrRefreshInvalid", bad, err)
		}
	}
	later := time.Now().Add(31 * 24 * time.Hour)
	e.setClock(func() time.Time { return later })
	if _, err := e.Refresh(ctx, tok.RefreshToken); !errors.Is(err, ErrRefreshInvalid) {
		t.Errorf("Refresh after 31 days = %v, want ErrRefreshInvalid", err)
	}
}

func TestRevokedSessionIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := e.issue(t)
	other := e.issue(t)
	if _, err := e.Verify(ctx, tok.AccessToken); err != nil { // caches "live"
		t.Fatal(err)
	}
	if err := e.Revoke(ctx, tok.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Verify(ctx, tok.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("Verify after Revoke = %v, want ErrRevoked", err)
	}
	if _, err := e.Refresh(ctx, tok.RefreshToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("Refresh after Revoke = %v, want ErrRevoked", err)
	}
	if _, err := e.Verify(ctx, other.AccessToken); err != nil {
		t.Errorf("another session: %v", err)
	}
	if err := e.Revoke(ctx, tok.SessionID); err != nil {
		t.Errorf("second Revoke: %v", err)
	}
	if err := e.Revoke(ctx, "not-a-uuid"); err != nil {
		t.Errorf("Revoke(garbage): %v", err)
	}
}

// A revocation on one replica is seen by another at once, though the other had cached the
// session as live: the flag lives in Redis, not in either process.
func TestRevocationReachesOtherReplicas(t *testing.T) {
	t.Parallel()
	a := newEnv(t)
	b := newReplica(t, a.db, a.rdb)
	ctx := context.Background()
	tok := a.issue(t)
	if _, err := b.Verify(ctx, tok.AccessToken); err != nil {
		t.Fatal(err)
	}
	if err := a.Revoke(ctx, tok.SessionID); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Verify(ctx, tok.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("other replica: Verify = %v, want ErrRevoked", err)
	}
}

// Without Redis the answer comes from PostgreSQL.
func TestRevocationWithoutCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	tok := e.issue(t)
	if err := e.Revoke(ctx, tok.SessionID); err != nil {
		t.Fatal(err)
	}
	e.rdb.FlushDB(ctx)
	if _, err := e.Verify(ctx, tok.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("Verify = %v, want ErrRevoked", err)
	}
}

func TestRevokeTenantAndCorp(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	issue := func(tenant, suite, corp string) Tokens {
		tok, err := e.Issue(ctx, Identity{TenantID: tenant, SuiteID: suite, CorpID: corp, UserID: "u"})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	t1a, t1b := issue("1", "s1", "c1"), issue("1", "s1", "c1")
	t2 := issue("2", "s1", "c2")
	t3 := issue("3", "s2", "c1") // same corp, another suite
	n, err := e.RevokeTenant(ctx, "1")
	if err != nil || n != 2 {
		t.Fatalf("RevokeTenant = %d, %v; want 2", n, err)
	}
	for _, tok := range []Tokens{t1a, t1b} {
		if _, err := e.Verify(ctx, tok.AccessToken); !errors.Is(err, ErrRevoked) {
			t.Errorf("tenant 1 session: %v, want ErrRevoked", err)
		}
	}
	if n, err := e.RevokeCorp(ctx, "s1", "c2"); err != nil || n != 1 {
		t.Fatalf("RevokeCorp = %d, %v; want 1", n, err)
	}
	if _, err := e.Verify(ctx, t2.AccessToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("corp c2 session: %v, want ErrRevoked", err)
	}
	if _, err := e.Verify(ctx, t3.AccessToken); err != nil {
		t.Errorf("suite s2 session of corp c1: %v", err)
	}
	if n, _ := e.RevokeTenant(ctx, "1"); n != 0 {
		t.Errorf("second RevokeTenant = %d, want 0", n)
	}
}

func TestIssueNeedsIdentity(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, id := range []Identity{{}, {SuiteID: "s", CorpID: "c"}, {CorpID: "c", UserID: "u"}} {
		if _, err := e.Issue(context.Background(), id); !errors.Is(err, ErrBadIdentity) {
			t.Errorf("Issue(%+v) = %v, want ErrBadIdentity", id, err)
		}
	}
}

func TestPurgeExpiredSessions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	live := e.issue(t)
	e.setClock(func() time.Time { return time.Now().Add(-60 * 24 * time.Hour) })
	old := e.issue(t)
	e.setClock(time.Now)
	n, err := e.PurgeExpiredSessions(ctx, time.Now())
	if err != nil || n != 1 {
		t.Fatalf("PurgeExpiredSessions = %d, %v; want 1", n, err)
	}
	var left int64
	e.db.Model(&refreshRow{}).Where("session_id = ?", old.SessionID).Count(&left)
	if left != 0 {
		t.Errorf("%d refresh tokens of the purged session left", left)
	}
	if _, err := e.Refresh(ctx, live.RefreshToken); err != nil {
		t.Errorf("live session: %v", err)
	}
}

// Two tabs refreshing one token within the grace both get a pair and the session lives;
// the same token presented after the grace, or more often than a few tabs would, is
// reuse and revokes the family.
func TestRefreshReuseGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.cfg.ReuseGrace = 10 * time.Second
	ctx := context.Background()
	start := time.Now()
	e.setClock(func() time.Time { return start })
	first := e.issue(t)
	tabA, err := e.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	e.setClock(func() time.Time { return start.Add(3 * time.Second) })
	tabB, err := e.Refresh(ctx, first.RefreshToken)
	if err != nil {
		t.Fatalf("second tab within the grace: %v", err)
	}
	if tabA.RefreshToken == tabB.RefreshToken || tabA.SessionID != tabB.SessionID {
		t.Fatalf("tabs got %s/%s in sessions %s/%s, want two tokens of one session",
			tabA.RefreshToken[:8], tabB.RefreshToken[:8], tabA.SessionID, tabB.SessionID)
	}
	for name, tok := range map[string]Tokens{"tab A": tabA, "tab B": tabB} {
		if _, err := e.Verify(ctx, tok.AccessToken); err != nil {
			t.Errorf("%s access token: %v", name, err)
		}
	}
	// Each tab goes on refreshing its own token.
	if _, err := e.Refresh(ctx, tabB.RefreshToken); err != nil {
		t.Errorf("tab B refreshes its own token: %v", err)
	}
	// The first token again, after the grace: reuse.
	e.setClock(func() time.Time { return start.Add(11 * time.Second) })
	if _, err := e.Refresh(ctx, first.RefreshToken); !errors.Is(err, ErrRefreshReused) {
		t.Fatalf("reuse after the grace = %v, want ErrRefreshReused", err)
	}
	if _, err := e.Refresh(ctx, tabA.RefreshToken); !errors.Is(err, ErrRevoked) {
		t.Errorf("tab A after the reuse = %v, want ErrRevoked", err)
	}

	// A replay loop inside the grace is cut off after a few pairs.
	e.setClock(func() time.Time { return start })
	other := e.issue(t)
	var last error
	for range maxGraceChildren + 1 {
		_, last = e.Refresh(ctx, other.RefreshToken)
	}
	if !errors.Is(last, ErrRefreshReused) {
		t.Errorf("refresh #%d of one token within the grace = %v, want ErrRefreshReused", maxGraceChildren+1, last)
	}
}
