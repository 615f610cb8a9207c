package tenants

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
)

// transact runs fn in a transaction, once more if it lost a race to insert the same
// tenant (the unique key on suite and corp decides; the retry then finds the row).
func (s *Store) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	err := s.db.WithContext(ctx).Transaction(fn)
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		err = s.db.WithContext(ctx).Transaction(fn)
	}
	return err
}

// applyExchange writes the tenant an exchanged auth code stands for, with its history
// entry, and marks the claim applied, all in one transaction: a second call for the
// same claim returns the tenant and changes nothing. auth may be nil (reset without a
// re-read of the auth info).
func (s *Store) applyExchange(ctx context.Context, hash, suiteID, purpose, source string, res exchangeResult, auth *authSnapshot) (Tenant, error) {
	var out Tenant
	err := s.transact(ctx, func(tx *gorm.DB) error {
		c, err := lockClaim(tx, hash)
		if err != nil {
			return err
		}
		if c.Status == claimApplied && c.TenantID != nil {
			var r tenantRow
			if err := tx.Where("id = ?", *c.TenantID).Take(&r).Error; err != nil {
				return fmt.Errorf("tenant %d of applied claim: %w", *c.TenantID, err)
			}
			out = toTenant(r)
			return nil
		}
		sealed, err := s.sealCode(suiteID, res.CorpID, res.PermanentCode)
		if err != nil {
			return fmt.Errorf("seal permanent code: %w", err)
		}
		exchangedAt := time.Now()
		if c.ExchangedAt != nil {
			exchangedAt = *c.ExchangedAt
		}
		r, err := s.getRow(tx, suiteID, res.CorpID, true)
		var kind string
		detail := map[string]any{}
		switch {
		case errors.Is(err, ErrNotFound):
			kind = KindInstall
			r = tenantRow{SuiteID: suiteID, CorpID: res.CorpID, Status: string(StatusActive), InstalledAt: time.Now(),
				PermanentCodeSealed: sealed, PermanentCodeAt: &exchangedAt, InstallState: res.State,
				AuthUserID: res.AuthUser.UserID, AuthOpenUserID: res.AuthUser.OpenUserID, AuthUserName: res.AuthUser.Name,
				CorpName: res.CorpName, Edition: jsonb[[]Edition]{[]Edition{}}}
			if auth != nil {
				r.setAuth(*auth)
			}
			if err := tx.Create(&r).Error; err != nil {
				return fmt.Errorf("create tenant %s/%s: %w", suiteID, res.CorpID, err)
			}
		case err != nil:
			return err
		default:
			kind = s.updateFromExchange(&r, purpose, res, auth, sealed, exchangedAt, detail)
			if err := tx.Save(&r).Error; err != nil {
				return fmt.Errorf("update tenant %s/%s: %w", suiteID, res.CorpID, err)
			}
		}
		if err := addHistory(tx, r.ID, kind, source, detail); err != nil {
			return err
		}
		out = toTenant(r)
		return applyClaim(tx, hash, r.ID)
	})
	return out, err
}

// updateFromExchange applies an exchange to an existing tenant row and returns the kind
// of history entry it amounts to.
func (s *Store) updateFromExchange(r *tenantRow, purpose string, res exchangeResult, auth *authSnapshot, sealed []byte,
	exchangedAt time.Time, detail map[string]any) string {
	kind := KindInstall
	switch {
	case purpose == purposeReset:
		kind = KindResetPermanentCode
	case r.Status == string(StatusCancelled):
		kind = KindReinstall
	default:
		detail["already_active"] = true
	}
	if auth != nil {
		if changes := diff(snapshotOfTenant(toTenant(*r)), *auth); len(changes) > 0 {
			detail["changes"] = changes
		}
		r.setAuth(*auth)
	}
	// A code exchanged earlier than the stored one (a retry finishing after a reset) is stale.
	if r.PermanentCodeAt == nil || !exchangedAt.Before(*r.PermanentCodeAt) {
		r.PermanentCodeSealed, r.PermanentCodeAt = sealed, &exchangedAt
	} else {
		detail["stale_permanent_code"] = true
	}
	if r.AuthBrokenAt != nil {
		detail["auth_restored"] = r.AuthBrokenReason
		r.AuthBrokenAt, r.AuthBrokenReason = nil, ""
	}
	if purpose == purposeInstall {
		if r.Status == string(StatusCancelled) {
			r.InstalledAt, r.CancelledAt = time.Now(), nil
		}
		r.Status, r.InstallState = string(StatusActive), res.State
		r.AuthUserID, r.AuthOpenUserID, r.AuthUserName = res.AuthUser.UserID, res.AuthUser.OpenUserID, res.AuthUser.Name
		if r.CorpName == "" {
			r.CorpName = res.CorpName
		}
	}
	r.UpdatedAt = time.Now()
	return kind
}

