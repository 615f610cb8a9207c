package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

type sessionRow struct {
	ID           string `gorm:"primaryKey"`
	TenantID     string
	SuiteID      string
	CorpID       string
	UserID       string
	OpenUserID   string
	UserType     int
	CreatedAt    time.Time
	ExpiresAt    time.Time
	RevokedAt    *time.Time
	RevokeReason string
}

func (sessionRow) TableName() string { return "sessions" }

type refreshRow struct {
	ID        int64 `gorm:"primaryKey"`
	SessionID string
	ParentID  *int64
	TokenHash []byte
	IssuedAt  time.Time
	ExpiresAt time.Time
	UsedAt    *time.Time
	RevokedAt *time.Time
}

func (refreshRow) TableName() string { return "refresh_tokens" }

// refreshPrefix makes a leaked refresh token recognisable to secret scanners.
const refreshPrefix = "wrt_"

// Revocation reasons, stored on the session for the console and for audits.
const (
	ReasonLogout = "logout"
	ReasonReuse  = "refresh_reuse"
	ReasonTenant = "tenant_revoked"
	ReasonCorp   = "corp_revoked"
)

func newRefreshToken() (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand panics rather than return short)
	tok := refreshPrefix + base64.RawURLEncoding.EncodeToString(b)
	return tok, hashRefresh(tok)
}

func hashRefresh(tok string) []byte {
	sum := sha256.Sum256([]byte(tok))
	return sum[:]
}

// Issue starts a session for id: an access token and the first refresh token of its family.
func (s *Service) Issue(ctx context.Context, id Identity) (Tokens, error) {
	if id.SuiteID == "" || id.CorpID == "" || id.UserID == "" && id.OpenUserID == "" {
		return Tokens{}, ErrBadIdentity
	}
	now := s.now()
	sess := sessionRow{ID: uuid.NewString(), TenantID: id.TenantID, SuiteID: id.SuiteID, CorpID: id.CorpID,
		UserID: id.UserID, OpenUserID: id.OpenUserID, UserType: id.UserType, CreatedAt: now,
		ExpiresAt: now.Add(s.cfg.RefreshTTL)}
	refresh, hash := newRefreshToken()
	rt := refreshRow{SessionID: sess.ID, TokenHash: hash, IssuedAt: now, ExpiresAt: sess.ExpiresAt}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&sess).Error; err != nil {
			return err
		}
		return tx.Create(&rt).Error
	})
	if err != nil {
		return Tokens{}, fmt.Errorf("issue session: %w", err)
	}
	return s.tokens(ctx, sess, refresh, rt.ExpiresAt, now)
}

func (s *Service) tokens(ctx context.Context, sess sessionRow, refresh string, refreshExp, now time.Time) (Tokens, error) {
	access, exp, err := s.signAccess(ctx, sess, now)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{AccessToken: access, RefreshToken: refresh, TokenType: "Bearer",
		ExpiresIn: int(exp.Sub(now).Seconds()), AccessExpiresAt: exp, RefreshExpiresAt: refreshExp,
		SessionID: sess.ID}, nil
}

// Refresh exchanges a refresh token for a new pair in the same session. The presented token
// is used up; presenting it again revokes the session (ErrRefreshReused), since either the
// client or a thief holds a copy and we cannot tell which. The one exception is the reuse
// grace (Config.ReuseGrace): two tabs of one browser refreshing the same token within a few
// seconds both get a pair.
func (s *Service) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	if !strings.HasPrefix(refresh, refreshPrefix) {
		return Tokens{}, ErrRefreshInvalid
	}
	now := s.now()
	next, nextHash := newRefreshToken()
	var sess sessionRow
	var child refreshRow
	reused := false
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rt refreshRow
		err := tx.Where("token_hash = ?", hashRefresh(refresh)).Take(&rt).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrRefreshInvalid
		}
		if err != nil {
			return err
		}
		// Lock the session, then the token: the same order as revocation, so the two
		// cannot deadlock. Two refreshes of one token serialize here.
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", rt.SessionID).Take(&sess).Error; err != nil {
			return err
		}
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", rt.ID).Take(&rt).Error; err != nil {
			return err
		}
		switch {
		case rt.UsedAt != nil:
			graced, err := s.withinReuseGrace(tx, rt, sess, now)
			if err != nil {
				return err
			}
			if !graced {
				reused = true
				_, err = revokeWhere(tx, now, ReasonReuse, "id = ?", sess.ID)
				return err
			}
			// A second tab within the grace: it gets a sibling of the first tab's token.
		case sess.RevokedAt != nil || rt.RevokedAt != nil:
			return ErrRevoked
		case !now.Before(rt.ExpiresAt):
			return ErrRefreshInvalid
		}
		if rt.UsedAt == nil {
			if err := tx.Model(&rt).Update("used_at", now).Error; err != nil {
				return err
			}
		}
		child = refreshRow{SessionID: sess.ID, ParentID: &rt.ID, TokenHash: nextHash, IssuedAt: now,
			ExpiresAt: now.Add(s.cfg.RefreshTTL)}
		if err := tx.Create(&child).Error; err != nil {
			return err
		}
		sess.ExpiresAt = child.ExpiresAt
		return tx.Model(&sess).Update("expires_at", child.ExpiresAt).Error
	})
	if errors.Is(err, ErrRefreshInvalid) || errors.Is(err, ErrRevoked) {
		return Tokens{}, err
	}
	if err != nil {
		return Tokens{}, fmt.Errorf("refresh session: %w", err)
	}
	if reused {
		s.revoked.mark(ctx, sess.ID)
		s.log.Warn("refresh token reused; session revoked", "session_id", sess.ID,
			"suite_id", sess.SuiteID, "corp_id", sess.CorpID)
		return Tokens{}, ErrRefreshReused
	}
	return s.tokens(ctx, sess, next, child.ExpiresAt, now)
}

