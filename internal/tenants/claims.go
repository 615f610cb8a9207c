package tenants

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// Claim statuses. A code is claimed by one caller, who exchanges it; the result is
// sealed into the row (exchanged) before the tenant is written (applied). A refusal by
// WeCom is kept (failed) so later deliveries of the code get the same answer.
const (
	claimClaimed   = "claimed"
	claimExchanged = "exchanged"
	claimApplied   = "applied"
	claimFailed    = "failed"
)

// Purposes of an auth code.
const (
	purposeInstall = "install"
	purposeReset   = "reset"
)

type claimRow struct {
	CodeHash     string
	SuiteID      string
	Purpose      string
	Status       string
	Owner        string
	LeaseUntil   time.Time
	CorpID       string
	ResultSealed []byte
	ErrorCode    int
	Error        string
	TenantID     *int64
	ExchangedAt  *time.Time
	AppliedAt    *time.Time
	CompletedAt  *time.Time
	Expired      bool `gorm:"->"` // lease_until < now(), computed by the database
}

// codeHash names a code without storing it: the hash of suite and code.
func codeHash(suiteID, code string) string {
	sum := sha256.Sum256([]byte(suiteID + "\x00" + code))
	return hex.EncodeToString(sum[:])
}

func claimAD(hash string) string { return "auth_code_claim:" + hash + ":result" }

// claim makes owner the exchanger of the code unless another caller holds a live
// claim or the code already has an outcome. won reports whether owner holds it now; an
// expired lease (its holder died mid-exchange) is taken over.
func (s *Store) claim(ctx context.Context, hash, suiteID, purpose, owner string, lease time.Duration) (claimRow, bool, error) {
	var rows []claimRow
	err := s.db.WithContext(ctx).Raw(`
		INSERT INTO auth_code_claims (code_hash, suite_id, purpose, status, owner, lease_until)
		VALUES (?, ?, ?, 'claimed', ?, now() + make_interval(secs => ?))
		ON CONFLICT (code_hash) DO UPDATE SET owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until, updated_at = now()
		WHERE auth_code_claims.status = 'claimed' AND auth_code_claims.lease_until < now()
		RETURNING *, false AS expired`, hash, suiteID, purpose, owner, lease.Seconds()).Scan(&rows).Error
	if err != nil {
		return claimRow{}, false, fmt.Errorf("claim auth code: %w", err)
	}
	if len(rows) == 1 {
		return rows[0], true, nil
	}
	c, err := s.getClaim(ctx, hash)
	return c, false, err
}

func (s *Store) getClaim(ctx context.Context, hash string) (claimRow, error) {
	var rows []claimRow
	err := s.db.WithContext(ctx).Raw(`SELECT *, lease_until < now() AS expired FROM auth_code_claims WHERE code_hash = ?`, hash).
		Scan(&rows).Error
	if err != nil {
		return claimRow{}, fmt.Errorf("read auth code claim: %w", err)
	}
	if len(rows) == 0 {
		// Released between our insert attempt and this read: the caller claims again.
		return claimRow{Status: claimClaimed, Expired: true}, nil
	}
	return rows[0], nil
}

// recordExchange seals the exchange result into the claim. A success is recorded even if
// the lease was lost meanwhile: it is the only copy of the permanent code.
func (s *Store) recordExchange(ctx context.Context, hash string, res exchangeResult) error {
	plain, err := json.Marshal(res)
	if err != nil {
		return fmt.Errorf("record exchange: %w", err)
	}
	sealed, err := s.box.Seal(plain, claimAD(hash))
	if err != nil {
		return fmt.Errorf("record exchange: %w", err)
	}
	err = s.db.WithContext(ctx).Exec(`UPDATE auth_code_claims SET status = 'exchanged', corp_id = ?, result_sealed = ?,
		exchanged_at = now(), error_code = 0, error = '', updated_at = now()
		WHERE code_hash = ? AND status IN ('claimed', 'failed')`, res.CorpID, sealed, hash).Error
	if err != nil {
		return fmt.Errorf("record exchange: %w", err)
	}
	return nil
}

