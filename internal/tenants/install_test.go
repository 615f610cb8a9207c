package tenants

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/wecomisv/platform/internal/wecomsim"
)

func TestInstallStoresTenantOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	got := f.install(res.AuthCode)
	if got.CorpID != res.CorpID || got.Status != StatusActive || got.Agent.AgentID != res.AgentID {
		t.Fatalf("tenant %+v does not match install %+v", got, res)
	}
	if got.Corp.Name != res.CorpName || got.Corp.Type != "verified" || got.Corp.UserMax == 0 || got.InstallState != "st8" {
		t.Errorf("corp fields not stored: %+v", got)
	}
	if got.AuthUser.UserID == "" || got.AuthUser.OpenUserID == "" {
		t.Errorf("installer not stored: %+v", got.AuthUser)
	}
	if !slices.Equal(got.Agent.Privilege.AllowParty, []int{1}) {
		t.Errorf("privilege = %+v", got.Agent.Privilege)
	}
	code, err := f.store.PermanentCode(ctx, testSuiteID, res.CorpID)
	if err != nil || code != res.PermanentCode {
		t.Fatalf("PermanentCode = %q, %v; want the simulator's", code, err)
	}
	admins, err := f.store.Admins(ctx, testSuiteID, res.CorpID)
	if err != nil || len(admins) == 0 || admins[0].AuthType != 1 {
		t.Fatalf("admins = %+v, %v", admins, err)
	}
	// The same code again: the same tenant, no second exchange, no second history entry.
	again := f.install(res.AuthCode)
	if again.ID != got.ID {
		t.Fatalf("second install made tenant %d, first %d", again.ID, got.ID)
	}
	if n := f.calls(pathV2Code); n != 1 {
		t.Errorf("v2/get_permanent_code called %d times, want 1", n)
	}
	if h := f.history(res.CorpID); !slices.Equal(h, []string{KindInstall, KindAdminsChanged}) {
		t.Errorf("history = %v", h)
	}
	if s := f.claimStatus(res.AuthCode); s != claimApplied {
		t.Errorf("claim status %q", s)
	}
}

func TestConcurrentInstallsExchangeOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.linkInstall("")
	// Slow WeCom down so that every caller arrives while the exchange is in flight.
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathV2Code, LatencyMS: 200}); err != nil {
		t.Fatal(err)
	}
	const n = 12
	ids := make([]int64, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tn, err := f.svc.Install(context.Background(), testSuiteID, res.AuthCode, Source{Name: "test"})
			ids[i], errs[i] = tn.ID, err
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] || ids[0] == 0 {
			t.Fatalf("caller %d: tenant %d, %v (first: %d)", i, ids[i], errs[i], ids[0])
		}
	}
	if c := f.calls(pathV2Code); c != 1 {
		t.Errorf("v2/get_permanent_code called %d times, want 1", c)
	}
	if h := f.history(res.CorpID); h[0] != KindInstall || slices.Index(h[1:], KindInstall) >= 0 {
		t.Errorf("history = %v", h)
	}
}

// The exchange succeeded but the step after it failed (as if the worker died there):
// the retry completes from the sealed result and WeCom sees one exchange.
func TestInstallRetryCompletesFromSealedExchange(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathAuthV2, ErrCode: -1, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Install(ctx, testSuiteID, res.AuthCode, Source{Name: "test"}); err == nil {
		t.Fatal("install succeeded despite the get_auth_info fault")
	}
	if s := f.claimStatus(res.AuthCode); s != claimExchanged {
		t.Fatalf("claim status after the failure = %q, want exchanged", s)
	}
	if _, err := f.store.Get(ctx, testSuiteID, res.CorpID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("tenant exists before the retry: %v", err)
	}
	got := f.install(res.AuthCode)
	if got.CorpID != res.CorpID {
		t.Fatalf("tenant %+v", got)
	}
	if c := f.calls(pathV2Code); c != 1 {
		t.Errorf("v2/get_permanent_code called %d times, want 1", c)
	}
}

// ExchangeAuthCode alone is a worker that died right after making the exchange durable.
func TestInstallAfterExchangeOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	corp, err := f.svc.ExchangeAuthCode(ctx, testSuiteID, res.AuthCode)
	if err != nil || corp != res.CorpID {
		t.Fatalf("ExchangeAuthCode = %q, %v", corp, err)
	}
	// The sealed result does not show the permanent code in the clear.
	var raw []byte
	f.db.Raw(`SELECT result_sealed FROM auth_code_claims`).Scan(&raw)
	if len(raw) == 0 || bytes.Contains(raw, []byte(res.PermanentCode)) {
		t.Fatalf("result_sealed = %d bytes, plaintext present: %v", len(raw), bytes.Contains(raw, []byte(res.PermanentCode)))
	}
	got := f.install(res.AuthCode)
	if got.CorpID != res.CorpID || f.calls(pathV2Code) != 1 {
		t.Fatalf("tenant %+v after %d exchanges", got, f.calls(pathV2Code))
	}
	var kept bool
	f.db.Raw(`SELECT result_sealed IS NOT NULL FROM auth_code_claims`).Scan(&kept)
	if kept {
		t.Error("the sealed result was kept after the tenant was written")
	}
}