// maxGraceChildren bounds how many new pairs one refresh token yields inside the reuse
// grace: a few tabs of one browser, not a thief replaying it in a loop.
const maxGraceChildren = 3

// withinReuseGrace reports whether a used refresh token may be used once more: the
// session is live, the first use was at most ReuseGrace ago, and it has not yet had
// maxGraceChildren children. Anything else is reuse, and revokes the family.
func (s *Service) withinReuseGrace(tx *gorm.DB, rt refreshRow, sess sessionRow, now time.Time) (bool, error) {
	if s.cfg.ReuseGrace <= 0 || sess.RevokedAt != nil || rt.RevokedAt != nil || !now.Before(rt.ExpiresAt) ||
		now.Sub(*rt.UsedAt) > s.cfg.ReuseGrace {
		return false, nil
	}
	var children int64
	if err := tx.Model(&refreshRow{}).Where("parent_id = ?", rt.ID).Count(&children).Error; err != nil {
		return false, err
	}
	return children < maxGraceChildren, nil
}

// Revoke ends one session: its refresh tokens and access tokens stop working.
func (s *Service) Revoke(ctx context.Context, sessionID string) error {
	if uuid.Validate(sessionID) != nil {
		return nil // no such session can exist
	}
	_, err := s.revoke(ctx, ReasonLogout, "id = ?", sessionID)
	if err != nil {
		return fmt.Errorf("revoke session %s: %w", sessionID, err)
	}
	return nil
}

// RevokeTenant ends every session of a tenant (e.g. when it is cancelled) and returns how
// many were open.
func (s *Service) RevokeTenant(ctx context.Context, tenantID string) (int, error) {
	if tenantID == "" {
		return 0, errors.New("revoke tenant sessions: empty tenant id")
	}
	n, err := s.revoke(ctx, ReasonTenant, "tenant_id = ?", tenantID)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of tenant %s: %w", tenantID, err)
	}
	return n, nil
}

// RevokeCorp ends every session of one corp's users of one suite (cancel_auth) and returns
// how many were open.
func (s *Service) RevokeCorp(ctx context.Context, suiteID, corpID string) (int, error) {
	n, err := s.revoke(ctx, ReasonCorp, "suite_id = ? AND corp_id = ?", suiteID, corpID)
	if err != nil {
		return 0, fmt.Errorf("revoke sessions of %s/%s: %w", suiteID, corpID, err)
	}
	return n, nil
}

func (s *Service) revoke(ctx context.Context, reason, where string, args ...any) (int, error) {
	ids, err := revokeWhere(s.db.WithContext(ctx), s.now(), reason, where, args...)
	if err != nil {
		return 0, err
	}
	s.revoked.mark(ctx, ids...)
	if len(ids) > 0 {
		s.log.Info("sessions revoked", "reason", reason, "sessions", len(ids))
	}
	return len(ids), nil
}

// revokeWhere revokes the open sessions matching where (a trusted constant with
// placeholders) and their unused refresh tokens in one statement, returning their ids.
func revokeWhere(db *gorm.DB, now time.Time, reason, where string, args ...any) ([]string, error) {
	q := `WITH s AS (
	UPDATE sessions SET revoked_at = ?, revoke_reason = ?
	WHERE revoked_at IS NULL AND ` + where + ` RETURNING id
), r AS (
	UPDATE refresh_tokens SET revoked_at = ?
	WHERE session_id IN (SELECT id FROM s) AND revoked_at IS NULL AND used_at IS NULL
)
SELECT id::text FROM s`
	var ids []string
	err := db.Raw(q, append(append([]any{now, reason}, args...), now)...).Scan(&ids).Error
	return ids, err
}

// sessionOfRefresh returns the session a refresh token belongs to, for logout.
func (s *Service) sessionOfRefresh(ctx context.Context, refresh string) (string, error) {
	var rt refreshRow
	err := s.db.WithContext(ctx).Select("session_id").Where("token_hash = ?", hashRefresh(refresh)).Take(&rt).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", ErrRefreshInvalid
	}
	if err != nil {
		return "", fmt.Errorf("find session of refresh token: %w", err)
	}
	return rt.SessionID, nil
}

// PurgeExpiredSessions deletes, across all tenants, sessions (and their refresh tokens)
// that expired before cutoff; nothing can revive them. Meant for a periodic job.
func (s *Service) PurgeExpiredSessions(ctx context.Context, cutoff time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at < ?", cutoff).Delete(&sessionRow{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge expired sessions: %w", res.Error)
	}
	return res.RowsAffected, nil
}