// recordFailure keeps WeCom's refusal of the code, so that no later delivery tries again.
func (s *Store) recordFailure(ctx context.Context, hash, owner string, code int, msg string) error {
	err := s.db.WithContext(ctx).Exec(`UPDATE auth_code_claims SET status = 'failed', error_code = ?, error = ?, updated_at = now()
		WHERE code_hash = ? AND owner = ? AND status = 'claimed'`, code, truncate(msg, 500), hash, owner).Error
	if err != nil {
		return fmt.Errorf("record refused auth code: %w", err)
	}
	return nil
}

// release gives up owner's claim after a failure that did not consume the code (an
// errcode answer other than a refusal), so that a retry may exchange it at once.
func (s *Store) release(ctx context.Context, hash, owner string) error {
	err := s.db.WithContext(ctx).Exec(`DELETE FROM auth_code_claims WHERE code_hash = ? AND owner = ? AND status = 'claimed'`,
		hash, owner).Error
	if err != nil {
		return fmt.Errorf("release auth code claim: %w", err)
	}
	return nil
}

// exchangedClaims returns the claims of suiteID exchanged for corpID but not applied
// (their tenant write failed), oldest first.
func (s *Store) exchangedClaims(ctx context.Context, suiteID, corpID string) ([]claimRow, error) {
	var rows []claimRow
	err := s.db.WithContext(ctx).Raw(`SELECT *, false AS expired FROM auth_code_claims
		WHERE suite_id = ? AND corp_id = ? AND status = 'exchanged' ORDER BY exchanged_at, code_hash`, suiteID, corpID).
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("exchanged auth codes of %s/%s: %w", suiteID, corpID, err)
	}
	return rows, nil
}

func (s *Store) openResult(c claimRow) (exchangeResult, error) {
	var res exchangeResult
	plain, err := s.box.Open(c.ResultSealed, claimAD(c.CodeHash))
	if err != nil {
		return res, fmt.Errorf("open exchange result: %w", err)
	}
	if err := json.Unmarshal(plain, &res); err != nil {
		return res, fmt.Errorf("decode exchange result: %w", err)
	}
	return res, nil
}

// markCompleted records that the install's follow-up (admin list) is done. It reports
// whether this call did it, so the install duration is observed once.
func (s *Store) markCompleted(ctx context.Context, hash string) (bool, error) {
	res := s.db.WithContext(ctx).Exec(`UPDATE auth_code_claims SET completed_at = now(), updated_at = now()
		WHERE code_hash = ? AND completed_at IS NULL`, hash)
	if res.Error != nil {
		return false, fmt.Errorf("complete auth code claim: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// applyClaim marks the claim applied inside the tenant write's transaction and drops the
// sealed result: the permanent code now lives in the tenant row only.
func applyClaim(tx *gorm.DB, hash string, tenantID int64) error {
	err := tx.Exec(`UPDATE auth_code_claims SET status = 'applied', tenant_id = ?, applied_at = now(), result_sealed = NULL,
		updated_at = now() WHERE code_hash = ?`, tenantID, hash).Error
	if err != nil {
		return fmt.Errorf("apply auth code claim: %w", err)
	}
	return nil
}

// lockClaim re-reads the claim under a row lock inside the tenant write's transaction.
func lockClaim(tx *gorm.DB, hash string) (claimRow, error) {
	var rows []claimRow
	err := tx.Raw(`SELECT *, false AS expired FROM auth_code_claims WHERE code_hash = ? FOR UPDATE`, hash).Scan(&rows).Error
	if err != nil {
		return claimRow{}, fmt.Errorf("lock auth code claim: %w", err)
	}
	if len(rows) == 0 {
		return claimRow{}, fmt.Errorf("auth code claim %s vanished", hash[:8])
	}
	return rows[0], nil
}

// PruneClaimsBefore deletes settled claims (applied or refused) created before t, across
// all suites. Auth codes live ten minutes, so a day-old claim guards nothing any more;
// exchanged claims are kept, since they hold the only copy of a permanent code
// whose tenant is not written yet (replaying the inbox event completes it).
func (s *Store) PruneClaimsBefore(ctx context.Context, t time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Exec(`DELETE FROM auth_code_claims WHERE created_at < ? AND status IN ('applied', 'failed')`, t)
	if res.Error != nil {
		return 0, fmt.Errorf("prune auth code claims: %w", res.Error)
	}
	return res.RowsAffected, nil
}