// A claim whose holder died before recording anything is taken over after its lease.
func TestExpiredClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.linkInstall("")
	err := f.db.Exec(`INSERT INTO auth_code_claims (code_hash, suite_id, purpose, status, owner, lease_until)
		VALUES (?, ?, 'install', 'claimed', 'dead-worker', now() - interval '1 second')`, codeHash(testSuiteID, res.AuthCode), testSuiteID).Error
	if err != nil {
		t.Fatal(err)
	}
	got := f.install(res.AuthCode)
	if got.CorpID != res.CorpID {
		t.Fatalf("tenant %+v", got)
	}
}

// A live claim makes other callers wait for its outcome, not call WeCom.
func TestWaiterGivesUpWithContext(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	res := f.linkInstall("")
	f.db.Exec(`INSERT INTO auth_code_claims (code_hash, suite_id, purpose, status, owner, lease_until)
		VALUES (?, ?, 'install', 'claimed', 'busy-worker', now() + interval '1 minute')`, codeHash(testSuiteID, res.AuthCode), testSuiteID)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	if _, err := f.svc.Install(ctx, testSuiteID, res.AuthCode, Source{Name: "test"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	if c := f.calls(pathV2Code); c != 0 {
		t.Errorf("waiter called WeCom %d times", c)
	}
}

func TestUsedCodeIsRefusedOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	res := f.linkInstall("")
	// Someone else (another platform copy) consumed the code.
	tok, err := f.tokens.SuiteToken(ctx, testSuiteID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.wc.GetPermanentCodeV2(ctx, tok, res.AuthCode); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		_, err := f.svc.Install(ctx, testSuiteID, res.AuthCode, Source{Name: "test"})
		var refused *RefusedError
		if !errors.Is(err, ErrAuthCodeInvalid) || !errors.As(err, &refused) || refused.Code != 40078 {
			t.Fatalf("err = %v, want a refusal 40078", err)
		}
	}
	if c := f.calls(pathV2Code); c != 2 {
		t.Errorf("v2/get_permanent_code called %d times, want 2 (one of them ours)", c)
	}
	if _, err := f.svc.Install(ctx, "wwnosuchsuite", res.AuthCode, Source{Name: "test"}); !errors.Is(err, ErrUnknownSuite) {
		t.Errorf("unknown suite: %v", err)
	}
}

func TestInstallWithV1API(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.PermanentCodeAPI = APIv1 })
	res := f.linkInstall("")
	got := f.install(res.AuthCode)
	if f.calls(pathV1Code) != 1 || f.calls(pathV2Code) != 0 || f.calls(pathAuthV2) != 0 {
		t.Errorf("calls: %+v", f.sim.Calls())
	}
	if len(got.Edition) != 1 || got.Edition[0].AppStatus != 5 || got.Agent.AgentID != res.AgentID {
		t.Errorf("v1 fields not stored: %+v", got)
	}
}

// No answer from WeCom (a 502): the code may be consumed, so the claim is held until its
// lease runs out; then one caller tries again.
func TestUnansweredExchangeHoldsClaimUntilLease(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.ClaimLease = time.Second })
	ctx := context.Background()
	res := f.linkInstall("")
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathV2Code, HTTPStatus: 502, Count: 1}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Install(ctx, testSuiteID, res.AuthCode, Source{Name: "test"}); err == nil {
		t.Fatal("install succeeded through a 502")
	}
	if s := f.claimStatus(res.AuthCode); s != claimClaimed {
		t.Fatalf("claim %q after an unanswered exchange, want held", s)
	}
	start := time.Now()
	got := f.install(res.AuthCode)
	if got.CorpID != res.CorpID || time.Since(start) < 500*time.Millisecond {
		t.Fatalf("tenant %+v after %v (should have waited for the lease)", got, time.Since(start))
	}
	if c := f.calls(pathV2Code); c != 2 {
		t.Errorf("v2/get_permanent_code called %d times, want 2", c)
	}
}

// WeCom answers late in the call's window and the database is slow to take the result
// (here: its row is locked past the call's deadline). The answer is the only copy of the
// permanent code, so it must still be stored and the install completed.
func TestLateExchangeAnswerIsStillRecorded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, func(o *Options) { o.ClaimLease = 3 * time.Second }) // the call gets 2 s
	ctx := context.Background()
	res := f.linkInstall("")
	if _, err := f.sim.AddFault(wecomsim.Fault{Path: pathV2Code, LatencyMS: 1000, Count: 1}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := make(chan error, 1)
	go func() {
		_, err := f.svc.Install(ctx, testSuiteID, res.AuthCode, Source{Name: "test"})
		done <- err
	}()
	hash := codeHash(testSuiteID, res.AuthCode)
	for {
		c, err := f.store.getClaim(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		if c.CodeHash != "" {
			break
		}
		if time.Since(start) > 900*time.Millisecond {
			t.Fatal("no claim while the exchange call is in flight")
		}
		time.Sleep(5 * time.Millisecond)
	}
	tx := f.db.Begin()
	if err := tx.Exec(`SELECT 1 FROM auth_code_claims WHERE code_hash = ? FOR UPDATE`, hash).Error; err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Until(start.Add(2500 * time.Millisecond)))
	if err := tx.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("install: %v", err)
	}
	if s := f.claimStatus(res.AuthCode); s != claimApplied {
		t.Errorf("claim %q, want applied", s)
	}
	if c := f.calls(pathV2Code); c != 1 {
		t.Errorf("v2/get_permanent_code called %d times, want 1", c)
	}
}
