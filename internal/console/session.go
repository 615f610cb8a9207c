package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
)

// Session lifetimes: a session ends after sessionIdle without a request, and after
// sessionMax in any case.
const (
	sessionIdle = 2 * time.Hour
	sessionMax  = 12 * time.Hour
)

// Session is a signed-in staff member; CSRF is the token every state change must carry.
type Session struct {
	Staff Staff
	CSRF  string
	hash  string
}

type sessionStore struct {
	db  *gorm.DB
	now func() time.Time
}

func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// create starts a session and returns the cookie value (only its hash is stored).
func (s *sessionStore) create(ctx context.Context, st Staff, ip, userAgent string) (string, Session, error) {
	token, err := randomToken()
	if err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	csrf, err := randomToken()
	if err != nil {
		return "", Session{}, fmt.Errorf("new session: %w", err)
	}
	now := s.now()
	// Each sign-in clears the member's ended sessions, so the table does not grow.
	err = s.db.WithContext(ctx).Exec(`DELETE FROM staff_sessions WHERE staff_id = ? AND (expires_at < ? OR last_seen_at < ?)`,
		st.ID, now, now.Add(-sessionIdle)).Error
	if err != nil {
		return "", Session{}, fmt.Errorf("new session for staff %d: %w", st.ID, err)
	}
	err = s.db.WithContext(ctx).Exec(`INSERT INTO staff_sessions (token_hash, staff_id, csrf_token, ip, user_agent, created_at, last_seen_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, tokenHash(token), st.ID, csrf, ip, truncate(userAgent, 300), now, now, now.Add(sessionMax)).Error
	if err != nil {
		return "", Session{}, fmt.Errorf("new session for staff %d: %w", st.ID, err)
	}
	return token, Session{Staff: st, CSRF: csrf, hash: tokenHash(token)}, nil
}

// lookup returns the live session of a cookie value and marks it seen.
func (s *sessionStore) lookup(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, ErrUnauthorized
	}
	var row struct {
		ID          int64
		Email       string
		Role        string
		DisabledAt  *time.Time
		LastLoginAt *time.Time
		CreatedAt   time.Time
		CSRFToken   string `gorm:"column:csrf_token"`
		LastSeenAt  time.Time
	}
	now := s.now()
	res := s.db.WithContext(ctx).Raw(`SELECT s.id, s.email, s.role, s.disabled_at, s.last_login_at, s.created_at,
			ss.csrf_token, ss.last_seen_at
		FROM staff_sessions ss JOIN staff s ON s.id = ss.staff_id
		WHERE ss.token_hash = ? AND ss.expires_at > ? AND s.disabled_at IS NULL`, tokenHash(token), now).Scan(&row)
	if res.Error != nil {
		return Session{}, fmt.Errorf("look up session: %w", res.Error)
	}
	if res.RowsAffected == 0 || now.Sub(row.LastSeenAt) > sessionIdle {
		return Session{}, ErrUnauthorized
	}
	// Touch at most once a minute: a page view need not write.
	if now.Sub(row.LastSeenAt) > time.Minute {
		s.db.WithContext(ctx).Exec(`UPDATE staff_sessions SET last_seen_at = ? WHERE token_hash = ?`, now, tokenHash(token))
	}
	st := staffRow{ID: row.ID, Email: row.Email, Role: row.Role, DisabledAt: row.DisabledAt,
		LastLoginAt: row.LastLoginAt, CreatedAt: row.CreatedAt}.toStaff()
	return Session{Staff: st, CSRF: row.CSRFToken, hash: tokenHash(token)}, nil
}

// delete ends a session.
func (s *sessionStore) delete(ctx context.Context, sess Session) error {
	if err := s.db.WithContext(ctx).Exec(`DELETE FROM staff_sessions WHERE token_hash = ?`, sess.hash).Error; err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return nil
}

// validCSRF compares in constant time; an empty token never matches.
func validCSRF(want, got string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(want), []byte(got)) == 1
}

var errCSRF = errors.New("missing or wrong CSRF token")

// truncate cuts s to at most n bytes on a character boundary: PostgreSQL refuses text
// that ends inside a UTF-8 sequence, and staff write reasons in Chinese.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