// cancelSkew is how far (seconds) a cancel_auth's TimeStamp may precede the install it
// cancels before it counts as stale.
const cancelSkew = 5

// updateAuth stores a re-read auth info and records what changed. It clears an
// auth-broken flag, since WeCom accepted the permanent code again.
func (s *Store) updateAuth(ctx context.Context, suiteID, corpID, source string, auth authSnapshot) (Tenant, map[string]Change, error) {
	var out Tenant
	var changes map[string]Change
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.getRow(tx, suiteID, corpID, true)
		if err != nil {
			return err
		}
		if r.Status == string(StatusCancelled) {
			return ErrCancelled
		}
		changes = diff(snapshotOfTenant(toTenant(r)), auth)
		detail := map[string]any{}
		if len(changes) > 0 {
			detail["changes"] = changes
		}
		if r.AuthBrokenAt != nil {
			detail["auth_restored"] = r.AuthBrokenReason
			r.AuthBrokenAt, r.AuthBrokenReason = nil, ""
		}
		out = toTenant(r)
		if len(detail) == 0 {
			return nil
		}
		r.setAuth(auth)
		r.UpdatedAt = time.Now()
		if err := tx.Save(&r).Error; err != nil {
			return fmt.Errorf("update auth of %s/%s: %w", suiteID, corpID, err)
		}
		out = toTenant(r)
		return addHistory(tx, r.ID, KindChangeAuth, source, detail)
	})
	return out, changes, err
}

// cancel marks the tenant cancelled, drops its permanent code and deletes the personal
// data of its users and admins; the history keeps the fact. A cancel older than the
// tenant's (re)install is stale and changes nothing; so does a repeated one. WeCom's
// TimeStamp and our clock may disagree a little, hence the margin.
func (s *Store) cancel(ctx context.Context, suiteID, corpID, source string, eventTime int64) (Tenant, bool, error) {
	var out Tenant
	changed := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		r, err := s.getRow(tx, suiteID, corpID, true)
		if err != nil {
			return err
		}
		out = toTenant(r)
		if r.Status == string(StatusCancelled) || (eventTime > 0 && eventTime < r.InstalledAt.Unix()-cancelSkew) {
			return nil
		}
		users := tx.Exec(`DELETE FROM tenant_users WHERE tenant_id = ?`, r.ID)
		admins := tx.Exec(`DELETE FROM tenant_admins WHERE tenant_id = ?`, r.ID)
		if err := errors.Join(users.Error, admins.Error); err != nil {
			return fmt.Errorf("delete users of %s/%s: %w", suiteID, corpID, err)
		}
		err = tx.Raw(`UPDATE tenants SET status = 'cancelled', cancelled_at = now(), updated_at = now(),
			permanent_code_sealed = NULL, auth_broken_at = NULL, auth_broken_reason = '',
			auth_user_id = '', auth_open_user_id = '', auth_user_name = ''
			WHERE id = ? RETURNING *`, r.ID).Scan(&r).Error
		if err != nil {
			return fmt.Errorf("cancel %s/%s: %w", suiteID, corpID, err)
		}
		out, changed = toTenant(r), true
		return addHistory(tx, r.ID, KindCancel, source, map[string]any{
			"users_deleted": users.RowsAffected, "admins_deleted": admins.RowsAffected})
	})
	return out, changed, err
}
